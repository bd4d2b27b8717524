// statewide-budget-lines-reaching-no-objective: budget lines, across every district's
// plan, from which no line of sight reaches an objective: no path of active links
// between active elements leads from the line to an active objective (budget line ->
// initiative -> objective, or budget line -> professional learning -> initiative ->
// objective), whatever the amounts. Ordered by fund source, so each fund's lines come
// together. Scratch copies of past versions (ids holding '@') are left out.
// Parameters: $fiscal_year (e.g. 'FY26', compared trimmed and case-insensitively; null or
//   blank for every year).
// Columns: fund (as stored, null when none), district, plan, key, fiscal_year,
//   description, amount (the line's amount, as stored), ordered by fund, district, plan
//   and key.
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE NOT p.plan CONTAINS '@'
MATCH (b:{{label:budget_line}}:Active {plan: p.plan})
WHERE ($fiscal_year IS NULL OR $fiscal_year =~ blank
       OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
  AND NOT EXISTS {
    MATCH path = (b)-[:{{types}}*1..]->(:{{label:objective}})
    WHERE all(n IN nodes(path) WHERE n:Active)
  }
RETURN b.fund AS fund, p.district AS district, p.plan AS plan, b.key AS key,
       b.fiscal_year AS fiscal_year, b.description AS description, b.amount AS amount
ORDER BY fund, district, plan, key
