// audit-plans: the whole audit of each plan (every rule of this folder and every
// population: what each rule checks, the score's denominators) in one row per plan,
// reading each kind once: the set-based twin of the per-rule files, which the audit runs
// (the rule files say the same thing one rule at a time, as people read and run them).
// Each kind's elements are read once per plan, and each initiative's relationships in one
// walk of its chain (an initiative has few, of every type, so a typed hop walks past the
// others anyway); what the later kinds need is handed on: the professional learning that
// is funded, the objectives a funded initiative (or one an educator goal aligns to)
// supports.
// Only active elements, and active links between active elements, count (an active link
// always joins two active elements, so its far end needs no check).
// Parameters: $plans (a list of plan ids; null for every plan, except the scratch copies
//   of past versions, whose ids hold '@'), $as_of (the audit date, an ISO 'YYYY-MM-DD'
//   string), $fiscal_year (e.g. 'FY26', compared trimmed and case-insensitively; null or
//   blank for every year).
// Columns: plan, version, one column per population (foundation, plan_wide,
//   theory_of_action, objectives, initiatives, outcomes, benchmarks, budget_lines (of
//   the fiscal year), school_plans, educator_goals, objectives_with_outcomes,
//   initiatives_with_benchmarks), and one per rule, named by its id, holding the rule's
//   findings as lists of the columns of its file after plan (kind, key, ...), in no
//   particular order.
// blank: a text that matches it is missing (only white space, as Python's str.strip reads it)
WITH '[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS blank
// complete: 'complete', trimmed (Python's white space), in any case
WITH blank, '(?i)[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*complete[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*' AS complete,
     '(?isu)(?:.*[^\\p{L}\\p{N}_])?if(?![\\p{L}\\p{N}_]).*[^\\p{L}\\p{N}_]then(?![\\p{L}\\p{N}_]).*' AS if_then,
     '\\d{4}-\\d{2}-\\d{2}' AS iso_date
// every_year: no fiscal year asked for; year: the one asked for, as compared
WITH blank, complete, if_then, iso_date,
     $fiscal_year IS NULL OR $fiscal_year =~ blank AS every_year,
     toLower(trim($fiscal_year)) AS year
