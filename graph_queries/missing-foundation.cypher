// missing-foundation (error): each foundation item the plan lacks, one row each: a
// mission, vision or theory of action (an active one whose text is not blank) and a
// core value (an active one whose name or description is not blank).
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind (the missing item: mission, vision, theory_of_action or
//   core_value), key (null).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
WITH p, [
  CASE WHEN EXISTS {
    MATCH (m:{{label:mission}}:Active {plan: p.plan}) WHERE NOT coalesce(m.text, '') =~ blank
  } THEN null ELSE 'mission' END,
  CASE WHEN EXISTS {
    MATCH (v:{{label:vision}}:Active {plan: p.plan}) WHERE NOT coalesce(v.text, '') =~ blank
  } THEN null ELSE 'vision' END,
  CASE WHEN EXISTS {
    MATCH (t:{{label:theory_of_action}}:Active {plan: p.plan}) WHERE NOT coalesce(t.text, '') =~ blank
  } THEN null ELSE 'theory_of_action' END,
  CASE WHEN EXISTS {
    MATCH (c:{{label:core_value}}:Active {plan: p.plan})
    WHERE NOT coalesce(c.name, '') =~ blank OR NOT coalesce(c.description, '') =~ blank
  } THEN null ELSE 'core_value' END
] AS missing
UNWIND missing AS item
WITH p, item WHERE item IS NOT NULL
RETURN p.plan AS plan, item AS kind, null AS key
