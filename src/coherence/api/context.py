"""What the routes share: the application, who may do what, and read caches.

The server is stateless apart from these caches (graphs by plan and version are
immutable, so several servers can run behind a load balancer).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import networkx as nx
from fastapi import Request

from coherence.api.errors import PayloadTooLarge, Unauthorized
from coherence.application.errors import PlanNotFound
from coherence.application.history import PlanHistory
from coherence.application.tokens import authenticate, tokens_exist
from coherence.domain.access import Grant
from coherence.domain.errors import InvalidValue
from coherence.domain.plan import plan_uuid
from coherence.projections.graph_changes import graph_changes
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.networkx_store import active_graph, apply_change
from coherence.projections.projector import plan_timeline
from coherence.queries.audit import AuditReport, audit
from coherence.queries.exports import EXPORTERS, to_gexf
from coherence.queries.plan_queries import audit_plan

OPEN_ACTOR = "local user (no token)"
_T = TypeVar("_T")


class GraphCache:
    """Graphs of plans at versions, for reads.

    Each plan has a *live* timeline that moves forward with new events (reading only
    the events after it), so a read after a write costs one event, not the whole
    history. Past versions are built from their events. Graphs and exports handed
    out are never changed afterwards, so readers need no lock.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._live: dict[str, nx.MultiDiGraph] = {}
        self._plan_locks: dict[str, threading.Lock] = {}
        self._cache: OrderedDict[tuple[str, int, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, key: tuple[str, int, str], make: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                value: _T = self._cache[key]
                return value
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return value

    def _at(
        self, history: PlanHistory, plan_id: str, version: int, use: Callable[[nx.MultiDiGraph], _T]
    ) -> _T:
        """``use`` the plan's timeline at ``version`` (the live one, moved forward, when it can)."""
        with self._lock:
            plan_lock = self._plan_locks.setdefault(plan_id, threading.Lock())
        with plan_lock:
            live = self._live.get(plan_id)
            if live is None or live.graph["version"] > version:
                timeline = plan_timeline(history, plan_id, version=version)
                if live is None:
                    self._live[plan_id] = timeline
                return use(timeline)
            if live.graph["version"] < version:
                graphs = {plan_id: live}
                for event in history.events.get(
                    plan_uuid(plan_id), gt=live.graph["version"], lte=version
                ):
                    for change in graph_changes(event, plan_id):
                        apply_change(graphs, change)
            return use(live)

    def active(self, history: PlanHistory, plan_id: str, version: int) -> nx.MultiDiGraph:
        """The active graph at a version (shared: do not change it)."""
        return self._cached(
            (plan_id, version, "active"), lambda: self._at(history, plan_id, version, active_graph)
        )

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

        def make() -> str:
            if fmt == "gexf":
                return self._at(history, plan_id, resolved, to_gexf)
            return EXPORTERS[fmt](self.active(history, plan_id, resolved))

        return self._cached((plan_id, resolved, fmt), make), resolved


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
        """Once a token exists, every request needs one (a read by id until then)."""
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
