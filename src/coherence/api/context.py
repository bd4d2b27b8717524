"""What the routes share: the application, who may do what, and read caches.

The server is stateless apart from these caches (graphs by plan and version are
immutable, so several servers can run behind a load balancer).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import networkx as nx
from fastapi import Request

from coherence.api.errors import PayloadTooLarge, Unauthorized
from coherence.application.errors import PlanNotFound
from coherence.application.history import PlanHistory
from coherence.application.tokens import authenticate, tokens_exist
from coherence.domain.access import Grant
from coherence.domain.errors import InvalidValue
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.networkx_store import active_graph
from coherence.projections.projector import plan_timeline
from coherence.queries.audit import AuditReport, audit
from coherence.queries.exports import EXPORTERS, to_gexf
from coherence.queries.plan_queries import audit_plan

OPEN_ACTOR = "local user (no token)"


class GraphCache:
    """Timeline graphs by (plan, version), least recently used dropped first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._graphs: OrderedDict[tuple[str, int], nx.MultiDiGraph] = OrderedDict()
        self._lock = threading.Lock()

    def timeline(self, history: PlanHistory, plan_id: str, version: int) -> nx.MultiDiGraph:
        key = (plan_id, version)
        with self._lock:
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
        graph = plan_timeline(history, plan_id, version=version)
        with self._lock:
            self._graphs[key] = graph
            while len(self._graphs) > self.size:
                self._graphs.popitem(last=False)
        return graph

    def active(self, history: PlanHistory, plan_id: str, version: int) -> nx.MultiDiGraph:
        return active_graph(self.timeline(history, plan_id, version))

    def export(
        self,
        history: PlanHistory,
        plan_id: str,
        fmt: str,
        *,
        version: int | None = None,
        as_of: date | None = None,
    ) -> tuple[str, int]:
        resolved = resolve_version(history, plan_id, version, as_of)
        timeline = self.timeline(history, plan_id, resolved)
        return (
            to_gexf(timeline) if fmt == "gexf" else EXPORTERS[fmt](active_graph(timeline))
        ), resolved


def resolve_version(
    history: PlanHistory, plan_id: str, version: int | None, as_of: date | None
) -> int:
    if as_of is not None:
        return history.version_at(plan_id, as_of)
    return history.get_plan(plan_id, version=version).version


@dataclass
class ApiContext:
    """The service's state: its application, its options, its caches."""

    history: PlanHistory
    max_body: int = 8 * 1024 * 1024
    open_actor: str = OPEN_ACTOR
    neo4j: Neo4jGraphStore | None = None
    graphs: GraphCache = field(default_factory=GraphCache)
    _tokens_required: bool = False
    _reports: dict[tuple[str, int, str | None, date], AuditReport] = field(default_factory=dict)

    # -- who -------------------------------------------------------------------

    def tokens_required(self) -> bool:
        """Once a token exists, every request needs one (checked until then)."""
        if not self._tokens_required:
            self._tokens_required = tokens_exist(self.history)
        return self._tokens_required

    def grant(self, authorization: str | None) -> Grant:
        if not self.tokens_required():
            return Grant(self.open_actor, "admin")
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("Send a token: Authorization: Bearer <token>")
        grant = authenticate(self.history, authorization[7:].strip())
        if grant is None:
            raise Unauthorized("Unknown or revoked token")
        return grant

    def district_of(self, plan_id: str, *, missing_ok: bool = False) -> str | None:
        try:
            return self.history.get_plan(plan_id).district
        except PlanNotFound:
            if missing_ok:
                return None
            raise

    # -- reads -----------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        """The request body, refused past the size limit without reading it all."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise PayloadTooLarge(f"The body is over {self.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise PayloadTooLarge(f"The body is over {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def audit(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | None = None,
        fiscal_year: str | None = None,
        engine: str = "networkx",
    ) -> AuditReport:
        """The audit of a plan: as of a date, at a version (its date), or now (today)."""
        resolved = resolve_version(self.history, plan_id, version, as_of)
        if as_of is not None:
            audit_date = as_of
        elif version is not None:
            audit_date = (
                self.history.get_plan(plan_id, version=resolved).modified_on.astimezone(UTC).date()
            )
        else:
            audit_date = datetime.now(UTC).date()
        if engine == "neo4j":
            if self.neo4j is None:
                raise InvalidValue(
                    "engine", "networkx (Neo4j is not configured on this server)", engine
                )
            return audit_plan(
                self.history,
                plan_id,
                version=resolved,
                fiscal_year=fiscal_year,
                audit_date=audit_date,
                neo4j=self.neo4j,
            )
        key = (plan_id, resolved, fiscal_year, audit_date)
        cached = self._reports.get(key)
        if cached is None:
            cached = audit(
                self.graphs.active(self.history, plan_id, resolved),
                as_of=audit_date,
                fiscal_year=fiscal_year,
            )
            if len(self._reports) > 1024:
                self._reports.clear()
            self._reports[key] = cached
        return cached

    def plan_summaries(self) -> list[dict[str, Any]]:
        out = []
        for p in self.history.list_plans():
            report = self.audit(p.plan_id)
            out.append(
                {
                    "plan": p.plan_id,
                    "district": p.district,
                    "title": p.title,
                    "status": p.status,
                    "version": p.version,
                    "revision": p.revision,
                    "modified_on": p.modified_on.isoformat(),
                    "audit": dict(report.summary),
                    "score": report.score,
                }
            )
        return out


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx
