// outcome-not-smart (warning): outcomes missing a metric, baseline or target (a number,
// 0 included, is present) or a due date, or due outside the plan period (whose first
// and last days are inside it). One row per outcome, with every gap.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Dates are ISO 'YYYY-MM-DD' text (the domain writes every date so), compared as text,
// which orders them as calendar dates. A due that is not such a text is 'not_a_date'.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('outcome'), key, fields (the element's properties: the
//   message names it by its kind's title fields in the catalogue), missing (the blank
//   ones of 'metric', 'baseline', 'target'), due_problem ('missing', 'not_a_date',
//   'before_start', 'after_end' or null), due (as stored), start and end (the plan's
//   period, or null).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (o:{{label:outcome}}:Active {plan: p.plan})
WITH p, o,
     [name IN ['metric', 'baseline', 'target']
      WHERE CASE WHEN o[name] IS :: STRING NOT NULL THEN o[name] =~ blank ELSE o[name] IS NULL END] AS missing,
     CASE
       WHEN CASE WHEN o.due IS :: STRING NOT NULL THEN o.due =~ blank ELSE o.due IS NULL END THEN 'missing'
       WHEN NOT (o.due IS :: STRING NOT NULL AND o.due =~ '\\d{4}-\\d{2}-\\d{2}') THEN 'not_a_date'
       WHEN p.period_start IS NOT NULL AND o.due < p.period_start THEN 'before_start'
       WHEN p.period_end IS NOT NULL AND o.due > p.period_end THEN 'after_end'
     END AS due_problem
WHERE size(missing) > 0 OR due_problem IS NOT NULL
RETURN p.plan AS plan, 'outcome' AS kind, o.key AS key,
       o {{names:outcome}} AS fields,
       missing, due_problem, o.due AS due, p.period_start AS start, p.period_end AS end
ORDER BY plan, key
