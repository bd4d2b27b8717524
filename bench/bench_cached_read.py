"""What a read the server has already answered costs: the API's own time on a cached read.

Builds the API over the demo plan on a fresh SQLite file in a temporary directory, and
calls the application directly as ASGI in this process (no sockets, no HTTP parsing:
what is left is the middleware, the routing, FastAPI's parameters, the grant, and the
route). Timed, after a warm-up, best of ``--rounds`` rounds of
``--calls`` calls each:

- ``audit``: ``GET /plans/riverbend-2024/audit`` (its body is kept serialized);
- ``graph``: ``GET /plans/riverbend-2024/graph`` (its export is kept);
- the reference, in the same run: a route added to this process's application only,
  with the same path parameter as the two reads, and the context and grant as FastAPI
  dependencies (as most routes take them), and nothing else (it answers ``{}``): what
  the app's middleware and those dependencies cost. The two reads take theirs without
  FastAPI (``read_access``), so a ratio under 1 is a read that costs less than an empty
  route answered the usual way.

Printed: microseconds a read, and each read's ratio to the reference.

Run: ``.venv/bin/python bench/bench_cached_read.py [--rounds 5] [--calls 2000] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response

from coherence.api.app import create_app
from coherence.api.routes.shared import Ctx, G
from coherence.application.demo import load_demo
from coherence.bootstrap import bootstrap, read_settings
from common import machine, machine_speed_ms, note

PLAN = "riverbend-2024"
READS = {
    "audit": f"/api/v1/plans/{PLAN}/audit",
    "graph": f"/api/v1/plans/{PLAN}/graph",
    "reference": f"/api/v1/bench/{PLAN}",
}


def application(directory: Path) -> Any:
    """The API over the demo plan, with the reference route first in line."""
    service = bootstrap(read_settings(store=f"sqlite:///{directory / 'bench.db'}"))
    load_demo(service.history)
    app = create_app(service.api_context())
    reference = APIRouter()

    @reference.get("/api/v1/bench/{plan_id}")
    async def floor(plan_id: str, ctx: Ctx, grant: G) -> Response:
        return Response(b"{}", media_type="application/json")

    app.router.routes[:0] = reference.routes
    return app


async def time_reads(app: Any, rounds: int, calls: int) -> dict[str, float]:
    """Microseconds a call of each read, best of ``rounds``."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: set[int] = set()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    best: dict[str, float] = {}
    for name, path in READS.items():
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        for _ in range(300):  # the first read makes what the others find cached
            await app(dict(scope), receive, send)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(calls):
                await app(dict(scope), receive, send)
            times.append((time.perf_counter() - started) / calls * 1e6)
        best[name] = min(times)
    if statuses != {200}:
        raise SystemExit(f"a read did not answer 200: {statuses}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="One JSON object on stdout.")
    args = parser.parse_args()
    speed_before = machine_speed_ms()
    with tempfile.TemporaryDirectory() as directory:
        note("Loading the demo plan")
        app = application(Path(directory))
        note(f"Timing {args.rounds} rounds of {args.calls} calls of each read")
        best = asyncio.run(time_reads(app, args.rounds, args.calls))
    result = {
        "machine": {
            **machine(),
            "speed_ms_before": speed_before,
            "speed_ms_after": machine_speed_ms(),
        },
        "us_per_read": best,
        "ratio_to_reference": {
            name: best[name] / best["reference"] for name in READS if name != "reference"
        },
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    m = result["machine"]
    print(
        f"Cached reads as ASGI in one process (machine speed {m['speed_ms_before']:.0f}/"
        f"{m['speed_ms_after']:.0f} ms)"
    )
    for name in READS:
        ratio = result["ratio_to_reference"].get(name)
        beside = f"  {ratio:.2f} times the reference" if ratio is not None else ""
        print(f"  {name:<10} {best[name]:7.1f} µs a read{beside}")


if __name__ == "__main__":
    main()
