// plans: every plan in the projection, for state-wide views (e.g. ranking the plans by
// alignment score, which runs each rule's query with $plan null). Scratch copies of past
// versions (ids holding '@') are left out.
// Parameters: none.
// Columns: plan, district, title, status, version (the plan's last version),
//   period_start, period_end; ordered by plan.
MATCH (p:Plan)
WHERE NOT p.plan CONTAINS '@'
RETURN p.plan AS plan, p.district AS district, p.title AS title, p.status AS status,
       p.version AS version, p.period_start AS period_start, p.period_end AS period_end
ORDER BY plan
