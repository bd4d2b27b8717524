"""The one replay of a plan's events into its timeline graph.

Every reader that turns events into a networkx graph (a version's graph, the live
timeline a cache moves forward, the audit after each revision) goes through
:func:`replay`: the events are mapped by
:func:`~coherence.projections.graph_changes.graph_changes` and applied by
:func:`~coherence.projections.networkx_store.apply_change`, nothing else.

>>> from coherence.domain.plan import DistrictPlan
>>> plan = DistrictPlan.draft("p", actor="a")
>>> rev = plan.begin_revision(actor="a")
>>> _ = plan.add_element("benchmark", "B1", {"kind": "process"}, rev)
>>> events = plan.collect_events()
>>> g = replay(events[:1], "p")
>>> g.graph["version"], list(g)
(1, [])
>>> g is replay(events[1:], "p", g), list(g), g.graph["version"]
(True, ['B1'], 2)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

import networkx as nx

from coherence.application.history import PlanHistory
from coherence.domain.errors import PlanNotFound
from coherence.domain.plan import DistrictPlan, plan_uuid
from coherence.projections.graph_changes import (
    GraphChange,
    RetireNode,
    SetPlan,
    UpsertNode,
    graph_changes,
)
from coherence.projections.networkx_store import apply_change


def changes_of(events: Iterable[Any], plan_id: str) -> Iterator[GraphChange]:
    """The graph changes of a plan's events, in order, for the graph named ``plan_id``
    (a scratch copy may use another name than the plan's own)."""
    for event in events:
        yield from graph_changes(event, plan_id)


def replay(
    events: Iterable[Any],
    plan_id: str,
    graph: nx.MultiDiGraph | None = None,
    touched: list[tuple[int, str | None]] | None = None,
) -> nx.MultiDiGraph:
    """The timeline graph of ``plan_id`` after ``events``.

    Given a ``graph``, the events move it forward in place (and it is returned): pass
    only the events after its ``graph["version"]`` (older changes are ignored anyway).
    Without one, a new graph is started. Given ``touched``, each change of an element or
    a link is added to it as ``(version, element key)``, None as the key of a link (see
    :func:`~coherence.projections.networkx_store.active_graph_since`).
    """
    if graph is None:
        graph = nx.MultiDiGraph(plan=plan_id, version=0)
    graphs = {plan_id: graph}
    for change in changes_of(events, plan_id):
        apply_change(graphs, change)
        if touched is not None and not isinstance(change, SetPlan):
            key = change.key if isinstance(change, UpsertNode | RetireNode) else None
            touched.append((change.version, key))
    return graph


def by_revision(
    events: Iterable[DistrictPlan.Event], plan_id: str
) -> Iterator[tuple[list[DistrictPlan.Event], nx.MultiDiGraph]]:
    """Replay revision by revision: each revision's events and the timeline graph after
    its last one (one graph moved forward: read it before taking the next revision)."""
    graph: nx.MultiDiGraph | None = None
    for _, group in itertools.groupby(events, key=lambda event: event.revision):
        revision = list(group)
        graph = replay(revision, plan_id, graph)
        yield revision, graph


def plan_events(
    app: PlanHistory, plan_id: str, *, after: int = 0, upto: int | None = None
) -> list[DistrictPlan.Event]:
    """The plan's events after version ``after`` up to ``upto`` (the latest when None).

    Raises :class:`~coherence.application.errors.PlanNotFound` when the plan has no
    events at all (``after`` 0)."""
    uid: UUID = plan_uuid(plan_id)
    events: list[DistrictPlan.Event] = list(
        app.events.get(uid, gt=after or None, lte=upto)  # type: ignore[arg-type]
    )
    if not events and not after:
        raise PlanNotFound(plan_id)
    return events
