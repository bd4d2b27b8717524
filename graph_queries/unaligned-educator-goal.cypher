// unaligned-educator-goal (warning): educator goals aligned to no active objective or
// initiative.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('educator_goal'), key, fields (the element's
//   properties: the message names it by its kind's title fields in the catalogue), educator
//   (as stored).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (g:{{label:educator_goal}}:Active {plan: p.plan})
WHERE NOT EXISTS {
  MATCH (g)-[:{{type:aligns_to}}]->(t)
}
RETURN p.plan AS plan, 'educator_goal' AS kind, g.key AS key,
       g {{names:educator_goal}} AS fields,
       g.educator AS educator
ORDER BY plan, key
