// objective-count (warning): plans with fewer than 3 or more than 5 active objectives.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('plan'), key (null), count (active objectives).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
WITH p, COUNT { MATCH (:{{label:objective}}:Active {plan: p.plan}) } AS count
WHERE count < 3 OR count > 5
RETURN p.plan AS plan, 'plan' AS kind, null AS key, count
ORDER BY plan
