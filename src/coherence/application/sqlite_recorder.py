"""The SQLite event recorder of ``PlanHistory``: one ``executemany`` per revision.

The library's SQLite application recorder inserts a revision's events one
``execute`` at a time, to read each row's id back. A plan import writes hundreds
of events at once, so this one inserts them in one ``executemany`` and derives
their ids from the last one: the rows of one write transaction get consecutive
row ids, because SQLite gives a new row the largest id plus one and no other
writer can insert while the transaction holds the write lock.

It also writes a revision's snapshots in the same transaction as its events, so
a revision costs one commit (one sync to disk), not two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from itertools import chain
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteFactory,
)

SQLITE_MAX_INTEGER = 2**63 - 1
"""SQLite's largest INTEGER: a version asked for beyond it is beyond every plan's."""


class BatchSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """``SQLiteApplicationRecorder`` with batched inserts and snapshots in the same commit."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        return self._insert_event_rows(c, stored_rows(stored_events))

    def _insert_event_rows(self, c: SQLiteCursor, rows: Sequence[tuple[Any, ...]]) -> list[int]:
        if not rows:
            return []
        insert_many(c, self.insert_events_statement, rows)
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        return list(range(last - len(rows) + 1, last + 1))

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query, with rows read by position and the id converted once
        (every row has the asked-for id): replaying a plan reads thousands of rows."""
        statement = self.select_events_statement
        uid = originator_id if isinstance(originator_id, UUID) else None
        params: list[Any] = [uid.hex if uid is not None else originator_id]
        if gt is not None:
            statement += "AND originator_version>? "
            params.append(min(gt, SQLITE_MAX_INTEGER))
        if lte is not None:
            statement += "AND originator_version<=? "
            params.append(min(lte, SQLITE_MAX_INTEGER))  # a larger one overflows SQLite
        statement += "ORDER BY originator_version " + ("DESC " if desc else "ASC ")
        if limit is not None:
            statement += "LIMIT ? "
            params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            rows = c.fetchall()
        if not rows:
            return []
        oid = uid if uid is not None else self.convert_originator_id(rows[0][0])
        return [StoredEvent(oid, row[1], row[2], row[3]) for row in rows]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's query for the projector's case (from ``start`` on, every topic),
        with rows read by position and each originator id converted once per call: a
        projection from empty reads the whole log."""
        if start is None or stop is not None or topics or not inclusive_of_start:
            return super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        columns = "rowid, originator_id, originator_version, topic, state"
        table = self.events_table_name  # the recorder's own name, not input
        statement = f"SELECT {columns} FROM {table} WHERE rowid>=? ORDER BY rowid LIMIT ?"  # noqa: S608
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (start, limit))
            rows = c.fetchall()
        ids: dict[str, Any] = {}
        convert = self.convert_originator_id
        notifications = []
        for row in rows:
            oid = ids.get(row[1])
            if oid is None:
                oid = ids[row[1]] = convert(row[1])
            notifications.append(Notification(oid, row[2], row[3], row[4], row[0]))
        return notifications

    def insert_events_and_snapshots(
        self,
        stored_events: Sequence[StoredEvent],
        snapshots: Sequence[StoredEvent],
        snapshot_recorder: SQLiteAggregateRecorder,
    ) -> Sequence[int] | None:
        """Insert events, and snapshots through ``snapshot_recorder``'s table, in one
        transaction (both recorders must share this recorder's database)."""
        return self.insert_rows(
            stored_rows(stored_events), stored_rows(snapshots), snapshot_recorder
        )

    def insert_rows(
        self,
        events: Sequence[tuple[Any, ...]],
        snapshots: Sequence[tuple[Any, ...]],
        snapshot_recorder: SQLiteAggregateRecorder,
    ) -> Sequence[int]:
        """Insert rows ``(originator id text, version, topic, state)`` of events, and of
        snapshots through ``snapshot_recorder``'s table, in one transaction."""
        if snapshot_recorder.datastore is not self.datastore:
            raise ValueError("the snapshot recorder writes to another database")
        with self.datastore.transaction(commit=True) as c:
            ids = self._insert_event_rows(c, events)
            if snapshots:
                c.executemany(snapshot_recorder.insert_events_statement, snapshots)
            return ids


