"""The read-only route the web page's timeline needs: the plan across all its revisions.

``GET /api/v1/plans/{plan_id}/graph/timeline`` folds the plan's events once through the
graph mapping and, after the last event of each revision, records which elements and
links were active and what the audit found (as of that revision's date, like
``/timeline``). The answer holds every element and link that ever existed (the union
the page lays out once), each with the revisions it was active in, so moving the
slider needs no further request and nothing jumps.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from coherence.api.context import ApiContext, context
from coherence.api.models import AuditSummary, Finding
from coherence.api.routes import ERRORS, G, check, etag
from coherence.application.history import PlanHistory
from coherence.domain.errors import PlanNotFound
from coherence.domain.plan import DistrictPlan, plan_uuid
from coherence.projections.graph_changes import graph_changes
from coherence.projections.networkx_store import active_graph, apply_change
from coherence.queries.audit import audit
from coherence.queries.exports import label

router = APIRouter(prefix="/api/v1", responses=ERRORS)
Ctx = Annotated[ApiContext, Depends(context)]

CACHE_SIZE = 16
_PLAN_KEYS = ("district", "title", "period_start", "period_end", "status")


class RevisionState(BaseModel):
    revision: int
    version: int = Field(description="The plan version after the revision's last event.")
    timestamp: str
    actor: str
    reason: str | None
    changes: int = Field(description="How many events the revision holds.")
    summary: AuditSummary
    score: int
    findings: list[Finding] = Field(description="The audit as of the revision's date.")


class Lifetime(BaseModel):
    data: dict[str, Any] = Field(
        description="Cytoscape element data: for an element id, kind, key, label and its "
        "fields as last active; for a link id, source, target, edge (and amount)."
    )
    active: list[list[int]] = Field(
        description="The revisions it was active in, as [first, last] ranges (inclusive)."
    )


class GraphTimeline(BaseModel):
    plan: str
    version: int
    details: dict[str, Any] = Field(description="District, title, period and status, latest.")
    revisions: list[RevisionState]
    nodes: list[Lifetime]
    edges: list[Lifetime]


@router.get(
    "/plans/{plan_id}/graph/timeline",
    response_model=GraphTimeline,
    summary="Every element and link that ever existed, the revisions each was active in, "
    "and each revision's audit",
)
def graph_timeline(
    plan_id: str, request: Request, response: Response, ctx: Ctx, grant: G
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    version = ctx.history.get_plan(plan_id).version
    etag(response, version)
    state = request.app.state
    if not hasattr(state, "graph_timelines"):
        state.graph_timelines = _Cache(CACHE_SIZE)
    cache: _Cache = state.graph_timelines
    key = (plan_id, version)
    found = cache.get(key)
    if found is None:
        found = build_graph_timeline(ctx.history, plan_id, version)
        cache.put(key, found)
    return found


class _Cache:
    """Answers by (plan, version): a version never changes, so they never go stale."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> dict[str, Any] | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple[str, int], value: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def build_graph_timeline(history: PlanHistory, plan_id: str, version: int) -> dict[str, Any]:
    """The plan's union graph up to ``version`` with lifetimes by revision and audits."""
    events: list[DistrictPlan.Event] = list(
        history.events.get(plan_uuid(plan_id), lte=version)  # type: ignore[arg-type]
    )
    if not events:
        raise PlanNotFound(plan_id)
    graphs: dict[str, nx.MultiDiGraph] = {}
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    revisions: list[dict[str, Any]] = []
    first_of_revision = 0
    previous = 0
    for i, event in enumerate(events):
        for change in graph_changes(event, plan_id):
            apply_change(graphs, change)
        if i + 1 < len(events) and events[i + 1].revision == event.revision:
            continue
        active = active_graph(graphs[plan_id])
        revision = int(event.revision)
        for key, data in active.nodes(data=True):
            node = {"id": key, **{k: v for k, v in data.items() if v is not None}}
            node["label"] = label(data)
            _mark(nodes, key, node, revision, previous)
        for source, target, edge, data in active.edges(keys=True, data=True):
            ident = f"{source}|{edge}|{target}"
            link = {"id": ident, "source": source, "target": target, "edge": edge}
            if data.get("amount") is not None:
                link["amount"] = data["amount"]
            _mark(edges, ident, link, revision, previous)
        report = audit(active, as_of=event.timestamp.astimezone(UTC).date())
        revisions.append(
            {
                "revision": revision,
                "version": int(event.originator_version),
                "timestamp": event.timestamp.isoformat(),
                "actor": event.actor,
                "reason": event.reason,
                "changes": i + 1 - first_of_revision,
                "summary": dict(report.summary),
                "score": report.score,
                "findings": [f.to_dict() for f in report.findings],
            }
        )
        first_of_revision = i + 1
        previous = revision
    details = graphs[plan_id].graph
    return {
        "plan": plan_id,
        "version": int(events[-1].originator_version),
        "details": {k: details.get(k) for k in _PLAN_KEYS},
        "revisions": revisions,
        "nodes": list(nodes.values()),
        "edges": list(edges.values()),
    }


def _mark(
    seen: dict[str, dict[str, Any]],
    ident: str,
    data: dict[str, Any],
    revision: int,
    previous: int,
) -> None:
    """Record that an element or link is active in ``revision`` (its data as last seen);
    a range goes on when it was active in the ``previous`` revision too."""
    entry = seen.get(ident)
    if entry is None:
        seen[ident] = {"data": data, "active": [[revision, revision]]}
        return
    entry["data"] = data
    spans: list[list[int]] = entry["active"]
    if spans[-1][1] == previous:
        spans[-1][1] = revision
    else:
        spans.append([revision, revision])
