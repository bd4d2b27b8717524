"""The PostgreSQL event store, refused at once when its server cannot be reached.

The library's pool keeps trying to connect for its whole connection timeout (30 s)
and then raises its own ``OperationalError``; this factory first opens one TCP
connection to the server (a refused port answers at once) and turns either failure
into :class:`~coherence.domain.errors.StoreUnavailable`, which says what to do.

Later on, when the server stops while Coherence runs, the pool waits for it
``POSTGRES_CONNECT_TIMEOUT`` seconds (``settings.WAIT_FOR_SERVER_S``) per attempt of the
library's retries; what still fails is turned into ``StoreUnavailable`` at the entry
points by :func:`unavailable_store` (a 503 with ``Retry-After``, exit status 3),
never reported as a bug.
"""

from __future__ import annotations

import socket
from typing import Any

import psycopg
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InterfaceError,
    OperationalError,
)
from eventsourcing.postgres import PostgresFactory

from coherence.domain.errors import StoreUnavailable

REACH_TIMEOUT_S = 5.0
REMEDY = "start it (scripts/postgres start) or pass --store URL (or set COHERENCE_STORE)"


class CheckedPostgresFactory(PostgresFactory):
    """``PostgresFactory`` that raises :class:`StoreUnavailable` for a server it cannot
    reach, or that refuses the connection (user, password, database)."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        host = self.env.get(self.POSTGRES_HOST) or "localhost"
        port = int(self.env.get(self.POSTGRES_PORT) or 5432)
        self.address = f"{host}:{port}"
        try:
            socket.create_connection((host, port), timeout=REACH_TIMEOUT_S).close()
        except OSError as e:
            self.close()
            raise StoreUnavailable(self.address, REMEDY, e.strerror or e) from None

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        try:
            return super().aggregate_recorder(purpose)
        except OperationalError as e:
            raise self._refused(e) from None

    def application_recorder(self) -> ApplicationRecorder:
        try:
            return super().application_recorder()
        except OperationalError as e:
            raise self._refused(e) from None

    def _refused(self, error: OperationalError) -> StoreUnavailable:
        self.close()
        return StoreUnavailable(
            self.address,
            "check the URL's user, password and database, and that the server accepts connections",
            error,
        )


def unavailable_store(error: BaseException) -> BaseException:
    """``StoreUnavailable`` for the library's errors of a PostgreSQL connection (the server
    went away or stopped answering while Coherence ran); any other error unchanged.

    >>> def lost() -> OperationalError:
    ...     try:
    ...         raise psycopg.OperationalError("couldn't get a connection after 3.00 sec")
    ...     except psycopg.Error as e:
    ...         try:
    ...             raise OperationalError(str(e)) from e
    ...         except OperationalError as library_error:
    ...             return library_error
    >>> print(unavailable_store(lost()).remedy)
    try again in a few seconds
    >>> unavailable_store(OperationalError("database is locked"))  # SQLite's, unchanged
    OperationalError('database is locked')
    """
    from_postgres = isinstance(error.__cause__, psycopg.Error)
    if isinstance(error, OperationalError | InterfaceError) and from_postgres:
        return StoreUnavailable("the configured store", "try again in a few seconds", error)
    return error
