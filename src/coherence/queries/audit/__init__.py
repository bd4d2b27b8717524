"""Alignment audit of one district plan: 30 rules, their findings and the plan's score.

24 rules read the plan's alignment graph; 6 *history-aware* rules
(:mod:`~coherence.queries.audit.rules.history`) also read its monitoring facts (when
statuses were set, when it was adopted, what changed since: see
:mod:`coherence.projections.monitoring`) and run in Python for both engines.

Each graph rule is a *detector* that yields one row per finding (in networkx here, in Cypher
in ``graph_queries/<rule id>.cypher``) plus ONE *message function* that both engines
share, as they share the order of the findings, the summary and the score. The modules,
each importing only those listed before it:

* :mod:`~coherence.queries.audit.values`: how one value is read (blank, amount, date, key order);
* :mod:`~coherence.queries.audit.names`: the element kinds and how a message names an element;
* :mod:`~coherence.queries.audit.model`: options, findings, the report and the shape of a rule;
* :mod:`~coherence.queries.audit.index`: one reading of the plan graph per audit, rows, populations;
* :mod:`~coherence.queries.audit.registry`: the rule decorator, shared messages, row -> finding;
* :mod:`~coherence.queries.audit.rules`: the rules, one module per family, and their order;
* :mod:`~coherence.queries.audit.report`: the networkx audit; order, summary and score (both);
* :mod:`~coherence.queries.audit.incremental`: a later version's audit from an earlier one's;
* :mod:`~coherence.queries.audit.neo4j`: the same audit in Neo4j (not imported here).

This package re-exports the public names that the rest of Coherence uses.
"""

from __future__ import annotations

from coherence.application.narrative import format_money
from coherence.queries.audit.index import HISTORY_POPULATIONS, POPULATIONS, populations
from coherence.queries.audit.model import (
    ENGINES,
    AuditContext,
    AuditReport,
    Detector,
    Finding,
    HistoryPart,
    HistoryRuleDefinition,
    MessageFunction,
    Row,
    Rule,
    RuleDefinition,
    RuleFunction,
    Severity,
    audit_context,
)
from coherence.queries.audit.names import NAME_FIELDS, display_name, element_kind, element_subkind
from coherence.queries.audit.registry import make_finding
from coherence.queries.audit.report import (
    audit,
    build_report,
    history_part,
    rule_population,
    score,
)
from coherence.queries.audit.rules import (
    ALL_ORDER,
    DEFINITIONS,
    HISTORY_ORDER,
    HISTORY_RULES,
    RULES,
    SEVERITIES,
)
from coherence.queries.audit.rules.alignment import (
    objective_without_educator_goal,
    objective_without_school_plan,
    unaligned_educator_goal,
    unaligned_school_plan,
)
from coherence.queries.audit.rules.benchmarks import (
    benchmark_incomplete,
    benchmark_overdue,
    initiative_without_early_evidence,
)
from coherence.queries.audit.rules.budget import (
    over_allocated_budget_line,
    unaligned_budget_line,
    unfunded_initiative,
    unfunded_objective,
)
from coherence.queries.audit.rules.foundation import (
    missing_foundation,
    theory_of_action_not_if_then,
)
from coherence.queries.audit.rules.initiatives import (
    initiative_without_benchmark,
    initiative_without_owner,
    initiative_without_professional_learning,
    orphaned_initiative,
)
from coherence.queries.audit.rules.objectives import (
    objective_not_data_informed,
    objective_without_initiative,
    objective_without_outcome,
)
from coherence.queries.audit.rules.outcomes import (
    objective_without_final_outcome,
    outcome_not_smart,
)
from coherence.queries.audit.rules.plan_wide import (
    objective_count,
    plan_without_induction_mentoring,
)
from coherence.queries.audit.values import natural_key

__all__ = [
    "ALL_ORDER",
    "DEFINITIONS",
    "ENGINES",
    "HISTORY_ORDER",
    "HISTORY_POPULATIONS",
    "HISTORY_RULES",
    "NAME_FIELDS",
    "POPULATIONS",
    "RULES",
    "SEVERITIES",
    "AuditContext",
    "AuditReport",
    "Detector",
    "Finding",
    "HistoryPart",
    "HistoryRuleDefinition",
    "MessageFunction",
    "Row",
    "Rule",
    "RuleDefinition",
    "RuleFunction",
    "Severity",
    "audit",
    "audit_context",
    "benchmark_incomplete",
    "benchmark_overdue",
    "build_report",
    "display_name",
    "element_kind",
    "element_subkind",
    "format_money",
    "history_part",
    "initiative_without_benchmark",
    "initiative_without_early_evidence",
    "initiative_without_owner",
    "initiative_without_professional_learning",
    "make_finding",
    "missing_foundation",
    "natural_key",
    "objective_count",
    "objective_not_data_informed",
    "objective_without_educator_goal",
    "objective_without_final_outcome",
    "objective_without_initiative",
    "objective_without_outcome",
    "objective_without_school_plan",
    "orphaned_initiative",
    "outcome_not_smart",
    "over_allocated_budget_line",
    "plan_without_induction_mentoring",
    "populations",
    "rule_population",
    "score",
    "theory_of_action_not_if_then",
    "unaligned_budget_line",
    "unaligned_educator_goal",
    "unaligned_school_plan",
    "unfunded_initiative",
    "unfunded_objective",
]
