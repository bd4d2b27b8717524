"""The SQLite store's commits: written to the write-ahead log, not synced to the disk.

The library opens SQLite in WAL mode with ``synchronous=FULL``, which syncs the log at
every commit: 3 to 10 ms of a write on this kind of machine, while the plan's write
lock is held, so the server's writes could not be more than a few hundred a second,
however cheap the rest. ``synchronous=NORMAL`` in WAL mode syncs only at checkpoints:
a commit is in the operating system's copy of the log when it returns, so an
acknowledged write survives the server's process being killed (``kill -9``:
``tests/integration/test_crash.py`` does it); only a power cut or a crash of the
operating system may lose the last commits before a checkpoint (SQLite's own words:
"durability is lost", the database stays consistent).
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool

from coherence.application.sqlite_recorder import PlanSQLiteFactory


class _NormalSyncPool(SQLiteConnectionPool):
    """Connections in ``synchronous=NORMAL`` (a setting of each connection)."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        with connection.cursor() as cursor:  # outside a transaction, where it may change
            cursor.execute("PRAGMA synchronous=NORMAL;")
        return connection


class SyncedAtCheckpointsFactory(PlanSQLiteFactory):
    """:class:`PlanSQLiteFactory` whose connections commit without a sync (see above)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        pool = self.datastore.pool
        self.datastore.pool = _NormalSyncPool(db_name=pool.db_name, lock_timeout=pool.lock_timeout)
        pool.close()
