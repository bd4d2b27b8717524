"""The PostgreSQL event store, refused at once when its server cannot be reached.

The library's pool keeps trying to connect for its whole connection timeout (30 s)
and then raises its own ``OperationalError``; this factory first opens one TCP
connection to the server (a refused port answers at once) and turns either failure
into :class:`~coherence.domain.errors.StoreUnavailable`, which says what to do.

Later on, when the server stops while Coherence runs, what fails is turned into
``StoreUnavailable`` at the entry points by :func:`unavailable_store` (a 503 with
``Retry-After``, exit status 3), never reported as a bug. Three things keep an outage
short for the people using the server:

- :class:`KnockingPool`: a request that finds no connection ready in the pool knocks on
  the server's port before it waits for one, and a refused port is ``StoreUnavailable``
  at once. Else each of the library's ten attempts would wait the pool's whole
  timeout (``POSTGRES_CONNECT_TIMEOUT``, ``settings.WAIT_FOR_SERVER_S``): the first
  request of an outage was answered after ten seconds;
- the pool gives up a lost connection's reconnection after
  :data:`RECONNECT_TIMEOUT_S` (psycopg_pool's default, five minutes, doubles its
  pauses up to two minutes apart, so the server could stay unused that long after
  PostgreSQL came back); the next request then starts a new attempt at once;
- :class:`ServerGate`: once a request found the server away, the next ones knock on
  its port before they take a worker thread and the pool's lock, and are answered at
  once while it is refused.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any, cast

import psycopg
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InterfaceError,
    OperationalError,
)
from eventsourcing.postgres import ConnectionPool, PostgresFactory
from psycopg_pool import PoolTimeout

from coherence.domain.errors import StoreUnavailable

REACH_TIMEOUT_S = 5.0
RECONNECT_TIMEOUT_S = 4.0
KNOCK_TIMEOUT_S = 0.5
READY_WAIT_S = 0.1
"""How long a request waits for a connection of the pool before it knocks on the
server's port (a busy pool hands one over sooner; a lost server never does)."""
REMEDY = "start it (scripts/postgres start) or pass --store URL (or set COHERENCE_STORE)"


class CheckedPostgresFactory(PostgresFactory):
    """``PostgresFactory`` that raises :class:`StoreUnavailable` for a server it cannot
    reach, or that refuses the connection (user, password, database)."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        host, port = server_address(self.env)
        self.address = f"{host}:{port}"
        pool = KnockingPool.adopt(self.datastore.pool, (host, port))
        pool.reconnect_timeout = RECONNECT_TIMEOUT_S
        try:
            knock(host, port, timeout=REACH_TIMEOUT_S, remedy=REMEDY)
        except StoreUnavailable:
            self.close()
            raise

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


class KnockingPool(ConnectionPool[Any]):
    """The library's pool, which knocks on the server's port when it has no connection
    ready, and raises :class:`StoreUnavailable` at once while the port refuses.

    The library makes its pool itself: :meth:`adopt` gives it this class, which adds
    behaviour only (the pool opens on first use, later). ``StoreUnavailable`` is not one
    of the errors the library retries, so the request is answered at once; a pool that
    is only busy hands a connection over within :data:`READY_WAIT_S`, or is knocked on
    and waited for as before.
    """

    server: tuple[str, int]

    @classmethod
    def adopt(cls, pool: ConnectionPool[Any], server: tuple[str, int]) -> KnockingPool:
        """The library's ``pool``, from now on knocking on ``server`` (host, port)."""
        pool.__class__ = cls
        knocking = cast(KnockingPool, pool)
        knocking.server = server
        return knocking

    def getconn(self, timeout: float | None = None) -> Any:
        """A connection of the pool, or ``StoreUnavailable`` while the port refuses."""
        wait = self.timeout if timeout is None else timeout
        try:
            return super().getconn(min(wait, READY_WAIT_S))
        except PoolTimeout:
            if wait <= READY_WAIT_S:
                raise
        knock(*self.server)
        return super().getconn(wait - READY_WAIT_S)


def knock(
    host: str,
    port: int,
    *,
    timeout: float = KNOCK_TIMEOUT_S,
    remedy: str = "try again in a few seconds",
) -> None:
    """Open and close a TCP connection to the server; ``StoreUnavailable`` (saying
    ``remedy``) if it is refused or not answered within ``timeout`` seconds.

    >>> try:
    ...     knock("127.0.0.1", 9)  # the discard port: nothing listens there
    ... except StoreUnavailable as refused:
    ...     print(refused.remedy)
    try again in a few seconds
    """
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        raise StoreUnavailable(f"{host}:{port}", remedy, e.strerror or e) from None


def server_address(env: Mapping[str, str]) -> tuple[str, int]:
    """The host and port of the PostgreSQL server of an ``eventsourcing`` environment."""
    host = env.get(PostgresFactory.POSTGRES_HOST) or "localhost"
    return host, int(env.get(PostgresFactory.POSTGRES_PORT) or 5432)


class ServerGate:
    """Refuses store work at once while the PostgreSQL server is known to be away.

    A request that found the server away (:meth:`noticed`) closes the gate; while it is
    closed, :meth:`check` opens a TCP connection to the server's port first: refused
    (the server is down or restarting), the request is answered ``StoreUnavailable`` at
    once; answered, the gate opens and the request goes ahead.

    >>> gate = ServerGate("127.0.0.1", 9)  # the discard port: nothing listens there
    >>> gate.check()  # open: nothing known against the server
    >>> gate.noticed(StoreUnavailable("the configured store", "try again", "gone"))
    >>> try:
    ...     gate.check()
    ... except StoreUnavailable as refused:
    ...     print(refused.remedy)
    try again in a few seconds
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._away = False

    def check(self) -> None:
        """Raise ``StoreUnavailable`` if the server was away and its port still refuses."""
        if not self._away:
            return
        knock(self.host, self.port)
        self._away = False

    def noticed(self, error: BaseException) -> None:
        """Close the gate if ``error`` says the server is away."""
        if isinstance(unavailable_store(error), StoreUnavailable):
            self._away = True


STORE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
"""The library's errors of a connection: those :func:`unavailable_store` may turn into
``StoreUnavailable``."""


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
