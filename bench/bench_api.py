"""Load benchmark of the HTTP API: ``coherence serve`` under concurrent readers and writers.

Starts ``coherence serve --demo --workers N`` on 127.0.0.1 (a free port, a fresh SQLite
file in a temporary directory unless ``--store`` is given), waits for
``/api/v1/health``, then runs ``--clients`` concurrent clients for ``--seconds``. The
clients are asyncio tasks in this process (a separate process from the server), each
with its own keep-alive HTTP/1.1 connection spoken over raw asyncio streams, so that
the load generator costs little CPU and the figures measure the server rather than a
Python HTTP client. Each client is a closed loop (one request at a time) over a fixed
mix of operations on the demo plan:

- ``audit``: ``GET /plans/riverbend-2024/audit``;
- ``graph``: ``GET /plans/riverbend-2024/graph?format=cytoscape``;
- ``status``: ``POST /plans/riverbend-2024/benchmarks/{key}/status``;
- ``result``: ``POST /plans/riverbend-2024/outcomes/{key}/results``.

Every request carries an editor's bearer token, made in the store before the server
starts (``coherence token create``), as a deployment's clients do (``--open``: no token,
the server open on loopback). Writes carry no ``If-Match`` (the server retries them on
a conflict) and each has a
unique ``reason``. Afterwards every acknowledged write (2xx) is looked up in
``GET /history`` by its reason. Reported per operation: throughput, p50 and p99
latency (measured by the client, from sending the request to the last byte of the
answer) and errors; beside them the targets (issue 18), each with its verdict: audit
p99 < 20 ms, graph export p99 < 50 ms, writes (status and result together) p99 < 50 ms,
no errors, every acknowledged write in the history. Also reported: the CPU the
server's processes and the clients used, how many worker processes served, the load
average (another program's work on the machine skews every figure), and the machine's
speed before and after (a fixed Python workload, ``machine_speed_ms``: a virtual
machine's speed drifts, so compare runs of about the same speed). The server is
stopped at the end, whatever happens.

The reference, in the same run (``--no-reference`` skips it): the same clients and mix
for as long against a **bare server**, uvicorn with as many worker processes
(``uvicorn --workers``, httptools, the same as ours) running :func:`reference_app`, an
ASGI function that answers each request with the bytes our server gave for it (the
audit, the graph export, a status's and a result's answer, taken from our server after
its load) and does nothing else: no routing framework, no middleware, no store. Its
throughput and p99s are what this machine's HTTP stack and the clients allow at the
moment, whatever its speed; printed beside ours, with the ratios ours / bare.

``--profile`` then runs the audit and graph route functions in this process (no HTTP,
on a copy of the store) under ``cProfile``: after a write (a new version: nothing
cached) and warm, and prints where the time goes.

Run: ``.venv/bin/python bench/bench_api.py [--seconds 30] [--clients 32] [--workers 2]
[--no-reference] [--open] [--profile] [--rate R] [--json]``. Progress goes to stderr; the
figures (or, with ``--json``, one JSON object) to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from common import machine_speed_ms

PLAN = "riverbend-2024"
API = "/api/v1"
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")
MIX = ("audit", "graph", "audit", "status", "audit", "graph", "audit", "result")
"""Each client cycles through this mix (from its own offset): 4 audits, 2 graph reads,
2 writes in 8 requests."""
READS_ONLY_MIX = ("audit", "graph", "audit", "audit")
"""With ``--reads-only`` (a diagnostic: every read after the first hits the caches)."""
OPERATIONS = ("audit", "graph", "status", "result")
TARGET_P99_MS = {"audit": 20.0, "graph": 50.0, "writes": 50.0}
"""The p99 latency targets (issue 18); ``writes`` are the status and result requests."""
WRITES = ("status", "result")
COHERENCE = (sys.executable, "-m", "coherence.cli.main")
"""The command line, run by this Python (the project's environment)."""
START_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 60.0


def note(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


# -- the server ----------------------------------------------------------------------


class Server:
    """``coherence serve --demo --workers N`` as a child process (tree) on loopback."""

    what = "coherence serve"

    def __init__(self, store: str, port: int, workers: int, log: Path) -> None:
        self.store = store
        self.port = port
        self.workers = workers
        self.log_path = log
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.token: str | None = None
        """The clients' bearer token (None: the server runs open, no token exists)."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def issue_token(self) -> None:
        """An editor's token for the clients, made in the store before the server starts
        (``coherence token create``), as a deployment's clients have one."""
        made = subprocess.run(
            [
                *COHERENCE,
                "token",
                "create",
                "--owner",
                "bench clients",
                "--role",
                "editor",
                "--label",
                "bench/bench_api.py",
                "--store",
                self.store,
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=self.environment(),
        )
        self.token = json.loads(made.stdout)["token"]

    def listening(self) -> list[str]:
        """Where and how many: the options both servers take."""
        return ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]

    def command(self) -> list[str]:
        return [*COHERENCE, "serve", "--demo", "--store", self.store, *self.listening()]

    def environment(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith("NEO4J")}

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.what} exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.base}{API}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.what} did not answer within {START_TIMEOUT_S:.0f}s:\n{self.log()}"
        )

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on SIGINT
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


