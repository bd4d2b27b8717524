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
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from coherence.api.errors import PayloadTooLarge, Unauthorized
from coherence.application.errors import PlanNotFound
from coherence.application.history import PlanHistory
from coherence.application.settings import store_in_process
from coherence.application.tokens import authenticate, tokens_exist
from coherence.domain.access import Grant
from coherence.domain.plan import DistrictPlan
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.queries.graph_cache import Memo
from coherence.queries.reader import PlanReader, check_fiscal_year, today

OPEN_ACTOR = "local user (no token)"
_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


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


@dataclass
class ApiContext:
    """The service's state: its application, its options, its caches."""

    history: PlanHistory
    max_body: int = 8 * 1024 * 1024
    open_actor: str = OPEN_ACTOR
    neo4j: Neo4jGraphStore | None = None
    reader: PlanReader = None  # type: ignore[assignment]
    write_locks: WriteLocks = field(default_factory=WriteLocks)
    _heavy: PerLoop[asyncio.Lock] = field(default_factory=lambda: PerLoop(asyncio.Lock))
    _tokens_required: bool = False
    _audit_bodies: Memo[tuple[str, int, str | None, date], tuple[bytes, int | None]] = field(
        default_factory=lambda: Memo(256)
    )
    store_in_process: bool = field(init=False)
    """Whether the event store lives in this process (SQLite, memory) or is a server."""

    def __post_init__(self) -> None:
        self.store_in_process = store_in_process(self.history.settings.store)
        if self.reader is None:
            self.reader = PlanReader(self.history, neo4j=self.neo4j)

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
            report = self.reader.audit(
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
        check_fiscal_year(fiscal_year)
        resolved = self.reader.at(plan_id, latest=latest)
        return self._audit_bodies.get((plan_id, resolved.version, fiscal_year, today()), body)

    def cached_audit_body(
        self, latest: DistrictPlan, fiscal_year: str | None
    ) -> tuple[bytes, int | None] | None:
        """Today's audit of the plan at ``latest``'s version, if its body is kept."""
        return self._audit_bodies.peek((latest.plan_id, latest.version, fiscal_year, today()))


async def context(request: Request) -> ApiContext:
    """The application context (a dependency; ``async`` so that it runs on the event
    loop rather than costing a thread hop)."""
    ctx: ApiContext = request.app.state.ctx
    return ctx
