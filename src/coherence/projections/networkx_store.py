"""The alignment graph in process: one networkx ``MultiDiGraph`` per plan.

The store keeps each plan's *timeline* graph: every element that ever existed,
with ``active`` and its lifetime ``spells`` ([start, end] times), and every link
with the same. :func:`active_graph` gives the graph the audit and the exports
read: active elements and links only, plus the implicit ``advances`` edges from
each objective to the mission.

Changes and the notification position are applied together under one lock
(:meth:`NetworkxGraphStore.apply`), and each node, edge and plan remembers the
version of the last change it took, so replaying a batch changes nothing.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from coherence.domain.framework import IMPLICIT_EDGE, KINDS
from coherence.projections.graph_changes import (
    GraphChange,
    RemoveEdge,
    RetireNode,
    SetPlan,
    UpsertEdge,
    UpsertNode,
    node_properties,
)

_PLAN_ATTRIBUTES = (
    "plan",
    "district",
    "title",
    "period_start",
    "period_end",
    "status",
    "version",
    "updated_at",
)
_FIELDS_OF_KIND = {
    kind: tuple(node_properties(dict.fromkeys(spec.fields))) for kind, spec in KINDS.items()
}


class NetworkxGraphStore:
    """Timeline graphs of every plan, and the notification position they include."""

    def __init__(self) -> None:
        self.graphs: dict[str, nx.MultiDiGraph] = {}
        self.plan_ids: dict[str, str] = {}
        self.position = 0
        self._lock = threading.RLock()

    # -- tracking --------------------------------------------------------------

    def max_tracking_id(self) -> int:
        return self.position

    def apply(
        self,
        changes: Iterable[GraphChange],
        position: int | None = None,
        plan_ids: Mapping[str, str] | None = None,
    ) -> None:
        """Apply changes and record the position they bring the store to, together."""
        with self._lock:
            for change in changes:
                apply_change(self.graphs, change)
            if plan_ids:
                self.plan_ids.update(plan_ids)
            if position is not None:
                self.position = max(self.position, position)

    def reset(self) -> None:
        with self._lock:
            self.graphs.clear()
            self.plan_ids.clear()
            self.position = 0

    # -- reading ---------------------------------------------------------------

    def timeline(self, plan_id: str) -> nx.MultiDiGraph | None:
        with self._lock:
            return self.graphs.get(plan_id)

    def active_graph(self, plan_id: str) -> nx.MultiDiGraph | None:
        with self._lock:
            timeline = self.graphs.get(plan_id)
            return None if timeline is None else active_graph(timeline)

    def plans(self) -> list[str]:
        with self._lock:
            return sorted(self.graphs)

    # -- persistence (resume after a restart) ----------------------------------

    def save(self, path: Path) -> None:
        """Write graphs and position to ``path`` atomically (temp file, then rename)."""
        with self._lock:
            state = {"graphs": self.graphs, "plan_ids": self.plan_ids, "position": self.position}
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> NetworkxGraphStore:
        """A store as last saved at ``path`` (a new, empty one when there is no file)."""
        store = cls()
        if path.exists():
            with path.open("rb") as f:
                state = pickle.load(f)  # noqa: S301 - our own file, written by save()
            store.graphs, store.plan_ids, store.position = (
                state["graphs"],
                state["plan_ids"],
                state["position"],
            )
        return store


def apply_change(graphs: dict[str, nx.MultiDiGraph], change: GraphChange) -> None:
    """Apply one change to the timeline graph of its plan (older changes are ignored)."""
    g = graphs.get(change.plan)
    if g is None:
        g = graphs[change.plan] = nx.MultiDiGraph(plan=change.plan, version=0)
    if change.version > g.graph.get("version", 0):
        g.graph["version"] = change.version
        g.graph["updated_at"] = change.at
    match change:
        case SetPlan():
            if change.version >= g.graph.get("details_version", 0):
                g.graph.update(change.properties)
                g.graph["details_version"] = change.version
        case UpsertNode():
            _upsert_node(g, change)
        case RetireNode():
            node = g._node.get(change.key)
            if node is not None:
                _deactivate(node, change)
        case UpsertEdge():
            _upsert_edge(g, change)
        case RemoveEdge():
            data = _edge_data(g, change.source, change.target, change.edge)
            if data is not None:
                _deactivate(data, change)


def _edge_data(g: nx.MultiDiGraph, source: str, target: str, edge: str) -> dict[str, Any] | None:
    """The attributes of an edge, or None: one dict lookup (``has_edge`` raises inside)."""
    data: dict[str, Any] | None = g._succ.get(source, {}).get(target, {}).get(edge)
    return data


def _upsert_node(g: nx.MultiDiGraph, change: UpsertNode) -> None:
    node = g._node.get(change.key)
    if node is None:
        g.add_node(
            change.key,
            kind=change.kind,
            key=change.key,
            active=False,
            spells=[],
            last_version=0,
            **dict.fromkeys(_FIELDS_OF_KIND[change.kind]),
        )
        node = g._node[change.key]
    _activate(node, change, change.activate)


def _upsert_edge(g: nx.MultiDiGraph, change: UpsertEdge) -> None:
    data = _edge_data(g, change.source, change.target, change.edge)
    if data is None:
        g.add_edge(
            change.source,
            change.target,
            key=change.edge,
            edge=change.edge,
            active=False,
            spells=[],
            last_version=0,
        )
        data = g._succ[change.source][change.target][change.edge]
    _activate(data, change, True)


def _activate(data: dict[str, Any], change: UpsertNode | UpsertEdge, activate: bool) -> None:
    """Merge new properties and, if asked, open a new lifetime spell (unless stale)."""
    if change.version < data["last_version"]:
        return
    data.update(change.properties)
    if activate and not data["active"]:
        data["active"] = True
        data["spells"].append([change.at, None])
    data["last_version"] = change.version


def _deactivate(data: dict[str, Any], change: GraphChange) -> None:
    """Close the current lifetime spell of a node or edge (unless stale or already closed)."""
    if change.version >= data["last_version"] and data["active"]:
        data["active"] = False
        data["spells"][-1][1] = change.at
        data["last_version"] = change.version


def active_graph(timeline: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The plan as it stands: active elements and links, and objective -> mission edges.

    Node attributes are ``kind``, ``key`` and the element's fields; edge
    attributes are ``edge`` and, for ``funds``, ``amount``.
    """
    g = nx.MultiDiGraph(**{k: timeline.graph.get(k) for k in _PLAN_ATTRIBUTES})
    for key, data in timeline.nodes(data=True):
        if data["active"]:
            attrs = {name: data.get(name) for name in _FIELDS_OF_KIND[data["kind"]]}
            g.add_node(key, kind=data["kind"], key=key, **attrs)
    for source, target, edge, data in timeline.edges(keys=True, data=True):
        if data["active"] and source in g and target in g:
            attrs = {"amount": data.get("amount")} if edge == "funds" else {}
            g.add_edge(source, target, key=edge, edge=edge, **attrs)
    if "mission" in g:
        for key, kind in list(g.nodes(data="kind")):
            if kind == "objective":
                g.add_edge(key, "mission", key=IMPLICIT_EDGE, edge=IMPLICIT_EDGE)
    return g


