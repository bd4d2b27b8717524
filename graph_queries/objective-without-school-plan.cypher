// objective-without-school-plan (info): objectives that no active school plan aligns to
// (directly).
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('objective'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (o:{{label:objective}}:Active {plan: p.plan})
WHERE NOT EXISTS {
  MATCH (o)<-[:{{type:aligns_to}}]-(:{{label:school_plan}})
}
RETURN p.plan AS plan, 'objective' AS kind, o.key AS key,
       o {{names:objective}} AS fields
ORDER BY plan, key
