// initiative-without-owner (warning): initiatives with no owner (null or only white
// space).
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('initiative'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (i:{{label:initiative}}:Active {plan: p.plan})
WHERE coalesce(i.owner, '') =~ blank
RETURN p.plan AS plan, 'initiative' AS kind, i.key AS key,
       i {{names:initiative}} AS fields
ORDER BY plan, key
