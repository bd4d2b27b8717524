// initiative-without-professional-learning (warning): initiatives that no active
// professional learning enables.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('initiative'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (i:{{label:initiative}}:Active {plan: p.plan})
WHERE NOT EXISTS {
  MATCH (i)<-[:{{type:enables}}]-()
}
RETURN p.plan AS plan, 'initiative' AS kind, i.key AS key,
       i {{names:initiative}} AS fields
ORDER BY plan, key
