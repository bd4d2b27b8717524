"""The audit and the graph queries on the Neo4j projection: the Cypher twins.

Every audit rule has a detector in Cypher, ``graph_queries/<rule id>.cypher``, that
returns one row per finding (``plan``, ``kind``, ``key`` and the values the message
needs), for one plan (``$plan``) or for every plan at once (``$plan`` null). The
messages, the order of the findings, the summary and the score are NOT repeated here:
they are the networkx audit's (:func:`~coherence.queries.audit.registry.make_finding`,
:func:`~coherence.queries.audit.report.build_report`), fed with these rows and with the
counts of ``graph_queries/populations.cypher``. So :func:`audit_neo4j` gives the same
:class:`~coherence.queries.audit.model.AuditReport` as the networkx
:func:`~coherence.queries.audit.report.audit` of the same plan, message for message.
This is the only module of the audit that imports the Neo4j driver.

The queries of one plan's audit run in one read transaction. :func:`audit_all_neo4j`
audits every plan with one query per rule, two queries at a time by default, each in its
own read transaction (Neo4j reads committed data, so one transaction would not give a
frozen view either). Each rule's file returns one row per finding; here it is wrapped to
return one row per plan with its findings as lists (:func:`_by_plan`), which the driver
decodes several times faster than records.

Past versions
-------------
The projection holds each plan as it stands. To audit a past version in Neo4j,
:func:`materialize_version` applies the graph changes of the plan's events up to that
version (the same :func:`~coherence.projections.graph_changes.graph_changes` and the
same projection statements as the projector) under a *scratch* plan id,
``<plan>@v<version>.<token>``: real plan ids are lower-case slugs (``[a-z0-9-]``), so a
scratch id, which holds ``@``, never collides with one, and the token keeps two
concurrent copies apart. Queries over every plan leave scratch copies out;
:func:`drop_scratch` deletes one (``graph_queries/drop-plan.cypher`` refuses any id
without ``@``). :func:`audit_version_neo4j` does the three steps.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction

from coherence.application.history import PlanHistory
from coherence.domain.errors import InvalidValue, PlanNotFound, UnknownElement
from coherence.projections.neo4j_model import MODEL
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.replay import changes_of, plan_events
from coherence.queries.audit.index import POPULATIONS
from coherence.queries.audit.model import (
    AuditContext,
    AuditReport,
    Finding,
    HistoryPart,
    audit_context,
)
from coherence.queries.audit.registry import make_finding
from coherence.queries.audit.report import build_report
from coherence.queries.audit.rules import DEFINITIONS
from coherence.queries.audit.values import fiscal_year_option

__all__ = [
    "SCRATCH_MARK",
    "audit_all_neo4j",
    "audit_neo4j",
    "audit_version_neo4j",
    "beneath_neo4j",
    "drop_scratch",
    "line_of_sight_neo4j",
    "materialize_version",
    "materialized_version",
    "rank_plans_by_score",
    "rule_rows",
    "scratch_plan_id",
    "statewide_budget_lines_reaching_no_objective",
    "statewide_unfunded_objectives",
]

SCRATCH_MARK = "@"
"""What a scratch plan id holds, and a real plan id never does."""

_T = TypeVar("_T")
Record = dict[str, Any]


def _query(name: str) -> str:
    """The query of ``graph_queries/<name>.cypher``, rendered from the catalogue."""
    return MODEL.statement("graph_queries", name)


_RETURN = re.compile(r"^RETURN\b(?P<columns>.*?)(?:^ORDER BY\b[^\n]*)?\s*\Z", re.M | re.S)
_COLUMN = re.compile(r"(?:.*\bAS\s+)?(\w+)", re.S)


def _columns(items: str) -> tuple[str, ...]:
    """The names of a RETURN clause's columns (``x.key AS key`` or a bare ``missing``)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(items):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(items[start:i])
            start = i + 1
    parts.append(items[start:])
    names = []
    for part in parts:
        found = _COLUMN.fullmatch(part.strip())
        if found is None:
            raise ValueError(f"a RETURN column without a name: {part.strip()!r}")
        names.append(found[1])
    return tuple(names)


