"""The event store under ``PlanHistory``: how it is set up, read and written.

:class:`StoreApplication` is the library's ``Application`` configured from
:class:`Settings` alone, with the orjson transcoder and the plan mapper, and the
few reads and writes that go to the recorders directly: a revision's events and
snapshots are written together, in one commit on SQLite.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time as clock
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Literal, overload
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InternalError, Mapper, StoredEvent, Transcoder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import Environment, get_topic

from coherence.application.settings import Settings, store_environment
from coherence.application.sqlite_recorder import (
    BatchSQLiteApplicationRecorder,
    blob,
    stored_rows,
    text_id_rows,
)
from coherence.application.transcoder import (
    EncodedEvent,
    OrjsonTranscoder,
    PlanMapper,
    SQLiteRow,
)

Row = tuple[int, str, bytes]
"""A stored event of a known aggregate: ``(version, topic, state)``."""


def rows_of(stored: Iterable[StoredEvent]) -> list[Row]:
    return [(s.originator_version, s.topic, s.state) for s in stored]


def can_share(settings: Settings) -> bool:
    """Whether other processes can open this store (a memory store is this process's)."""
    return not settings.store.startswith("memory:")


class StoreApplication(Application[UUID]):
    """An ``Application`` whose store is set by :class:`Settings`, snapshotting on."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        env = store_environment(self.settings.store)
        path = env.get("SQLITE_DBNAME")
        self._watch = _StoreWatch(path) if path and _on_disk(path) else None
        env["AGGREGATE_CACHE_MAXSIZE"] = str(self.settings.cache_size)
        env["IS_SNAPSHOTTING_ENABLED"] = "y"
        for attempt in range(5):
            try:
                super().__init__(env=env)
                return
            except InternalError:
                # Several servers starting at once on an empty PostgreSQL database race to
                # create the same tables ("tuple concurrently updated"): try again.
                if attempt == 4:
                    raise
                clock.sleep(random.uniform(0.05, 0.2))

    def recorded(self, originator_id: UUID) -> int | None:
        """The newest version of an aggregate recorded, by anyone, since the store's
        watch began (0: none since): an aggregate read after a look at this, or whose
        cached version is this, is current. None where the store cannot tell (memory,
        PostgreSQL)."""
        if self._watch is None:
            return None
        return self._watch.recorded(originator_id.hex)

    def changes_of(self, *aggregates: type[Any]) -> int | None:
        """A number that moves whenever an event of one of these aggregate classes is
        recorded, by anyone, and stays while only others are: what was read of them
        while it stays is still current (a write to a plan does not make a token's grant
        read again). None where the store cannot tell (memory, PostgreSQL)."""
        if self._watch is None:
            return None
        return self._watch.last_of(_topic_prefixes(aggregates))

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        super().close()

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    def construct_mapper(self) -> Mapper[UUID]:
        return PlanMapper(transcoder=self.construct_transcoder())

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Any:
        """Only the given settings: no hidden configuration from the process environment."""
        return Environment(name, dict(env or {}))

    # -- reading ---------------------------------------------------------------

    def created_ids(self, created: type[Any]) -> list[UUID]:
        """The ids of the aggregates whose first event is of class ``created``, oldest first."""
        topic = get_topic(created)
        start = 1
        ids: list[UUID] = []
        while True:
            batch = self.recorder.select_notifications(start=start, limit=1000, topics=[topic])
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            if len(batch) < 1000:
                return ids
            start = batch[-1].id + 1

    def event_timestamp(self, originator_id: UUID, version: int) -> datetime:
        stored = self.recorder.select_events(originator_id, gt=version - 1, lte=version, limit=1)
        event: Any = self.mapper.to_domain_event(stored[0])
        timestamp: datetime = event.timestamp
        return timestamp

    # -- writing ---------------------------------------------------------------

    def _write_revision(self, events: Sequence[Any], snapshots: Sequence[StoredEvent]) -> None:
        """Map a revision's events and write them with its snapshots.

        The one place a command's events are written (a preparing process overrides it
        to keep them instead: see :mod:`coherence.application.bulk`).
        """
        sqlite = self._sqlite_recorders()
        if sqlite is not None:
            recorder, snapshot_recorder = sqlite
            rows = self._encode(events, hex_ids=True)  # as the table takes them
            recorder.insert_rows(rows, stored_rows(snapshots), snapshot_recorder)
            return
        encoded = self._encode(events)
        self._write_stored([StoredEvent(*row) for row in encoded], snapshots)

    @overload
    def _encode(
        self, events: Sequence[Any], *, hex_ids: Literal[False] = False
    ) -> list[EncodedEvent]: ...

    @overload
    def _encode(self, events: Sequence[Any], *, hex_ids: bool) -> list[SQLiteRow]: ...

    def _encode(self, events: Sequence[Any], *, hex_ids: bool = False) -> list[Any]:
        """A command's events as rows ``(originator id, version, topic, state)``, with
        the ids as hex text if ``hex_ids``."""
        mapper = self.mapper
        if isinstance(mapper, PlanMapper):
            return mapper.encode_events(events, hex_ids=hex_ids)
        rows = [  # pragma: no cover - the application constructs a PlanMapper
            (s.originator_id, s.originator_version, s.topic, s.state)
            for s in map(mapper.to_stored_event, events)
        ]
        return text_id_rows(rows) if hex_ids else rows  # pragma: no cover

    def _write_stored(
        self, stored: Sequence[StoredEvent], snapshots: Sequence[StoredEvent]
    ) -> None:
        """Write one aggregate's stored events and snapshots; in one commit on SQLite."""
        sqlite = self._sqlite_recorders()
        if sqlite is not None:
            recorder, snapshot_recorder = sqlite
            recorder.insert_events_and_snapshots(stored, snapshots, snapshot_recorder)
            return
        self.recorder.insert_events(stored)
        if snapshots and self.snapshots:
            self.snapshots.recorder.insert_events(snapshots)

    def _write_rows(
        self, originator_id: UUID, events: Sequence[Row], snapshots: Sequence[Row]
    ) -> None:
        """Write rows of one aggregate's events and snapshots, as :meth:`_write_stored` does."""
        sqlite = self._sqlite_recorders()
        if sqlite is not None:
            recorder, snapshot_recorder = sqlite
            text = originator_id.hex
            recorder.insert_rows(
                [(text, version, topic, blob(state)) for version, topic, state in events],
                [(text, version, topic, blob(state)) for version, topic, state in snapshots],
                snapshot_recorder,
            )
            return
        self._write_stored(
            [StoredEvent(originator_id, *row) for row in events],
            [StoredEvent(originator_id, *row) for row in snapshots],
        )

    def _sqlite_recorders(
        self,
    ) -> tuple[BatchSQLiteApplicationRecorder, SQLiteAggregateRecorder] | None:
        """The event and snapshot recorders when both are SQLite's (one database)."""
        recorder = self.recorder
        snapshot_recorder = self.snapshots.recorder if self.snapshots else None
        if isinstance(recorder, BatchSQLiteApplicationRecorder) and isinstance(
            snapshot_recorder, SQLiteAggregateRecorder
        ):
            return recorder, snapshot_recorder
        return None


