"""Auditing a past version of a plan in Neo4j, on a scratch copy.

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
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from neo4j import Driver, ManagedTransaction

from coherence.application.history import PlanHistory
from coherence.domain.errors import InvalidValue
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.replay import changes_of, plan_events
from coherence.queries.audit.model import AuditReport, HistoryPart
from coherence.queries.audit.neo4j.plans import audit_neo4j
from coherence.queries.audit.neo4j.queries import query

__all__ = [
    "SCRATCH_MARK",
    "StoreOrDriver",
    "audit_version_neo4j",
    "drop_scratch",
    "materialize_version",
    "materialized_version",
    "scratch_plan_id",
]

SCRATCH_MARK = "@"
"""What a scratch plan id holds, and a real plan id never does."""

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
        record = tx.run(query("drop-plan"), plan=scratch_id).single()
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