@functools.cache
def _by_plan(rule_id: str) -> tuple[str, tuple[str, ...]]:
    """A rule's query wrapped to answer one row per plan, ``plan`` and ``findings`` (a list
    of lists of the rule's other columns, in order), and those columns' names.

    The rule's file returns one row per finding (as its header says, and as people run
    it); turning tens of thousands of records into a few hundred lists saves most of the
    driver's work of decoding them. The order is the report's (:func:`build_report`).
    """
    text = _query(rule_id)
    found = _RETURN.search(text)
    if found is None:
        raise ValueError(f"graph_queries/{rule_id}.cypher does not end with a RETURN")
    columns = _columns(found["columns"])
    if not columns or columns[0] != "plan":
        raise ValueError(f"graph_queries/{rule_id}.cypher must return plan first: {columns}")
    rest = columns[1:]
    body = text[: found.start()] + "RETURN" + found["columns"]
    wrapped = f"CALL () {{\n{body}\n}}\nRETURN plan, collect([{', '.join(rest)}]) AS findings"
    return wrapped, rest


def _read(driver: Driver, database: str | None, work: Callable[[ManagedTransaction], _T]) -> _T:
    with driver.session(database=database) as session:
        return session.execute_read(work)


def _records(tx: ManagedTransaction, name: str, **params: Any) -> list[Record]:
    return [record.data() for record in tx.run(_query(name), params)]


def _from_cents(cents: object) -> Decimal | None:
    return None if cents is None else Decimal(int(str(cents))).scaleb(-2)


def _shared_row(rule_id: str, record: Mapping[str, Any]) -> Record:
    """A Cypher row in the shape the rule's (shared) message reads."""
    row = dict(record)
    if rule_id == "over-allocated-budget-line":
        row["allocated"] = _from_cents(row.pop("allocated_cents"))
        row["available"] = _from_cents(row.pop("available_cents"))
    return row


def _params(plan_id: str | None, ctx: AuditContext) -> dict[str, Any]:
    return {"plan": plan_id, "as_of": ctx.as_of.isoformat(), "fiscal_year": ctx.fiscal_year}


def rule_rows(
    driver: Driver,
    rule_id: str,
    plan_id: str | None,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    database: str | None = None,
) -> list[Record]:
    """The raw rows of one rule's Cypher detector (every plan when ``plan_id`` is None)."""
    if rule_id not in DEFINITIONS:
        raise KeyError(f"no audit rule {rule_id!r}")
    params = _params(plan_id, audit_context(as_of, fiscal_year))
    return _read(driver, database, lambda tx: _records(tx, rule_id, **params))


@dataclasses.dataclass
class _PlanAudit:
    version: int | None
    counts: dict[str, int]
    findings: list[Finding] = dataclasses.field(default_factory=list)


Fetched = dict[str, list[Any]]
"""The raw answers of an audit's queries: ``populations`` records, each rule's
``(plan, findings)`` pairs."""


def _fetch(tx: ManagedTransaction, name: str, params: Mapping[str, Any]) -> list[Any]:
    if name == "populations":
        return _records(tx, name, **params)
    return tx.run(_by_plan(name)[0], dict(params)).values()


def _assemble(fetched: Fetched, ctx: AuditContext) -> dict[str, _PlanAudit]:
    plans: dict[str, _PlanAudit] = {}
    for record in fetched["populations"]:
        version = record.get("version")
        plans[str(record["plan"])] = _PlanAudit(
            version=int(version) if version is not None else None,
            counts={name: int(record[name]) for name in POPULATIONS},
        )
    for rule_id in DEFINITIONS:
        columns = _by_plan(rule_id)[1]
        for plan, findings in fetched[rule_id]:
            audited = plans.get(str(plan))
            if audited is None:
                continue
            for values in findings:
                row = dict(zip(columns, values, strict=True), plan=plan)
                row = _shared_row(rule_id, row)
                audited.findings.append(make_finding(rule_id, row, ctx))
    return plans


_QUERIES = ("populations", *DEFINITIONS)


