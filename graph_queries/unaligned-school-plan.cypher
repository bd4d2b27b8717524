// unaligned-school-plan (warning): school plans aligned to no active objective or
// initiative.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('school_plan'), key, fields (the element's
//   properties: the message names it by its kind's title fields in the catalogue).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (s:{{label:school_plan}}:Active {plan: p.plan})
WHERE NOT EXISTS {
  MATCH (s)-[:{{type:aligns_to}}]->(t)
}
RETURN p.plan AS plan, 'school_plan' AS kind, s.key AS key,
       s {{names:school_plan}} AS fields
ORDER BY plan, key
