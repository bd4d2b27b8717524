"""Following the notification log into a graph store, exactly once.

The projector reads notifications after the store's recorded position, maps
each event with :func:`graph_changes`, and hands the changes of a batch and the
batch's last position to the store, which applies both together. After a crash
it resumes from the store's position; a replayed batch changes nothing.

The library's SQLite recorder cannot push, so :meth:`Projector.follow` polls.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import networkx as nx

from coherence.application.history import PlanHistory
from coherence.application.postgres_store import unavailable_store
from coherence.domain.errors import PlanNotFound, ServerUnavailable
from coherence.domain.plan import DistrictPlan
from coherence.domain.values import is_scenario_id
from coherence.projections.graph_changes import GraphChange, graph_changes
from coherence.projections.networkx_store import NetworkxGraphStore, active_graph
from coherence.projections.replay import plan_events, replay


class GraphStore(Protocol):
    """What a projection target provides: its position, its plan ids, an atomic apply."""

    plan_ids: dict[str, str]

    def max_tracking_id(self) -> int: ...

    def apply(
        self,
        changes: Iterable[GraphChange],
        position: int | None = None,
        plan_ids: Mapping[str, str] | None = None,
    ) -> None: ...

    def reset(self) -> None: ...


@runtime_checkable
class PreparingStore(Protocol):
    """A store that can prepare a batch (turn its changes into what it writes) apart from
    writing it, so that a projector prepares the next batch while this one is written
    (see :meth:`Neo4jGraphStore.prepare`)."""

    def prepare(
        self,
        changes: Iterable[GraphChange],
        position: int | None = None,
        plan_ids: Mapping[str, str] | None = None,
    ) -> Any: ...

    def write(self, batch: Any) -> None: ...

    def write_next(self, batch: Any) -> None: ...

    def flush(self) -> None: ...


Progress = Callable[[int, int], None]

AWAY_PAUSES_S = (1.0, 2.0, 4.0, 8.0, 15.0)
"""Pauses of a following projector while a server does not answer, longer each time."""
SWITCH_INTERVAL = 0.0005
"""Seconds the read-ahead thread may hold the interpreter while the applying thread waits
for it (Python's default is 0.005). The applying thread wakes at every answer of the
server, a dozen times a batch; waiting up to 5 ms each time for the busy read-ahead thread
left the server idle for 6-9 % of a prefetching projection."""


class Projector:
    """Applies the application's events to a graph store, in order, batch by batch."""

    def __init__(self, app: PlanHistory, store: GraphStore, *, batch_size: int = 1000) -> None:
        self.app = app
        self.store = store
        self.batch_size = batch_size

    def pending(self) -> int:
        """How many notifications the store has not applied yet."""
        latest = self.app.recorder.max_notification_id() or 0
        return max(0, latest - self.store.max_tracking_id())

    def catch_up(
        self, progress: Progress | None = None, *, limit: int | None = None, prefetch: bool = False
    ) -> int:
        """Apply every notification after the store's position; returns how many.

        With ``prefetch``, the next batch is read and mapped in a thread while the store
        applies the current one (worth it for a store in another process, like Neo4j); a
        :class:`PreparingStore` also prepares it there, so that the applying thread only
        writes. Meanwhile the interpreter switches threads more often
        (:data:`SWITCH_INTERVAL`), so that an answer from the store is taken at once.
        """
        if prefetch and limit is None:
            return self._catch_up_prefetching(progress)
        done = 0
        total = self.pending()
        while limit is None or done < limit:
            size = self.batch_size if limit is None else min(self.batch_size, limit - done)
            applied = self.step(size)
            if not applied:
                break
            # The graphs only grow: keep the cyclic collector from walking them again
            # and again (it dominated long rebuilds). Reference counting still frees.
            gc.freeze()
            done += applied
            if progress:
                progress(done, max(total, done))
        return done

    def step(self, size: int | None = None) -> int:
        """Apply one batch; returns the number of notifications in it."""
        start = self.store.max_tracking_id() + 1
        notifications = self.app.recorder.select_notifications(
            start=start, limit=size or self.batch_size
        )
        if not notifications:
            return 0
        changes, learnt = self.map_notifications(notifications)
        self.store.apply(changes, position=notifications[-1].id, plan_ids=learnt)
        return len(notifications)

    def _catch_up_prefetching(self, progress: Progress | None) -> int:
        batches: queue.Queue[tuple[Any, int] | BaseException | None]
        batches = queue.Queue(maxsize=2)
        stop = threading.Event()

        def offer(item: Any) -> bool:
            while not stop.is_set():
                try:
                    batches.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        store = self.store
        preparing = store if isinstance(store, PreparingStore) else None

        def read_ahead() -> None:
            position = store.max_tracking_id()
            known = dict(store.plan_ids)
            try:
                while True:
                    notes = self.app.recorder.select_notifications(
                        start=position + 1, limit=self.batch_size
                    )
                    if not notes:
                        offer(None)
                        return
                    changes, learnt = self.map_notifications(notes, known)
                    known.update(learnt)
                    position = notes[-1].id
                    if preparing is not None:
                        batch: Any = preparing.prepare(changes, position, learnt)
                    else:
                        batch = (changes, position, learnt)
                    if not offer((batch, len(notes))):
                        return
            except BaseException as e:  # handed to the applying thread, which raises it
                offer(e)

        reader = threading.Thread(target=read_ahead, name="projector-read-ahead", daemon=True)
        total, done = self.pending(), 0
        interval = sys.getswitchinterval()
        sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
        reader.start()
        try:
            while (item := batches.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                batch, count = item
                if preparing is not None:
                    preparing.write_next(batch)
                else:
                    store.apply(*batch)
                gc.freeze()
                done += count
                if progress:
                    progress(done, max(total, done))
            if preparing is not None:
                preparing.flush()
        finally:
            stop.set()
            reader.join()
            sys.setswitchinterval(interval)
        return done

    def map_notifications(
        self, notifications: Iterable[Any], known: Mapping[str, str] | None = None
    ) -> tuple[list[GraphChange], dict[str, str]]:
        """Decode notifications into events and map them to graph changes."""
        to_event = self.app.mapper.to_domain_event
        known = self.store.plan_ids if known is None else known
        learnt: dict[str, str] = {}
        ids: dict[Any, str] = {}  # by the id object itself: no str() per event
        changes: list[GraphChange] = []
        for notification in notifications:
            event = to_event(notification)
            if not isinstance(event, DistrictPlan.Event):
                continue  # not a plan's event (an API token's, say): nothing to draw
            if isinstance(event, DistrictPlan.Drafted) and not is_scenario_id(event.plan_id):
                learnt[str(event.originator_id)] = event.plan_id
            plan_id = ids.get(event.originator_id)
            if plan_id is None:
                uid = str(event.originator_id)
                plan_id = learnt.get(uid) or known.get(uid) or self._scenario_of(event)
                if plan_id is None:  # pragma: no cover - every plan starts with Drafted
                    raise PlanNotFound(uid)
                ids[event.originator_id] = plan_id
            if is_scenario_id(plan_id):
                continue  # scenarios are drafts: the graph store keeps live plans only
            changes.extend(graph_changes(event, plan_id))
        return changes, learnt

    def _scenario_of(self, event: DistrictPlan.Event) -> str | None:
        """The id of the scenario an event belongs to (from its first event), else None."""
        if isinstance(event, DistrictPlan.Drafted):
            return event.plan_id if is_scenario_id(event.plan_id) else None
        first = self.app.recorder.select_events(event.originator_id, limit=1)
        drafted = self.app.mapper.to_domain_event(first[0]) if first else None
        plan_id = getattr(drafted, "plan_id", None)
        return plan_id if isinstance(plan_id, str) and is_scenario_id(plan_id) else None

    def rebuild(self, progress: Progress | None = None) -> int:
        """Forget everything and apply the whole log again."""
        self.store.reset()
        return self.catch_up(progress)

    def follow(
        self,
        stop: threading.Event,
        *,
        interval: float = 0.5,
        on_away: Callable[[ServerUnavailable, float], None] | None = None,
    ) -> None:
        """Keep the store up to date until ``stop`` is set (polling).

        A server that does not answer (the event store's PostgreSQL, or Neo4j after its
        driver's retries) is waited for: ``on_away`` is told what and for how long, and
        the next poll comes after a pause that doubles up to 15 s
        (:data:`AWAY_PAUSES_S`). Each batch is applied with its position in one
        transaction, so the poll after an outage goes on exactly where the last
        committed batch ended.
        """
        away = 0
        while not stop.is_set():
            try:
                moved = self.catch_up()
            except Exception as e:
                error = unavailable_store(e)
                if not isinstance(error, ServerUnavailable):
                    raise
                pause = AWAY_PAUSES_S[min(away, len(AWAY_PAUSES_S) - 1)]
                away += 1
                if on_away is not None:
                    on_away(error, pause)
                stop.wait(pause)
                continue
            away = 0
            if not moved:
                stop.wait(interval)


def plan_timeline(app: PlanHistory, plan_id: str, *, version: int | None = None) -> nx.MultiDiGraph:
    """The timeline graph of one plan up to ``version``, from its own events."""
    return replay(plan_events(app, plan_id, upto=version), plan_id)


def plan_graph(app: PlanHistory, plan_id: str, *, version: int | None = None) -> nx.MultiDiGraph:
    """The active alignment graph of a plan at a version (latest by default)."""
    return active_graph(plan_timeline(app, plan_id, version=version))


def in_process_store(app: PlanHistory) -> tuple[NetworkxGraphStore, Projector]:
    """A networkx store kept by a projector over ``app``."""
    store = NetworkxGraphStore()
    return store, Projector(app, store)