def active_graph_since(
    previous: nx.MultiDiGraph,
    timeline: nx.MultiDiGraph,
    touched: Iterable[str | None] | None = None,
) -> nx.MultiDiGraph | None:
    """:func:`active_graph` of ``timeline``, made from ``previous`` (the active graph of
    an earlier version of the same timeline) when the versions in between only changed
    fields of elements active in both: it shares ``previous``'s links and the data of
    every element they did not change. None otherwise (an element or a link was added,
    retired, restored or revised): build it with :func:`active_graph`.

    ``touched``, when known, holds the keys of the elements those versions changed, and
    None for each link they changed (see :func:`~coherence.projections.replay.replay`):
    only those are looked at, instead of every element and link of the timeline.

    Both graphs are read-only from then on, as every graph handed out is."""
    since = previous.graph.get("version")
    if not isinstance(since, int) or since > timeline.graph.get("version", 0):
        return None
    before = previous._node
    changed: list[tuple[Any, dict[str, Any]]] = []
    if touched is None:
        for key, data in timeline._node.items():
            if data["last_version"] > since:
                if data["active"] != (key in before):
                    return None
                if data["active"]:
                    changed.append((key, data))
        for targets in timeline._succ.values():
            for keyed in targets.values():
                for data in keyed.values():
                    if data["last_version"] > since:
                        return None
    else:
        for key in dict.fromkeys(touched):
            if key is None:
                return None
            data = timeline._node[key]
            if data["active"] != (key in before):
                return None
            if data["active"]:
                changed.append((key, data))
    g = nx.MultiDiGraph(**{k: timeline.graph.get(k) for k in _PLAN_ATTRIBUTES})
    nodes = dict(before)
    for key, data in changed:
        attrs = {name: data.get(name) for name in _FIELDS_OF_KIND[data["kind"]]}
        nodes[key] = {"kind": data["kind"], "key": key, **attrs}
    g._node = nodes
    g._adj = g._succ = previous._succ
    g._pred = previous._pred
    return g


def timeline_attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    """The lifetime of a node or edge: first start, last end (None while active)."""
    spells = data.get("spells") or []
    return {
        "start": spells[0][0] if spells else None,
        "end": spells[-1][1] if spells else None,
        "spells": [tuple(s) for s in spells],
    }
