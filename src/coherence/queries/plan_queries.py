"""Queries of one stored plan: its graph at a version or date, its audit, its exports.

These are the use cases the CLI and the HTTP API share: each resolves the
version (``version``, or ``as_of`` a date), builds the plan's graph at that
version from its own events, and runs a pure function of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import networkx as nx

from coherence.application.history import PlanHistory, PlanSummary
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.networkx_store import active_graph
from coherence.projections.projector import plan_timeline
from coherence.queries.audit import AuditReport, audit
from coherence.queries.audit.neo4j import audit_neo4j, audit_version_neo4j
from coherence.queries.exports import EXPORTERS, to_gexf
from coherence.queries.line_of_sight import beneath, paths_up


@dataclass(frozen=True)
class PlanAt:
    """A plan's timeline graph at a resolved version, and the date it stands for."""

    plan_id: str
    version: int
    timeline: nx.MultiDiGraph
    recorded: datetime

    def active(self) -> nx.MultiDiGraph:
        return active_graph(self.timeline)


def plan_at(
    app: PlanHistory,
    plan_id: str,
    *,
    version: int | None = None,
    as_of: date | datetime | None = None,
) -> PlanAt:
    """The plan's graph at ``version``, at the last version on or before ``as_of``, or now."""
    if as_of is not None:
        version = app.version_at(plan_id, as_of)
    plan = app.get_plan(plan_id, version=version)
    return PlanAt(
        plan_id, plan.version, plan_timeline(app, plan_id, version=plan.version), plan.modified_on
    )


def audit_plan(
    app: PlanHistory,
    plan_id: str,
    *,
    version: int | None = None,
    as_of: date | datetime | None = None,
    fiscal_year: str | None = None,
    audit_date: date | None = None,
    neo4j: Neo4jGraphStore | None = None,
) -> AuditReport:
    """Audit a plan, with networkx in process or, given a Neo4j store, with Cypher there.

    The audit date, unless given, is ``as_of`` when auditing the past by date, the
    date of the version when auditing a past version, and today otherwise. Neo4j
    audits its projected plan when that is the version asked for, and a scratch copy
    of the version otherwise.
    """
    at = plan_at(app, plan_id, version=version, as_of=as_of)
    if audit_date is None:
        if as_of is not None:
            audit_date = as_of.date() if isinstance(as_of, datetime) else as_of
        elif version is not None:
            audit_date = at.recorded.astimezone(UTC).date()
        else:
            audit_date = datetime.now(UTC).date()
    if neo4j is None:
        return audit(at.active(), as_of=audit_date, fiscal_year=fiscal_year)
    if neo4j.plan_version(plan_id) == at.version:
        return audit_neo4j(
            neo4j.driver,
            plan_id,
            as_of=audit_date,
            fiscal_year=fiscal_year,
            database=neo4j.database,
        )
    return audit_version_neo4j(
        neo4j, app, plan_id, at.version, as_of=audit_date, fiscal_year=fiscal_year
    )


def export_graph(
    app: PlanHistory,
    plan_id: str,
    fmt: str,
    *,
    version: int | None = None,
    as_of: date | datetime | None = None,
) -> str:
    """The plan's graph in an export format (GEXF carries the whole timeline)."""
    at = plan_at(app, plan_id, version=version, as_of=as_of)
    if fmt == "gexf":
        return to_gexf(at.timeline)
    return EXPORTERS[fmt](at.active())


def line_of_sight(
    app: PlanHistory, plan_id: str, key: str, *, version: int | None = None
) -> dict[str, Any]:
    """An element's paths up to the mission and, for an objective, what stands beneath it."""
    g = plan_at(app, plan_id, version=version).active()
    under = beneath(g, key)
    return {
        "plan": plan_id,
        "key": key,
        "kind": g.nodes[key]["kind"],
        "paths": paths_up(g, key),
        "beneath": sorted(n for n in under.nodes if n != key),
    }


def plan_summary(plan: PlanSummary, report: AuditReport) -> dict[str, Any]:
    """A plan in a list of plans (``coherence plans``, ``GET /plans``): its status,
    version and its audit's summary and score, in the words of the audit's JSON."""
    return {
        "plan": plan.plan_id,
        "district": plan.district,
        "title": plan.title,
        "status": plan.status,
        "version": plan.version,
        "revision": plan.revision,
        "modified_on": plan.modified_on.isoformat(),
        "audit": dict(report.summary),
        "score": report.score,
    }
