// initiative-without-early-evidence (info): initiatives tracked by benchmarks, none of
// them early evidence of change (benchmark subkind 'early_evidence').
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('initiative'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue), benchmarks (keys of
//   the benchmarks tracking it).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (i:{{label:initiative}}:Active {plan: p.plan})
      <-[:{{type:tracks}}]-(b)
WITH p, i, collect(DISTINCT b) AS benchmarks
WHERE none(b IN benchmarks WHERE coalesce(b.subkind, '') = 'early_evidence')
RETURN p.plan AS plan, 'initiative' AS kind, i.key AS key,
       i {{names:initiative}} AS fields,
       [b IN benchmarks | b.key] AS benchmarks
ORDER BY plan, key