# -- the reference: a bare server ----------------------------------------------------

ANSWERS_DIR = "COHERENCE_BENCH_ANSWERS"
"""The environment variable that tells :func:`reference_app` where the answers are."""
_answers: dict[str, tuple[int, bytes]] = {}


def capture_answers(server: Server, benchmarks: list[str], outcomes: list[str], to: Path) -> None:
    """Keep what our server answers to each operation of the mix (a status and a result
    are written once more for it, after the load and its history check), for the bare
    server to give back."""
    statuses: dict[str, int] = {}
    headers = {**server.headers, "Accept-Encoding": "identity"}
    with httpx.Client(base_url=server.base, timeout=60, headers=headers) as c:
        answers = {
            "audit": c.get(f"{API}/plans/{PLAN}/audit"),
            "graph": c.get(f"{API}/plans/{PLAN}/graph", params={"format": "cytoscape"}),
            "status": c.post(
                f"{API}/plans/{PLAN}/benchmarks/{benchmarks[0]}/status",
                json={"status": "on_track", "reason": "bench reference answer"},
            ),
            "result": c.post(
                f"{API}/plans/{PLAN}/outcomes/{outcomes[0]}/results",
                json={"as_of": "2026-11-30", "value": 1, "reason": "bench reference answer"},
            ),
        }
    for name, answer in answers.items():
        answer.raise_for_status()
        (to / f"{name}.body").write_bytes(answer.content)
        statuses[name] = answer.status_code
    (to / "statuses.json").write_text(json.dumps(statuses))


def _answer_of(method: str, path: str) -> tuple[int, bytes]:
    if not _answers:
        where = Path(os.environ[ANSWERS_DIR])
        statuses = json.loads((where / "statuses.json").read_text())
        for name, status in statuses.items():
            _answers[name] = (status, (where / f"{name}.body").read_bytes())
        _answers["health"] = (200, b'{"status":"ok"}')
    if method == "POST":
        return _answers["status" if path.endswith("/status") else "result"]
    name = path.rsplit("/", 1)[-1]
    return _answers[name if name in _answers else "health"]


async def reference_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The bare server's whole application (ASGI): each request of the mix answered
    with the bytes our server gave for it, after reading the request's body."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    status, body = _answer_of(scope["method"], scope["path"])
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ReferenceServer(Server):
    """uvicorn with ``--workers N`` serving :func:`reference_app` (no store)."""

    what = "the bare server (uvicorn)"

    def __init__(self, answers: Path, port: int, workers: int, log: Path) -> None:
        super().__init__("", port, workers, log)
        self.answers = answers

    def command(self) -> list[str]:
        app_dir = str(Path(__file__).resolve().parent)
        return [
            *[sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "bench_api:reference_app"],
            *["--lifespan", "off", "--log-level", "warning", *self.listening()],
        ]

    def environment(self) -> dict[str, str]:
        return {**super().environment(), ANSWERS_DIR: str(self.answers)}


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (Linux)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``root`` and each of its descendants, by pid.

    Linux only (an empty answer elsewhere). The server's worker processes are children
    of the ``coherence serve`` process, so their CPU is counted too."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = _stat(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree = {root} if root in cpu else set()
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return {pid: cpu[pid] for pid in tree}


