// populations: what the audit rules check in each plan, the denominators of the plan
// alignment score; one column per name of coherence.queries.audit.POPULATIONS.
// Only active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@'), $fiscal_year (e.g. 'FY26', compared trimmed and
//   case-insensitively; null or blank for every year).
// Columns: plan, version (the plan's last version), foundation (4), plan_wide (1),
//   theory_of_action (1 when an active theory of action has text, else 0), objectives,
//   initiatives, outcomes, benchmarks, budget_lines (of the fiscal year), school_plans,
//   educator_goals, objectives_with_outcomes (objectives an active outcome measures),
//   initiatives_with_benchmarks (initiatives an active benchmark tracks).
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
RETURN p.plan AS plan, p.version AS version, 4 AS foundation, 1 AS plan_wide,
       CASE WHEN EXISTS {
         MATCH (t:{{label:theory_of_action}}:Active {plan: p.plan})
         WHERE NOT coalesce(t.text, '') =~ blank
       } THEN 1 ELSE 0 END AS theory_of_action,
       COUNT { MATCH (:{{label:objective}}:Active {plan: p.plan}) } AS objectives,
       COUNT { MATCH (:{{label:initiative}}:Active {plan: p.plan}) } AS initiatives,
       COUNT { MATCH (:{{label:outcome}}:Active {plan: p.plan}) } AS outcomes,
       COUNT { MATCH (:{{label:benchmark}}:Active {plan: p.plan}) } AS benchmarks,
       COUNT {
         MATCH (b:{{label:budget_line}}:Active {plan: p.plan})
         WHERE ($fiscal_year IS NULL OR $fiscal_year =~ blank
              OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
       } AS budget_lines,
       COUNT { MATCH (:{{label:school_plan}}:Active {plan: p.plan}) } AS school_plans,
       COUNT { MATCH (:{{label:educator_goal}}:Active {plan: p.plan}) } AS educator_goals,
       COUNT {
         MATCH (o:{{label:objective}}:Active {plan: p.plan})
         WHERE EXISTS {
           MATCH (o)<-[:{{type:measures}}]-()
         }
       } AS objectives_with_outcomes,
       COUNT {
         MATCH (i:{{label:initiative}}:Active {plan: p.plan})
         WHERE EXISTS {
           MATCH (i)<-[:{{type:tracks}}]-()
         }
       } AS initiatives_with_benchmarks
ORDER BY plan
