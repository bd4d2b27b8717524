"""Line of sight: how an element reaches the mission, and what stands beneath an objective.

Edges point from supporter to supported, so a line of sight is a path along the
edges: budget line -> initiative -> objective -> mission.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("BL1", "SI1", key="funds"); g.add_edge("SI1", "SO1", key="supports")
'funds'
'supports'
>>> g.add_edge("SO1", "mission", key="advances")
'advances'
>>> paths_up(g, "BL1")
[['BL1', 'SI1', 'SO1', 'mission']]
>>> sorted(beneath(g, "SO1").nodes)
['BL1', 'SI1', 'SO1']
"""

from __future__ import annotations

import networkx as nx

from coherence.domain.errors import UnknownElement


def paths_up(g: nx.MultiDiGraph, key: str) -> list[list[str]]:
    """Every path from ``key`` up to the top of the plan (the mission, or an objective
    when the plan has no mission), shortest first; ``[[key]]`` for the top itself."""
    if key not in g:
        raise UnknownElement(f"No active element {key} in the plan")
    tops = (
        ["mission"] if "mission" in g else [n for n, k in g.nodes(data="kind") if k == "objective"]
    )
    if key in tops or g.out_degree(key) == 0:
        return [[key]]
    paths: set[tuple[str, ...]] = set()
    for top in tops:
        for path in nx.all_simple_paths(nx.DiGraph(g), key, top):
            paths.add(tuple(path))
    return [list(p) for p in sorted(paths, key=lambda p: (len(p), p))]


def beneath(g: nx.MultiDiGraph, key: str) -> nx.MultiDiGraph:
    """The element and everything that supports it, directly or not (a subgraph copy)."""
    if key not in g:
        raise UnknownElement(f"No active element {key} in the plan")
    keep = nx.ancestors(g, key) | {key}
    return g.subgraph(keep).copy()


__all__ = ["beneath", "paths_up"]