def _audit_plans(
    tx: ManagedTransaction, plan_id: str | None, ctx: AuditContext
) -> dict[str, _PlanAudit]:
    """Every query of the audit in one transaction."""
    params = _params(plan_id, ctx)
    return _assemble({name: _fetch(tx, name, params) for name in _QUERIES}, ctx)


def _audit_all_plans(
    driver: Driver, database: str | None, ctx: AuditContext, sessions: int
) -> dict[str, _PlanAudit]:
    """Every query of the audit of every plan, ``sessions`` at a time, each in its own read
    transaction: the server runs them side by side (one query runs on one core). Neo4j
    reads committed data, so the queries of one transaction could see a projector's
    commits between them too: nothing is lost by using several."""
    params = _params(None, ctx)

    def fetch(name: str) -> list[Any]:
        return _read(driver, database, lambda tx: _fetch(tx, name, params))

    with ThreadPoolExecutor(max_workers=sessions, thread_name_prefix="audit") as pool:
        futures = {name: pool.submit(fetch, name) for name in _QUERIES}
        return _assemble({name: future.result() for name, future in futures.items()}, ctx)


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
    plans = _read(driver, database, lambda tx: _audit_plans(tx, plan_id, ctx))
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
    """Audit every plan of the projection (state-wide): one query per rule for all plans,
    ``sessions`` queries at a time (1: all in one transaction).

    Returns ``{plan id: report}`` in plan id order; scratch copies are left out.
    ``history`` holds the history-aware part of the plans that have one.
    """
    ctx = audit_context(as_of, fiscal_year)
    if sessions > 1:
        plans = _audit_all_plans(driver, database, ctx, sessions)
    else:
        plans = _read(driver, database, lambda tx: _audit_plans(tx, None, ctx))
    parts = history or {}
    return {plan: _report(plan, plans[plan], ctx, parts.get(plan)) for plan in sorted(plans)}


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
        return _records(tx, "plans"), _audit_plans(tx, None, ctx)

    plans, audits = _read(driver, database, work)
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
    rows.sort(key=lambda r: (-r["score"], r["plan"]))
    ranked: list[Record] = []
    for i, row in enumerate(rows):
        same = ranked and ranked[-1]["score"] == row["score"]
        ranked.append({"rank": ranked[-1]["rank"] if same else i + 1, **row})
    return ranked


# ----------------------------------------------------------------- line of sight


def line_of_sight_neo4j(
    driver: Driver, plan_id: str, key: str, *, database: str | None = None
) -> list[list[str]]:
    """Every path from ``key`` up to the mission (or the objectives when the plan has no
    mission), shortest first: :func:`coherence.queries.line_of_sight.paths_up` in Cypher.

    Raises :class:`~coherence.domain.errors.UnknownElement` when the plan has no active
    element ``key``.
    """
    records = _read(
        driver, database, lambda tx: _records(tx, "line_of_sight", plan=plan_id, key=key)
    )
    if not records:
        raise UnknownElement(f"No active element {key} in the plan")
    paths = {tuple(str(k) for k in path) for path in records[0]["paths"]}
    return [list(p) for p in sorted(paths, key=lambda p: (len(p), p))]


def beneath_neo4j(driver: Driver, plan_id: str, key: str, *, database: str | None = None) -> Record:
    """The element and everything beneath it: ``{key, kind, nodes, edges}`` (see
    ``graph_queries/beneath.cypher``); :func:`coherence.queries.line_of_sight.beneath`
    in Cypher. Raises :class:`~coherence.domain.errors.UnknownElement` when the plan has
    no active element ``key``.
    """
    records = _read(driver, database, lambda tx: _records(tx, "beneath", plan=plan_id, key=key))
    if not records:
        raise UnknownElement(f"No active element {key} in the plan")
    return records[0]


# ------------------------------------------------------------------ state-wide


def _statewide(
    driver: Driver, name: str, fiscal_year: str | None, database: str | None
) -> list[Record]:
    """The rows of a state-wide query, for the fiscal-year option as the audit reads it."""
    year = fiscal_year_option(fiscal_year)
    return _read(driver, database, lambda tx: _records(tx, name, fiscal_year=year))


