"""What the routes share: the application, who may do what, and read caches.

The server is stateless apart from these caches. They are keyed by plan version (and
the query's parameters), and what a version holds never changes, so several servers,
or the worker processes of ``coherence serve --workers N``, each with its own caches,
can serve the same store: a read resolves the plan's latest version from the store
first, so it sees every write acknowledged before it, whoever acknowledged it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

import networkx as nx
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from coherence.application.history import PlanHistory
from coherence.application.settings import store_in_process
from coherence.application.tokens import authenticate, tokens_exist
from coherence.domain.access import Grant
from coherence.domain.errors import InvalidValue, PayloadTooLarge, PlanNotFound, Unauthorized
from coherence.domain.plan import DistrictPlan, plan_uuid
from coherence.projections.graph_changes import graph_changes
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.networkx_store import active_graph, apply_change
from coherence.projections.projector import plan_timeline
from coherence.queries.audit import AuditReport, audit
from coherence.queries.exports import EXPORTERS, to_gexf
from coherence.queries.plan_queries import audit_plan, plan_summary

OPEN_ACTOR = "local user (no token)"
_T = TypeVar("_T")
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
    """Graphs of plans at versions, for reads.

    Each plan has a *live* timeline that moves forward with new events (reading only
    the events after it), so a read after a write costs one event, not the whole
    history. Past versions are built from their events. Graphs and exports handed
    out are never changed afterwards, so readers need no lock.
    """

    def __init__(self, size: int = 256, graphs: int = 16) -> None:
        self._live: dict[str, nx.MultiDiGraph] = {}
        self._plan_locks: dict[str, threading.Lock] = {}
        # Few graphs (thousands of objects each, which the garbage collector scans), many
        # exports (bytes, which it does not): reads of a version mostly want its export.
        self._graphs: Memo[tuple[str, int], nx.MultiDiGraph] = Memo(graphs)
        self._exports: Memo[tuple[str, int, str], bytes] = Memo(size)
        self._newest: dict[tuple[str, str], tuple[bytes, int]] = {}
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

    def _at(
        self, history: PlanHistory, plan_id: str, version: int, use: Callable[[nx.MultiDiGraph], _T]
    ) -> _T:
        """``use`` the plan's timeline at ``version`` (the live one, moved forward, when it can)."""
        with self._lock:
            plan_lock = self._plan_locks.setdefault(plan_id, threading.Lock())
        with plan_lock:
            live = self._live.get(plan_id)
            if live is None or live.graph["version"] > version:
                timeline = plan_timeline(history, plan_id, version=version)
                if live is None:
                    self._live[plan_id] = timeline
                return use(timeline)
            if live.graph["version"] < version:
                graphs = {plan_id: live}
                for event in history.events.get(
                    plan_uuid(plan_id), gt=live.graph["version"], lte=version
                ):
                    for change in graph_changes(event, plan_id):
                        apply_change(graphs, change)
            return use(live)

    def active(self, history: PlanHistory, plan_id: str, version: int) -> nx.MultiDiGraph:
        """The active graph at a version (shared: do not change it)."""
        return self._graphs.get(
            (plan_id, version), lambda: self._at(history, plan_id, version, active_graph)
        )

    def export(
        self,
        history: PlanHistory,
        plan_id: str,
        fmt: str,
        *,
        version: int | None = None,
        as_of: date | None = None,
        latest: DistrictPlan | None = None,
    ) -> tuple[bytes, int]:
        """The graph in an export format (UTF-8, encoded once) and the version it is of.

        ``latest`` is the plan as the caller just read it, so that a read of the
        latest version does not read it again."""
        resolved = resolve_version(history, plan_id, version, as_of, latest)

        def make() -> bytes:
            if fmt == "gexf":
                return self._at(history, plan_id, resolved, to_gexf).encode()
            return EXPORTERS[fmt](self.active(history, plan_id, resolved)).encode()

        body = self._exports.get((plan_id, resolved, fmt), make)
        with self._lock:
            newest = self._newest.get((plan_id, fmt))
            if newest is None or newest[1] < resolved:
                self._newest[(plan_id, fmt)] = (body, resolved)
        return body, resolved


class PerLoop(Generic[_V]):
    """One value per running event loop, made on first use: asyncio locks belong to the
    loop they were first waited on, and tests run each request in a loop of its own."""

    def __init__(self, make: Callable[[], _V]) -> None:
        self._make = make
        self._values: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _V] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> _V:
        loop = asyncio.get_running_loop()
        value = self._values.get(loop)
        if value is None:
            value = self._values[loop] = self._make()
        return value


