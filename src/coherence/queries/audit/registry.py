"""Declaring an audit rule: the registry, its decorator, and the finding of a detected row.

A rule is two halves: an engine-specific *detector* that yields one row per finding,
and ONE *message function* ``(row, ctx) -> str`` shared by both engines. :func:`rule`
registers both, with the rule's severity and population; :func:`make_finding` turns a
row from either engine into a :class:`~coherence.queries.audit.model.Finding`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from coherence.queries.audit.index import HISTORY_POPULATIONS, POPULATIONS, PlanIndex
from coherence.queries.audit.model import (
    AuditContext,
    Detector,
    Finding,
    HistoryDetector,
    HistoryRuleDefinition,
    MessageFunction,
    Row,
    Rule,
    RuleDefinition,
    RuleFunction,
    Severity,
    check_reads,
)
from coherence.queries.audit.names import display_name
from coherence.queries.audit.values import plural, sorted_keys

__all__ = [
    "definition",
    "fixed",
    "history_finding",
    "history_rule",
    "make_finding",
    "named",
    "none_of",
    "registered_history_rules",
    "registered_rules",
    "row_name",
    "rule",
]

_RULES: dict[str, Rule] = {}
_DEFINITIONS: dict[str, RuleDefinition] = {}
_HISTORY: dict[str, HistoryRuleDefinition] = {}


def rule(
    rule_id: str,
    severity: Severity,
    population: str,
    message: MessageFunction,
    *,
    reads: Iterable[str],
) -> Callable[[Detector], RuleFunction]:
    """Register a rule: the decorated networkx detector yields rows; ``message`` words
    them; ``reads`` names what it reads besides the plan itself (see
    :data:`~coherence.queries.audit.model.INPUTS`)."""
    assert population in POPULATIONS, population
    assert rule_id not in _RULES, rule_id
    inputs = check_reads(rule_id, reads)

    def register(detect: Detector) -> RuleFunction:
        def check(graph: Any, ctx: AuditContext) -> Iterator[Finding]:
            if not isinstance(graph, PlanIndex):
                for row in detect(graph, ctx):  # make_finding, without looking the rule up
                    yield _finding(rule_id, severity, row, message(row, ctx))
                return
            # A finding is a function of its row and the options: one an earlier version's
            # audit made from an equal row is taken as it is (the message is the cost).
            kept = graph.carried.setdefault((rule_id, ctx), {})
            for row in detect(graph, ctx):
                at = (row["kind"], row.get("key"))
                hit = kept.get(at)
                if hit is None or hit[0] != row:
                    hit = kept[at] = (row, _finding(rule_id, severity, row, message(row, ctx)))
                yield hit[1]

        # The public function keeps the detector's name and docstring, and its own
        # signature ``(graph, ctx) -> Iterator[Finding]``.
        check.__name__ = detect.__name__
        check.__qualname__ = detect.__qualname__
        check.__doc__ = detect.__doc__
        check.__module__ = detect.__module__
        _RULES[rule_id] = Rule(rule_id, severity, check)
        _DEFINITIONS[rule_id] = RuleDefinition(
            rule_id, severity, population, detect, message, inputs
        )
        return check

    return register


def history_rule(
    rule_id: str,
    severity: Severity,
    population: str,
    message: MessageFunction,
    *,
    reads: Iterable[str],
) -> Callable[[HistoryDetector], HistoryDetector]:
    """Register a history-aware rule: the decorated detector reads ``(index, view, ctx)``
    (see :data:`~coherence.queries.audit.model.HistoryDetector`) and yields rows;
    ``message`` words them; ``reads`` as for :func:`rule`. Its population is one of
    :data:`POPULATIONS` or :data:`HISTORY_POPULATIONS`."""
    assert population in POPULATIONS or population in HISTORY_POPULATIONS, population
    assert rule_id not in _RULES, rule_id
    assert rule_id not in _HISTORY, rule_id
    inputs = check_reads(rule_id, reads)

    def register(detect: HistoryDetector) -> HistoryDetector:
        _HISTORY[rule_id] = HistoryRuleDefinition(
            rule_id, severity, population, detect, message, inputs
        )
        return detect

    return register


def registered_history_rules(order: Sequence[str]) -> tuple[HistoryRuleDefinition, ...]:
    """The registered history-aware rules in ``order``, which must name each exactly once."""
    if sorted(order) != sorted(_HISTORY):
        raise ValueError(f"the rule order {list(order)} does not match the rules {list(_HISTORY)}")
    return tuple(_HISTORY[rule_id] for rule_id in order)


def history_finding(found: HistoryRuleDefinition, row: Row, ctx: AuditContext) -> Finding:
    """The finding of one row of a history-aware rule."""
    return _finding(found.rule, found.severity, row, found.message(row, ctx))


def registered_rules(order: Sequence[str]) -> tuple[Rule, ...]:
    """The registered rules in ``order``, which must name each of them exactly once."""
    if sorted(order) != sorted(_RULES):
        raise ValueError(f"the rule order {list(order)} does not match the rules {list(_RULES)}")
    return tuple(_RULES[rule_id] for rule_id in order)


def definition(rule_id: str) -> RuleDefinition:
    """The shared definition of a registered rule."""
    return _DEFINITIONS[rule_id]


def make_finding(rule_id: str, row: Row, ctx: AuditContext) -> Finding:
    """The finding of one detected row, with the rule's (shared) message."""
    found = _DEFINITIONS[rule_id]
    return _finding(rule_id, found.severity, row, found.message(row, ctx))


def _finding(rule_id: str, severity: Severity, row: Row, message: str) -> Finding:
    key = row.get("key")
    return Finding(rule_id, severity, str(row["kind"]), None if key is None else str(key), message)


def row_name(row: Row) -> str:
    """How a message names the element of a row (see
    :func:`~coherence.queries.audit.names.display_name`)."""
    return display_name(str(row["kind"]), row["key"], row.get("fields") or {})


def named(text: str) -> MessageFunction:
    """A message ``<element name> <text>``."""

    def message(row: Row, ctx: AuditContext) -> str:
        return f"{row_name(row)} {text}"

    return message


def fixed(text: str) -> MessageFunction:
    """A message that is always ``text`` (a plan-wide finding's)."""

    def message(row: Row, ctx: AuditContext) -> str:
        return text

    return message


def none_of(field: str, word: str, text: str) -> MessageFunction:
    """A message ``<element name> has 2 <word>s (<keys>), none of them <text>``, the keys
    being the row's ``field``."""

    def message(row: Row, ctx: AuditContext) -> str:
        keys = sorted_keys(row[field])
        return (
            f"{row_name(row)} has {plural(len(keys), word)} "
            f"({', '.join(keys)}), none of them {text}"
        )

    return message