def statewide_unfunded_objectives(
    driver: Driver, *, fiscal_year: str | None = None, database: str | None = None
) -> list[Record]:
    """Every unfunded objective in every district's plan: ``{district, plan, plan_title,
    key, title, initiatives}`` rows (``graph_queries/statewide-unfunded-objectives.cypher``)."""
    return _statewide(driver, "statewide-unfunded-objectives", fiscal_year, database)


def statewide_budget_lines_reaching_no_objective(
    driver: Driver, *, fiscal_year: str | None = None, database: str | None = None
) -> list[Record]:
    """Budget lines of every plan with no line of sight to an objective, by fund source:
    ``{fund, district, plan, key, fiscal_year, description, amount}`` rows
    (``graph_queries/statewide-budget-lines-reaching-no-objective.cypher``)."""
    return _statewide(driver, "statewide-budget-lines-reaching-no-objective", fiscal_year, database)


# ----------------------------------------------------------------- past versions

StoreOrDriver = Neo4jGraphStore | Driver


def _store(target: StoreOrDriver, database: str | None) -> Neo4jGraphStore:
    if isinstance(target, Neo4jGraphStore):
        return target
    return Neo4jGraphStore(target, database=database)


def scratch_plan_id(plan_id: str, version: int | None) -> str:
    """A fresh scratch id for a copy of ``plan_id`` at ``version``: ``riverbend@v120.3f9a1c2e``."""
    shown = "latest" if version is None else str(version)
    return f"{plan_id}{SCRATCH_MARK}v{shown}.{secrets.token_hex(4)}"


def materialize_version(
    target: StoreOrDriver,
    app: PlanHistory,
    plan_id: str,
    version: int | None,
    *,
    database: str | None = None,
) -> str:
    """Copy ``plan_id`` as it stood at ``version`` into Neo4j under a scratch id; returns
    the scratch id (delete the copy with :func:`drop_scratch`).

    The copy is made of the graph changes of the plan's events up to ``version`` (all of
    them when None), applied by the store's own projection statements, without touching
    the projection's checkpoint or its plans' uuids. Raises
    :class:`~coherence.application.errors.PlanNotFound` when the plan has no events.
    """
    events = plan_events(app, plan_id, upto=version)
    scratch = scratch_plan_id(plan_id, version)
    _store(target, database).apply(list(changes_of(events, scratch)))
    return scratch


def drop_scratch(target: StoreOrDriver, scratch_id: str, *, database: str | None = None) -> int:
    """Delete a scratch copy made by :func:`materialize_version`; returns the number of
    elements deleted. An id without ``@`` (a real plan's) is refused."""
    if SCRATCH_MARK not in scratch_id:
        raise InvalidValue("scratch_id", "a scratch plan id (with '@')", scratch_id)
    store = _store(target, database)

    def work(tx: ManagedTransaction) -> int:
        record = tx.run(_query("drop-plan"), plan=scratch_id).single()
        return int(record["deleted"]) if record else 0

    with store.driver.session(database=store.database) as session:
        return session.execute_write(work)


@contextmanager
def materialized_version(
    target: StoreOrDriver,
    app: PlanHistory,
    plan_id: str,
    version: int | None,
    *,
    database: str | None = None,
) -> Iterator[str]:
    """``with materialized_version(...) as scratch:`` a scratch copy, dropped afterwards."""
    scratch = materialize_version(target, app, plan_id, version, database=database)
    try:
        yield scratch
    finally:
        drop_scratch(target, scratch, database=database)


def audit_version_neo4j(
    target: StoreOrDriver,
    app: PlanHistory,
    plan_id: str,
    version: int | None,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    database: str | None = None,
    history: HistoryPart | None = None,
) -> AuditReport:
    """Audit ``plan_id`` as it stood at ``version``, in Neo4j: a scratch copy, audited
    with the same Cypher as the live plans, then deleted. The report names ``plan_id``."""
    store = _store(target, database)
    with materialized_version(store, app, plan_id, version) as scratch:
        report = audit_neo4j(
            store.driver,
            scratch,
            as_of=as_of,
            fiscal_year=fiscal_year,
            database=store.database,
            history=history,
        )
    return dataclasses.replace(report, plan=plan_id)
