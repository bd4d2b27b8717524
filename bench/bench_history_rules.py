"""Benchmark of the history-aware audit rules on a plan with a long history.

Measures, in one run:

1. **Setup (not timed)**: a 1,000-element plan (``audit_plan``) imported into an
   in-memory store, then a history of commands recorded at explicit times on the plan
   aggregate (its own checks and events, no store): benchmark status reports,
   initiative and outcome revisions (some without a reason), outcome results,
   adoptions and redesigns, until it holds ``--events`` events (10,000 by default).
2. **The monitoring read model**: built once from the plan's events (``PlanMonitor``),
   and a view of it at the latest version (``monitor.at``).
3. **The history rules** (``history_part``: the 6 rules and their populations) on the
   plan's active graph and that view, over ``--reps`` repetitions: median and p95,
   both on the audit's shared index (what an audit adds) and building their own;
   **the structural audit** of the same graph (the 24 graph rules, ``audit(graph)``)
   in the same run, and the ratio; and the whole audit with history.

Run: ``.venv/bin/python bench/bench_history_rules.py [--events N] [--reps R] [--json]``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.domain.errors import CoherenceError
from coherence.projections.monitoring import PlanMonitor
from coherence.projections.networkx_store import active_graph
from coherence.projections.replay import plan_events, replay
from coherence.queries.audit import audit, audit_context, history_part
from coherence.queries.audit.index import PlanIndex
from common import (
    argument_parser,
    audit_plan,
    finish,
    machine,
    note,
    print_heading,
    print_load,
    summary_ms,
    time_calls,
    verdict,
)

AS_OF = date(2026, 3, 1)  # in the 2025-2026 school year of the plan's benchmarks
TARGET_MS = 20.0
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")


def build_history(events: int, seed: int = 7) -> tuple[str, list[Any], dict[str, int]]:
    """A 1,000-element plan's first import, then commands recorded at explicit times on
    the aggregate itself (the same checks and events as the history's commands, without
    a store) until it has ``events`` events: the plan id, its events and the commands."""
    rng = random.Random(seed)
    raw = audit_plan(0)
    plan_id = raw["plan"]["id"]
    moment = datetime(2025, 6, 1, 12, tzinfo=UTC)
    step = timedelta(minutes=83)
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(
        check_document(raw, filename="bench.yaml"), Author("bench", "first", "import", moment)
    )
    history: list[Any] = plan_events(app, plan_id)
    plan = app.get_plan(plan_id, for_update=True)
    app.close()
    benchmarks = [b["key"] for b in raw["benchmarks"]]
    initiatives = [i["key"] for i in raw["initiatives"]]
    outcomes = [o["key"] for o in raw["outcomes"]]
    counts: dict[str, int] = {}
    while len(history) < events:
        moment += step
        reason = None if rng.random() < 0.1 else "bench change"
        rev = plan.begin_revision(actor="bench", reason=reason, source="api", at=moment)
        roll = rng.random()
        try:
            if roll < 0.55:
                kind = "report"
                plan.report_benchmark_status(rng.choice(benchmarks), rng.choice(STATUSES), rev)
            elif roll < 0.7:
                kind = "revise_initiative"
                plan.revise_element(rng.choice(initiatives), {"owner": f"Owner {moment}"}, rev)
            elif roll < 0.8:
                kind = "revise_outcome"
                plan.revise_element(rng.choice(outcomes), {"target": rng.randint(50, 95)}, rev)
            elif roll < 0.95:
                kind = "result"
                day = (moment - timedelta(days=rng.randint(0, 60))).date().isoformat()
                plan.report_outcome_result(rng.choice(outcomes), day, rng.randint(20, 90), rev)
            elif roll < 0.975:
                kind = "adopt"
                plan.adopt(rev)
            else:
                kind = "redesign"
                plan.start_redesign(rev)
        except CoherenceError:
            plan.collect_events()  # a refused command records nothing
            continue
        history.extend(plan.collect_events())
        counts[kind] = counts.get(kind, 0) + 1
    return plan_id, history, counts


def bench(events: int, reps: int) -> dict[str, Any]:
    note(f"setup: a 1,000-element plan and {events:,} events of history ...")
    t0 = time.perf_counter()
    plan_id, history, commands = build_history(events)
    setup_s = time.perf_counter() - t0
    graph = active_graph(replay(history, plan_id))

    gc.collect()
    t0 = time.perf_counter()
    monitor = PlanMonitor(plan_id).apply_all(history)
    monitor_ms = (time.perf_counter() - t0) * 1000
    view_ms = summary_ms(time_calls(lambda: monitor.at(monitor.version, AS_OF), reps))
    view = monitor.at(monitor.version, AS_OF)
    ctx = audit_context(AS_OF)
    index = PlanIndex(graph, ctx, ordered=False)
    part = history_part(index, view, ctx)
    for _ in range(5):  # warm-up
        history_part(index, view, ctx)
        audit(graph, as_of=AS_OF)

    def on_shared_index() -> None:
        index.memo.clear()  # what the history rules read once per audit: not kept between
        history_part(index, view, ctx)

    shared = summary_ms(time_calls(on_shared_index, reps))
    own = summary_ms(time_calls(lambda: history_part(graph, view, ctx), reps))
    structural = summary_ms(time_calls(lambda: audit(graph, as_of=AS_OF), reps))
    whole = summary_ms(time_calls(lambda: audit(graph, as_of=AS_OF, history=view), reps))
    found: dict[str, int] = {}
    for finding in part.findings:
        found[finding.rule] = found.get(finding.rule, 0) + 1
    return {
        "plan": plan_id,
        "events": len(history),
        "revisions": int(history[-1].revision),
        "elements": graph.number_of_nodes(),
        "commands": commands,
        "setup_s": setup_s,
        "as_of": AS_OF.isoformat(),
        "monitor_build_ms": monitor_ms,
        "view": view_ms,
        "history_rules_shared_index": shared,
        "history_rules_own_index": own,
        "structural_audit": structural,
        "whole_audit": whole,
        "ratio_history_to_structural": shared["median_ms"] / structural["median_ms"],
        "ratio_whole_to_structural": whole["median_ms"] / structural["median_ms"],
        "findings": found,
        "populations": dict(part.counts),
        "repetitions": reps,
        "target_ms": TARGET_MS,
        "meets_target": own["median_ms"] < TARGET_MS,
    }


def print_report(result: dict[str, Any]) -> None:
    m = result["machine"]
    r = result["history_rules"]
    width = 92
    print_heading(
        "Coherence history-aware audit rules benchmark", m, f"Python {m['python']}", width
    )
    print_load(m)
    print(
        f"plan {r['plan']}: {r['elements']:,} active elements, {r['events']:,} events in "
        f"{r['revisions']:,} revisions (setup {r['setup_s']:.1f} s: {r['commands']})"
    )
    print(f"audit date {r['as_of']}; {r['repetitions']} repetitions each; medians (p95)")
    print("-" * width)
    print(f"monitoring model built from the events (once)      {r['monitor_build_ms']:8.2f} ms")

    def row(label: str, s: dict[str, float]) -> None:
        print(f"{label:<52}{s['median_ms']:8.3f} ms  (p95 {s['p95_ms']:.3f})")

    row("a view at (latest version, D)", r["view"])
    row("the 6 history rules, on the audit's index", r["history_rules_shared_index"])
    row("the 6 history rules, building their own index", r["history_rules_own_index"])
    row("the structural audit (24 graph rules)", r["structural_audit"])
    row("the whole audit (30 rules)", r["whole_audit"])
    print("-" * width)
    print(
        f"ratio history rules / structural audit: {r['ratio_history_to_structural']:.2f}; "
        f"whole / structural: {r['ratio_whole_to_structural']:.2f}"
    )
    print(f"target: the history rules under {r['target_ms']:.0f} ms: {verdict(r['meets_target'])}")
    print(f"findings: {r['findings']}")


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser(__doc__, "events of the plan's history")
    parser.set_defaults(events=10_000)
    parser.add_argument("--reps", type=int, default=200, help="repetitions of each measure")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine("networkx"), "parameters": vars(args)}
    result["history_rules"] = bench(args.events, args.reps)
    finish(result, started, args.json, print_report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
