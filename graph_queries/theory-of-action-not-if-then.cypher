// theory-of-action-not-if-then (warning): a theory of action (with text) not framed "if
// ... then ...": the whole word "if" must occur, and the whole word "then" after it, in
// any case.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Words are read as Python's re reads \b in a str pattern (a word character is a
// Unicode letter or number, or '_'), with Unicode case folding (so 'İF' reads as 'if'
// too). Checked over every code point: it agrees with Python 3.11 (Unicode 14) on every
// character Neo4j's Java 17 (Unicode 13) knows.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('theory_of_action'), key, fields (the element's
//   properties: the message names it by its kind's title fields in the catalogue).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
WITH blank, '(?isu)(?:.*[^\\p{L}\\p{N}_])?if(?![\\p{L}\\p{N}_]).*[^\\p{L}\\p{N}_]then(?![\\p{L}\\p{N}_]).*' AS if_then
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (t:{{label:theory_of_action}}:Active {plan: p.plan})
WHERE NOT coalesce(t.text, '') =~ blank
  AND NOT t.text =~ if_then
RETURN p.plan AS plan, 'theory_of_action' AS kind, t.key AS key,
       t {{names:theory_of_action}} AS fields
ORDER BY plan, key
