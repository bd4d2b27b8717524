"""Writes to a plan, one at a time: in this process and across the worker processes of
one server (see :class:`WriteLocks`)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
import zlib
from collections.abc import AsyncIterator, Iterator

from coherence.api.scheduling import PerLoop


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
        of the other processes).

        Turns alternate between processes: a writer that has to wait says so (it holds
        a second byte of the file, its stripe's *waiting* byte, until its turn), and a
        writer that finds another process waiting lets it go first, so the process that
        just wrote does not take every turn while the other polls once per turn of its
        busy loop."""
        stripe = self._stripe(plan_id)
        queue = self._queues.get().setdefault(stripe, asyncio.Lock())
        async with queue:
            lock, fd = self._locks[stripe], self._file()
            waiting = self.stripes + stripe
            flagged = False
            try:
                while True:
                    if fd is not None and not flagged:
                        if not _try_lockf(fd, waiting):
                            await asyncio.sleep(self.POLL_S)  # another process waits
                            continue
                        fcntl.lockf(fd, fcntl.LOCK_UN, 1, waiting)  # none waits
                    if lock.acquire(blocking=False):
                        if fd is None or _try_lockf(fd, stripe):
                            break
                        lock.release()
                    if fd is not None and not flagged:
                        flagged = _try_lockf(fd, waiting)
                    await asyncio.sleep(self.POLL_S)
            finally:
                if flagged and fd is not None:
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, waiting)
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
