"""Processes and sockets of a running ``coherence serve``, read from ``/proc`` (Linux)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import time
from pathlib import Path


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def children(pid: int) -> list[int]:
    """Every descendant of ``pid``."""
    parents = _parents()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                found.append(child)
                frontier.append(child)
    return found


def stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM a process we started, then SIGKILL it if it has not exited in ``timeout``."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants at once, without warning."""
    for target in [pid, *children(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)


def wait_until_dead(pid: int, timeout: float = 60.0) -> None:
    """Until every thread of ``pid`` has exited, and so its files (sockets included) are
    closed: the process is gone, or a zombie with no thread left running (its main
    thread can be a zombie while the others still hold its files)."""
    deadline = time.monotonic() + timeout
    while True:
        states = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
            except (OSError, IndexError):
                continue
        if all(state in ("Z", "X") for state in states):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} still has threads {states} after {timeout} s")
        time.sleep(0.02)


def workers_of(pid: int) -> list[int]:
    """The worker processes of ``coherence serve`` ``pid``: its spawned children that
    are alive (a dead one's command line is empty)."""
    found = []
    for child, parent in _parents().items():
        if parent != pid:
            continue
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(child)
    return sorted(found)


def wait_for_workers(pid: int, count: int, timeout: float = 120.0) -> list[int]:
    """The worker processes of ``pid`` once there are ``count`` of them."""
    deadline = time.monotonic() + timeout
    while len(workers := workers_of(pid)) != count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(workers)} worker processes after {timeout} s, not {count}")
        time.sleep(0.1)
    return workers


def holder(port: int, workers: list[int], connection: http.client.HTTPConnection) -> int:
    """Which of the worker processes holds the server's end of a connection to ``port``."""
    assert connection.sock is not None
    client_port = connection.sock.getsockname()[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if local_port == port and remote_port == client_port:
                inodes.add(fields[9])
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    raise AssertionError(f"no worker holds the connection from port {client_port}")
