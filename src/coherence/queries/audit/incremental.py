"""The audit of a version made from the audit of an earlier one, when only progress changed.

A status or a result changes a field that reports progress (see
:data:`~coherence.queries.audit.model.PROGRESS_INPUTS`) and adds to the plan's
monitoring facts; the plan's elements, links and other fields stay as they were. Each
rule says what it reads besides the plan itself (its ``reads``), so the audit of the
later version (:func:`audit_since`) keeps the findings of every rule that reads none of
what changed, reruns the others on the earlier reading of the graph with the changed
elements put in (:meth:`~coherence.queries.audit.index.PlanIndex.patched`), and counts
the history-aware populations again. It gives exactly the report that
:func:`~coherence.queries.audit.report.audit` gives; whenever it cannot tell what
changed, it is that full audit.

Findings of one rule keep their order: the report sorts findings by severity, rule and
key, stably, so findings can only tie with findings of their own rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from coherence.projections.monitoring import MonitoringView
from coherence.queries.audit.index import PlanIndex, populations
from coherence.queries.audit.model import (
    PROGRESS_INPUTS,
    AuditContext,
    AuditReport,
    Finding,
    HistoryPart,
    Row,
    audit_context,
)
from coherence.queries.audit.registry import history_finding
from coherence.queries.audit.report import build_report
from coherence.queries.audit.rules import DEFINITIONS, HISTORY_RULES, RULES
from coherence.queries.audit.rules.history import HISTORY_POPULATIONS_READ, history_populations

__all__ = ["AuditRun", "audit_run", "audit_since"]

_PLAN_ONLY: Final = frozenset({"version", "updated_at"})
"""Attributes of the plan graph that every version changes and no rule reads."""
_Found = Mapping[str, Mapping[tuple[Any, Any], tuple[Row, Finding]]]
"""History-aware findings by rule, then by kind and key, each with the row it was made
from."""
_NONE: Final[tuple[None, None]] = (None, None)
"""No history-aware part, and no rows of one (an audit without the plan's history)."""


@dataclass(frozen=True)
class AuditRun:
    """An audit with what a later one may reuse: the report, the reading of the graph,
    the counts of the graph's populations and the monitoring facts it read."""

    report: AuditReport
    index: PlanIndex
    counts: Mapping[str, int]
    """The :data:`~coherence.queries.audit.index.POPULATIONS` counts."""
    history: MonitoringView | None
    history_counts: Mapping[str, int] | None = None
    """The :data:`~coherence.queries.audit.index.HISTORY_POPULATIONS` counts, if any."""
    history_rows: _Found | None = None
    """Each history-aware finding by its rule, kind and key, with the row it was made
    from: a later audit whose rule finds the same row takes the finding as it is."""


def audit_run(
    graph: Any, *, as_of: date, fiscal_year: str | None = None, history: MonitoringView | None
) -> AuditRun:
    """The full audit of ``graph`` (see :func:`~coherence.queries.audit.report.audit`),
    kept for :func:`audit_since`."""
    ctx = audit_context(as_of, fiscal_year)
    index = PlanIndex(graph, ctx, ordered=False)
    findings = [finding for rule in RULES for finding in rule.check(index, ctx)]
    part, rows = _history(index, history, ctx, None, None) if history is not None else _NONE
    counts = populations(index, ctx)
    report = _report(graph, findings, counts, ctx, part)
    return AuditRun(report, index, counts, history, part.counts if part else None, rows)


def audit_since(
    previous: AuditRun,
    graph: Any,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    history: MonitoringView | None,
) -> AuditRun:
    """The audit of ``graph`` (a later version of the plan ``previous`` audited, with
    ``history`` its monitoring facts), made from ``previous`` where only progress changed
    in between: the same report as :func:`audit_run` gives."""
    ctx = audit_context(as_of, fiscal_year)
    found = _changes(previous, graph, ctx, history)
    index = None if found is None else previous.index.patched(graph, found[1])
    if found is None or index is None:
        return audit_run(graph, as_of=as_of, fiscal_year=fiscal_year, history=history)
    changed = found[0]
    graph_rules = [rule for rule in RULES if changed & DEFINITIONS[rule.rule].reads]
    again = {rule.rule for rule in graph_rules}
    again.update(rule.rule for rule in HISTORY_RULES if changed & rule.reads)
    findings = [finding for finding in previous.report.findings if finding.rule not in again]
    findings += [finding for rule in graph_rules for finding in rule.check(index, ctx)]
    part, rows = _NONE
    if history is not None:
        part, rows = _history(
            index, history, ctx, changed, previous.history_counts, previous.history_rows
        )
    counts = previous.counts
    report = _report(graph, findings, counts, ctx, part)
    return AuditRun(report, index, counts, history, part.counts if part else None, rows)


def _history(
    index: PlanIndex,
    view: MonitoringView,
    ctx: AuditContext,
    changed: frozenset[str] | None,
    counts: Mapping[str, int] | None,
    before: _Found | None = None,
) -> tuple[HistoryPart, _Found]:
    """The history-aware rules that read something in ``changed`` (all of them when
    None), and the history-aware populations (``counts`` when they read none of it);
    with the findings by rule, kind and key and their rows (see
    :attr:`AuditRun.history_rows`). A finding of ``before`` whose rule finds the same
    row again is taken as it is: its message is a function of the row and the audit's
    options, which are the same."""
    rows: dict[str, Mapping[tuple[Any, Any], tuple[Row, Finding]]] = {}
    found: list[Finding] = []
    for rule in HISTORY_RULES:
        earlier = before.get(rule.rule, {}) if before is not None else {}
        if changed is not None and not changed & rule.reads:
            rows[rule.rule] = earlier  # kept by audit_since with the rule's findings
            continue
        mine: dict[tuple[Any, Any], tuple[Row, Finding]] = {}
        rows[rule.rule] = mine
        for row in rule.detect(index, view, ctx):
            key = (row["kind"], row.get("key"))
            old = earlier.get(key)
            finding = (
                old[1] if old is not None and old[0] == row else history_finding(rule, row, ctx)
            )
            mine[key] = (row, finding)
            found.append(finding)
    if changed is None or counts is None or changed & HISTORY_POPULATIONS_READ:
        counts = history_populations(index, view, ctx)
    return HistoryPart(tuple(found), counts), rows


def _report(
    graph: Any,
    findings: list[Any],
    counts: Mapping[str, int],
    ctx: AuditContext,
    part: HistoryPart | None,
) -> AuditReport:
    version = graph.graph.get("version")
    plan = graph.graph.get("plan")
    return build_report(
        findings,
        counts,
        ctx,
        plan=str(plan) if plan is not None else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        history=part,
    )


def _changes(
    previous: AuditRun, graph: Any, ctx: AuditContext, history: MonitoringView | None
) -> tuple[frozenset[str], list[str]] | None:
    """What changed from ``previous``'s graph and facts to ``graph`` and ``history``: the
    inputs (see :data:`~coherence.queries.audit.model.INPUTS`) and the elements whose
    fields changed; None when anything else did (or cannot be told)."""
    before = previous.index.graph
    old_ctx = previous.report
    if (old_ctx.as_of, old_ctx.fiscal_year) != (ctx.as_of, ctx.fiscal_year):
        return None
    if getattr(graph, "_succ", None) is None or graph._succ is not before._succ:
        return None
    if graph._pred is not before._pred or len(graph._node) != len(before._node):
        return None
    attrs, old_attrs = graph.graph, before.graph
    if attrs.keys() != old_attrs.keys():
        return None
    if any(attrs[k] != old_attrs[k] for k in attrs if k not in _PLAN_ONLY):
        return None
    inputs: set[str] = set()
    keys: list[str] = []
    old_nodes = before._node
    for key, data in graph._node.items():
        old = old_nodes.get(key)
        if old is data:
            continue
        if old is None or data.keys() != old.keys():
            return None
        kind = data.get("kind")
        differs = [name for name in data if data[name] != old[name]]
        for name in differs:
            field = f"{kind}.{name}"
            if field not in PROGRESS_INPUTS:
                return None
            inputs.add(field)
        if differs:
            keys.append(key)
    seen = previous.history
    if (seen is None) != (history is None):
        return None
    if seen is not None and history is not None:
        if seen.monitor is not history.monitor or seen.day != history.day:
            return None
        if history.version < seen.version:
            return None
        inputs |= history.monitor.recorded(seen.version, history.version)
    return frozenset(inputs), keys
