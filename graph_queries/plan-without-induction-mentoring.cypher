// plan-without-induction-mentoring (warning): plans with no active professional
// learning of subkind 'induction' or 'mentoring'.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('plan'), key (null).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
WITH p
WHERE NOT EXISTS {
  MATCH (l:{{label:professional_learning}}:Active {plan: p.plan})
  WHERE l.subkind IN ['induction', 'mentoring']
}
RETURN p.plan AS plan, 'plan' AS kind, null AS key
ORDER BY plan
