"""Running the networkx audit and building its report, for either engine.

:func:`build_report` is shared by both engines: the order of the findings, the summary
per severity and the plan alignment :func:`score` are computed once, from the findings
and the population counts, whichever engine detected them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

import networkx as nx

from coherence.queries.audit.index import FOUNDATION_ITEMS, PlanIndex, populations
from coherence.queries.audit.model import (
    AuditContext,
    AuditReport,
    Finding,
    Severity,
    audit_context,
)
from coherence.queries.audit.rules import DEFINITIONS, RULES
from coherence.queries.audit.values import natural_key

__all__ = ["audit", "build_report", "rule_population", "score"]

_RULE_INDEX: Final[Mapping[str, int]] = {r.rule: i for i, r in enumerate(RULES)}
_FOUNDATION_ORDER: Final[Mapping[str, int]] = {k: i for i, k in enumerate(FOUNDATION_ITEMS)}


def rule_population(rule_id: str, graph: nx.MultiDiGraph, ctx: AuditContext) -> int:
    """How many things ``rule_id`` checks in ``graph`` (the denominator of its pass share)."""
    return populations(graph, ctx)[DEFINITIONS[rule_id].population]


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
       audited fiscal year).
    2. For each rule, ``pass share = (checked - failed) / checked``, where ``failed`` is
       the number of distinct elements the rule reported. Rules that check nothing do
       not apply and are skipped.
    3. ``score = floor(100 x weighted mean of the pass shares)``, with weight 3 for an
       error rule, 2 for a warning rule and 1 for an info rule.

    The arithmetic is exact and rounds down, so the score is 100 exactly when there is
    no finding, and any finding costs at least one point. Example: a plan whose 24 rules
    all apply and pass, except that 1 of its 4 initiatives has no owner (a warning
    rule), scores floor(100 x (49 - 2 x 1/4) / 49) = 98; weights total
    5 x 3 + 15 x 2 + 4 x 1 = 49.
    """
    failed: dict[str, set[tuple[str, str | None]]] = {r.rule: set() for r in RULES}
    for finding in findings:
        failed[finding.rule].add((finding.kind, finding.key))
    shares: list[tuple[int, int, int]] = []  # (weight, passed, checked) of each rule applied
    applied: list[str] = []
    for rule in RULES:
        checked = int(counts.get(DEFINITIONS[rule.rule].population, 0))
        if checked <= 0:
            continue
        applied.append(rule.rule)
        passed = max(checked - len(failed[rule.rule]), 0)
        shares.append((rule.severity.rank, passed, checked))
    weights = sum(weight for weight, _, _ in shares)
    if weights == 0:  # pragma: no cover - missing-foundation always applies
        return 100, tuple(applied)
    # Exact, in whole numbers: the weighted pass shares over their common denominator,
    # floor(100 x sum(weight x passed / checked) / weights).
    denominator = math.lcm(*(checked for _, _, checked in shares))
    total = sum(weight * passed * (denominator // checked) for weight, passed, checked in shares)
    return (100 * total) // (weights * denominator), tuple(applied)


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    return (
        -finding.severity.rank,
        _RULE_INDEX[finding.rule],
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
) -> AuditReport:
    """The report of an audit, whatever engine found the findings: sorted findings,
    summary per severity and score (from the
    :data:`~coherence.queries.audit.index.POPULATIONS` ``counts``)."""
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


def audit(graph: nx.MultiDiGraph, *, as_of: date, fiscal_year: str | None = None) -> AuditReport:
    """Run every rule of :data:`~coherence.queries.audit.rules.RULES` on one plan's active
    alignment graph.

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
    version = graph.graph.get("version")
    plan = graph.graph.get("plan")
    return build_report(
        findings,
        populations(index, ctx),
        ctx,
        plan=str(plan) if plan is not None else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )
