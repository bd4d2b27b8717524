"""Load benchmark of the HTTP API: ``coherence serve`` under concurrent readers and writers.

Starts ``coherence serve --demo`` on 127.0.0.1 (a free port, a fresh SQLite file in a
temporary directory unless ``--store`` is given), waits for ``/api/v1/health``, then
runs ``--clients`` concurrent clients (threads, one ``httpx.Client`` each) for
``--seconds``. Each client repeats a fixed mix of operations on the demo plan:

- ``audit``: ``GET /plans/riverbend-2024/audit``;
- ``graph``: ``GET /plans/riverbend-2024/graph?format=cytoscape``;
- ``status``: ``POST /plans/riverbend-2024/benchmarks/{key}/status``;
- ``result``: ``POST /plans/riverbend-2024/outcomes/{key}/results``.

Writes carry no ``If-Match`` (the server retries them on a conflict) and each has a
unique ``reason``. Afterwards every acknowledged write (2xx) is looked up in
``GET /history`` by its reason. Reported per operation: throughput, p50 and p99
latency (measured by the client, so they include the client's own queueing) and errors;
beside them the targets: audit p99 < 50 ms, no errors, every acknowledged write in the
history. The server is stopped at the end, whatever happens.

``--profile`` then runs the audit route in this process (``TestClient`` on a copy of the
store) under ``cProfile``: once after a write (a new version: nothing cached) and once
warm, and prints where the time goes.

Run: ``.venv/bin/python bench/bench_api.py [--seconds 30] [--clients 32] [--profile] [--json]``.
Progress goes to stderr; the figures (or, with ``--json``, one JSON object) to stdout.
"""

from __future__ import annotations

import argparse
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
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PLAN = "riverbend-2024"
API = "/api/v1"
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")
MIX = ("audit", "graph", "audit", "status", "audit", "graph", "audit", "result")
"""Each client cycles through this mix (from its own offset): 4 audits, 2 graph reads,
2 writes in 8 requests."""
READS_ONLY_MIX = ("audit", "graph", "audit", "audit")
"""With ``--reads-only`` (a diagnostic: every read after the first hits the caches)."""
TARGET_AUDIT_P99_MS = 50.0
START_TIMEOUT_S = 180.0


def note(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- the server ----------------------------------------------------------------------


class Server:
    """``coherence serve --demo`` as a child process on loopback."""

    def __init__(self, store: str, port: int, log: Path) -> None:
        self.store = store
        self.port = port
        self.log_path = log
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "coherence.cli.main",
            "serve",
            "--demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--store",
            self.store,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J")}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.base}{API}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"the server did not answer within {START_TIMEOUT_S:.0f}s:\n{self.log()}"
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


def process_cpu_s(server: Server) -> float:
    """CPU seconds (user + system) the server process has used (Linux; else 0)."""
    try:
        assert server.process is not None
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, AssertionError, ValueError, IndexError):
        return 0.0


# -- the load ------------------------------------------------------------------------


@dataclass
class Tally:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # reasons of 2xx writes
    lock: threading.Lock = field(default_factory=threading.Lock)

    def merge(self, other: Tally) -> None:
        with self.lock:
            for op, values in other.latencies_ms.items():
                self.latencies_ms[op].extend(values)
            for op, count in other.errors.items():
                self.errors[op] += count
            self.error_samples.extend(other.error_samples[: 5 - len(self.error_samples)])
            self.acknowledged.extend(other.acknowledged)


def demo_keys(base: str) -> tuple[list[str], list[str]]:
    """The active benchmarks and outcomes of the demo plan."""
    document = httpx.get(f"{base}{API}/plans/{PLAN}", timeout=60).json()["document"]
    benchmarks = [b["key"] for b in document.get("benchmarks", [])]
    outcomes = [o["key"] for o in document.get("outcomes", [])]
    return benchmarks, outcomes


@dataclass
class Start:
    """Every client connects, then all start together; the clock starts then."""

    ready: threading.Barrier
    go: threading.Event = field(default_factory=threading.Event)
    stop_at: float = 0.0


def client_loop(
    number: int,
    base: str,
    start: Start,
    benchmarks: list[str],
    outcomes: list[str],
    tally: Tally,
    mix: tuple[str, ...],
) -> None:
    mine = Tally()
    run = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=base, timeout=60.0) as client:
        client.get(f"{API}/health")  # connected before the clock starts
        start.ready.wait()
        start.go.wait()
        i = number  # each client starts at its own place in the mix
        while time.perf_counter() < start.stop_at:
            op = mix[i % len(mix)]
            reason = f"bench {run}-{number}-{i}"
            t0 = time.perf_counter()
            try:
                if op == "audit":
                    r = client.get(f"{API}/plans/{PLAN}/audit")
                elif op == "graph":
                    r = client.get(f"{API}/plans/{PLAN}/graph", params={"format": "cytoscape"})
                elif op == "status":
                    key = benchmarks[i % len(benchmarks)]
                    body: dict[str, Any] = {"status": STATUSES[i % len(STATUSES)], "reason": reason}
                    r = client.post(f"{API}/plans/{PLAN}/benchmarks/{key}/status", json=body)
                else:
                    key = outcomes[i % len(outcomes)]
                    body = {"as_of": "2026-11-30", "value": i % 100, "reason": reason}
                    r = client.post(f"{API}/plans/{PLAN}/outcomes/{key}/results", json=body)
                ok = 200 <= r.status_code < 300
                detail = f"{op}: {r.status_code} {r.text[:200]}"
            except httpx.HTTPError as e:
                ok, detail = False, f"{op}: {type(e).__name__}: {e}"
            elapsed_ms = (time.perf_counter() - t0) * 1000
            mine.latencies_ms[op].append(elapsed_ms)
            if not ok:
                mine.errors[op] += 1
                if len(mine.error_samples) < 5:
                    mine.error_samples.append(detail)
            elif op in ("status", "result"):
                mine.acknowledged.append(reason)
            i += 1
    tally.merge(mine)


def run_load(base: str, clients: int, seconds: float, mix: tuple[str, ...]) -> tuple[Tally, float]:
    benchmarks, outcomes = demo_keys(base)
    tally = Tally()
    start = Start(threading.Barrier(clients + 1))
    threads = [
        threading.Thread(
            target=client_loop,
            args=(n, base, start, benchmarks, outcomes, tally, mix),
            daemon=True,
        )
        for n in range(clients)
    ]
    for t in threads:
        t.start()
    start.ready.wait(timeout=120)
    t0 = time.perf_counter()
    start.stop_at = t0 + seconds
    start.go.set()
    while any(t.is_alive() for t in threads):
        time.sleep(1.0)
        left = start.stop_at - time.perf_counter()
        sys.stderr.write(f"\rload: {max(left, 0):4.0f}s left ")
        sys.stderr.flush()
    sys.stderr.write("\n")
    return tally, time.perf_counter() - t0


def history_reasons(base: str) -> tuple[set[str], int]:
    reasons: set[str] = set()
    offset, total = 0, None
    with httpx.Client(base_url=base, timeout=120.0) as client:
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