class WriteLocks:
    """Writes to a plan, one at a time: in this process, and across the worker processes
    of one server when they share a lock file (``fcntl.lockf``).

    Only an optimisation: the store refuses a write based on a version another write
    already took, and the application then retries it. But writers to one plan that
    run at once mostly collide, and each collision costs a retry and SQLite's busy
    waits (which sleep for 1, 2, 5, 10... ms), so queueing them is much faster.
    Plans share the lock of their stripe (a hash of the plan id).
    """

    POLL_S = 0.001
    """How often a writer on the event loop tries a lock that another process holds."""

    def __init__(self, path: str | None = None, stripes: int = 64) -> None:
        self.path = path
        self.stripes = stripes
        self._locks = [threading.Lock() for _ in range(stripes)]
        self._queues: PerLoop[dict[int, asyncio.Lock]] = PerLoop(dict)
        self._fd: int | None = None
        self._open = threading.Lock()

    def _file(self) -> int | None:
        if self.path is None:
            return None
        with self._open:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            return self._fd

    def _stripe(self, plan_id: str) -> int:
        return zlib.crc32(plan_id.encode()) % self.stripes

    @contextlib.contextmanager
    def hold(self, plan_id: str) -> Iterator[None]:
        """Hold the lock of ``plan_id``'s stripe, waiting for it (in a worker thread)."""
        stripe = self._stripe(plan_id)
        with self._locks[stripe]:  # POSIX record locks are per process: threads first
            fd = self._file()
            if fd is not None:
                fcntl.lockf(fd, fcntl.LOCK_EX, 1, stripe)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, stripe)

    @contextlib.asynccontextmanager
    async def hold_async(self, plan_id: str) -> AsyncIterator[None]:
        """:meth:`hold` on the event loop, which goes on serving while it waits.

        The writers of this loop queue on an asyncio lock; the first then tries the
        thread lock and the file lock without blocking, every :data:`POLL_S` while
        another thread or process holds them. So it holds them only while it runs,
        never while it waits for its turn on the loop (which would hold up the writers
        of the other processes)."""
        stripe = self._stripe(plan_id)
        queue = self._queues.get().setdefault(stripe, asyncio.Lock())
        async with queue:
            lock, fd = self._locks[stripe], self._file()
            while True:
                if lock.acquire(blocking=False):
                    if fd is None or _try_lockf(fd, stripe):
                        break
                    lock.release()
                await asyncio.sleep(self.POLL_S)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, stripe)
                lock.release()


def _try_lockf(fd: int, stripe: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, stripe)
    except (BlockingIOError, PermissionError):  # another process holds it
        return False
    return True


def resolve_version(
    history: PlanHistory,
    plan_id: str,
    version: int | None,
    as_of: date | None,
    latest: DistrictPlan | None = None,
) -> int:
    """The version a read is of: ``as_of``'s, ``version`` (checked) or the latest
    (``latest``'s, when the caller has just read the plan)."""
    if as_of is not None:
        return history.version_at(plan_id, as_of)
    if version is None and latest is not None:
        return latest.version
    return history.get_plan(plan_id, version=version).version


