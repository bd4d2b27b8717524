"""Every acknowledged write survives ``kill -9``: of the database server, and of ours.

Sixteen clients, each on its own keep-alive connection, write progress (a benchmark's
status, each with a unique reason) through ``coherence serve --workers 2`` as fast as
they are answered. While they write:

1. on PostgreSQL (a cluster created with PostgreSQL's durable defaults, as in
   production), every process of the database server is killed with SIGKILL, left dead
   for a moment, and started again; the same ``coherence serve`` must then acknowledge
   writes again by itself;
2. every process of ``coherence serve`` (the parent and its workers) is killed with
   SIGKILL, and it is started again on the same store.

A write counts as acknowledged when its answer was a 2xx; anything else (a refused
connection, a reset, an error answer) is not acknowledged and may or may not have been
saved. At the end every acknowledged reason must be in the plan's history, read both
through the API and straight from the store. During the database's outage the service
answers with an error that says the store is unavailable, never with a bug report.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from tests.conftest import free_port
from tests.integration.conftest import Database
from tests.processes import (
    holder,
    kill_tree,
    wait_for_workers,
    wait_until_dead,
    workers_of,
)

API = "/api/v1"
PLAN = "riverbend-2024"
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")
CLIENTS = 16
ACKNOWLEDGED_BEFORE_A_KILL = 60
"""Writes acknowledged since the last kill before the next one (both phases)."""
OUTAGE_S = 2.0
RECOVERY_TIMEOUT_S = 120.0

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds a server's processes in /proc"
)


@dataclass
class Service:
    """``coherence serve --demo --workers 2`` on a store; restartable on the same port."""

    store: str
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def launch(self) -> subprocess.Popen[bytes]:
        """Start the process, without waiting for it to serve."""
        command = [sys.executable, "-m", "coherence.cli.main", "serve", "--demo"]
        command += ["--workers", "2", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--store", self.store]
        env = {k: v for k, v in os.environ.items() if not k.startswith("COHERENCE_NEO4J")}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        return self.process

    def start(self) -> None:
        """Start the process and wait until it answers ``/health``."""
        self.process = self.launch()
        deadline = time.monotonic() + 120
        while True:  # waiting for it to start; no assertion depends on how long it took
            if self.process.poll() is not None:
                pytest.fail(
                    f"coherence serve exited with {self.process.returncode}:\n{self.text()}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", API + "/health")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"coherence serve did not answer within 120 s:\n{self.text()}")
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.process is not None
        kill_tree(self.process.pid)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_tree(self.process.pid)
                self.process.wait()

    def text(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@dataclass
class Writers:
    """Sixteen clients writing until told to stop; what each answer was, by kind."""

    port: int
    benchmarks: list[str]
    acknowledged: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    """Answers that were not 2xx, by status (and ``connection`` for no answer)."""
    bodies: list[Any] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for n in range(CLIENTS):
            thread = threading.Thread(target=self.write, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def write(self, client: int) -> None:
        connection: http.client.HTTPConnection | None = None
        n = 0
        while not self.stopping.is_set():
            n += 1
            key = self.benchmarks[(client + n) % len(self.benchmarks)]
            reason = f"client {client} write {n}"
            body = json.dumps({"status": STATUSES[n % len(STATUSES)], "reason": reason})
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                connection.request(
                    "POST",
                    f"{API}/plans/{PLAN}/benchmarks/{key}/status",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
                answer = connection.getresponse()
                payload = answer.read()
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
                self.count("connection")
                time.sleep(0.05)
                continue
            if 200 <= answer.status < 300:
                with self.lock:
                    self.acknowledged.append(reason)
            else:
                self.count(str(answer.status), payload)
                time.sleep(0.05)
        if connection is not None:
            connection.close()

    def count(self, outcome: str, payload: bytes = b"") -> None:
        with self.lock:
            self.refused[outcome] = self.refused.get(outcome, 0) + 1
            if payload and len(self.bodies) < 20:
                self.bodies.append(json.loads(payload))

    def acknowledged_count(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def wait_for(self, more: int, service: Service) -> None:
        """Until ``more`` writes beyond those acknowledged so far are acknowledged."""
        target = self.acknowledged_count() + more
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        while self.acknowledged_count() < target:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no recovery: {self.acknowledged_count()} acknowledged, waiting for "
                    f"{target}; refused {self.refused}; answers {self.bodies[:3]}\n"
                    f"{service.text()}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=90)


def benchmark_keys(port: int) -> list[str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", f"{API}/plans/{PLAN}")
    plan = json.loads(connection.getresponse().read())
    connection.close()
    return [b["key"] for b in plan["document"]["benchmarks"] if not b.get("retired")]


def write(port: int, key: str, reason: str) -> tuple[int, dict[str, str], Any]:
    """One status report on a connection of its own: status, headers and answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"status": "at_risk", "reason": reason})
    headers = {"Content-Type": "application/json"}
    connection.request("POST", f"{API}/plans/{PLAN}/benchmarks/{key}/status", body, headers)
    answer = connection.getresponse()
    payload = json.loads(answer.read())
    connection.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, payload