def profile_audit(store: str, work: Path) -> dict[str, Any]:
    """Where a server spends an audit request: the route functions called in this process
    (no HTTP) on a copy of the store, cold (right after a write: a new version) and warm,
    timed, then the cold ones under cProfile."""
    from fastapi import Response

    from coherence.api import routes
    from coherence.api.context import OPEN_ACTOR, ApiContext
    from coherence.api.models import BenchmarkStatus
    from coherence.application.history import PlanHistory
    from coherence.application.settings import Settings
    from coherence.domain.access import Grant

    source = Path(store.removeprefix("sqlite:///"))
    copy = work / "profile.db"
    shutil.copyfile(source, copy)
    ctx = ApiContext(PlanHistory(Settings(store=f"sqlite:///{copy}")))
    grant = Grant(OPEN_ACTOR, "admin")
    document = routes.read_plan(PLAN, Response(), ctx, grant)["document"]
    key = document["benchmarks"][0]["key"]

    def write(n: int) -> None:
        body = BenchmarkStatus.model_validate(
            {"status": STATUSES[n % len(STATUSES)], "reason": f"profile {n}"}
        )
        routes.report_status(PLAN, key, body, Response(), ctx, grant)

    def audit() -> None:
        routes.audit(PLAN, Response(), ctx, grant)

    def graph() -> None:
        routes.graph(PLAN, ctx, grant, format="cytoscape")

    def timed(action: Any) -> float:
        t0 = time.perf_counter()
        action()
        return (time.perf_counter() - t0) * 1000

    timings: dict[str, list[float]] = defaultdict(list)
    audit()
    for n in range(30):
        timings["write"].append(timed(lambda n=n: write(n)))
        timings["audit, cold"].append(timed(audit))
        timings["audit, warm"].append(timed(audit))
        timings["graph, after the audit"].append(timed(graph))
    for n in range(30, 40):
        write(n)
        timings["graph, cold"].append(timed(graph))

    profiler = cProfile.Profile()
    for n in range(40, 60):
        write(n)
        profiler.enable()
        audit()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="How long the load runs.")
    parser.add_argument("--clients", type=int, default=32, help="Concurrent clients.")
    parser.add_argument("--store", default=None, help="sqlite:///file.db (default: a temp file)")
    parser.add_argument("--profile", action="store_true", help="Profile the audit route after.")
    parser.add_argument(
        "--reads-only", action="store_true", help="Diagnostic: no writes (all reads cached)."
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()

    mix = READS_ONLY_MIX if args.reads_only else MIX
    work = Path(tempfile.mkdtemp(prefix="coherence-bench-api-"))
    store = args.store or f"sqlite:///{work / 'bench.db'}"
    server = Server(store, free_port(), work / "server.log")
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "clients": args.clients,
        "seconds": args.seconds,
        "store": "sqlite (file)",
    }
    try:
        try:
            note(f"starting coherence serve --demo on {server.base} ({store})")
            t0 = time.perf_counter()
            server.start()
            result["startup_s"] = time.perf_counter() - t0
            note(f"server up after {result['startup_s']:.1f}s; {args.clients} clients")
            cpu_before = process_cpu_s(server)
            tally, elapsed = run_load(server.base, args.clients, args.seconds, mix)
            result["server_cpu_cores"] = (process_cpu_s(server) - cpu_before) / elapsed
            note("checking the history for every acknowledged write")
            reasons, total_events = history_reasons(server.base)
            server_log = server.log()
        finally:
            server.stop()

        ops: dict[str, Any] = {}
        for op in ("audit", "graph", "status", "result"):
            values = tally.latencies_ms.get(op, [])
            ops[op] = {
                "requests": len(values),
                "per_s": len(values) / elapsed if elapsed else 0.0,
                "p50_ms": percentile(values, 0.50),
                "p99_ms": percentile(values, 0.99),
                "max_ms": max(values) if values else float("nan"),
                "errors": tally.errors.get(op, 0),
            }
        found = sum(reason in reasons for reason in tally.acknowledged)
        errors = sum(tally.errors.values())
        result.update(
            {
                "elapsed_s": elapsed,
                "operations": ops,
                "errors": errors,
                "error_samples": tally.error_samples,
                "writes_acknowledged": len(tally.acknowledged),
                "writes_in_history": found,
                "history_events": total_events,
                "targets": {
                    "audit_p99_ms": TARGET_AUDIT_P99_MS,
                    "audit_p99_met": ops["audit"]["p99_ms"] < TARGET_AUDIT_P99_MS,
                    "no_errors_met": errors == 0,
                    "all_writes_present_met": found == len(tally.acknowledged),
                },
            }
        )
        if "Traceback" in server_log:
            result["server_log_tail"] = server_log[-2000:]
        if args.profile:
            note("profiling the audit route in this process")
            result["profile"] = profile_audit(store, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    width = 78
    print()
    print("Coherence HTTP API load benchmark")
    print("=" * width)
    machine = result["machine"]
    print(f"machine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}")
    print(
        f"server: coherence serve --demo on 127.0.0.1, {result['store']}, "
        f"up in {result['startup_s']:.1f}s"
    )
    print(
        f"load: {args.clients} clients (threads, httpx) for {elapsed:.1f}s, "
        f"mix per client: {', '.join(mix)}"
    )
    print("-" * width)
    print(
        f"{'operation':<10} {'requests':>9} {'per s':>8} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'max ms':>9} {'errors':>7}"
    )
    for op, o in ops.items():
        print(
            f"{op:<10} {o['requests']:>9,} {o['per_s']:>8.1f} {o['p50_ms']:>9.1f} "
            f"{o['p99_ms']:>9.1f} {o['max_ms']:>9.1f} {o['errors']:>7}"
        )
    total = sum(o["requests"] for o in ops.values())
    print(f"{'all':<10} {total:>9,} {total / elapsed:>8.1f}")
    print(
        f"server CPU during the load: {result['server_cpu_cores']:.2f} cores "
        f"(of {machine['cpus']}; the clients run on the same machine)"
    )
    print("-" * width)
    t = result["targets"]
    print(
        f"audit p99 {ops['audit']['p99_ms']:.1f} ms; target < {TARGET_AUDIT_P99_MS:.0f} ms: "
        f"{verdict(t['audit_p99_met'])}"
    )
    print(f"errors {errors}; target 0: {verdict(t['no_errors_met'])}")
    print(
        f"acknowledged writes in the history {found:,} of {len(tally.acknowledged):,} "
        f"(history now {total_events:,} events); target all: "
        f"{verdict(t['all_writes_present_met'])}"
    )
    for sample in tally.error_samples:
        print(f"  error: {sample}")
    if "server_log_tail" in result:
        print("server log (tail):")
        print(result["server_log_tail"])
    if args.profile:
        p = result["profile"]
        print()
        print(
            f"route functions in this process, no HTTP (a copy of the store, "
            f"{p['events']:,} events), median ms:"
        )
        for name, ms in p["median_ms"].items():
            print(f"  {name:<28} {ms:8.1f}")
        print("cProfile of 20 cold audits (each right after a write), by cumulative time:")
        print(p["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