MATCH (p:Plan)
WHERE p.plan IN $plans OR ($plans IS NULL AND NOT p.plan CONTAINS '@')
// -- foundation: missing-foundation, theory-of-action-not-if-then
CALL (p, blank, if_then) {
  OPTIONAL MATCH (t:{{label:theory_of_action}}:Active {plan: p.plan})
  WHERE NOT coalesce(t.text, '') =~ blank
  WITH collect(t) AS theories
  RETURN size(theories) > 0 AS theory_of_action,
         [t IN theories WHERE NOT t.text =~ if_then
          | ['theory_of_action', t.key, t {{names:theory_of_action}}]] AS not_if_then,
         [item IN [
           CASE WHEN EXISTS {
             MATCH (m:{{label:mission}}:Active {plan: p.plan}) WHERE NOT coalesce(m.text, '') =~ blank
           } THEN null ELSE 'mission' END,
           CASE WHEN EXISTS {
             MATCH (v:{{label:vision}}:Active {plan: p.plan}) WHERE NOT coalesce(v.text, '') =~ blank
           } THEN null ELSE 'vision' END,
           CASE WHEN size(theories) > 0 THEN null ELSE 'theory_of_action' END,
           CASE WHEN EXISTS {
             MATCH (c:{{label:core_value}}:Active {plan: p.plan})
             WHERE NOT coalesce(c.name, '') =~ blank OR NOT coalesce(c.description, '') =~ blank
           } THEN null ELSE 'core_value' END
         ] WHERE item IS NOT NULL | [item, null]] AS missing_foundation
}
// -- benchmarks: benchmark-incomplete, benchmark-overdue
CALL (p, blank, complete, iso_date) {
  MATCH (b:{{label:benchmark}}:Active {plan: p.plan})
  WITH b, b.due AS due, b.due IS :: STRING NOT NULL AND b.due =~ iso_date AS dated
  WITH b, due, dated,
       CASE WHEN coalesce(b.owner, '') =~ blank THEN ['owner'] ELSE [] END
       + CASE WHEN dated THEN [] ELSE ['due'] END AS missing
  RETURN count(b) AS benchmarks,
         collect(CASE WHEN size(missing) > 0
                 THEN ['benchmark', b.key, b {{names:benchmark}}, missing] END) AS incomplete,
         collect(CASE WHEN dated AND due < $as_of AND NOT coalesce(b.status, '') =~ complete
                 THEN ['benchmark', b.key, b {{names:benchmark}}, due, b.status] END) AS overdue
}
// -- professional learning: which is funded (for unfunded-objective), and
// plan-without-induction-mentoring
CALL (p, every_year, year) {
  MATCH (l:{{label:professional_learning}}:Active {plan: p.plan})
  RETURN collect(CASE WHEN EXISTS {
           MATCH (b)-[f:{{type:funds}}]->(l)
           WHERE f.amount > 0 AND (every_year OR toLower(trim(b.fiscal_year)) = year)
         } THEN l END) AS funded_learning,
         count(CASE WHEN l.subkind IN ['induction', 'mentoring'] THEN l END) AS inducting
}
// -- initiatives, each one's relationships in one walk: orphaned-initiative,
// unfunded-initiative, initiative-without-benchmark, -professional-learning, -owner,
// -early-evidence; the objectives funded (directly or through professional learning) or
// aligned to an educator goal through an initiative
CALL (p, blank, every_year, year, funded_learning) {
  MATCH (i:{{label:initiative}}:Active {plan: p.plan})
  CALL (i, every_year, year) {
    OPTIONAL MATCH (i)-[r]-(x)
    WITH type(r) AS rel, r, x
    RETURN collect(CASE rel WHEN '{{type:supports}}' THEN x END) AS objectives,
           collect(DISTINCT CASE rel WHEN '{{type:tracks}}' THEN x END) AS benchmarks,
           collect(CASE rel WHEN '{{type:enables}}' THEN x END) AS learning,
           count(CASE WHEN rel = '{{type:funds}}' AND r.amount > 0
                       AND (every_year OR toLower(trim(x.fiscal_year)) = year) THEN x END) AS funds,
           count(CASE WHEN rel = '{{type:aligns_to}}' AND x:{{label:educator_goal}} THEN x END) AS goals
  }
  WITH i, objectives, benchmarks, learning, funds, goals,
       funds > 0 OR any(l IN learning WHERE l IN funded_learning) AS funded,
       coalesce(i.owner, '') =~ blank AS ownerless,
       size(benchmarks) > 0
         AND none(b IN benchmarks WHERE coalesce(b.subkind, '') = 'early_evidence') AS no_early
  // the finding, built only for an initiative some rule finds
  WITH i, objectives, benchmarks, learning, funds, goals, funded, ownerless, no_early,
       CASE WHEN size(objectives) = 0 OR funds = 0 OR size(benchmarks) = 0 OR size(learning) = 0
                 OR ownerless OR no_early
            THEN ['initiative', i.key, i {{names:initiative}}] END AS finding
  RETURN count(i) AS initiatives,
         count(CASE WHEN size(benchmarks) > 0 THEN i END) AS initiatives_with_benchmarks,
         collect(CASE WHEN size(objectives) = 0 THEN finding END) AS orphaned,
         collect(CASE WHEN funds = 0 THEN finding END) AS unfunded_initiatives,
         collect(CASE WHEN size(benchmarks) = 0 THEN finding END) AS without_benchmark,
         collect(CASE WHEN size(learning) = 0 THEN finding END) AS without_learning,
         collect(CASE WHEN ownerless THEN finding END) AS without_owner,
         collect(CASE WHEN no_early THEN finding + [[b IN benchmarks | b.key]] END)
           AS without_early_evidence,
         collect(CASE WHEN funded THEN objectives END) AS funded_objectives,
         collect(CASE WHEN goals > 0 THEN objectives END) AS goal_objectives
}
// -- objectives (few, each with many relationships, grouped by type)
CALL (p, funded_objectives, goal_objectives) {
  WITH p, reduce(acc = [], part IN funded_objectives | acc + part) AS funded,
       reduce(acc = [], part IN goal_objectives | acc + part) AS aligned
  MATCH (o:{{label:objective}}:Active {plan: p.plan})
  WITH o, funded, aligned,
       COLLECT { MATCH (o)<-[:{{type:supports}}]-(i) RETURN DISTINCT i.key } AS initiatives,
       COLLECT { MATCH (o)<-[:{{type:measures}}]-(oc) RETURN DISTINCT oc } AS outcomes,
       ['objective', o.key, o {{names:objective}}] AS finding
  RETURN count(o) AS objectives,
         count(CASE WHEN size(outcomes) > 0 THEN o END) AS objectives_with_outcomes,
         collect(CASE WHEN size(initiatives) = 0 THEN finding END) AS without_initiative,
         collect(CASE WHEN NOT o IN funded THEN finding + [initiatives] END) AS unfunded_objectives,
         collect(CASE WHEN size(outcomes) = 0 THEN finding END) AS without_outcome,
         collect(CASE WHEN size(outcomes) > 0
                      AND none(oc IN outcomes WHERE coalesce(oc.subkind, '') = 'final')
                 THEN finding + [[oc IN outcomes | oc.key]] END) AS without_final_outcome,
         collect(CASE WHEN NOT EXISTS { MATCH (o)<-[:{{type:informs}}]-() }
                 THEN finding END) AS not_data_informed,
         collect(CASE WHEN NOT EXISTS {
                   MATCH (o)<-[:{{type:aligns_to}}]-(:{{label:school_plan}})
                 } THEN finding END) AS without_school_plan,
         collect(CASE WHEN NOT o IN aligned AND NOT EXISTS {
                   MATCH (o)<-[:{{type:aligns_to}}]-(:{{label:educator_goal}})
                 } THEN finding END) AS without_educator_goal
}
// -- outcomes: outcome-not-smart
CALL (p, blank, iso_date) {
  MATCH (o:{{label:outcome}}:Active {plan: p.plan})
  WITH o,
       [name IN ['metric', 'baseline', 'target']
        WHERE CASE WHEN o[name] IS :: STRING NOT NULL THEN o[name] =~ blank ELSE o[name] IS NULL END] AS missing,
       CASE
         WHEN CASE WHEN o.due IS :: STRING NOT NULL THEN o.due =~ blank ELSE o.due IS NULL END THEN 'missing'
         WHEN NOT (o.due IS :: STRING NOT NULL AND o.due =~ iso_date) THEN 'not_a_date'
         WHEN p.period_start IS NOT NULL AND o.due < p.period_start THEN 'before_start'
         WHEN p.period_end IS NOT NULL AND o.due > p.period_end THEN 'after_end'
       END AS due_problem
  RETURN count(o) AS outcomes,
         collect(CASE WHEN size(missing) > 0 OR due_problem IS NOT NULL
                 THEN ['outcome', o.key, o {{names:outcome}}, missing, due_problem, o.due,
                       p.period_start, p.period_end] END) AS not_smart
}
// -- budget lines of the fiscal year: unaligned-budget-line, over-allocated-budget-line
CALL (p, every_year, year) {
  MATCH (b:{{label:budget_line}}:Active {plan: p.plan})
  WHERE every_year OR toLower(trim(b.fiscal_year)) = year
  WITH b, COLLECT { MATCH (b)-[f:{{type:funds}}]->() RETURN f } AS funds
  WITH b, funds, [f IN funds | f.amount] AS amounts
  WITH b, funds,
       reduce(total = 0, a IN amounts | total + coalesce(toInteger(round(a * 100)), 0)) AS allocated,
       CASE WHEN b.amount IS NULL THEN null ELSE toInteger(round(b.amount * 100)) END AS available
  RETURN count(b) AS budget_lines,
         collect(CASE WHEN size(funds) = 0
                 THEN ['budget_line', b.key, b {{names:budget_line}}] END) AS unaligned,
         collect(CASE WHEN allocated > coalesce(available, 0)
                 THEN ['budget_line', b.key, b {{names:budget_line}}, allocated, available] END)
           AS over_allocated
}
// -- school plans and educator goals: unaligned-school-plan, unaligned-educator-goal
CALL (p) {
  MATCH (s:{{label:school_plan}}:Active {plan: p.plan})
  RETURN count(s) AS school_plans,
         collect(CASE WHEN NOT EXISTS { MATCH (s)-[:{{type:aligns_to}}]->() }
                 THEN ['school_plan', s.key, s {{names:school_plan}}] END) AS unaligned_school_plans
}
CALL (p) {
  MATCH (g:{{label:educator_goal}}:Active {plan: p.plan})
  RETURN count(g) AS educator_goals,
         collect(CASE WHEN NOT EXISTS { MATCH (g)-[:{{type:aligns_to}}]->() }
                 THEN ['educator_goal', g.key, g {{names:educator_goal}}, g.educator] END)
           AS unaligned_educator_goals
}
RETURN p.plan AS plan, p.version AS version, 4 AS foundation, 1 AS plan_wide,
       CASE WHEN theory_of_action THEN 1 ELSE 0 END AS theory_of_action,
       objectives, initiatives, outcomes, benchmarks, budget_lines, school_plans,
       educator_goals, objectives_with_outcomes, initiatives_with_benchmarks,
       missing_foundation AS `missing-foundation`,
       orphaned AS `orphaned-initiative`,
       without_initiative AS `objective-without-initiative`,
       unfunded_objectives AS `unfunded-objective`,
       without_outcome AS `objective-without-outcome`,
       without_final_outcome AS `objective-without-final-outcome`,
       not_smart AS `outcome-not-smart`,
       unfunded_initiatives AS `unfunded-initiative`,
       without_benchmark AS `initiative-without-benchmark`,
       without_learning AS `initiative-without-professional-learning`,
       without_owner AS `initiative-without-owner`,
       incomplete AS `benchmark-incomplete`,
       overdue AS `benchmark-overdue`,
       unaligned AS `unaligned-budget-line`,
       over_allocated AS `over-allocated-budget-line`,
       unaligned_school_plans AS `unaligned-school-plan`,
       unaligned_educator_goals AS `unaligned-educator-goal`,
       CASE WHEN objectives < 3 OR objectives > 5 THEN [['plan', null, objectives]] ELSE [] END
         AS `objective-count`,
       not_if_then AS `theory-of-action-not-if-then`,
       CASE WHEN inducting = 0 THEN [['plan', null]] ELSE [] END AS `plan-without-induction-mentoring`,
       without_early_evidence AS `initiative-without-early-evidence`,
       not_data_informed AS `objective-not-data-informed`,
       without_school_plan AS `objective-without-school-plan`,
       without_educator_goal AS `objective-without-educator-goal`
