"""Running the networkx audit and building its report, for either engine.

:func:`build_report` is shared by both engines: the order of the findings, the summary
per severity and the plan alignment :func:`score` are computed once, from the findings
and the population counts, whichever engine detected them. :func:`history_part` runs
the history-aware rules (on the plan's monitoring facts, from the event store); both
engines merge its findings and counts into their report through :func:`build_report`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

import networkx as nx

from coherence.projections.monitoring import MonitoringView
from coherence.queries.audit.index import FOUNDATION_ITEMS, PlanIndex, plan_index, populations
from coherence.queries.audit.model import (
    AuditContext,
    AuditReport,
    Finding,
    HistoryPart,
    Severity,
    audit_context,
)
from coherence.queries.audit.registry import history_finding
from coherence.queries.audit.rules import (
    ALL_ORDER,
    DEFINITIONS,
    HISTORY_RULES,
    RULES,
    SEVERITIES,
)
from coherence.queries.audit.rules.history import history_populations
from coherence.queries.audit.values import natural_key

__all__ = ["audit", "build_report", "history_part", "rule_population", "score"]

_RULE_INDEX: Final[Mapping[str, int]] = {rule_id: i for i, rule_id in enumerate(ALL_ORDER)}
_POPULATION: Final[Mapping[str, str]] = {
    **{d.rule: d.population for d in DEFINITIONS.values()},
    **{d.rule: d.population for d in HISTORY_RULES},
}
_FOUNDATION_ORDER: Final[Mapping[str, int]] = {k: i for i, k in enumerate(FOUNDATION_ITEMS)}
_WEIGHT: Final[Mapping[str, int]] = {rule_id: SEVERITIES[rule_id].rank for rule_id in ALL_ORDER}
"""Each rule's weight in the score: its severity's rank."""
_RULE_ORDER: Final[Mapping[str, tuple[Severity, int, int]]] = {
    rule_id: (SEVERITIES[rule_id], -SEVERITIES[rule_id].rank, _RULE_INDEX[rule_id])
    for rule_id in ALL_ORDER
}
"""Each rule's severity and the first two parts of the sort key of its findings (of that
severity): looked up rather than worked out for each finding of each report."""


def rule_population(rule_id: str, graph: nx.MultiDiGraph, ctx: AuditContext) -> int:
    """How many things ``rule_id`` checks in ``graph`` (the denominator of its pass share)."""
    return populations(graph, ctx)[_POPULATION[rule_id]]


def score(findings: Iterable[Finding], counts: Mapping[str, int]) -> tuple[int, tuple[str, ...]]:
    """The plan alignment score and the rules that applied, from the findings and the
    :data:`~coherence.queries.audit.index.POPULATIONS` counts (whichever engine produced
    them).

    The score is an integer from 0 to 100 that a planner can recompute by hand:

    1. Every rule checks a population of things: ``missing-foundation`` the 4
       foundation items, the plan-wide rules (``objective-count``,
       ``plan-without-induction-mentoring``, and ``theory-of-action-not-if-then`` when
       the plan has a theory of action) the plan itself (1), and every other rule the
       active elements it is about (e.g. ``initiative-without-early-evidence`` only the
       initiatives that have benchmarks, the budget rules only the budget lines of the
       audited fiscal year). The history-aware rules count the same way:
       ``stale-benchmark`` the benchmarks of the audit date's school year,
       ``off-track-without-response`` every active benchmark,
       ``target-revised-without-reason`` every active outcome,
       ``outcome-off-trajectory`` the outcomes with a trajectory and a result by the
       audit date, ``outcome-without-recent-result`` every active outcome once the
       period started more than 365 days before the audit date, and
       ``amended-since-adoption`` every active element while the plan is adopted
       (see :data:`~coherence.queries.audit.index.HISTORY_POPULATIONS`). An audit
       without the plan's history (a bare graph) skips them.
    2. For each rule, ``pass share = (checked - failed) / checked``, where ``failed`` is
       the number of distinct elements the rule reported. Rules that check nothing do
       not apply and are skipped.
    3. ``score = floor(100 x weighted mean of the pass shares)``, with weight 3 for an
       error rule, 2 for a warning rule and 1 for an info rule.

    The arithmetic is exact and rounds down, so the score is 100 exactly when there is
    no finding, and any finding costs at least one point. Example: a plan whose 24 graph
    rules all apply and pass, except that 1 of its 4 initiatives has no owner (a
    warning rule), scores floor(100 x (49 - 2 x 1/4) / 49) = 98; weights total
    5 x 3 + 15 x 2 + 4 x 1 = 49. With its history, when all 30 rules apply, the weights
    total 49 + 4 x 2 + 2 x 1 = 59, and the same plan scores
    floor(100 x (59 - 2 x 1/4) / 59) = 99.
    """
    failed: dict[str, set[tuple[str, str | None]]] = {}
    for finding in findings:
        found = failed.get(finding.rule)
        if found is None:
            found = failed[finding.rule] = set()
        found.add((finding.kind, finding.key))
    shares: list[tuple[int, int, int]] = []  # (weight, passed, checked) of each rule applied
    applied: list[str] = []
    for rule_id in ALL_ORDER:
        checked = int(counts.get(_POPULATION[rule_id], 0))
        if checked <= 0:
            continue
        applied.append(rule_id)
        passed = max(checked - len(failed.get(rule_id, ())), 0)
        shares.append((_WEIGHT[rule_id], passed, checked))
    weights = sum(weight for weight, _, _ in shares)
    if weights == 0:  # pragma: no cover - missing-foundation always applies
        return 100, tuple(applied)
    # Exact, in whole numbers: the weighted pass shares over their common denominator,
    # floor(100 x sum(weight x passed / checked) / weights).
    denominator = math.lcm(*(checked for _, _, checked in shares))
    total = sum(weight * passed * (denominator // checked) for weight, passed, checked in shares)
    return (100 * total) // (weights * denominator), tuple(applied)


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    """Severity (errors first), rule (in the documented order), key (in natural order),
    and for ``missing-foundation`` the foundation item's place."""
    severity, rank, index = _RULE_ORDER[finding.rule]
    if finding.severity is not severity:  # pragma: no cover - a rule's findings have its own
        rank = -finding.severity.rank
    return (
        rank,
        index,
        natural_key(finding.key),
        _FOUNDATION_ORDER.get(finding.kind, len(_FOUNDATION_ORDER)),
    )


