// objective-without-final-outcome (warning): objectives measured by outcomes, none of
// them final (outcome subkind 'final').
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('objective'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue), outcomes (keys of the
//   outcomes measuring it).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (o:Element {plan: p.plan, kind: 'objective', active: true})
      <-[:LINK {edge: 'measures', active: true}]-(oc:Element {kind: 'outcome', active: true})
WITH p, o, collect(DISTINCT oc) AS outcomes
WHERE none(oc IN outcomes WHERE coalesce(oc.subkind, '') = 'final')
RETURN p.plan AS plan, o.kind AS kind, o.key AS key,
       properties(o) AS fields,
       [oc IN outcomes | oc.key] AS outcomes
ORDER BY plan, key
