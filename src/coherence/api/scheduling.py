"""Where a route's work runs: on the event loop or in a worker thread.

A SQLite store (or the in-memory one) lives in this process, and its calls are CPU: a
worker thread would only take turns with the event loop at Python's global lock, so the
work runs on the loop. A PostgreSQL store is a server whose calls wait on the network,
which must not stop the loop: the work runs in a worker thread, behind the server's
gate (:class:`~coherence.application.postgres_store.ServerGate`): while the server is
known to be away, a request is answered at once rather than after the library's retries.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

from coherence.application.postgres_store import ServerGate

_T = TypeVar("_T")
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


class Scheduler:
    """Runs store work where it belongs (see the module's documentation)."""

    def __init__(self, store_in_process: bool, gate: ServerGate | None = None) -> None:
        self.store_in_process = store_in_process
        """Whether the event store lives in this process (SQLite, memory) or is a server."""
        self.gate = gate

    async def on_store(self, work: Callable[[], _T]) -> _T:
        """Run a route's store work: here, on the event loop, when the store is in this
        process, in a worker thread when the store is a server."""
        if self.store_in_process:
            return work()
        if self.gate is not None:
            self.gate.check()
        try:
            return await run_in_threadpool(work)
        except Exception as e:
            if self.gate is not None:
                self.gate.noticed(e)
            raise
