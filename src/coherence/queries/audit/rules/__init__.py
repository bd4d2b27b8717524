"""The 24 audit rules, one module per family, and the order they are reported in.

Importing this package imports every family, whose decorators register the rules;
:data:`RULES` then lists them in the documented order (rule ids, severities and order
are part of the contract), and :data:`DEFINITIONS` holds what both engines share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from coherence.queries.audit.model import Rule, RuleDefinition
from coherence.queries.audit.registry import definition, registered_rules
from coherence.queries.audit.rules import (  # noqa: F401 - importing a family registers its rules
    alignment,
    benchmarks,
    budget,
    foundation,
    initiatives,
    objectives,
    outcomes,
    plan_wide,
)

__all__ = ["DEFINITIONS", "ORDER", "RULES"]

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
