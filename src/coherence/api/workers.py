"""``coherence serve --workers N``: N uvicorn worker processes serving one port.

Each worker is a spawned process that builds its own application with
:func:`coherence.bootstrap.create_app_from_environment` (uvicorn's ``factory=True``), from
the settings the parent put in the environment, and runs a ``uvicorn.Server`` on a
listening socket of its own, bound with ``SO_REUSEPORT``: the kernel then spreads new
connections over the workers (by a hash of their addresses). uvicorn's own multi-worker
mode shares one socket instead, and the first worker to wake accepts every pending
connection: 32 keep-alive clients that connect at once could all land on one worker
while the other idled.

The parent only supervises: on SIGINT or SIGTERM it stops the workers (uvicorn shuts
down gracefully on SIGTERM); if a worker exits on its own, it stops the others and
reports it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
from collections.abc import Mapping
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from coherence.domain.errors import WorkersFailed

FACTORY = "coherence.bootstrap:create_app_from_environment"
STOP_TIMEOUT_S = 20.0
BACKLOG = 2048  # uvicorn's default


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


def _worker(host: str, port: int) -> None:  # pragma: no cover - runs in a child process
    import uvicorn

    sock = listening_socket(host, port, reuse_port=True)
    sock.listen(BACKLOG)  # in the kernel's share of connections now, served once loaded
    config = uvicorn.Config(
        FACTORY, factory=True, host=host, port=port, log_level="warning", backlog=BACKLOG
    )
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(host: str, port: int, workers: int, environment: Mapping[str, str]) -> None:
    """Serve ``host:port`` with ``workers`` processes until SIGINT or SIGTERM.

    ``environment`` (the parsed settings, see ``ServiceSettings.to_environment``) is set in
    this process's environment, which the spawned workers inherit.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise WorkersFailed("--workers needs SO_REUSEPORT (Linux, BSD or macOS)")
    try:  # refuse a port in use, which SO_REUSEPORT alone could share with another server
        listening_socket(host, port, reuse_port=False).close()
    except OSError as e:
        raise WorkersFailed(f"Cannot listen on {host}:{port}: {e.strerror}") from None
    os.environ.update(environment)
    spawn = multiprocessing.get_context("spawn")
    processes: list[BaseProcess] = [
        spawn.Process(target=_worker, args=(host, port), name=f"coherence-worker-{n}")
        for n in range(workers)
    ]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.start()
        while not stopping and all(p.exitcode is None for p in processes):
            wait([p.sentinel for p in processes], timeout=0.5)
    finally:
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
    if not stopping:
        codes = ", ".join(str(p.exitcode) for p in processes)
        raise WorkersFailed(f"A worker process stopped on its own (exit codes {codes})")