def build_report(
    findings: Iterable[Finding],
    counts: Mapping[str, int],
    ctx: AuditContext,
    *,
    plan: str | None,
    version: int | None,
    history: HistoryPart | None = None,
) -> AuditReport:
    """The report of an audit, whatever engine found the findings: sorted findings,
    summary per severity and score (from the
    :data:`~coherence.queries.audit.index.POPULATIONS` ``counts``), with the
    history-aware part merged in when there is one."""
    if history is not None:
        findings = [*findings, *history.findings]
        counts = {**counts, **history.counts}
    ordered = tuple(sorted(findings, key=_sort_key))
    summary = {severity.value: 0 for severity in Severity}
    for finding in ordered:
        summary[finding.severity.value] += 1
    value, applied = score(ordered, counts)
    return AuditReport(
        findings=ordered,
        summary=summary,
        score=value,
        as_of=ctx.as_of,
        fiscal_year=ctx.fiscal_year,
        plan=plan,
        version=version,
        rules_applied=applied,
    )


def history_part(graph: Any, view: MonitoringView, ctx: AuditContext) -> HistoryPart:
    """The history-aware rules (:data:`~coherence.queries.audit.rules.HISTORY_RULES`) on
    one plan: its active graph (or an index of it) at the audited version, and its
    monitoring facts at that version on the audit date."""
    index = plan_index(graph, ctx)
    findings = tuple(
        history_finding(rule, row, ctx)
        for rule in HISTORY_RULES
        for row in rule.detect(index, view, ctx)
    )
    return HistoryPart(findings, history_populations(index, view, ctx))


def audit(
    graph: nx.MultiDiGraph,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    history: MonitoringView | None = None,
) -> AuditReport:
    """Run every rule of :data:`~coherence.queries.audit.rules.RULES` on one plan's active
    alignment graph and, given the plan's monitoring facts at the graph's version
    (``history``), every history-aware rule too.

    ``as_of`` is the audit date (benchmarks due strictly before it and not complete are
    overdue); ``fiscal_year`` (e.g. ``"FY26"``), when given, restricts the four budget
    rules to that year's budget lines. Pure and deterministic: the same graph and
    options always give the same report, whatever order the graph was built in.
    """
    ctx = audit_context(as_of, fiscal_year)
    # One reading of the graph for every rule and population. It need not be ordered:
    # build_report sorts the findings by severity, rule and key.
    index = PlanIndex(graph, ctx, ordered=False)
    findings = [finding for rule in RULES for finding in rule.check(index, ctx)]
    part = history_part(index, history, ctx) if history is not None else None
    version = graph.graph.get("version")
    plan = graph.graph.get("plan")
    return build_report(
        findings,
        populations(index, ctx),
        ctx,
        plan=str(plan) if plan is not None else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        history=part,
    )
