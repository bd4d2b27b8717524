// unaligned-budget-line (warning): budget lines (of the audited fiscal year when one is
// given) that fund no active initiative or professional learning. An allocation of 0,
// or of no stated amount, to an active element still aligns the line.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@'), $fiscal_year (e.g. 'FY26', compared trimmed and
//   case-insensitively; null or blank for every year).
// Columns: plan, kind ('budget_line'), key, fields (the element's
//   properties: the message names it by its kind's title fields in the catalogue).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (b:{{label:budget_line}}:Active {plan: p.plan})
WHERE ($fiscal_year IS NULL OR $fiscal_year =~ blank
     OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
  AND NOT EXISTS {
    MATCH (b)-[:{{type:funds}}]->(t)
  }
RETURN p.plan AS plan, 'budget_line' AS kind, b.key AS key,
       b {{names:budget_line}} AS fields
ORDER BY plan, key
