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
MATCH (o:{{label:objective}}:Active {plan: p.plan})
      <-[:{{type:measures}}]-(oc)
WITH p, o, collect(DISTINCT oc) AS outcomes
WHERE none(oc IN outcomes WHERE coalesce(oc.subkind, '') = 'final')
RETURN p.plan AS plan, 'objective' AS kind, o.key AS key,
       o {{names:objective}} AS fields,
       [oc IN outcomes | oc.key] AS outcomes
ORDER BY plan, key
