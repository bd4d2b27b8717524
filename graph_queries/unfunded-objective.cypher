// unfunded-objective (error): objectives none of whose initiatives, nor the
// professional learning enabling them, is funded: given an amount above 0 by an active
// budget line (of the audited fiscal year when one is given). An objective with no
// initiative is unfunded.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@'), $fiscal_year (e.g. 'FY26', compared trimmed and
//   case-insensitively; null or blank for every year).
// Columns: plan, kind ('objective'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue), initiatives (keys of
//   the initiatives supporting it).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
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
RETURN p.plan AS plan, 'objective' AS kind, o.key AS key,
       o {{names:objective}} AS fields,
       [i IN initiatives | i.key] AS initiatives
ORDER BY plan, key
