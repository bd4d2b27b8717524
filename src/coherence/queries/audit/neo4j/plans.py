"""The audit of plans in Neo4j: ``graph_queries/audit-plans.cypher``, one row per plan.

That one query answers every rule and every population of a plan, reading each kind of
element once (see the file's header). The messages, the order of the findings, the
summary and the score are NOT repeated here: they are the networkx audit's
(:func:`~coherence.queries.audit.registry.make_finding`,
:func:`~coherence.queries.audit.report.build_report`), fed with its rows, so
:func:`audit_neo4j` gives the same report as the networkx
:func:`~coherence.queries.audit.report.audit` of the same plan, message for message.

The state-wide audit (:func:`audit_all_neo4j`) splits the plans into parts and runs the
query on each, ``sessions`` at a time in their own read transactions, so that the server
works on both cores; each part's findings are built here while the server answers the
next ones. (Neo4j reads committed data, so one transaction would not give a frozen view
either: nothing is lost by using several.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date
from typing import Any

from neo4j import Driver, ManagedTransaction

from coherence.domain.errors import PlanNotFound
from coherence.queries.audit.index import POPULATIONS
from coherence.queries.audit.model import (
    AuditContext,
    AuditReport,
    Finding,
    HistoryPart,
    audit_context,
)
from coherence.queries.audit.neo4j.queries import (
    Record,
    query,
    read,
    records,
    rule_columns,
    shared_row,
)
from coherence.queries.audit.registry import make_finding
from coherence.queries.audit.report import build_report
from coherence.queries.audit.rules import DEFINITIONS

__all__ = ["PARTS_PER_SESSION", "audit_all_neo4j", "audit_neo4j", "rank_plans_by_score"]

PARTS_PER_SESSION = 4
"""How many parts per session the state-wide audit splits the plans into: small enough
parts keep both sessions busy to the end and let the findings of the first be built
while the server answers the others."""

_AUDIT = "audit-plans"


@dataclasses.dataclass
class _PlanAudit:
    version: int | None
    counts: dict[str, int]
    findings: list[Finding] = dataclasses.field(default_factory=list)


Answer = tuple[list[str], list[list[Any]]]
"""The columns and rows of ``audit-plans.cypher``."""


def _fetch(tx: ManagedTransaction, plans: Sequence[str] | None, ctx: AuditContext) -> Answer:
    """``audit-plans.cypher`` on ``plans`` (None: every plan)."""
    result = tx.run(
        query(_AUDIT),
        plans=None if plans is None else list(plans),
        as_of=ctx.as_of.isoformat(),
        fiscal_year=ctx.fiscal_year,
    )
    keys = list(result.keys())
    return keys, result.values()


def _audits(answer: Answer, ctx: AuditContext) -> dict[str, _PlanAudit]:
    """Each plan's version, counts and findings, from the query's rows."""
    keys, rows = answer
    at = {key: i for i, key in enumerate(keys)}
    missing = [k for k in ("plan", "version", *POPULATIONS, *DEFINITIONS) if k not in at]
    if missing:
        raise ValueError(f"graph_queries/{_AUDIT}.cypher returns no {missing}")
    rules = [(rule_id, at[rule_id], rule_columns(rule_id)) for rule_id in DEFINITIONS]
    plans: dict[str, _PlanAudit] = {}
    for row in rows:
        plan, version = row[at["plan"]], row[at["version"]]
        audited = _PlanAudit(
            version=int(version) if version is not None else None,
            counts={name: int(row[at[name]]) for name in POPULATIONS},
        )
        for rule_id, column, columns in rules:
            for values in row[column]:
                found = dict(zip(columns, values, strict=True), plan=plan)
                audited.findings.append(make_finding(rule_id, shared_row(rule_id, found), ctx))
        plans[str(plan)] = audited
    return plans


def _parts(plans: Sequence[str], count: int) -> list[list[str]]:
    """``plans`` dealt into at most ``count`` parts of about the same size."""
    return [part for part in (list(plans[i::count]) for i in range(count)) if part]


def _audit_all_plans(
    driver: Driver,
    database: str | None,
    ctx: AuditContext,
    sessions: int,
    finish: Callable[[Answer], dict[str, AuditReport]],
) -> dict[str, AuditReport]:
    """Every plan's report, in parts, ``sessions`` queries at a time (one query runs on
    one core of the server); each part's reports are built (``finish``) as soon as it is
    answered, while the server works on the next parts."""
    plans = [row["plan"] for row in read(driver, database, lambda tx: records(tx, "plans"))]

    def fetch(part: list[str]) -> Answer:
        return read(driver, database, lambda tx: _fetch(tx, part, ctx))

    reports: dict[str, AuditReport] = {}
    with ThreadPoolExecutor(max_workers=sessions, thread_name_prefix="audit") as pool:
        futures = [pool.submit(fetch, part) for part in _parts(plans, sessions * PARTS_PER_SESSION)]
        for future in as_completed(futures):
            reports.update(finish(future.result()))
    return reports


def _report(
    plan_id: str, audited: _PlanAudit, ctx: AuditContext, history: HistoryPart | None = None
) -> AuditReport:
    return build_report(
        audited.findings,
        audited.counts,
        ctx,
        plan=plan_id,
        version=audited.version,
        history=history,
    )


def audit_neo4j(
    driver: Driver,
    plan_id: str,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    database: str | None = None,
    history: HistoryPart | None = None,
) -> AuditReport:
    """Audit one plan of the Neo4j projection: the networkx audit's report, from Cypher.

    ``history`` is the plan's history-aware part (see
    :func:`~coherence.queries.audit.report.history_part`, computed from the event store
    for both engines), merged into the report as the networkx audit merges it.
    Raises :class:`~coherence.application.errors.PlanNotFound` when the projection has no
    such plan.
    """
    ctx = audit_context(as_of, fiscal_year)
    plans = read(driver, database, lambda tx: _audits(_fetch(tx, [plan_id], ctx), ctx))
    if plan_id not in plans:
        raise PlanNotFound(plan_id)
    return _report(plan_id, plans[plan_id], ctx, history)


def audit_all_neo4j(
    driver: Driver,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    database: str | None = None,
    history: Mapping[str, HistoryPart] | None = None,
    sessions: int = 2,
) -> dict[str, AuditReport]:
    """Audit every plan of the projection (state-wide): ``audit-plans.cypher`` on
    :data:`PARTS_PER_SESSION` parts of the plans per session, ``sessions`` queries at a
    time (1: every plan in one query).

    Returns ``{plan id: report}`` in plan id order; scratch copies are left out.
    ``history`` holds the history-aware part of the plans that have one (as
    :meth:`~coherence.queries.reader.PlanReader.audited_plans` gives them).
    """
    ctx = audit_context(as_of, fiscal_year)
    parts = history or {}

    def finish(answer: Answer) -> dict[str, AuditReport]:
        audits = _audits(answer, ctx)
        return {plan: _report(plan, audits[plan], ctx, parts.get(plan)) for plan in audits}

    if sessions > 1:
        reports = _audit_all_plans(driver, database, ctx, sessions, finish)
    else:
        reports = finish(read(driver, database, lambda tx: _fetch(tx, None, ctx)))
    return {plan: reports[plan] for plan in sorted(reports)}


def rank_plans_by_score(
    driver: Driver,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    database: str | None = None,
) -> list[Record]:
    """Every plan ranked by alignment score, best first (ties by plan id).

    Rows: ``{rank, plan, district, title, status, version, score, error, warning,
    info}``; plans with the same score share a rank.
    """
    ctx = audit_context(as_of, fiscal_year)

    def work(tx: ManagedTransaction) -> tuple[list[Record], dict[str, _PlanAudit]]:
        return records(tx, "plans"), _audits(_fetch(tx, None, ctx), ctx)

    plans, audits = read(driver, database, work)
    rows = []
    for plan in plans:
        audited = audits.get(plan["plan"])
        if audited is None:  # pragma: no cover - both queries read the same plans
            continue
        report = _report(plan["plan"], audited, ctx)
        rows.append(
            {
                "plan": plan["plan"],
                "district": plan["district"],
                "title": plan["title"],
                "status": plan["status"],
                "version": report.version,
                "score": report.score,
                **report.summary,
            }
        )
    return _ranked(rows)


def _ranked(rows: Iterable[Record]) -> list[Record]:
    """Rows by score, best first (ties by plan id), each with its rank (ties share one)."""
    ordered = sorted(rows, key=lambda r: (-r["score"], r["plan"]))
    ranked: list[Record] = []
    for i, row in enumerate(ordered):
        same = ranked and ranked[-1]["score"] == row["score"]
        ranked.append({"rank": ranked[-1]["rank"] if same else i + 1, **row})
    return ranked
