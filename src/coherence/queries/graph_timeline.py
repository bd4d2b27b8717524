"""The plan across all its revisions, for the web page's timeline.

:func:`build_graph_timeline` replays the plan's events once, revision by revision,
and after each revision records which elements and links were active and what the
audit found (as of that revision's date, like :func:`~coherence.queries.timeline.audit_timeline`).
The answer holds every element and link that ever existed (the union the page lays
out once), each with the revisions it was active in. :func:`graph_timeline_since` gives
only the revisions after a version the page already has (after a save), from the
cached graphs, for the page to add to what it holds.

Each element of the union linked to anything also gets its place across its level in
the page's layered drawing (``x``, see :mod:`coherence.queries.graph_layout`): computed
here, once per version (the answer is cached by version), so the page lays nothing out
when it loads.
"""

from __future__ import annotations

import itertools
from datetime import UTC
from typing import Any

import networkx as nx

from coherence.application.history import PlanHistory
from coherence.domain.framework import KINDS
from coherence.projections.monitoring import MonitoringView, PlanMonitor
from coherence.projections.networkx_store import active_graph
from coherence.projections.replay import by_revision, plan_events
from coherence.queries.audit import HISTORY_ORDER, audit
from coherence.queries.exports import label
from coherence.queries.graph_cache import GraphCache
from coherence.queries.graph_layout import AREA, Element, layered_boxes, layered_x

PLAN_KEYS = ("district", "title", "period_start", "period_end", "status")


def build_graph_timeline(history: PlanHistory, plan_id: str, version: int) -> dict[str, Any]:
    """The plan's union graph up to ``version`` with lifetimes by revision and audits."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    revisions: list[dict[str, Any]] = []
    previous = 0
    timeline: nx.MultiDiGraph | None = None
    monitor = PlanMonitor(plan_id)
    for events, timeline in by_revision(plan_events(history, plan_id, upto=version), plan_id):
        monitor.apply_all(events)
        revisions.append(_revision(events, active_graph(timeline), monitor, nodes, edges, previous))
        previous = revisions[-1]["revision"]
    details = timeline.graph if timeline is not None else {}
    place_union(nodes, edges)
    return {
        "plan": plan_id,
        "version": int(revisions[-1]["version"]),
        "details": {k: details.get(k) for k in PLAN_KEYS},
        "revisions": revisions,
        "nodes": list(nodes.values()),
        "edges": list(edges.values()),
        "area": list(AREA),
    }


def graph_timeline_since(
    history: PlanHistory, graphs: GraphCache, plan_id: str, since: int, version: int
) -> dict[str, Any]:
    """The revisions after version ``since`` up to ``version``, as :func:`build_graph_timeline`
    answers them, with only the elements and links active in those revisions (their
    ranges start with the first of them). The active graphs come from ``graphs`` (the
    plan's live timeline moved forward), so after a save this costs the new revision."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    revisions: list[dict[str, Any]] = []
    events = plan_events(history, plan_id, after=since, upto=version) if since < version else []
    previous = int(events[0].revision) - 1 if events else 0
    monitor = graphs.monitor(plan_id, version)
    for _, group in itertools.groupby(events, key=lambda event: event.revision):
        batch = list(group)
        active = graphs.active(plan_id, int(batch[-1].originator_version))
        revisions.append(_revision(batch, active, monitor, nodes, edges, previous))
        previous = revisions[-1]["revision"]
    plan = history.get_plan(plan_id, version=version)
    return {
        "plan": plan_id,
        "version": version,
        "details": {**plan.details(), "status": plan.status},
        "revisions": revisions,
        "nodes": list(nodes.values()),
        "edges": list(edges.values()),
    }


UNKNOWN_LEVEL = 3
"""The level of a kind the catalogue does not know (as the page's ``kindOf`` has it)."""


def place_union(nodes: dict[str, dict[str, Any]], edges: dict[str, dict[str, Any]]) -> None:
    """Give each element of the union linked to anything its ``x`` across its level,
    and every element its ``box`` in the drawing (what the page and its picture draw)."""
    elements = [
        Element(ident, kind, str(entry["data"].get("key", ident)), level_of(kind))
        for ident, entry in nodes.items()
        for kind in [str(entry["data"].get("kind", ""))]
    ]
    links = [(e["data"]["source"], e["data"]["target"]) for e in edges.values()]
    places = layered_x({e.ident: e.level for e in elements}, links)
    for ident, x in places.items():
        nodes[ident]["x"] = x
    for ident, box in layered_boxes(elements, links, places).items():
        nodes[ident]["box"] = box.to_dict()


def level_of(kind: str) -> int:
    """The level of a kind (top of the drawing first)."""
    return KINDS[kind].level if kind in KINDS else UNKNOWN_LEVEL


def _revision(
    events: list[Any],
    active: nx.MultiDiGraph,
    monitor: PlanMonitor,
    nodes: dict[str, dict[str, Any]],
    edges: dict[str, dict[str, Any]],
    previous: int,
) -> dict[str, Any]:
    """Mark what is active after a revision's ``events``; the revision and its audit
    (the history-aware rules read ``monitor``, which has seen at least those events)."""
    event = events[-1]
    revision = int(event.revision)
    day = event.timestamp.astimezone(UTC).date()
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
    view: MonitoringView = monitor.at(int(event.originator_version), day)
    report = audit(active, as_of=day, history=view)
    return {
        "revision": revision,
        "version": int(event.originator_version),
        "timestamp": event.timestamp.isoformat(),
        "actor": event.actor,
        "reason": event.reason,
        "changes": len(events),
        "summary": dict(report.summary),
        "history": history_summary(report.findings),
        "score": report.score,
        "findings": [f.to_dict() for f in report.findings],
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


_HISTORY_RULES = frozenset(HISTORY_ORDER)


def history_summary(findings: Any) -> dict[str, int]:
    """How many of the findings are the history-aware rules', per severity."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        if finding.rule in _HISTORY_RULES:
            counts[finding.severity.value] += 1
    return counts