def _on_disk(path: str) -> bool:
    return not path.startswith(":") and "mode=memory" not in path  # not ":memory:"


@cache
def _topic_prefixes(aggregates: tuple[type[Any], ...]) -> tuple[str, ...]:
    """How the topics of these aggregate classes' events begin (made once per classes:
    :meth:`StoreApplication.changes_of` is asked on every request with a token)."""
    return tuple(f"{get_topic(cls)}." for cls in aggregates)


_NEWEST_ROW = "SELECT max(rowid) FROM stored_events"
_RECORDED_SINCE = (
    "SELECT originator_id, max(originator_version), max(rowid), min(topic) "
    "FROM stored_events NOT INDEXED WHERE rowid > ? GROUP BY originator_id"
)
"""The library's events table (``stored_events``) read by row id: each aggregate with
events after a row, its newest version and row, and one of its events' topics (all of
an aggregate's topics start with its class's). ``NOT INDEXED``: otherwise SQLite groups
by walking the whole (originator, version) index, so every look read every event ever
stored (a millisecond at 20,000), instead of seeking the rows after the last look."""


class _StoreWatch:
    """What was recorded in a SQLite file since the watch began, read on a connection of
    its own. SQLite's ``data_version`` changes whenever another connection (any of ours,
    or another process's) commits, and costs a microsecond or two to read, against a
    query's tens; only when it moved are the rows committed since read, by row id: SQLite
    gives a new row the largest id plus one, writers take turns, and events are never
    deleted, so the rows committed after a given one all have larger ids. One connection
    for every thread, since the numbers of two connections cannot be compared."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._version: int | None = None
        """The data version when the rows were last read (None: not yet begun)."""
        self._position = 0
        """The id of the last row read (at the start: the newest row then)."""
        self._newest: dict[str, int] = {}
        """By aggregate id (as stored): the newest version recorded since the watch began."""
        self._marks: dict[tuple[str, ...], int] = {}
        """By topic prefixes: the row id of the newest event with one of them since they
        were first asked about (until then, the position when they were)."""

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
        return self._connection

    def _look(self) -> None:
        """Read the rows committed since the last look, if any (under the lock)."""
        connection = self._connect()
        version = connection.execute("PRAGMA data_version").fetchone()[0]
        if self._version is None:
            self._position = int(connection.execute(_NEWEST_ROW).fetchone()[0] or 0)
        elif version != self._version:
            for originator, recorded, row_id, topic in connection.execute(
                _RECORDED_SINCE, (self._position,)
            ):
                self._newest[originator] = recorded
                for prefixes, mark in list(self._marks.items()):
                    if topic.startswith(prefixes) and row_id > mark:  # groups: rows unordered
                        self._marks[prefixes] = row_id
                self._position = max(self._position, row_id)
        self._version = version

    def last_of(self, prefixes: tuple[str, ...]) -> int:
        """A number that moves whenever an event whose topic starts with one of
        ``prefixes`` is recorded: the row id of the newest, or the position when they
        were first asked about."""
        with self._lock:
            self._look()
            return self._marks.setdefault(prefixes, self._position)

    def recorded(self, originator: str) -> int:
        """The newest version of an aggregate recorded since the watch began (0: none)."""
        with self._lock:
            self._look()
            return self._newest.get(originator, 0)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply events in order (the library's default re-checks each event's type, slowly)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class EventTimestamps(Sequence[datetime]):
    """Event timestamps of one aggregate by version, read on demand (for bisect)."""

    def __init__(self, app: StoreApplication, originator_id: UUID, latest: int) -> None:
        self.app = app
        self.originator_id = originator_id
        self.latest = latest

    def __len__(self) -> int:
        return self.latest

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):  # pragma: no cover - bisect uses ints
            raise TypeError("no slices")
        return self.app.event_timestamp(self.originator_id, index + 1)

    def __iter__(self) -> Iterator[datetime]:  # pragma: no cover
        for i in range(self.latest):
            yield self[i]