def reasons_in_history(port: int) -> list[str]:
    """Every event's reason in the plan's history, page by page through the API."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    reasons: list[str] = []
    offset = 0
    while True:
        connection.request("GET", f"{API}/plans/{PLAN}/history?offset={offset}&limit=500")
        page = json.loads(connection.getresponse().read())
        reasons += [event.get("reason") or "" for event in page["events"]]
        offset += len(page["events"])
        if not page["events"] or offset >= page["total"]:
            connection.close()
            return reasons


def every_acknowledged_write_is_in_the_history(writers: Writers, service: Service) -> list[str]:
    """Check that the history (read through the API) holds every acknowledged write; stop
    the service; the acknowledged reasons."""
    acknowledged = list(writers.acknowledged)
    try:
        through_the_api = set(reasons_in_history(service.port))
    finally:
        service.stop()
    missing = [reason for reason in acknowledged if reason not in through_the_api]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes lost"
    return acknowledged


@pytest.mark.timeout(600)
def test_acknowledged_writes_survive_kill_9_of_postgresql_and_of_the_service(
    database: Database, tmp_path: Path
) -> None:
    service = Service(database.url, tmp_path / "serve.log")
    service.start()
    writers = Writers(service.port, benchmark_keys(service.port))
    try:
        writers.start()
        writers.wait_for(ACKNOWLEDGED_BEFORE_A_KILL, service)

        # 1. The database server dies without warning, stays dead a while, comes back.
        postmaster = database.postmaster()
        kill_tree(postmaster)
        time.sleep(OUTAGE_S)
        database.start()
        assert database.postmaster() != postmaster
        writers.wait_for(ACKNOWLEDGED_BEFORE_A_KILL, service)  # the same service recovers

        # 2. Our own server dies without warning and is started again on the same store.
        service.kill()
        service.start()
        writers.wait_for(ACKNOWLEDGED_BEFORE_A_KILL, service)
    finally:
        writers.stop()

    acknowledged = every_acknowledged_write_is_in_the_history(writers, service)

    history = PlanHistory(Settings(store=database.url))
    in_the_store = {event.reason for event in history.history(PLAN)}
    assert set(acknowledged) <= in_the_store

    assert set(writers.refused) <= {"connection", "503"}, (
        f"an outage was answered as something else: {writers.refused} {writers.bodies[:3]}"
    )


@pytest.mark.timeout(300)
def test_while_postgresql_is_away_writes_are_refused_as_unavailable_then_accepted(
    database: Database, tmp_path: Path
) -> None:
    service = Service(database.url, tmp_path / "serve.log")
    service.start()
    key = benchmark_keys(service.port)[0]

    try:
        kill_tree(database.postmaster())
        asked = time.monotonic()
        status, headers, problem = write(service.port, key, "while the database is away")
        assert status == 503, problem
        assert problem["title"] == "Event store unavailable"
        assert int(headers["retry-after"]) > 0
        # the first request of an outage too: not after the library's ten attempts to
        # get a connection, each waiting the pool's timeout (ten seconds and more)
        assert time.monotonic() - asked < 6, "the first request of an outage waited"

        database.start()
        status, _, written = write(service.port, key, "once the database is back")
        assert status == 200, written
    finally:
        service.stop()
    reasons = {event.reason for event in PlanHistory(Settings(store=database.url)).history(PLAN)}
    assert "once the database is back" in reasons
    assert "while the database is away" not in reasons


@pytest.mark.timeout(300)
def test_on_sqlite_acknowledged_writes_survive_kill_9_of_the_service(tmp_path: Path) -> None:
    """SQLite commits to its write-ahead log without syncing the disk (``synchronous=
    NORMAL``): a write acknowledged before the service is killed is still there."""
    store = f"sqlite:///{tmp_path / 'coherence.db'}"
    service = Service(store, tmp_path / "serve.log")
    service.start()
    writers = Writers(service.port, benchmark_keys(service.port))
    try:
        writers.start()
        writers.wait_for(ACKNOWLEDGED_BEFORE_A_KILL, service)
        service.kill()
        service.start()
        writers.wait_for(ACKNOWLEDGED_BEFORE_A_KILL, service)
    finally:
        writers.stop()
    every_acknowledged_write_is_in_the_history(writers, service)
    assert set(writers.refused) <= {"connection"}, writers.refused


@pytest.mark.timeout(300)
def test_a_worker_that_starts_while_postgresql_is_away_serves_once_it_is_back(
    database: Database, tmp_path: Path
) -> None:
    """A worker that dies during an outage is started again and again until PostgreSQL
    answers; meanwhile the other worker answers every request with 503: once one request
    found the server away, the next ones at once (not after the library's ten attempts
    to connect, twenty seconds)."""
    service = Service(database.url, tmp_path / "serve.log")
    service.start()
    assert service.process is not None
    key = benchmark_keys(service.port)[0]
    try:
        kill_tree(database.postmaster())
        victim, survivor = workers_of(service.process.pid)
        os.kill(victim, signal.SIGKILL)
        wait_until_dead(victim)
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        while service.text().count("(the store did not answer)") < 2:
            assert time.monotonic() < deadline, service.text()
            time.sleep(0.1)
        for n in range(4):
            asked = time.monotonic()
            status, headers, problem = write(service.port, key, f"during the outage {n}")
            assert status == 503, problem
            assert int(headers["retry-after"]) > 0
            if n > 0:
                assert time.monotonic() - asked < 5, "an outage known was not answered at once"

        database.start()
        while (written := write(service.port, key, "once the database is back"))[0] != 200:
            assert written[0] == 503, written
            assert time.monotonic() < deadline, service.text()
            time.sleep(0.2)
        workers = wait_for_workers(service.process.pid, 2)
        (replacement,) = set(workers) - {survivor}
        served_by: set[int] = set()
        while replacement not in served_by:  # the new worker answers its connections
            assert time.monotonic() < deadline, service.text()
            connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
            connection.request("GET", f"{API}/plans/{PLAN}/audit")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            served_by.add(holder(service.port, workers, connection))
            connection.close()
    finally:
        service.stop()
    assert service.process.returncode == 0, service.text()
    assert "Exception in ASGI application" not in service.text()  # an outage is no bug
    reasons = {event.reason for event in PlanHistory(Settings(store=database.url)).history(PLAN)}
    assert "once the database is back" in reasons
    assert not any((reason or "").startswith("during the outage") for reason in reasons)


@pytest.mark.timeout(300)
def test_workers_that_cannot_load_when_postgresql_dies_drop_no_connection(
    database: Database, tmp_path: Path
) -> None:
    """PostgreSQL dies just as the workers start. No worker listens before it has loaded,
    so a client's connection is refused (it can try again) instead of being accepted and
    then cut off; once PostgreSQL is back the workers load and the service writes."""
    service = Service(database.url, tmp_path / "serve.log")
    process = service.launch()
    outcomes: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 120
        while "Coherence is serving" not in service.text():  # the workers are starting
            assert process.poll() is None and time.monotonic() < deadline, service.text()
            time.sleep(0.02)
        kill_tree(database.postmaster())
        while service.text().count("(the store did not answer)") < 2:  # both could not load
            assert time.monotonic() < deadline, service.text()
            try:
                outcome = str(write(service.port, "B1", "while the workers start")[0])
            except ConnectionRefusedError:
                outcome = "refused"
            except (OSError, http.client.HTTPException) as e:
                outcome = type(e).__name__
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            time.sleep(0.1)
        database.start()
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        while True:  # the workers are started again until they load
            try:
                status, _, written = write(service.port, "B1", "once the database is back")
            except ConnectionRefusedError:
                status, written = 0, "refused"
            if status == 200:
                break
            assert status in (0, 503) and time.monotonic() < deadline, (written, service.text())
            time.sleep(0.2)
    finally:
        service.stop()
    assert set(outcomes) <= {"refused", "503"}, outcomes
    assert outcomes.get("refused"), outcomes
