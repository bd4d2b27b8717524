"""``coherence serve --workers N``: N uvicorn worker processes serving one port.

Each worker is a spawned process that builds its own application with
:func:`coherence.bootstrap.create_app_from_environment` (uvicorn's ``factory=True``), from
the settings the parent put in the environment, and runs a ``uvicorn.Server`` on a
listening socket of its own, bound with ``SO_REUSEPORT``: the kernel then spreads new
connections over the workers (by a hash of their addresses). uvicorn's own multi-worker
mode shares one socket instead, and the first worker to wake accepts every pending
connection: 32 keep-alive clients that connect at once could all land on one worker
while the other idled.

The first workers listen together, once every one has loaded its application (or one
could not): the kernel then spreads the first clients over all of them, and a worker
that cannot load never listened, so no client's connection is accepted and then cut
off (a refused connection can be tried again; a reset one may or may not have been
served). A worker started again later listens once it has loaded.

The parent only supervises. On SIGINT or SIGTERM it stops the workers (uvicorn shuts
down gracefully on SIGTERM). A worker that stops on its own is started again, after a
pause that doubles while it keeps stopping, and the others serve meanwhile:

- a worker whose store (or Neo4j) did not answer while it started exits with
  :data:`STORE_AWAY` (the server may be restarting); it is started again until the
  store answers;
- a worker killed by a signal (a crash, the kernel's out-of-memory killer), or that
  stopped after it had served, is started again;
- a worker that exits with an error before it served (a bug, a broken installation)
  would fail again: every worker is stopped and :class:`WorkersFailed` says so.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier, Event
from types import FrameType

from coherence.domain.errors import ServerUnavailable, WorkersFailed

FACTORY = "coherence.bootstrap:create_app_from_environment"
STOP_TIMEOUT_S = 20.0
BACKLOG = 2048  # uvicorn's default
STORE_AWAY = 75  # EX_TEMPFAIL of sysexits.h: try again later
RESTART_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Pauses before starting a stopped worker again: the next one each time it stops
again without having served for :data:`SETTLED_S`, then the last one."""
SETTLED_S = 60.0
TOGETHER_TIMEOUT_S = 30.0
"""How long a first worker that has loaded waits for the others before it listens (they
load the same application from the same store: seconds apart, unless one is stuck)."""


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:  # as asyncio (and so one uvicorn process) binds it
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def _worker(  # pragma: no cover - runs in a child process
    host: str, port: int, serving: Event, together: Barrier | None
) -> None:
    import uvicorn

    # Bound now, so the port stays ours; it listens (uvicorn calls listen) once loaded:
    # until then the kernel gives new connections to the workers that serve.
    sock = listening_socket(host, port, reuse_port=True)
    # No access log: at the warning level it printed nothing, yet each answer made its line.
    config = uvicorn.Config(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        backlog=BACKLOG,
    )
    try:
        config.load()
    except ServerUnavailable as e:
        if together is not None:
            together.abort()  # the others serve without this one
        sock.close()
        name = multiprocessing.current_process().name
        print(f"{name}: {e.without_remedy()}", file=sys.stderr, flush=True)
        sys.exit(STORE_AWAY)
    serving.set()
    if together is not None:
        # broken when one could not load (or was slow to): serve without it
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(TOGETHER_TIMEOUT_S)
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class _Slot:
    """One worker's place: its current process and when it is due to start again."""

    number: int
    process: BaseProcess | None = None
    serving: Event | None = None
    started_at: float = 0.0
    stops: int = 0
    """How many times in a row it stopped without settling."""
    due_at: float | None = None

    @property
    def name(self) -> str:
        return f"coherence-worker-{self.number}"

    def start(
        self, spawn: SpawnContext, host: str, port: int, together: Barrier | None = None
    ) -> None:
        """Start its process; ``together`` when it is one of the first workers."""
        self.serving = spawn.Event()
        self.process = spawn.Process(
            target=_worker, args=(host, port, self.serving, together), name=self.name
        )
        self.process.start()
        self.started_at = time.monotonic()
        self.due_at = None

    def sentinel(self) -> int | None:
        """What to wait on while it runs (None when it is not running)."""
        if self.process is None or self.process.exitcode is not None:
            return None
        return self.process.sentinel

    def check(self, report: Callable[[str], None]) -> bool:
        """After a stop of its own, schedule a start after a pause (and say it stopped),
        or fail."""
        if self.process is None or self.process.exitcode is None:
            return False
        code = self.process.exitcode
        served = self.serving is not None and self.serving.is_set()
        if not served and code > 0 and code != STORE_AWAY:  # an error, not a signal
            raise WorkersFailed(f"Worker process {self.number} could not start (exit code {code})")
        now = time.monotonic()
        self.stops = 1 if served and now - self.started_at > SETTLED_S else self.stops + 1
        pause = RESTART_DELAYS_S[min(self.stops, len(RESTART_DELAYS_S)) - 1]
        why = "the store did not answer" if code == STORE_AWAY else f"exit code {code}"
        report(f"Worker process {self.number} stopped ({why}); starting it again in {pause:g} s.")
        self.due_at = now + pause
        self.process = None
        return True


def run_workers(
    host: str,
    port: int,
    workers: int,
    environment: Mapping[str, str],
    report: Callable[[str], None] = print,
) -> None:
    """Serve ``host:port`` with ``workers`` processes until SIGINT or SIGTERM.

    ``environment`` (the parsed settings, see ``ServiceSettings.to_environment``) is set in
    this process's environment, which the spawned workers inherit. ``report`` is told
    when a worker stopped and when it will be started again.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise WorkersFailed("--workers needs SO_REUSEPORT (Linux, BSD or macOS)")
    try:  # refuse a port in use, which SO_REUSEPORT alone could share with another server
        listening_socket(host, port, reuse_port=False).close()
    except OSError as e:
        raise WorkersFailed(f"Cannot listen on {host}:{port}: {e.strerror}") from None
    os.environ.update(environment)
    spawn = multiprocessing.get_context("spawn")
    slots = [_Slot(n) for n in range(workers)]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    together = spawn.Barrier(workers)
    try:
        for slot in slots:
            slot.start(spawn, host, port, together)
        while not stopping:
            running = [sentinel for s in slots if (sentinel := s.sentinel()) is not None]
            if running:
                wait(running, timeout=0.5)
            else:
                time.sleep(0.5)
            for slot in slots:
                if stopping:
                    break
                if slot.check(report):
                    together.abort()  # (if the first workers still wait for it)
                if slot.due_at is not None and time.monotonic() >= slot.due_at:
                    slot.start(spawn, host, port)
    finally:
        processes = [s.process for s in slots if s.process is not None]
        for process in processes:
            if process.exitcode is None and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            if process.pid is not None:
                process.join(STOP_TIMEOUT_S)
            if process.exitcode is None and process.pid is not None:
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
