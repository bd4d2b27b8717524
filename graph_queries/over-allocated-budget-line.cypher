// over-allocated-budget-line (warning): budget lines (of the audited fiscal year when
// one is given) whose allocations to active initiatives and professional learning add
// up to more than the line's amount. An allocation with no amount counts as 0; a line
// with no amount has 0 to allocate.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Exact arithmetic: amounts are summed as whole cents (round(amount * 100), integers),
// which gives Python's Decimal result for amounts of at most 2 decimals (finer amounts
// are rounded to the cent).
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@'), $fiscal_year (e.g. 'FY26', compared trimmed and
//   case-insensitively; null or blank for every year).
// Columns: plan, kind ('budget_line'), key, fields (the element's
//   properties: the message names it by its kind's title fields in the catalogue),
//   allocated_cents (integer), available_cents (integer; null when the line has no
//   amount).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (b:{{label:budget_line}}:Active {plan: p.plan})
WHERE ($fiscal_year IS NULL OR $fiscal_year =~ blank
     OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
WITH p, b, COLLECT {
  MATCH (b)-[f:{{type:funds}}]->()
  WHERE f.amount IS NOT NULL
  RETURN toInteger(round(f.amount * 100))
} AS cents
WITH p, b, reduce(total = 0, c IN cents | total + c) AS allocated,
     CASE WHEN b.amount IS NULL THEN null ELSE toInteger(round(b.amount * 100)) END AS available
WHERE allocated > coalesce(available, 0)
RETURN p.plan AS plan, 'budget_line' AS kind, b.key AS key,
       b {{names:budget_line}} AS fields,
       allocated AS allocated_cents, available AS available_cents
ORDER BY plan, key
