"""The one mapping from plan events to graph changes.

:func:`graph_changes` is a pure function of an event (and its plan's id). The
networkx store and the Neo4j store both apply its output; neither has a mapping
of its own. Every change is idempotent (an upsert, a retirement, a removal), so
applying a batch twice changes nothing, which makes resuming after a crash safe.

Element fields become node properties, except that a field called ``kind``
(outcome, professional learning, benchmark and educator goal kinds) is renamed
``subkind``: ``kind`` on a node is always the element kind.

>>> from coherence.domain.plan import DistrictPlan
>>> plan = DistrictPlan.draft("p", actor="a")
>>> rev = plan.begin_revision(actor="a")
>>> _ = plan.add_element("benchmark", "B1", {"kind": "process"}, rev)
>>> [type(c).__name__ for c in graph_changes(plan.collect_events()[1], "p")]
['UpsertNode']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch
from typing import Any

from coherence.domain.plan import DistrictPlan


@dataclass(slots=True)
class GraphChange:
    """A change to one plan's graph, at a version and time of that plan (treat as read-only)."""

    plan: str
    version: int
    at: str


@dataclass(slots=True)
class SetPlan(GraphChange):
    """Set properties of the plan itself (district, title, period, status)."""

    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class UpsertNode(GraphChange):
    """Create or activate an element node, or merge new values into its properties."""

    key: str = ""
    kind: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    activate: bool = False


@dataclass(slots=True)
class RetireNode(GraphChange):
    """Take an element out of the active graph (it stays in the timeline)."""

    key: str = ""
    kind: str = ""


@dataclass(slots=True)
class UpsertEdge(GraphChange):
    """Create or update a link from supporter to supported."""

    edge: str = ""
    source: str = ""
    target: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RemoveEdge(GraphChange):
    """Remove a link."""

    edge: str = ""
    source: str = ""
    target: str = ""


def node_properties(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Element fields as node properties (``kind`` becomes ``subkind``)."""
    return {("subkind" if name == "kind" else name): value for name, value in fields.items()}


_last_time: tuple[datetime | None, str] = (None, "")
"""The last datetime written as ISO text, and its text: the events of one revision share
their time object (as the store's transcoder decodes them)."""


def _isoformat(time: datetime) -> str:
    global _last_time
    last = _last_time
    if last[0] is time:
        return last[1]
    text = time.isoformat()
    _last_time = (time, text)
    return text


def _base(event: DistrictPlan.Event, plan_id: str) -> tuple[str, int, str]:
    """plan, version and time: the first three fields of every change, by position."""
    return plan_id, event.originator_version, _isoformat(event.timestamp)


@singledispatch
def graph_changes(event: object, plan_id: str) -> list[GraphChange]:
    """The graph changes of one plan event (none for an event the graph does not show)."""
    return []


@graph_changes.register
def _(event: DistrictPlan.Drafted, plan_id: str) -> list[GraphChange]:
    props = {
        "district": event.district,
        "title": event.title,
        "period_start": event.period_start,
        "period_end": event.period_end,
        "status": "draft",
    }
    return [SetPlan(*_base(event, plan_id), properties=props)]


@graph_changes.register
def _(event: DistrictPlan.DetailsRevised, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties=dict(event.changes))]


@graph_changes.register(DistrictPlan.ElementAdded)
@graph_changes.register(DistrictPlan.ElementRestored)
def _(
    event: DistrictPlan.ElementAdded | DistrictPlan.ElementRestored, plan_id: str
) -> list[GraphChange]:
    return [
        UpsertNode(
            *_base(event, plan_id),
            key=event.key,
            kind=event.kind,
            properties=node_properties(event.fields),
            activate=True,
        )
    ]


@graph_changes.register
def _(event: DistrictPlan.ElementRevised, plan_id: str) -> list[GraphChange]:
    return [
        UpsertNode(
            *_base(event, plan_id),
            key=event.key,
            kind=event.kind,
            properties=node_properties(event.changes),
        )
    ]


@graph_changes.register
def _(event: DistrictPlan.ElementRetired, plan_id: str) -> list[GraphChange]:
    return [RetireNode(*_base(event, plan_id), key=event.key, kind=event.kind)]


@graph_changes.register(DistrictPlan.Linked)
@graph_changes.register(DistrictPlan.LinkRevised)
def _(event: DistrictPlan.Linked | DistrictPlan.LinkRevised, plan_id: str) -> list[GraphChange]:
    return [
        UpsertEdge(
            *_base(event, plan_id),
            edge=event.edge,
            source=event.source_key,
            target=event.target_key,
            properties=dict(event.attributes),
        )
    ]


@graph_changes.register
def _(event: DistrictPlan.Unlinked, plan_id: str) -> list[GraphChange]:
    return [
        RemoveEdge(
            *_base(event, plan_id),
            edge=event.edge,
            source=event.source_key,
            target=event.target_key,
        )
    ]


@graph_changes.register
def _(event: DistrictPlan.Adopted, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties={"status": "adopted"})]


@graph_changes.register
def _(event: DistrictPlan.RedesignStarted, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties={"status": "redesign"})]


@graph_changes.register
def _(event: DistrictPlan.Closed, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties={"status": "closed"})]


@graph_changes.register
def _(event: DistrictPlan.Forked, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties={})]


@graph_changes.register
def _(event: DistrictPlan.Discarded, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties={"status": "discarded"})]


@graph_changes.register
def _(event: DistrictPlan.Merged, plan_id: str) -> list[GraphChange]:
    return [SetPlan(*_base(event, plan_id), properties={"status": "merged"})]


@graph_changes.register
def _(event: DistrictPlan.BenchmarkStatusReported, plan_id: str) -> list[GraphChange]:
    return [
        UpsertNode(
            *_base(event, plan_id),
            key=event.key,
            kind="benchmark",
            properties={"status": event.status},
        )
    ]


@graph_changes.register
def _(event: DistrictPlan.OutcomeResultReported, plan_id: str) -> list[GraphChange]:
    return [
        UpsertNode(
            *_base(event, plan_id),
            key=event.key,
            kind="outcome",
            properties={"results": [dict(r) for r in event.results]},
        )
    ]
