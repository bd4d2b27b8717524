// beneath: an element and everything beneath it, i.e. every active element that supports
// it directly or through others. Beneath an objective stand its initiatives, their
// benchmarks, professional learning and budget lines, its outcomes, data findings,
// school plans and educator goals. Beneath the mission stand every active objective (the
// implicit `advances` edges, not stored) and all beneath them.
// Twin of coherence.queries.line_of_sight.beneath (the subgraph of the element and its
// ancestors in the active graph).
// Parameters: $plan (a plan id), $key (an element key).
// Columns: key, kind, nodes (a list of {key, kind}), edges (a list of {source, target,
//   edge, amount}: the active links among those nodes, amount for funds links, and the
//   implicit advances edges when $key is the mission). No row when the plan has no
//   active element $key.
MATCH (top:Element {plan: $plan, key: $key, active: true})
WITH top, COLLECT {
  MATCH (r:Element {plan: $plan, active: true})
  WHERE r = top OR (top.kind = 'mission' AND r.kind = 'objective')
  RETURN r
} AS roots
WITH top, COLLECT {
  UNWIND roots AS r
  MATCH path = (n:Element)-[:LINK*0..]->(r)
  WHERE all(x IN relationships(path) WHERE x.active)
    AND all(x IN nodes(path) WHERE x.active)
  RETURN DISTINCT n
} AS members
WITH top, CASE WHEN top.kind = 'mission' THEN members + top ELSE members END AS members
RETURN top.key AS key, top.kind AS kind,
       [n IN members | {key: n.key, kind: n.kind}] AS nodes,
       COLLECT {
         UNWIND members AS a
         MATCH (a)-[r:LINK {active: true}]->(b:Element {active: true})
         WHERE b IN members
         RETURN {source: a.key, target: b.key, edge: r.edge, amount: r.amount} AS edge
       }
       + CASE WHEN top.kind = 'mission'
           THEN [o IN members WHERE o.kind = 'objective'
                 | {source: o.key, target: top.key, edge: 'advances', amount: null}]
           ELSE []
         END AS edges
