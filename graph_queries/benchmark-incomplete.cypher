// benchmark-incomplete (warning): benchmarks with no owner or no due date (a due that
// is not an ISO 'YYYY-MM-DD' text counts as none). One row per benchmark.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('benchmark'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue), missing (of 'owner',
//   'due').
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (b:{{label:benchmark}}:Active {plan: p.plan})
WITH p, b,
     CASE WHEN coalesce(b.owner, '') =~ blank THEN ['owner'] ELSE [] END
     + CASE WHEN b.due IS :: STRING NOT NULL AND b.due =~ '\\d{4}-\\d{2}-\\d{2}' THEN [] ELSE ['due'] END AS missing
WHERE size(missing) > 0
RETURN p.plan AS plan, 'benchmark' AS kind, b.key AS key,
       b {{names:benchmark}} AS fields,
       missing
ORDER BY plan, key