def worker_pids(root: int) -> list[int]:
    """The processes serving requests: uvicorn's spawned workers, or the server itself."""
    workers = []
    for pid in process_tree_cpu(root):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                workers.append(pid)
        except OSError:
            continue
    return sorted(workers) or [root]


# -- the clients ---------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams: a request, then its
    answer (status and body). Answers with ``Content-Length`` or chunked bodies."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def head(self, method: str, target: str, body: bytes | None = None) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.token is not None:
            lines.append(f"Authorization: Bearer {self.token}")
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one request (made by :meth:`head`) and read its whole answer."""
        if self.writer is None:
            await self.open()
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            body = await self._chunks()
        elif length is not None:
            body = await self.reader.readexactly(length)
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            body, close = await self.reader.read(), True
        if close:
            self.close()
        return status, body

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers are sent
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


@dataclass
class Tally:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # reasons of 2xx writes


def demo_keys(server: Server) -> tuple[list[str], list[str]]:
    """The active benchmarks and outcomes of the demo plan."""
    answer = httpx.get(f"{server.base}{API}/plans/{PLAN}", headers=server.headers, timeout=60)
    document = answer.raise_for_status().json()["document"]
    benchmarks = [b["key"] for b in document.get("benchmarks", [])]
    outcomes = [o["key"] for o in document.get("outcomes", [])]
    return benchmarks, outcomes


async def client_loop(
    number: int,
    connection: Connection,
    stop_at: float,
    benchmarks: list[str],
    outcomes: list[str],
    tally: Tally,
    mix: tuple[str, ...],
    interval: float | None = None,
    phase: float = 0.0,
) -> None:
    """One client: the next operation of the mix as soon as the last one is answered
    (closed loop), or, with ``interval``, at its own times ``interval`` apart (open
    loop: a late answer does not delay the next request's time, and each latency counts
    from the time its request was due, so that queueing is not hidden)."""
    run = uuid.uuid4().hex[:8]
    start = time.perf_counter()
    audit = connection.head("GET", f"{API}/plans/{PLAN}/audit")
    graph = connection.head("GET", f"{API}/plans/{PLAN}/graph?format=cytoscape")
    i = number  # each client starts at its own place in the mix
    while time.perf_counter() < stop_at:
        op = mix[i % len(mix)]
        reason = f"bench {run}-{number}-{i}"
        if op == "audit":
            request = audit
        elif op == "graph":
            request = graph
        elif op == "status":
            key = benchmarks[i % len(benchmarks)]
            body: dict[str, Any] = {"status": STATUSES[i % len(STATUSES)], "reason": reason}
            target = f"{API}/plans/{PLAN}/benchmarks/{key}/status"
            request = connection.head("POST", target, json.dumps(body).encode())
        else:
            key = outcomes[i % len(outcomes)]
            body = {"as_of": "2026-11-30", "value": i % 100, "reason": reason}
            target = f"{API}/plans/{PLAN}/outcomes/{key}/results"
            request = connection.head("POST", target, json.dumps(body).encode())
        t0 = time.perf_counter()
        if interval is not None:
            due = start + phase + (i - number) * interval
            if due > t0:
                await asyncio.sleep(due - t0)
            t0 = due
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status, answer = await connection.send(request)
            ok = 200 <= status < 300
            detail = f"{op}: {status} {answer[:200]!r}"
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            connection.close()  # a fresh connection for the next request
            ok, detail = False, f"{op}: {type(e).__name__}: {e}"
        tally.latencies_ms[op].append((time.perf_counter() - t0) * 1000)
        if not ok:
            tally.errors[op] += 1
            if len(tally.error_samples) < 5:
                tally.error_samples.append(detail)
        elif op in ("status", "result"):
            tally.acknowledged.append(reason)
        i += 1
    connection.close()


@dataclass
class Load:
    """What a run of the clients measured."""

    tally: Tally
    elapsed_s: float
    client_cpu_s: float
    server_cpu_s: dict[int, float]  # by process, during the load
    load_average_before: list[float]
    load_average_after: list[float]


async def run_load(
    server: Server,
    keys: tuple[list[str], list[str]],
    clients: int,
    seconds: float,
    mix: tuple[str, ...],
    rate: float | None = None,
) -> Load:
    benchmarks, outcomes = keys
    connections = [Connection("127.0.0.1", server.port, server.token) for _ in range(clients)]
    for connection in connections:  # every client connected before the clock starts
        await connection.open()
        status, _ = await connection.send(connection.head("GET", f"{API}/health"))
        if status != 200:
            raise RuntimeError(f"/health answered {status}")
    assert server.process is not None
    tally = Tally()
    load_before = load_average()
    server_before = process_tree_cpu(server.process.pid)
    cpu0, t0 = time.process_time(), time.perf_counter()
    stop_at = t0 + seconds
    tasks = [
        asyncio.create_task(
            client_loop(
                n,
                connections[n],
                stop_at,
                benchmarks,
                outcomes,
                tally,
                mix,
                clients / rate if rate else None,
                n / rate if rate else 0.0,
            )
        )
        for n in range(clients)
    ]
    while not all(task.done() for task in tasks):
        await asyncio.wait(tasks, timeout=1.0)
        left = stop_at - time.perf_counter()
        sys.stderr.write(f"\rload: {max(left, 0):4.0f}s left ")
        sys.stderr.flush()
    sys.stderr.write("\n")
    for task in tasks:
        task.result()  # a client that crashed is a bug of this script: raise it
    elapsed, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    server_after = process_tree_cpu(server.process.pid)
    used = {pid: cpu - server_before.get(pid, 0.0) for pid, cpu in server_after.items()}
    return Load(tally, elapsed, client_cpu, used, load_before, load_average())


def history_reasons(server: Server) -> tuple[set[str], int]:
    reasons: set[str] = set()
    offset, total = 0, None
    with httpx.Client(base_url=server.base, headers=server.headers, timeout=120.0) as client:
        while total is None or offset < total:
            page = client.get(
                f"{API}/plans/{PLAN}/history", params={"offset": offset, "limit": 1000}
            ).json()
            total = page["total"]
            reasons.update(e["reason"] for e in page["events"] if e["reason"])
            offset += len(page["events"])
            if not page["events"]:
                break
    return reasons, total or 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# -- server-side profile -------------------------------------------------------------


def profile_routes(store: str, work: Path) -> dict[str, Any]:
    """Where a server spends its time: what the audit, graph and write routes call, in
    this process (no HTTP, no framework) on a copy of the store, after a write (a new
    version: nothing cached) and warm, timed; then audits and graph exports after
    writes under cProfile."""
    from coherence.application.history import Author, PlanHistory
    from coherence.application.settings import Settings
    from coherence.bootstrap import api_context

    source = Path(store.removeprefix("sqlite:///"))
    copy = work / "profile.db"
    shutil.copyfile(source, copy)
    ctx = api_context(PlanHistory(Settings(store=f"sqlite:///{copy}")))
    key = ctx.history.export_plan(PLAN)["benchmarks"][0]["key"]

    def write(n: int) -> None:
        status = STATUSES[n % len(STATUSES)]
        ctx.history.report_benchmark_status(PLAN, key, status, Author("bench", f"profile {n}"))

    def write_answered(n: int) -> None:
        """A write as the route answers it: with what it did to today's audit."""
        status = STATUSES[n % len(STATUSES)]
        by = Author("bench", f"profile {n}")
        result = ctx.history.report_benchmark_status(PLAN, key, status, by)
        ctx.reader.audit_change(PLAN, result.version - 1, result.version)

    def audit() -> None:
        latest = ctx.latest(PLAN)
        ctx.audits.kept(latest, None) or ctx.audits.body(PLAN, latest=latest)

    def graph() -> None:
        latest = ctx.latest(PLAN)
        found = ctx.reader.newest_export(PLAN, "cytoscape", latest.version)
        found or ctx.reader.export_graph(PLAN, "cytoscape", latest=latest)

    def timed(action: Any) -> float:
        t0 = time.perf_counter()
        action()
        return (time.perf_counter() - t0) * 1000

    timings: dict[str, list[float]] = defaultdict(list)
    audit()
    for n in range(30):
        timings["write"].append(timed(lambda n=n: write(n)))
        timings["audit, after a write"].append(timed(audit))
        timings["audit, warm"].append(timed(audit))
        timings["graph, after the audit"].append(timed(graph))
        timings["graph, warm"].append(timed(graph))
    for n in range(30, 40):
        write(n)
        timings["graph, after a write"].append(timed(graph))
    for n in range(40, 50):
        timings["write, with its audit change"].append(timed(lambda n=n: write_answered(n)))

    profiler = cProfile.Profile()
    for n in range(50, 70):
        write(n)
        profiler.enable()
        audit()
        graph()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    text = out.getvalue()
    text = text.replace(str(Path(__file__).resolve().parents[1]) + "/", "")
    text = text.replace(str(Path(sys.prefix)) + "/lib/", "")
    return {
        "events": len(ctx.history.history(PLAN)),
        "median_ms": {k: statistics.median(v) for k, v in timings.items()},
        "profile": text,
    }


