"""The 30 audit rules, one module per family, and the order they are reported in.

Importing this package imports every family, whose decorators register the rules;
:data:`RULES` then lists the 24 graph rules in the documented order (rule ids,
severities and order are part of the contract), and :data:`DEFINITIONS` holds what
both engines share. The 6 history-aware rules (:mod:`.history`) read the plan's
monitoring facts too and have no Cypher twin: :data:`HISTORY_RULES`. :data:`ALL_ORDER`
is every rule in the documented order (the order of a report's findings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from coherence.queries.audit.model import HistoryRuleDefinition, Rule, RuleDefinition, Severity
from coherence.queries.audit.registry import (
    definition,
    registered_history_rules,
    registered_rules,
)
from coherence.queries.audit.rules import (  # noqa: F401 - importing a family registers its rules
    alignment,
    benchmarks,
    budget,
    foundation,
    history,
    initiatives,
    objectives,
    outcomes,
    plan_wide,
)

__all__ = [
    "ALL_ORDER",
    "DEFINITIONS",
    "HISTORY_ORDER",
    "HISTORY_RULES",
    "ORDER",
    "RULES",
    "SEVERITIES",
]

ORDER: Final[tuple[str, ...]] = (
    "missing-foundation",
    "orphaned-initiative",
    "objective-without-initiative",
    "unfunded-objective",
    "objective-without-outcome",
    "objective-without-final-outcome",
    "outcome-not-smart",
    "unfunded-initiative",
    "initiative-without-benchmark",
    "initiative-without-professional-learning",
    "initiative-without-owner",
    "benchmark-incomplete",
    "benchmark-overdue",
    "unaligned-budget-line",
    "over-allocated-budget-line",
    "unaligned-school-plan",
    "unaligned-educator-goal",
    "objective-count",
    "theory-of-action-not-if-then",
    "plan-without-induction-mentoring",
    "initiative-without-early-evidence",
    "objective-not-data-informed",
    "objective-without-school-plan",
    "objective-without-educator-goal",
)
"""Every rule id, in the documented order: errors, then warnings, then info."""

RULES: Final[tuple[Rule, ...]] = registered_rules(ORDER)
"""Every audit rule, in the documented order: ``(rule id, severity, function)``."""

DEFINITIONS: Final[Mapping[str, RuleDefinition]] = {r.rule: definition(r.rule) for r in RULES}
"""Every rule's shared definition (population, message) and networkx detector, in order."""

HISTORY_ORDER: Final[tuple[str, ...]] = (
    "stale-benchmark",
    "off-track-without-response",
    "target-revised-without-reason",
    "outcome-off-trajectory",
    "amended-since-adoption",
    "outcome-without-recent-result",
)
"""Every history-aware rule id, in the documented order: warnings, then info."""

HISTORY_RULES: Final[tuple[HistoryRuleDefinition, ...]] = registered_history_rules(HISTORY_ORDER)
"""Every history-aware rule's definition, in the documented order."""

SEVERITIES: Final[Mapping[str, Severity]] = {
    **{r.rule: r.severity for r in RULES},
    **{r.rule: r.severity for r in HISTORY_RULES},
}
"""The severity of every rule, graph and history-aware."""

ALL_ORDER: Final[tuple[str, ...]] = tuple(
    sorted((*ORDER, *HISTORY_ORDER), key=lambda rule_id: -SEVERITIES[rule_id].rank)
)
"""Every rule id in the documented order: by severity (errors, warnings, info), each
severity's graph rules first, then its history-aware ones (``sorted`` is stable)."""
