// benchmark-overdue (warning): benchmarks due strictly before the audit date whose
// status is not 'complete' (compared trimmed and case-insensitively; no status is not
// complete). A benchmark with no due date is never overdue.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Dates are ISO 'YYYY-MM-DD' text (the domain writes every date so), compared as text,
// which orders them as calendar dates.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@'), $as_of (the audit date, an ISO 'YYYY-MM-DD' string).
// Columns: plan, kind ('benchmark'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue), due, status (as
//   stored).
// complete: 'complete', trimmed (Python's white space), in any case
WITH '(?i)[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*complete[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS complete
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (b:{{label:benchmark}}:Active {plan: p.plan})
WHERE b.due IS :: STRING NOT NULL AND b.due =~ '\\d{4}-\\d{2}-\\d{2}' AND b.due < $as_of
  AND NOT coalesce(b.status, '') =~ complete
RETURN p.plan AS plan, 'benchmark' AS kind, b.key AS key,
       b {{names:benchmark}} AS fields,
       b.due AS due, b.status AS status
ORDER BY plan, key