ROWS_A_STATEMENT = (25, 5)
"""How many rows one ``INSERT`` takes, largest first (see :func:`insert_many`). Counted
in instructions an event of the bench's import: 25 and 5 took fewer than 12 and 3, 50
and 10, 100 and 10 or 200 and 20 (68,400 against 69,700, 68,600, 69,000 and 69,800)."""


def insert_many(c: SQLiteCursor, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany(statement, rows)`` for ``INSERT ... VALUES (?,?,?,?)``, with 25
    rows a statement, then 5, then one (:data:`ROWS_A_STATEMENT`): SQLite then starts
    and resets a statement once for 25 rows, and Python's ``sqlite3`` binds their values
    in one go (about 4,100 fewer instructions an event of an import than one row a
    statement, a fifth of the write). The same rows in the same order, so with
    consecutive row ids; all or none are inserted, in the caller's transaction."""
    start, count = 0, len(rows)
    for size in ROWS_A_STATEMENT:
        end = start + (count - start) // size * size
        if end > start:
            values = [
                tuple(chain.from_iterable(rows[i : i + size])) for i in range(start, end, size)
            ]
            c.executemany(_rows_statement(statement, size), values)
            start = end
    if start < count:
        c.executemany(statement, rows[start:] if start else rows)


@cache
def _rows_statement(statement: str, rows: int) -> str:
    """An ``INSERT ... VALUES (?,?,?,?)`` statement that takes ``rows`` rows at once."""
    head, values = statement.rsplit("VALUES", 1)
    return f"{head}VALUES " + ",".join([values.strip()] * rows)


def blob(state: bytes | bytearray) -> bytearray:
    """A state as the insert takes it: a ``bytearray``. Python's ``sqlite3`` binds a
    ``bytearray`` at once, where it first looks a ``bytes`` up for an adapter (two failed
    attribute lookups, each formatting an error message: a third of the time it takes
    to insert an event's row). Both are stored as the same BLOB, read back as ``bytes``.
    """
    return state if type(state) is bytearray else bytearray(state)


def stored_rows(stored: Sequence[StoredEvent]) -> list[tuple[Any, ...]]:
    """Insert parameters; a revision's events share one id, so its text is made once."""
    return text_id_rows((s.originator_id, s.originator_version, s.topic, s.state) for s in stored)


def text_id_rows(
    rows: Iterable[tuple[UUID | str, int, str, bytes | bytearray]],
) -> list[tuple[Any, ...]]:
    """Insert parameters of rows ``(originator id, version, topic, state)``: the id as the
    table keeps it (a UUID's hex), made once for a run of rows of the same id, and the
    state as a :func:`blob`."""
    out = []
    last_id: object = None
    text: Any = None
    for originator_id, version, topic, state in rows:
        if originator_id is not last_id:
            last_id = originator_id
            text = originator_id.hex if isinstance(originator_id, UUID) else originator_id
        out.append((text, version, topic, blob(state)))
    return out


class SnapshotSQLiteRecorder(SQLiteAggregateRecorder):
    """The library's recorder of snapshots, with versions beyond SQLite's clamped."""

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        return super().select_events(
            originator_id,
            gt=None if gt is None else min(gt, SQLITE_MAX_INTEGER),
            lte=None if lte is None else min(lte, SQLITE_MAX_INTEGER),
            desc=desc,
            limit=limit,
        )


class PlanSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, with :class:`SnapshotSQLiteRecorder` for snapshots
    (the application recorder is set by ``APPLICATION_RECORDER_TOPIC``)."""

    aggregate_recorder_class = SnapshotSQLiteRecorder
