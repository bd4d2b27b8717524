"""Caches of a plan reader: values computed once by key, and graphs of plans at versions.

What a plan version holds never changes, so everything here is keyed by version and
never goes stale. Several servers, or the worker processes of ``coherence serve
--workers N``, each with their own caches, can serve one store: a read resolves the
plan's latest version from the store first (see :class:`~coherence.queries.reader.PlanReader`).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

import networkx as nx

from coherence.application.history import PlanHistory
from coherence.domain.plan import DistrictPlan
from coherence.projections.monitoring import PlanMonitor
from coherence.projections.networkx_store import active_graph, active_graph_since
from coherence.projections.replay import plan_events, replay
from coherence.queries.export_shelf import ExportShelf
from coherence.queries.exports import GRAPH_FORMATS

_T = TypeVar("_T")
_REUSE_WITHIN = 16
"""How many versions back a graph is looked for, to make a later version's from."""
_READ_AHEAD = 64
"""How many versions past the one asked for a live timeline reads and keeps: a server
saves writes that waited together, then asks for each of their versions in turn."""
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class Memo(Generic[_K, _V]):
    """Values by key, each computed once: callers that ask for a key while it is being
    computed wait for that result instead of computing it again (right after a write,
    every concurrent read wants the same new version). The most recently used are kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[_K, _V] = OrderedDict()
        self._pending: dict[_K, Future[_V]] = {}
        self._lock = threading.Lock()

    def peek(self, key: _K) -> _V | None:
        """The value if it is there (never computes, never waits)."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def get(self, key: _K, make: Callable[[], _V]) -> _V:
        """The value, made by ``make`` unless it is there or being made."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            pending = self._pending.get(key)
            mine = pending is None
            if pending is None:
                pending = self._pending[key] = Future()
        if not mine:
            return pending.result()
        try:
            value = make()
        except BaseException as e:
            with self._lock:
                del self._pending[key]
            pending.set_exception(e)
            raise
        with self._lock:
            self._values[key] = value
            del self._pending[key]
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        pending.set_result(value)
        return value


class GraphCache:
    """Graphs of plans at (resolved) versions, their exports, and monitoring facts.

    Each plan has a *live* timeline that moves forward with new events (reading only
    the events after it, see :func:`~coherence.projections.replay.replay`), so a read
    after a write costs one event, not the whole history. Past versions are built from
    their events. Graphs and exports handed out are never changed afterwards, so
    readers need no lock.

    Each plan also has a live :class:`~coherence.projections.monitoring.PlanMonitor`,
    fed with the same events as the live timeline: its timelines are kept by version,
    so it answers for every version it has reached (past versions need no rebuild).
    """

    def __init__(
        self,
        history: PlanHistory,
        size: int = 256,
        graphs: int = 64,
        shelf: ExportShelf | None = None,
    ) -> None:
        self.history = history
        self.shelf = shelf
        """Where the worker processes of one server share their exports, if anywhere."""
        self._live: dict[str, nx.MultiDiGraph] = {}
        self._ahead: dict[str, list[DistrictPlan.Event]] = {}
        """Events read past each live timeline's version, in order (see :meth:`timeline`)."""
        self._touched: dict[str, tuple[int, list[tuple[int, str | None]]]] = {}
        """What moving each live timeline forward changed (see :func:`replay`), from a
        version on: its elements' keys (None: a link) by version, for :meth:`active`."""
        self._monitors: dict[str, PlanMonitor] = {}
        self._plan_locks: dict[str, threading.Lock] = {}
        # Fewer graphs (thousands of objects each, which the garbage collector scans) than
        # exports (bytes, which it does not): reads of a version mostly want its export.
        # Enough for the versions of a few groups of writes (see api.group_commit): a
        # version no longer kept and behind the live timeline is replayed from the start.
        self._graphs: Memo[tuple[str, int], nx.MultiDiGraph] = Memo(graphs)
        self._exports: Memo[tuple[str, int, str], bytes] = Memo(size)
        self._newest: dict[tuple[str, str], tuple[bytes, int]] = {}
        self._encoders = {name: spec.encoder() for name, spec in GRAPH_FORMATS.items()}
        self._lock = threading.Lock()

    def newest(self, plan_id: str, fmt: str, at_least: int) -> tuple[bytes, int] | None:
        """The newest export made of the plan in a format, and its version, if that is
        ``at_least`` (never computes).

        A read of "the latest version" may be answered with any version from the one
        that was latest when it arrived (every write acknowledged before it is in) to
        the one that is latest when it is answered: so reads that queue for an export
        share the newest one rather than each waiting for its own."""
        found = self._newest.get((plan_id, fmt))
        return found if found is not None and found[1] >= at_least else None

    def _plan_lock(self, plan_id: str) -> threading.Lock:
        """The lock of one plan's live timeline and monitor."""
        with self._lock:
            return self._plan_locks.setdefault(plan_id, threading.Lock())

    def timeline(self, plan_id: str, version: int, use: Callable[[nx.MultiDiGraph], _T]) -> _T:
        """``use`` the plan's timeline at ``version`` (the live one, moved forward, when it
        can; ``use`` must not keep or change it)."""
        with self._plan_lock(plan_id):
            live = self._live.get(plan_id)
            if live is None or live.graph["version"] > version:
                events = plan_events(self.history, plan_id, upto=version)
                self._feed(plan_id, events)
                timeline = replay(events, plan_id)
                if live is None:
                    self._live[plan_id] = timeline
                    self._ahead.pop(plan_id, None)
                    self._touched[plan_id] = (timeline.graph["version"], [])
                return use(timeline)
            if live.graph["version"] < version:
                events = self._events_ahead(plan_id, live.graph["version"], version)
                self._feed(plan_id, events)
                start, touched = self._touched.get(plan_id, (live.graph["version"], []))
                if start < version - _REUSE_WITHIN:  # older than :meth:`active` looks
                    start = version - _REUSE_WITHIN
                    touched = [item for item in touched if item[0] > start]
                replay(events, plan_id, live, touched)
                self._touched[plan_id] = (start, touched)
            return use(live)

    def _touched_since(
        self, plan_id: str, timeline: nx.MultiDiGraph, since: int
    ) -> list[str | None] | None:
        """What moving the live timeline from ``since`` to its version changed (see
        :func:`replay`), when ``timeline`` is the live one and that is known (under the
        plan's lock)."""
        if timeline is not self._live.get(plan_id):
            return None
        start, touched = self._touched.get(plan_id, (since + 1, []))
        if since < start:
            return None
        return [key for version, key in touched if version > since]

    def _events_ahead(self, plan_id: str, after: int, upto: int) -> list[DistrictPlan.Event]:
        """The events after ``after`` up to ``upto``, taken from those read ahead when they
        are there; else read with up to :data:`_READ_AHEAD` more, kept for the next call
        (under the plan's lock)."""
        wanted = upto - after
        ahead = self._ahead.get(plan_id)
        if not ahead or ahead[0].originator_version != after + 1 or len(ahead) < wanted:
            ahead = plan_events(self.history, plan_id, after=after, upto=upto + _READ_AHEAD)
        self._ahead[plan_id] = ahead[wanted:]
        return ahead[:wanted]

    def written(self, plan_id: str, events: Sequence[DistrictPlan.Event]) -> None:
        """Events this process just saved to the plan, in order: kept as read ahead when
        they follow on from what the live timeline has read, so that moving it to their
        versions reads nothing from the store (else they are read when needed)."""
        if not events:
            return
        with self._plan_lock(plan_id):
            live = self._live.get(plan_id)
            if live is None:
                return
            ahead = self._ahead.get(plan_id) or []
            last = ahead[-1].originator_version if ahead else live.graph["version"]
            if events[0].originator_version == last + 1:
                self._ahead[plan_id] = [*ahead, *events]

    def _feed(self, plan_id: str, events: list[DistrictPlan.Event]) -> None:
        """Move the plan's live monitor forward with events the timeline read anyway
        (when they follow on from it; under the plan's lock)."""
        monitor = self._monitors.get(plan_id)
        if monitor is None:
            monitor = self._monitors[plan_id] = PlanMonitor(plan_id)
        if events and events[0].originator_version <= monitor.version + 1:
            monitor.apply_all(events)

    def monitor(self, plan_id: str, version: int) -> PlanMonitor:
        """The plan's live monitor, moved forward to ``version`` at least (it answers for
        any version up to its own: see :meth:`PlanMonitor.at`)."""
        with self._plan_lock(plan_id):
            monitor = self._monitors.get(plan_id)
            if monitor is None:
                monitor = self._monitors[plan_id] = PlanMonitor(plan_id)
            if monitor.version < version:
                monitor.apply_all(
                    plan_events(self.history, plan_id, after=monitor.version, upto=version)
                )
            return monitor

    def active(self, plan_id: str, version: int) -> nx.MultiDiGraph:
        """The active graph at a version (shared: do not change it): made from the
        newest one kept of an earlier version when only fields changed in between (see
        :func:`active_graph_since`), else built."""

        def build(timeline: nx.MultiDiGraph) -> nx.MultiDiGraph:
            for earlier in range(version - 1, max(version - _REUSE_WITHIN, 0), -1):
                previous = self._graphs.peek((plan_id, earlier))
                if previous is not None:
                    touched = self._touched_since(plan_id, timeline, earlier)
                    made = active_graph_since(previous, timeline, touched)
                    return made or active_graph(timeline)
            return active_graph(timeline)

        return self._graphs.get((plan_id, version), lambda: self.timeline(plan_id, version, build))

    def preview(self, plan_id: str, base: int, events: Sequence[Any]) -> nx.MultiDiGraph:
        """The active graph that ``events`` (not saved: a dry run's) would make of version
        ``base`` of the plan (0: a plan not yet created). Built on a copy, never cached."""
        if base == 0:
            return active_graph(replay(events, plan_id))
        return self.timeline(
            plan_id, base, lambda t: active_graph(replay(events, plan_id, copy.deepcopy(t)))
        )

    def export(self, plan_id: str, fmt: str, version: int) -> bytes:
        """The graph at a version in an export format (UTF-8, encoded once)."""

        def make() -> bytes:
            shared = self.shelf.get(plan_id, version, fmt) if self.shelf else None
            if shared is not None:
                return shared
            spec, encode = GRAPH_FORMATS[fmt], self._encoders[fmt]
            if spec.timeline:
                body = self.timeline(plan_id, version, encode)
            else:
                body = encode(self.active(plan_id, version))
            if self.shelf is not None:
                self.shelf.put(plan_id, version, fmt, body)
            return body

        body = self._exports.get((plan_id, version, fmt), make)
        with self._lock:
            newest = self._newest.get((plan_id, fmt))
            if newest is None or newest[1] < version:
                self._newest[(plan_id, fmt)] = (body, version)
        return body
