"""Exports of the alignment graph: GraphML, GEXF, Cytoscape JSON, node-link JSON,
Mermaid and DOT. Each is a valid file for its reader, whatever the plan's text
(quotes, newlines, non-ASCII).

GEXF is written from the plan's *timeline* graph: every element that ever
existed, with its lifetime as spells, so Gephi's timeline replays the redesign.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(plan="p")
>>> g.add_node("SO1", kind="objective", key="SO1", title='Read "well"')
>>> print(to_mermaid(g).splitlines()[1])
    n0["Objective SO1: Read #quot;well#quot;"]
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import orjson

from coherence.domain.framework import KINDS
from coherence.projections.networkx_store import active_graph


def label(data: Mapping[str, Any]) -> str:
    """``Initiative SI1.1: Tutoring`` (the kind's label, key and title)."""
    spec = KINDS.get(str(data.get("kind")))
    if spec is None:
        return str(data.get("key"))
    if spec.singleton:
        return spec.label
    title = spec.title(data)
    head = f"{spec.label} {data.get('key')}"
    return f"{head}: {title}" if title else head


def _scalar(value: Any) -> Any:
    """A value GraphML/GEXF can hold: lists and dicts become JSON text."""
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False)
    return value


def _flat(data: Mapping[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: _scalar(v) for k, v in data.items() if v is not None and k not in skip}


def to_graphml(g: nx.MultiDiGraph) -> str:
    out = nx.MultiDiGraph(**_flat(g.graph))
    nodes = [(node, _flat(data)) for node, data in g.nodes(data=True)]
    edges = [(s, t, k, _flat(data)) for s, t, k, data in g.edges(keys=True, data=True)]
    node_floats = _float_keys(data for _, data in nodes)
    edge_floats = _float_keys(data for *_, data in edges)
    for node, data in nodes:
        out.add_node(node, label=label(data), **_as_float(data, node_floats))
    for s, t, k, data in edges:
        out.add_edge(s, t, key=k, **_as_float(data, edge_floats))
    buffer = io.BytesIO()
    nx.write_graphml(out, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def to_gexf(timeline: nx.MultiDiGraph) -> str:
    """GEXF with each element's and link's lifetime as spells (by date)."""
    out = nx.MultiDiGraph(mode="dynamic", **_flat(timeline.graph, skip=("details_version",)))
    skip = ("spells", "active", "last_version")
    for node, data in timeline.nodes(data=True):
        out.add_node(
            node, label=label(data), spells=_spells(data), **_numbers_as_float(_flat(data, skip))
        )
    for s, t, k, data in timeline.edges(keys=True, data=True):
        out.add_edge(s, t, key=k, spells=_spells(data), **_numbers_as_float(_flat(data, skip)))
    buffer = io.BytesIO()
    nx.write_gexf(out, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def _float_keys(items: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The attributes that hold a float somewhere (``2.5`` FTE on one line, ``2`` on
    another): GraphML declares one type per attribute, so their whole numbers are
    written as floats too."""
    return frozenset(k for data in items for k, v in data.items() if isinstance(v, float))


def _as_float(data: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    if not keys.intersection(data):
        return data
    return {
        k: float(v) if k in keys and isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in data.items()
    }


def _numbers_as_float(data: dict[str, Any]) -> dict[str, Any]:
    """GEXF declares one type per attribute: 42 and 24.6 must both be floats."""
    return {
        k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in data.items()
    }


def _spells(data: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    return [(start[:10], end[:10] if end else None) for start, end in data.get("spells") or []]


def to_cytoscape(g: nx.MultiDiGraph) -> str:
    return cytoscape_bytes(g).decode()


def cytoscape_bytes(g: nx.MultiDiGraph) -> bytes:
    """Cytoscape JSON, UTF-8 (``networkx.cytoscape_data``'s shape: nodes labelled, each edge with
    an ``id`` of source, kind and target), built straight from the graph and encoded by
    orjson: the export of a new version is on the path of every graph read after a
    write, and copying the graph and encoding with the standard library took ~5 ms."""
    nodes = [_cytoscape_node(node, attrs) for node, attrs in g.nodes(data=True)]
    return _cytoscape_json(g, nodes, _cytoscape_edges(g))


def _cytoscape_node(node: Any, attrs: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(attrs)
    data["label"] = data["name"] = label(attrs)
    data["id"] = data.get("id") or str(node)
    data["value"] = node
    data["name"] = data.get("name") or str(node)
    return {"data": data}


def _cytoscape_edges(g: nx.MultiDiGraph) -> list[dict[str, Any]]:
    edges = []
    for source, target, key, attrs in g.edges(keys=True, data=True):
        data = dict(attrs)
        data["source"], data["target"], data["key"] = source, target, key
        data["id"] = f"{source}|{attrs.get('edge')}|{target}"
        edges.append({"data": data})
    return edges


def _cytoscape_json(
    g: nx.MultiDiGraph, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> bytes:
    return _json_bytes(
        {
            "data": list(g.graph.items()),
            "directed": True,
            "multigraph": True,
            "elements": {"nodes": nodes, "edges": edges},
        }
    )


class CytoscapeWriter:
    """:func:`cytoscape_bytes` of successive versions of plans, reusing what a version
    shares with the last one written of its plan: the JSON parts of its links when it
    shares their data, and of each element whose data it shares (a graph made from an
    earlier one, see :func:`~coherence.projections.networkx_store.active_graph_since`).
    The same bytes either way; thread-safe."""

    def __init__(self) -> None:
        self._last: dict[Any, tuple[Any, list[dict[str, Any]], dict[Any, Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, g: nx.MultiDiGraph) -> bytes:
        plan = g.graph.get("plan")
        with self._lock:
            succ, edges, nodes = self._last.get(plan, (None, [], {}))
        if succ is not g._succ:
            edges = _cytoscape_edges(g)
        parts: dict[Any, Any] = {}
        entries = []
        for node, attrs in g._node.items():
            kept = nodes.get(node)
            entry = (
                kept[1] if kept is not None and kept[0] is attrs else _cytoscape_node(node, attrs)
            )
            parts[node] = (attrs, entry)
            entries.append(entry)
        with self._lock:
            self._last[plan] = (g._succ, edges, parts)
        return _cytoscape_json(g, entries, edges)


def to_node_link(g: nx.MultiDiGraph) -> str:
    return node_link_bytes(g).decode()


def node_link_bytes(g: nx.MultiDiGraph) -> bytes:
    return _json_bytes(nx.node_link_data(_labelled(g), edges="links"))


def _json_bytes(data: Any) -> bytes:
    """Compact JSON in UTF-8, non-ASCII as is (orjson; the standard library for what
    orjson refuses, such as an integer beyond 64 bits)."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _labelled(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    out = g.copy()
    for _, data in out.nodes(data=True):
        data["label"] = label(data)
        data["name"] = data["label"]
    return out


def to_mermaid(g: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart, supporters below what they support."""
    ids = {node: f"n{i}" for i, node in enumerate(g.nodes)}
    lines = ["flowchart BT"]
    for node, data in g.nodes(data=True):
        lines.append(f'    {ids[node]}["{_mermaid_text(label(data))}"]')
    for s, t, k in g.edges(keys=True):
        lines.append(f"    {ids[s]} -->|{k}| {ids[t]}")
    for kind in sorted({str(d) for _, d in g.nodes(data="kind")}):
        members = ",".join(ids[n] for n, d in g.nodes(data="kind") if d == kind)
        lines.append(f"    class {members} {kind}")
    return "\n".join(lines) + "\n"


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}


def _mermaid_text(text: str) -> str:
    return "".join(_MERMAID_ENTITIES.get(c, c) for c in " ".join(text.split()))


def to_dot(g: nx.MultiDiGraph) -> str:
    """Graphviz DOT, bottom-to-top like the plan's line of sight."""
    lines = [
        f"digraph {_dot_id(str(g.graph.get('plan') or 'plan'))} {{",
        "  rankdir=BT;",
        "  node [shape=box];",
    ]
    for node, data in g.nodes(data=True):
        kind = _dot_id(str(data.get("kind")))
        lines.append(f"  {_dot_id(node)} [label={_dot_id(label(data))}, kind={kind}];")
    for s, t, k, data in g.edges(keys=True, data=True):
        extra = f", amount={_dot_id(str(data['amount']))}" if data.get("amount") is not None else ""
        lines.append(f"  {_dot_id(s)} -> {_dot_id(t)} [label={_dot_id(k)}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'


@dataclass(frozen=True)
class GraphFormat:
    """One export format: its writer, media type and file extension.

    ``timeline``: the writer takes the plan's whole timeline (every element that ever
    existed, with its lifetime), not only the active graph of the version.
    ``write_bytes``: a writer of the UTF-8 bytes themselves, where that is cheaper.
    """

    name: str
    write: Callable[[nx.MultiDiGraph], str]
    media_type: str
    extension: str
    timeline: bool = False
    write_bytes: Callable[[nx.MultiDiGraph], bytes] | None = None
    successive: Callable[[], Callable[[nx.MultiDiGraph], bytes]] | None = None
    """Makes a writer of the UTF-8 bytes of successive versions that reuses what they
    share (see :class:`CytoscapeWriter`), where there is one."""

    def encode(self, graph: nx.MultiDiGraph) -> bytes:
        """The export of ``graph`` in UTF-8."""
        if self.write_bytes is not None:
            return self.write_bytes(graph)
        return self.write(graph).encode()

    def encoder(self) -> Callable[[nx.MultiDiGraph], bytes]:
        """A writer of the UTF-8 bytes of successive versions (:meth:`encode`, or one
        that reuses what they share)."""
        return self.successive() if self.successive is not None else self.encode


GRAPH_FORMATS: dict[str, GraphFormat] = {
    f.name: f
    for f in [
        GraphFormat("graphml", to_graphml, "application/graphml+xml", "graphml"),
        GraphFormat("gexf", to_gexf, "application/gexf+xml", "gexf", timeline=True),
        GraphFormat(
            "cytoscape",
            to_cytoscape,
            "application/json",
            "json",
            write_bytes=cytoscape_bytes,
            successive=CytoscapeWriter,
        ),
        GraphFormat(
            "node-link", to_node_link, "application/json", "json", write_bytes=node_link_bytes
        ),
        GraphFormat("mermaid", to_mermaid, "text/vnd.mermaid", "mmd"),
        GraphFormat("dot", to_dot, "text/vnd.graphviz", "dot"),
    ]
}
"""Every export format: adding one is a writer and one entry here."""

FORMATS = tuple(GRAPH_FORMATS)
MEDIA_TYPES = {name: f.media_type for name, f in GRAPH_FORMATS.items()}


def write_graph(fmt: str, timeline: nx.MultiDiGraph) -> str:
    """The plan's graph in format ``fmt``, from its timeline graph at a version."""
    spec = GRAPH_FORMATS[fmt]
    return spec.write(timeline if spec.timeline else active_graph(timeline))
