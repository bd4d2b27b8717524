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
MATCH (top:Element:Active {plan: $plan, key: $key})
WITH top, CASE
  WHEN top:{{label:mission}} THEN COLLECT { MATCH (o:{{label:objective}}:Active {plan: $plan}) RETURN o }
  ELSE [top]
END AS roots
WITH top, COLLECT {
  UNWIND roots AS r
  MATCH path = (n:Active)-[:{{types}}*0..]->(r)
  WHERE all(x IN nodes(path) WHERE x:Active)
  RETURN DISTINCT n
} AS members
WITH top, CASE WHEN top:{{label:mission}} THEN members + top ELSE members END AS members
RETURN top.key AS key, {{kind_of:top}} AS kind,
       [n IN members | {key: n.key, kind: {{kind_of:n}}}] AS nodes,
       COLLECT {
         UNWIND members AS a
         MATCH (a)-[r:{{types}}]->(b:Active)
         WHERE b IN members
         RETURN {source: a.key, target: b.key, edge: toLower(type(r)), amount: r.amount} AS edge
       }
       + CASE WHEN top:{{label:mission}}
           THEN [o IN members WHERE o:{{label:objective}}
                 | {source: o.key, target: top.key, edge: 'advances', amount: null}]
           ELSE []
         END AS edges
