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
         MATCH (t:Element {plan: p.plan, kind: 'theory_of_action', active: true})
         WHERE NOT coalesce(t.text, '') =~ blank
       } THEN 1 ELSE 0 END AS theory_of_action,
       COUNT { MATCH (:Element {plan: p.plan, kind: 'objective', active: true}) } AS objectives,
       COUNT { MATCH (:Element {plan: p.plan, kind: 'initiative', active: true}) } AS initiatives,
       COUNT { MATCH (:Element {plan: p.plan, kind: 'outcome', active: true}) } AS outcomes,
       COUNT { MATCH (:Element {plan: p.plan, kind: 'benchmark', active: true}) } AS benchmarks,
       COUNT {
         MATCH (b:Element {plan: p.plan, kind: 'budget_line', active: true})
         WHERE ($fiscal_year IS NULL OR $fiscal_year =~ blank
              OR toLower(trim(b.fiscal_year)) = toLower(trim($fiscal_year)))
       } AS budget_lines,
       COUNT { MATCH (:Element {plan: p.plan, kind: 'school_plan', active: true}) } AS school_plans,
       COUNT { MATCH (:Element {plan: p.plan, kind: 'educator_goal', active: true}) } AS educator_goals,
       COUNT {
         MATCH (o:Element {plan: p.plan, kind: 'objective', active: true})
         WHERE EXISTS {
           MATCH (o)<-[:LINK {edge: 'measures', active: true}]-(:Element {kind: 'outcome', active: true})
         }
       } AS objectives_with_outcomes,
       COUNT {
         MATCH (i:Element {plan: p.plan, kind: 'initiative', active: true})
         WHERE EXISTS {
           MATCH (i)<-[:LINK {edge: 'tracks', active: true}]-(:Element {kind: 'benchmark', active: true})
         }
       } AS initiatives_with_benchmarks
ORDER BY plan