@dataclass
class ApiContext:
    """The service's state: its application, its options, its caches."""

    history: PlanHistory
    max_body: int = 8 * 1024 * 1024
    open_actor: str = OPEN_ACTOR
    neo4j: Neo4jGraphStore | None = None
    graphs: GraphCache = field(default_factory=GraphCache)
    write_locks: WriteLocks = field(default_factory=WriteLocks)
    _heavy: PerLoop[asyncio.Lock] = field(default_factory=lambda: PerLoop(asyncio.Lock))
    _tokens_required: bool = False
    _reports: Memo[tuple[str, int, str | None, date], AuditReport] = field(
        default_factory=lambda: Memo(512)
    )
    _audit_bodies: Memo[tuple[str, int, str | None, date], tuple[bytes, int | None]] = field(
        default_factory=lambda: Memo(256)
    )
    store_in_process: bool = field(init=False)
    """Whether the event store lives in this process (SQLite, memory) or is a server."""

    def __post_init__(self) -> None:
        self.store_in_process = store_in_process(self.history.settings.store)

    # -- who -------------------------------------------------------------------

    def tokens_required(self) -> bool:
        """Once a token exists, every request needs one (a read by id until then)."""
        if not self._tokens_required:
            self._tokens_required = tokens_exist(self.history)
        return self._tokens_required

    def grant(self, authorization: str | None) -> Grant:
        if not self.tokens_required():
            return Grant(self.open_actor, "admin")
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("Send a token: Authorization: Bearer <token>")
        grant = authenticate(self.history, authorization[7:].strip())
        if grant is None:
            raise Unauthorized("Unknown or revoked token")
        return grant

    def district_of(self, plan_id: str, *, missing_ok: bool = False) -> str | None:
        try:
            return self.history.get_plan(plan_id).district
        except PlanNotFound:
            if missing_ok:
                return None
            raise

    def writing(self, plan_id: str) -> contextlib.AbstractContextManager[None]:
        """Hold while writing to a plan (see :class:`WriteLocks`); in a worker thread."""
        return self.write_locks.hold(plan_id)

    def writing_async(self, plan_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """:meth:`writing` for the event loop."""
        return self.write_locks.hold_async(plan_id)

    async def on_store(self, work: Callable[[], _T]) -> _T:
        """Run a route's store work: here, on the event loop, when the store is in this
        process (a SQLite file: its calls are CPU, and a worker thread would only take
        turns with the loop at Python's global lock), in a worker thread when the store
        is a server (PostgreSQL: its calls wait on the network, which must not stop
        the loop)."""
        if self.store_in_process:
            return work()
        return await run_in_threadpool(work)

    async def heavy(self, work: Callable[[], _T]) -> _T:
        """Run ``work``, several milliseconds of CPU, on the event loop: one such piece of
        work at a time, and only after the requests that are already waiting (two
        turns of the loop: one reads what arrived, one starts its tasks), so that a
        cheap request waits for one expensive one at most, not for a queue of them."""
        async with self._heavy.get():
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return await self.on_store(work)

    def latest(self, plan_id: str) -> DistrictPlan:
        """The plan at its latest version, brought up to date from the store.

        Shared, and moved on in place by later reads: do not change it, and read what
        you need of it (its version) at once, not after an ``await``."""
        return self.history.get_plan(plan_id)

    # -- reads -----------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        """The request body, refused past the size limit without reading it all."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise PayloadTooLarge(f"The body is over {self.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise PayloadTooLarge(f"The body is over {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def audit(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | None = None,
        fiscal_year: str | None = None,
        engine: str = "networkx",
        latest: DistrictPlan | None = None,
    ) -> AuditReport:
        """The audit of a plan: as of a date, at a version (its date), or now (today).

        ``latest`` is the plan as the caller just read it (see :func:`resolve_version`).
        """
        resolved = resolve_version(self.history, plan_id, version, as_of, latest)
        if as_of is not None:
            audit_date = as_of
        elif version is not None:
            audit_date = (
                self.history.get_plan(plan_id, version=resolved).modified_on.astimezone(UTC).date()
            )
        else:
            audit_date = today()
        if engine == "neo4j":
            if self.neo4j is None:
                raise InvalidValue(
                    "engine", "networkx (Neo4j is not configured on this server)", engine
                )
            return audit_plan(
                self.history,
                plan_id,
                version=resolved,
                fiscal_year=fiscal_year,
                audit_date=audit_date,
                neo4j=self.neo4j,
            )
        return self._reports.get(
            (plan_id, resolved, fiscal_year, audit_date),
            lambda: audit(
                self.graphs.active(self.history, plan_id, resolved),
                as_of=audit_date,
                fiscal_year=fiscal_year,
            ),
        )

    def audit_body(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | None = None,
        fiscal_year: str | None = None,
        engine: str = "networkx",
        latest: DistrictPlan | None = None,
    ) -> tuple[bytes, int | None]:
        """:meth:`audit` as the JSON body of the answer, and the version audited.

        Today's audits (networkx) are kept serialized (see :meth:`cached_audit_body`), so
        a repeated one serializes nothing."""

        def body() -> tuple[bytes, int | None]:
            report = self.audit(
                plan_id,
                version=version,
                as_of=as_of,
                fiscal_year=fiscal_year,
                engine=engine,
                latest=latest,
            )
            return bytes(JSONResponse(report.to_dict()).body), report.version

        if engine != "networkx" or version is not None or as_of is not None:
            return body()  # the report is kept; serializing it again is cheap
        resolved = resolve_version(self.history, plan_id, version, as_of, latest)
        return self._audit_bodies.get((plan_id, resolved, fiscal_year, today()), body)

    def cached_audit_body(
        self, latest: DistrictPlan, fiscal_year: str | None
    ) -> tuple[bytes, int | None] | None:
        """Today's audit of the plan at ``latest``'s version, if its body is kept."""
        return self._audit_bodies.peek((latest.plan_id, latest.version, fiscal_year, today()))

    def plan_summaries(self) -> list[dict[str, Any]]:
        return [plan_summary(p, self.audit(p.plan_id)) for p in self.history.list_plans()]


def today() -> date:
    """The date an audit of "now" is as of (UTC)."""
    return datetime.now(UTC).date()


async def context(request: Request) -> ApiContext:
    """The application context (a dependency; ``async`` so that it runs on the event
    loop rather than costing a thread hop)."""
    ctx: ApiContext = request.app.state.ctx
    return ctx
