"""The active graph of a plan *state* (a plan as plain data), for plans no event holds.

A what-if ("retire these budget lines") is a :class:`~coherence.domain.changes.PlanState`
that was never saved, so it has no events to replay. Its graph is built with the same
parts as a saved plan's: the state becomes the graph changes of
:mod:`~coherence.projections.graph_changes` (the plan's details, an upsert of each
active element with :func:`~coherence.projections.graph_changes.node_properties`, an
upsert of each link), applied by :func:`~coherence.projections.networkx_store.apply_change`
and read by :func:`~coherence.projections.networkx_store.active_graph`. A test holds it
equal to the graph the plan's own events give.

>>> from coherence.domain.changes import Element, Link, PlanState
>>> state = PlanState(
...     "p",
...     {"district": "D", "title": None, "period_start": None, "period_end": None},
...     {
...         "SO1": Element("objective", {"title": "Read", "description": None}),
...         "SO2": Element("objective", {"title": "Old", "description": None}, retired=True),
...         "SI1": Element("initiative", {"title": "Tutors"}),
...     },
...     {("SI1", "SO1"): Link("supports")},
... )
>>> g = state_graph(state, version=7)
>>> sorted(g), list(g.edges(keys=True)), g.graph["version"], g.graph["district"]
(['SI1', 'SO1'], [('SI1', 'SO1', 'supports')], 7, 'D')
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from coherence.domain.changes import PlanState
from coherence.projections.graph_changes import (
    GraphChange,
    SetPlan,
    UpsertEdge,
    UpsertNode,
    node_properties,
)
from coherence.projections.networkx_store import active_graph, apply_change


def state_changes(state: PlanState, *, version: int, at: str = "") -> Iterator[GraphChange]:
    """The graph changes that build a plan state's timeline graph from nothing: its
    details and status, its active elements, the links between them (all at
    ``version``, ``at``)."""
    plan = state.plan_id
    yield SetPlan(plan, version, at, properties={**state.details, "status": state.status})
    for key, element in state.elements.items():
        if not element.retired:
            yield UpsertNode(
                plan,
                version,
                at,
                key=key,
                kind=element.kind,
                properties=node_properties(element.fields),
                activate=True,
            )
    for (source, target), link in state.links.items():
        ends = state.elements.get(source), state.elements.get(target)
        if any(end is None or end.retired for end in ends):
            continue  # not in the active graph (and its ends have no node to hang on)
        yield UpsertEdge(
            plan,
            version,
            at,
            edge=link.edge,
            source=source,
            target=target,
            properties=dict(link.attributes),
        )


def state_graph(state: PlanState, *, version: int, at: str = "") -> nx.MultiDiGraph:
    """The active graph of a plan state, as of ``version`` (its ``graph["version"]``):
    what the audit, the funding summary and the exports read."""
    graphs: dict[str, nx.MultiDiGraph] = {}
    for change in state_changes(state, version=version, at=at):
        apply_change(graphs, change)
    return active_graph(graphs[state.plan_id])
