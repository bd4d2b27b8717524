// statewide-unfunded-objectives: every unfunded objective in every district's plan, as
// the unfunded-objective rule reads it: an objective none of whose initiatives, nor the
// professional learning enabling them, is given an amount above 0 by an active budget
// line (of the fiscal year when one is given); an objective with no initiative is
// unfunded. Only active elements, and active links between active elements, count.
// Scratch copies of past versions (ids holding '@') are left out.
// Parameters: $fiscal_year (e.g. 'FY26', compared trimmed and case-insensitively; null or
//   blank for every year).
// Columns: district, plan, plan_title, key, title (the objective's), initiatives (keys of
//   the initiatives supporting it), ordered by district, plan and key.
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE NOT p.plan CONTAINS '@'
MATCH (o:{{label:objective}}:Active {plan: p.plan})
WITH p, o, blank, COLLECT {
  MATCH (i)-[:{{type:supports}}]->(o)
  RETURN DISTINCT i
} AS initiatives
WITH p, o, blank, initiatives, initiatives + COLLECT {
  UNWIND initiatives AS i
  MATCH (l)-[:{{type:enables}}]->(i)
  RETURN DISTINCT l
} AS fundable
WHERE NOT EXISTS {
  UNWIND fundable AS t
  MATCH (b)-[f:{{type:funds}}]->(t)
  WHERE f.amount > 0
    AND ($fiscal_year IS NULL OR $fiscal_year =~ blank
         OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
}
RETURN p.district AS district, p.plan AS plan, p.title AS plan_title, o.key AS key,
       o.title AS title, [i IN initiatives | i.key] AS initiatives
ORDER BY district, plan, key