# -- report --------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def operations(load: Load) -> dict[str, Any]:
    """Per operation of the mix: requests, throughput, p50, p99, max and errors."""
    tally, elapsed = load.tally, load.elapsed_s
    ops: dict[str, Any] = {}
    for op in OPERATIONS:
        values = tally.latencies_ms.get(op, [])
        ops[op] = {
            "requests": len(values),
            "per_s": len(values) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(values, 0.50),
            "p99_ms": percentile(values, 0.99),
            "max_ms": max(values) if values else float("nan"),
            "errors": tally.errors.get(op, 0),
        }
    return ops


def p99s(load: Load) -> dict[str, float]:
    """The p99s the targets are set for: the audit, the graph, and the writes together."""
    latencies = load.tally.latencies_ms
    return {
        "audit": percentile(latencies.get("audit", []), 0.99),
        "graph": percentile(latencies.get("graph", []), 0.99),
        "writes": percentile([ms for op in WRITES for ms in latencies.get(op, [])], 0.99),
    }


def reference(
    work: Path,
    keys: tuple[list[str], list[str]],
    token: str | None,
    args: argparse.Namespace,
    mix: tuple[str, ...],
) -> dict[str, Any]:
    """The same load against the bare server (see the module's documentation), the
    requests the same bytes (the token too)."""
    bare = ReferenceServer(work, free_port(), args.workers, work / "reference.log")
    bare.token = token
    try:
        note(f"starting the bare server (uvicorn --workers {args.workers}) on {bare.base}")
        bare.start()
        assert bare.process is not None
        load = asyncio.run(run_load(bare, keys, args.clients, args.seconds, mix, args.rate))
    finally:
        bare.stop()
    ops = operations(load)
    return {
        "elapsed_s": load.elapsed_s,
        "operations": ops,
        "requests_per_s": sum(o["requests"] for o in ops.values()) / load.elapsed_s,
        "p99_ms": p99s(load),
        "errors": sum(load.tally.errors.values()),
        "error_samples": load.tally.error_samples,
        "server_cpu_cores": sum(load.server_cpu_s.values()) / load.elapsed_s,
        "client_cpu_cores": load.client_cpu_s / load.elapsed_s,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="How long the load runs.")
    parser.add_argument("--clients", type=int, default=32, help="Concurrent clients.")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,  # one server process per core of the 2-core machine the target is for
        help="Server worker processes (coherence serve --workers; default 2, one per core).",
    )
    parser.add_argument("--store", default=None, help="sqlite:///file.db (default: a temp file)")
    parser.add_argument(
        "--no-reference", action="store_true", help="Skip the bare server's run (the reference)."
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="No token: the server runs open on loopback (by default the clients send an "
        "editor's bearer token, as a deployment's do).",
    )
    parser.add_argument("--profile", action="store_true", help="Profile the routes after.")
    parser.add_argument(
        "--reads-only", action="store_true", help="Diagnostic: no writes (all reads cached)."
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="Diagnostic: an open loop at this many requests/s in all (the clients send "
        "on a schedule; latencies count from when each request was due). The targets are "
        "set for the closed loop.",
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()

    mix = READS_ONLY_MIX if args.reads_only else MIX
    work = Path(tempfile.mkdtemp(prefix="coherence-bench-api-"))
    store = args.store or f"sqlite:///{work / 'bench.db'}"
    server = Server(store, free_port(), args.workers, work / "server.log")
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": load_average(),
        },
        "clients": args.clients,
        "rate": args.rate,
        "seconds": args.seconds,
        "workers_requested": args.workers,
        "store": "sqlite (file)",
        "credential": "none (open)" if args.open else "an editor's bearer token",
    }
    try:
        try:
            result["machine"]["speed_ms_before"] = machine_speed_ms()
            if not args.open:
                server.issue_token()
            note(f"starting coherence serve --demo --workers {args.workers} on {server.base}")
            t0 = time.perf_counter()
            server.start()
            result["startup_s"] = time.perf_counter() - t0
            assert server.process is not None
            workers = worker_pids(server.process.pid)
            note(
                f"server up after {result['startup_s']:.1f}s ({len(workers)} worker "
                f"processes); {args.clients} clients"
            )
            keys = demo_keys(server)
            load = asyncio.run(run_load(server, keys, args.clients, args.seconds, mix, args.rate))
            note("checking the history for every acknowledged write")
            reasons, total_events = history_reasons(server)
            if not args.no_reference:
                capture_answers(server, *keys, work)
            server_log = server.log()
        finally:
            server.stop()
        if not args.no_reference:
            result["reference"] = reference(work, keys, server.token, args, mix)

        tally, elapsed = load.tally, load.elapsed_s
        ops = operations(load)
        found = sum(reason in reasons for reason in tally.acknowledged)
        errors = sum(tally.errors.values())
        p99 = p99s(load)
        result.update(
            {
                "elapsed_s": elapsed,
                "operations": ops,
                "requests_per_s": sum(o["requests"] for o in ops.values()) / elapsed,
                "workers": len(workers),
                "worker_cpu_cores": [load.server_cpu_s.get(pid, 0.0) / elapsed for pid in workers],
                "server_cpu_cores": sum(load.server_cpu_s.values()) / elapsed,
                "client_cpu_cores": load.client_cpu_s / elapsed,
                "load_average_before_load": load.load_average_before,
                "load_average_after_load": load.load_average_after,
                "errors": errors,
                "error_samples": tally.error_samples,
                "writes_acknowledged": len(tally.acknowledged),
                "writes_in_history": found,
                "history_events": total_events,
                "targets": {
                    **{f"{name}_p99_ms": ms for name, ms in p99.items()},
                    **{
                        f"{name}_p99_met": p99[name] < target
                        for name, target in TARGET_P99_MS.items()
                    },
                    "no_errors_met": errors == 0,
                    "all_writes_present_met": found == len(tally.acknowledged),
                },
            }
        )
        if "reference" in result:
            bare = result["reference"]
            result["ratio_to_reference"] = {
                "requests_per_s": result["requests_per_s"] / bare["requests_per_s"],
                **{f"{name}_p99": p99[name] / bare["p99_ms"][name] for name in p99},
            }
        if "Traceback" in server_log:
            result["server_log_tail"] = server_log[-2000:]
        if args.profile:
            note("profiling the routes in this process")
            result["profile"] = profile_routes(store, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["machine"]["load_average_at_end"] = load_average()
    result["machine"]["speed_ms_after"] = machine_speed_ms()

    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    report(result, mix)
    return 0


def print_operations(ops: dict[str, Any], per_s: float) -> int:
    """The table of one load's operations; returns how many requests it answered."""
    print(
        f"{'operation':<10} {'requests':>9} {'per s':>8} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'max ms':>9} {'errors':>7}"
    )
    for op, o in ops.items():
        print(
            f"{op:<10} {o['requests']:>9,} {o['per_s']:>8.1f} {o['p50_ms']:>9.1f} "
            f"{o['p99_ms']:>9.1f} {o['max_ms']:>9.1f} {o['errors']:>7}"
        )
    total: int = sum(o["requests"] for o in ops.values())
    print(f"{'all':<10} {total:>9,} {per_s:>8.1f}")
    return total


def report(result: dict[str, Any], mix: tuple[str, ...]) -> None:
    width = 78
    machine, ops = result["machine"], result["operations"]
    print()
    print("Coherence HTTP API load benchmark")
    print("=" * width)
    print(f"machine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}")
    print(
        f"machine speed (bench/common.py machine_speed_ms, lower is faster): "
        f"{machine['speed_ms_before']:.0f} ms before, {machine['speed_ms_after']:.0f} ms after"
    )
    print(
        f"server: coherence serve --demo --workers {result['workers_requested']} on 127.0.0.1, "
        f"{result['store']}, up in {result['startup_s']:.1f}s; "
        f"{result['workers']} worker processes served"
    )
    loop = (
        f"open loop at {result['rate']:,.0f} requests/s, latencies from when each was due; "
        "NOT the targets' closed loop"
        if result["rate"]
        else "closed loop"
    )
    print(
        f"load: {result['clients']} clients (asyncio tasks, one keep-alive HTTP/1.1 "
        f"connection each, {loop}) for {result['elapsed_s']:.1f}s; credential: "
        f"{result['credential']}"
    )
    print(f"      mix per client: {', '.join(mix)}")
    print(
        f"load average (1, 5, 15 min): {result['load_average_before_load']} before the load, "
        f"{result['load_average_after_load']} after"
    )
    print("-" * width)
    total = print_operations(ops, result["requests_per_s"])
    per_worker = ", ".join(f"{c:.2f}" for c in result["worker_cpu_cores"])
    print(
        f"CPU during the load (of {machine['cpus']} cores): server "
        f"{result['server_cpu_cores']:.2f} (workers: {per_worker}), "
        f"clients {result['client_cpu_cores']:.2f}"
    )
    if total:
        per_request = result["server_cpu_cores"] * result["elapsed_s"] / total * 1000
        print(f"server CPU per request: {per_request:.2f} ms (mean over the mix)")
    bare = result.get("reference")
    if bare is not None:
        print("-" * width)
        print(
            f"reference: the bare server (uvicorn --workers {result['workers_requested']}, "
            "an ASGI function giving back our answers' bytes), the same clients and mix, "
            f"{bare['elapsed_s']:.1f}s"
        )
        print_operations(bare["operations"], bare["requests_per_s"])
        print(
            f"CPU during its load: server {bare['server_cpu_cores']:.2f}, "
            f"clients {bare['client_cpu_cores']:.2f}; errors {bare['errors']}"
        )
        for sample in bare["error_samples"]:
            print(f"  error: {sample}")
        r = result["ratio_to_reference"]
        print(
            f"ours / bare: requests/s {r['requests_per_s']:.2f}; p99 audit "
            f"{r['audit_p99']:.1f}x, graph {r['graph_p99']:.1f}x, writes {r['writes_p99']:.1f}x"
        )
    print("-" * width)
    t = result["targets"]
    errors = result["errors"]
    for name, target in TARGET_P99_MS.items():
        beside = f" (bare server {bare['p99_ms'][name]:.1f} ms)" if bare is not None else ""
        print(
            f"{name} p99 {t[f'{name}_p99_ms']:.1f} ms{beside}; target < {target:.0f} ms: "
            f"{verdict(t[f'{name}_p99_met'])}"
        )
    print(f"errors {errors}; target 0: {verdict(t['no_errors_met'])}")
    print(
        f"acknowledged writes in the history {result['writes_in_history']:,} of "
        f"{result['writes_acknowledged']:,} (history now {result['history_events']:,} "
        f"events); target all: {verdict(t['all_writes_present_met'])}"
    )
    for sample in result["error_samples"]:
        print(f"  error: {sample}")
    if "server_log_tail" in result:
        print("server log (tail):")
        print(result["server_log_tail"])
    if "profile" in result:
        p = result["profile"]
        print()
        print(
            f"route functions in this process, no HTTP (a copy of the store, "
            f"{p['events']:,} events), median ms:"
        )
        for name, ms in p["median_ms"].items():
            print(f"  {name:<28} {ms:8.2f}")
        print("cProfile of 20 audits and graph reads, each pair after a write, by own time:")
        print(p["profile"])


if __name__ == "__main__":
    sys.exit(main())
