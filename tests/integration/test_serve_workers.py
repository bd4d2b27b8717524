"""``coherence serve --workers 2``: two worker processes on one port, over one store.

Each worker keeps its own caches (plans, graphs, exports, audits). A read that one
worker answers after a write that the other acknowledged must show that write. The
test opens keep-alive connections until both workers hold some (the kernel spreads
connections over the workers; which worker holds a connection is read from
``/proc``), then writes through each worker in turn and reads through every
connection after each write. Nothing depends on timing: every read comes after the
write's answer.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coherence.api.workers import run_workers
from coherence.application.demo import load_demo
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import SERVE_SETTINGS
from coherence.domain.errors import WorkersFailed, outcome_of
from tests.conftest import free_port
from tests.processes import holder, wait_for_workers, wait_until_dead, workers_of

API = "/api/v1"
PLAN = "riverbend-2024"
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads which process holds a socket in /proc"
)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[int]:
        """The worker processes: the spawned children of ``coherence serve``."""
        return workers_of(self.process.pid)


@pytest.fixture
def server(tmp_path: Path, store_url: str) -> Iterator[Server]:
    """``coherence serve --demo --workers 2`` on a free loopback port, over a SQLite file
    (the workers do their store work on their event loops) and over PostgreSQL (in
    worker threads: see ``ApiContext.on_store``)."""
    port = free_port()
    log = tmp_path / "serve.log"
    command = [
        sys.executable,
        "-m",
        "coherence.cli.main",
        "serve",
        "--demo",
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--store",
        store_url,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHERENCE_NEO4J")}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    running = Server(port, process, log)
    try:
        deadline = time.monotonic() + 120
        while True:  # waiting for it to start; no assertion depends on how long it took
            if process.poll() is not None:
                pytest.fail(f"coherence serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if request(connect(port), "GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"coherence serve did not answer within 120 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def request(
    connection: http.client.HTTPConnection, method: str, path: str, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    """One request on a keep-alive connection: status, headers and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    connection.request(method, API + path, body=data, headers=headers)
    answer = connection.getresponse()
    payload = answer.read()
    return answer.status, dict(answer.getheaders()), json.loads(payload) if payload else None


def version_of(headers: dict[str, str]) -> int:
    etag = {k.lower(): v for k, v in headers.items()}["etag"]
    return int(etag.strip('"'))


@pytest.mark.timeout(300)
def test_every_worker_sees_every_write_another_worker_acknowledged(server: Server) -> None:
    assert len(server.workers()) == 2

    # Connections until both workers hold some (each is answered first, so accepted).
    by_worker: dict[int, list[http.client.HTTPConnection]] = {}
    connections: list[http.client.HTTPConnection] = []
    while len(by_worker) < 2:
        assert len(connections) < 200, "the kernel gave every connection to one worker"
        connection = connect(server.port)
        assert request(connection, "GET", "/health")[0] == 200
        connections.append(connection)
        by_worker.setdefault(holder(server.port, server.workers(), connection), []).append(
            connection
        )
    while len(connections) < 16:
        connection = connect(server.port)
        assert request(connection, "GET", "/health")[0] == 200
        connections.append(connection)

    # The demo was loaded once, by the parent, before the workers started.
    expected = PlanHistory(Settings(store="memory://"))
    load_demo(expected)
    status, _, page = request(connections[0], "GET", f"/plans/{PLAN}/history?limit=1")
    assert status == 200
    assert page["total"] == len(expected.history(PLAN))

    _, _, plan = request(connections[0], "GET", f"/plans/{PLAN}")
    benchmarks = [b["key"] for b in plan["document"]["benchmarks"]]
    for connection in connections:  # every worker's caches hold the plan as it was
        request(connection, "GET", f"/plans/{PLAN}/audit")
        request(connection, "GET", f"/plans/{PLAN}/graph")

    writers = [conns[0] for conns in by_worker.values()]
    for n in range(8):
        key, new_status = benchmarks[n % len(benchmarks)], STATUSES[n % len(STATUSES)]
        reason = f"worker test {n}"
        status, _, written = request(
            writers[n % 2],
            "POST",
            f"/plans/{PLAN}/benchmarks/{key}/status",
            {"status": new_status, "reason": reason},
        )
        assert status == 200, written
        version = written["version"]
        for connection in connections:
            status, headers, audit = request(connection, "GET", f"/plans/{PLAN}/audit")
            assert status == 200
            assert audit["version"] == version_of(headers) == version

            status, headers, graph = request(connection, "GET", f"/plans/{PLAN}/graph")
            assert status == 200
            assert version_of(headers) == version
            nodes = {node["data"]["key"]: node["data"] for node in graph["elements"]["nodes"]}
            assert nodes[key]["status"] == new_status

            status, headers, plan = request(connection, "GET", f"/plans/{PLAN}")
            assert status == 200
            assert plan["version"] == version_of(headers) == version
            statuses = {b["key"]: b.get("status") for b in plan["document"]["benchmarks"]}
            assert statuses[key] == new_status

            _, _, page = request(connection, "GET", f"/plans/{PLAN}/history?limit=1")
            _, _, last = request(
                connection, "GET", f"/plans/{PLAN}/history?offset={page['total'] - 1}"
            )
            assert last["events"][-1]["reason"] == reason

    for connection in connections:
        connection.close()


@pytest.mark.timeout(300)
def test_a_worker_that_dies_is_started_again_while_the_other_serves(server: Server) -> None:
    first = server.workers()
    assert len(first) == 2
    victim, survivor = first
    os.kill(victim, signal.SIGKILL)
    wait_until_dead(victim)

    # New connections go to the worker that serves, never to the dead one's socket.
    for _ in range(20):
        connection = connect(server.port)
        assert request(connection, "GET", f"/plans/{PLAN}/audit")[0] == 200
        connection.close()

    workers = wait_for_workers(server.process.pid, 2)
    (replacement,) = set(workers) - {survivor}
    assert replacement != victim
    landed: dict[int, int] = {}
    deadline = time.monotonic() + 120  # it listens once its application is built
    while replacement not in landed:  # until a connection lands on the new worker
        assert time.monotonic() < deadline, f"no connection reached the new worker: {landed}"
        connection = connect(server.port)
        status, _, audit = request(connection, "GET", f"/plans/{PLAN}/audit")
        assert status == 200
        assert isinstance(audit["findings"], list)
        who = holder(server.port, workers, connection)
        landed[who] = landed.get(who, 0) + 1
        connection.close()
        time.sleep(0.01)
    told = re.search(
        r"Worker process \d stopped \(exit code -9\); starting it again", server.log.read_text()
    )
    assert told, server.log.read_text()


@pytest.mark.timeout(120)
def test_a_worker_that_fails_to_start_with_an_error_stops_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings a worker cannot read are an error that would repeat: no restarts, the
    server stops and says so (exit status 4 from ``coherence serve``)."""
    monkeypatch.setenv(SERVE_SETTINGS, "")  # restored after run_workers sets it
    told: list[str] = []
    with pytest.raises(WorkersFailed, match=r"Worker process \d could not start \(exit code 1\)"):
        run_workers("127.0.0.1", free_port(), 2, {SERVE_SETTINGS: "not settings"}, told.append)
    assert told == []
    assert outcome_of(WorkersFailed("")).exit == 4
