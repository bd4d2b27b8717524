// unfunded-initiative (warning): initiatives that no active budget line (of the audited
// fiscal year when one is given) funds with an amount above 0. Only allocations to the
// initiative itself count, not those to the professional learning enabling it.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@'), $fiscal_year (e.g. 'FY26', compared trimmed and
//   case-insensitively; null or blank for every year).
// Columns: plan, kind ('initiative'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (i:{{label:initiative}}:Active {plan: p.plan})
WHERE NOT EXISTS {
  MATCH (b)-[f:{{type:funds}}]->(i)
  WHERE f.amount > 0
    AND ($fiscal_year IS NULL OR $fiscal_year =~ blank
         OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
}
RETURN p.plan AS plan, 'initiative' AS kind, i.key AS key,
       i {{names:initiative}} AS fields
ORDER BY plan, key
