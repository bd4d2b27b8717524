"""Benchmark of the alignment graph: the audit, and rebuilding the projection.

Measures, in one run:

1. **Audit of one 1,000-element plan**: a generated plan (4-5 objectives, ~150
   initiatives, outcomes, professional learning, 400 benchmarks, 200 budget
   lines with funds, school plans, educator goals, with gaps the audit finds)
   imported into the store; its graph is built once with ``plan_graph`` (the
   projection of the plan's own events), then ``audit(...)`` is timed over
   ``--reps`` repetitions: median and p95.
2. **Audit of ``--plans`` plans in sequence**: the active graphs of the imported
   plans, prebuilt (not timed) with ``active_graph`` from an in-process
   ``Projector.rebuild()`` (whose store is then dropped), audited one after the
   other (timed; best and median of ``--rounds`` rounds). With fewer plans in the
   log than ``--plans``, graphs are reused in turn (the report says so). In each
   round the same plans are then audited as of the day the log was recorded (so that
   their events count), without and with the history-aware rules (their monitoring
   facts built beforehand from their events, not timed), and the ratio with / without
   is reported (target <= 1.2; ``--no-history`` skips it).
3. **Rebuilding the projection from ``--events`` events**: generated plans (some
   imported again later in revised versions, half of them adopted) are imported
   into a SQLite file until the log holds at least that many events (setup, not
   timed, progress on stderr). Then, per batch size, the library's own reading
   and decoding of the notification log (``select_notifications`` +
   ``mapper.to_domain_event``) and ``Projector(...).rebuild()`` into a fresh
   ``NetworkxGraphStore``, in events per second, and their ratio. Each pass runs
   in a fresh child process, so none inherits the heap an earlier pass left. A
   "what-if" pass (``--no-what-if`` skips it) repeats the best rebuild with the
   garbage collector disabled, to show what the collector costs.
4. The machine and the total time.

Run: ``.venv/bin/python bench/bench_graph.py [--events N] [--plans P] [--reps R] [--json]``.
Progress goes to stderr; the table (or, with ``--json``, one JSON object) to stdout.
Temporary files live in a temporary directory that is removed at the end.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.projections.monitoring import PlanMonitor
from coherence.projections.networkx_store import NetworkxGraphStore
from coherence.projections.projector import Projector, plan_graph
from coherence.projections.replay import plan_events
from coherence.queries.audit import HISTORY_ORDER, audit
from common import (
    Progress,
    argument_parser,
    audit_plan_log,
    finish,
    in_child,
    machine,
    note,
    print_heading,
    print_load,
    print_log,
    summary_ms,
    time_calls,
    verdict,
)

AS_OF = date(2026, 9, 1)
FISCAL_YEAR = "FY26"
TARGET_ONE_MS = 5.0
TARGET_MANY_S = 2.0
TARGET_RATIO = 0.5
TARGET_HISTORY_RATIO = 1.2  # the 400-plan audit with the history rules / without them


# -- 3. rebuilding the projection ----------------------------------------------


def library_read(app: PlanHistory, batch: int) -> int:
    """The library's own reading and decoding of the whole notification log."""
    select = app.recorder.select_notifications
    to_event = app.mapper.to_domain_event
    start = 1
    done = 0
    while True:
        notifications = select(start, limit=batch)
        if not notifications:
            break
        for notification in notifications:
            to_event(notification)
        done += len(notifications)
        start = notifications[-1].id + 1
    return done


def timed_rebuild(
    app: PlanHistory, events: int, batch: int, label: str
) -> tuple[float, NetworkxGraphStore]:
    """``Projector(app, NetworkxGraphStore(), batch_size=batch).rebuild()``, timed."""
    store = NetworkxGraphStore()
    progress = Progress(label, events, "events")
    t0 = time.perf_counter()
    applied = Projector(app, store, batch_size=batch).rebuild(progress.callback)
    seconds = time.perf_counter() - t0
    progress.done(applied)
    if applied != events:
        raise RuntimeError(f"projection applied {applied} of {events} events")
    return seconds, store


def _measure(what: str, settings: Settings, events: int, batch: int) -> float:
    """One timed pass over the whole log (run in a child process): seconds."""
    app = PlanHistory(settings)
    try:
        gc.collect()
        if what == "library":
            note(f"library read+decode, batch {batch:,} ...")
            t0 = time.perf_counter()
            read = library_read(app, batch)
            seconds = time.perf_counter() - t0
            if read != events:
                raise RuntimeError(f"library read {read} of {events} events")
            return seconds
        if what == "projection":
            return timed_rebuild(app, events, batch, f"projection rebuild, batch {batch:,}")[0]
        gc.disable()  # "what-if": the same rebuild without the cyclic garbage collector
        try:
            label = f"what-if: rebuild with gc disabled, batch {batch:,}"
            return timed_rebuild(app, events, batch, label)[0]
        finally:
            gc.enable()
    finally:
        app.close()


def bench_rebuild(
    settings: Settings, events: int, batch_sizes: list[int], *, what_if: bool = True
) -> dict[str, Any]:
    """Library read+decode and ``Projector.rebuild()`` per batch size, each pass in a
    fresh child process (forked from a parent that holds no store and no events)."""
    runs: list[dict[str, Any]] = []
    for batch in batch_sizes:
        library_s = float(in_child(_measure, "library", settings, events, batch))
        projection_s = float(in_child(_measure, "projection", settings, events, batch))
        runs.append(
            {
                "batch_size": batch,
                "library_s": library_s,
                "library_events_per_s": events / library_s,
                "projection_s": projection_s,
                "projection_events_per_s": events / projection_s,
                "ratio": library_s / projection_s,
            }
        )
    best_projection = max(runs, key=lambda r: r["projection_events_per_s"])
    best_library = max(runs, key=lambda r: r["library_events_per_s"])
    ratio = best_projection["projection_events_per_s"] / best_library["library_events_per_s"]
    out: dict[str, Any] = {
        "events": events,
        "each_pass_in": "a fresh child process",
        "runs": runs,
        "best_projection_batch": best_projection["batch_size"],
        "best_library_batch": best_library["batch_size"],
        "best_projection_events_per_s": best_projection["projection_events_per_s"],
        "best_library_events_per_s": best_library["library_events_per_s"],
        "ratio_best_to_best": ratio,
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
    }
    if what_if:
        batch = best_projection["batch_size"]
        seconds = float(in_child(_measure, "what-if", settings, events, batch))
        out["what_if_gc_disabled"] = {
            "batch_size": batch,
            "projection_s": seconds,
            "projection_events_per_s": events / seconds,
            "ratio_to_best_library": events / seconds / best_library["library_events_per_s"],
        }
    return out


# -- 1. and 2. the audit --------------------------------------------------------


def bench_audit_one(app: PlanHistory, plan_id: str, reps: int) -> tuple[dict[str, Any], Any]:
    gc.collect()
    t0 = time.perf_counter()
    graph = plan_graph(app, plan_id)
    build_s = time.perf_counter() - t0
    report = audit(graph, as_of=AS_OF, fiscal_year=FISCAL_YEAR)
    for _ in range(5):  # warm-up
        audit(graph, as_of=AS_OF, fiscal_year=FISCAL_YEAR)
    with_fy = summary_ms(
        time_calls(lambda: audit(graph, as_of=AS_OF, fiscal_year=FISCAL_YEAR), reps)
    )
    without_fy = summary_ms(time_calls(lambda: audit(graph, as_of=AS_OF), reps))
    return {
        "plan": plan_id,
        "elements": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "version": graph.graph.get("version"),
        "plan_graph_build_ms": build_s * 1000.0,
        "findings": len(report.findings),
        "findings_by_severity": report.summary,
        "rules_with_findings": len({f.rule for f in report.findings}),
        "score": report.score,
        "as_of": AS_OF.isoformat(),
        "fiscal_year": FISCAL_YEAR,
        "repetitions": reps,
        "audit_fy": with_fy,
        "audit_no_fy": without_fy,
        "target_median_ms": TARGET_ONE_MS,
        "meets_target": with_fy["median_ms"] < TARGET_ONE_MS
        and without_fy["median_ms"] < TARGET_ONE_MS,
    }, graph


def prebuild_graphs(
    app: PlanHistory, events: int, batch: int, plan_ids: list[str], count: int, check: Any
) -> tuple[list[Any], dict[str, Any]]:
    """The active graphs of the first ``count`` plans, from a rebuilt projection store.

    The store itself is dropped afterwards: the timed audits hold only these graphs.
    ``check`` (the ``plan_graph`` of the first plan) must equal the store's graph.
    """
    gc.collect()
    seconds, store = timed_rebuild(
        app, events, batch, f"in-process rebuild for the audits, batch {batch:,}"
    )
    first = store.active_graph(plan_ids[0])
    same = first is not None and (
        sorted(check.nodes) == sorted(first.nodes)
        and sorted(check.edges(keys=True)) == sorted(first.edges(keys=True))
    )
    if not same:
        raise RuntimeError(f"plan_graph and the rebuilt store differ for {plan_ids[0]}")
    t0 = time.perf_counter()
    graphs = [store.active_graph(pid) for pid in plan_ids[:count]]
    build_s = time.perf_counter() - t0
    info = {
        "in_process_rebuild_s": seconds,
        "in_process_rebuild_events_per_s": events / seconds,
        "in_process_rebuild_batch": batch,
        "plans_in_store": len(store.graphs),
        "active_graphs_build_s": build_s,
    }
    del store, first
    gc.collect()
    return graphs, info


def build_monitors(
    app: PlanHistory, plan_ids: list[str], count: int
) -> tuple[list[Any], date, float]:
    """The monitoring facts of the first ``count`` plans at their latest version (their
    read models built from each plan's events: not timed), as of the day the last of
    them was recorded (the log is written at the time the benchmark runs, so an audit
    as of an earlier date would count none of its events); that day; the seconds."""
    t0 = time.perf_counter()
    monitors = [PlanMonitor(p).apply_all(plan_events(app, p)) for p in plan_ids[:count]]
    day = max(m.days[-1] for m in monitors)
    views = [m.at(m.version, day) for m in monitors]
    return views, day, time.perf_counter() - t0


def bench_audit_many(
    graphs: list[Any],
    count: int,
    rounds: int,
    views: list[Any] | None = None,
    recorded: date | None = None,
) -> dict[str, Any]:
    # When fewer plans were imported than asked for, graphs are reused in turn.
    sequence = [graphs[i % len(graphs)] for i in range(count)]
    histories = [views[i % len(views)] for i in range(count)] if views else None
    totals: list[float] = []
    with_history: list[float] = []
    without_history: list[float] = []
    findings = 0
    history_findings = 0
    scores: list[int] = []
    for r in range(rounds):
        gc.collect()
        t0 = time.perf_counter()
        reports = [audit(g, as_of=AS_OF, fiscal_year=FISCAL_YEAR) for g in sequence]
        totals.append(time.perf_counter() - t0)
        if r == 0:
            findings = sum(len(rep.findings) for rep in reports)
            scores = [rep.score for rep in reports]
        del reports
        note(f"audit of {count} plans, round {r + 1}/{rounds}: {totals[-1]:.2f} s")
        if histories is not None and recorded is not None:
            # The same plans as of the day they were recorded, without and with the
            # history-aware rules (their monitoring facts), in the same round.
            gc.collect()
            t0 = time.perf_counter()
            reports = [audit(g, as_of=recorded, fiscal_year=FISCAL_YEAR) for g in sequence]
            without_history.append(time.perf_counter() - t0)
            del reports
            gc.collect()
            t0 = time.perf_counter()
            reports = [
                audit(g, as_of=recorded, fiscal_year=FISCAL_YEAR, history=h)
                for g, h in zip(sequence, histories, strict=True)
            ]
            with_history.append(time.perf_counter() - t0)
            if r == 0:
                history_findings = sum(
                    1 for rep in reports for f in rep.findings if f.rule in HISTORY_ORDER
                )
            del reports
            note(
                f"  as of {recorded}: {without_history[-1]:.2f} s without the history rules, "
                f"{with_history[-1]:.2f} s with them"
            )
    best = min(totals)
    extra: dict[str, Any] = {}
    if with_history:
        extra = {
            "history_as_of": recorded.isoformat() if recorded else None,
            "without_history_totals_s": without_history,
            "without_history_best_s": min(without_history),
            "with_history_totals_s": with_history,
            "with_history_best_s": min(with_history),
            "with_history_median_s": statistics.median(with_history),
            "history_findings_total": history_findings,
            "history_ratio_best": min(with_history) / min(without_history),
            "history_ratio_median": statistics.median(with_history)
            / statistics.median(without_history),
            "history_target_ratio": TARGET_HISTORY_RATIO,
            "history_meets_target": min(with_history) / min(without_history)
            <= TARGET_HISTORY_RATIO,
        }
    return {
        **extra,
        "plans": count,
        "distinct_graphs": len(graphs),
        "graphs_from": "active_graph() of a rebuilt NetworkxGraphStore (store then dropped)",
        "elements_total": sum(g.number_of_nodes() for g in sequence),
        "findings_total": findings,
        "score_min": min(scores),
        "score_max": max(scores),
        "rounds": rounds,
        "totals_s": totals,
        "best_s": best,
        "median_s": statistics.median(totals),
        "per_plan_ms": 1000.0 * best / count,
        "target_s": TARGET_MANY_S,
        "meets_target": statistics.median(totals) < TARGET_MANY_S,
    }


# -- report ----------------------------------------------------------------------


def print_report(result: dict[str, Any]) -> None:
    m = result["machine"]
    log = result["log"]
    one = result["audit_one"]
    many = result["audit_many"]
    rb = result["rebuild"]
    width = 92
    print_heading(
        "Coherence alignment graph benchmark",
        m,
        f"Python {m['python']} ({m['python_implementation']}), networkx {m['networkx']}, "
        f"eventsourcing {m['eventsourcing']}, SQLite {m['sqlite']}",
        width,
    )
    print_load(m)
    print_log(log)
    print()

    print(
        f"1. Audit of one plan ({one['plan']}: {one['elements']:,} elements, "
        f"{one['edges']:,} edges; as_of {one['as_of']})"
    )
    print("-" * width)
    print(
        f"graph built once with plan_graph() in {one['plan_graph_build_ms']:,.0f} ms; "
        f"{one['findings']} findings {one['findings_by_severity']}, score {one['score']}"
    )
    print(f"{'':44} {'median ms':>10} {'p95 ms':>9} {'min':>7} {'max':>7} {'n':>5}")
    for name, c in (
        (f"audit(as_of, fiscal_year={one['fiscal_year']!r})", one["audit_fy"]),
        ("audit(as_of) (all fiscal years)", one["audit_no_fy"]),
    ):
        print(
            f"{name:44} {c['median_ms']:10.2f} {c['p95_ms']:9.2f} "
            f"{c['min_ms']:7.2f} {c['max_ms']:7.2f} {c['n']:5d}"
        )
    print(f"target: median < {TARGET_ONE_MS:.0f} ms: {verdict(one['meets_target'])}")
    print()

    print(f"2. Audit of {many['plans']} plans in sequence (fiscal_year={FISCAL_YEAR!r})")
    print("-" * width)
    reuse = (
        "all distinct"
        if many["distinct_graphs"] == many["plans"]
        else f"only {many['distinct_graphs']} distinct, reused in turn"
    )
    print(
        f"graphs: {reuse}, {many['elements_total']:,} elements, prebuilt (not timed) with "
        f"active_graph() from an in-process Projector.rebuild() "
        f"(batch {many['in_process_rebuild_batch']:,}: {many['in_process_rebuild_s']:.1f} s, "
        f"{many['in_process_rebuild_events_per_s']:,.0f} ev/s), store then dropped"
    )
    print(
        f"{many['findings_total']:,} findings, scores {many['score_min']}-{many['score_max']}; "
        f"rounds: " + ", ".join(f"{t:.2f} s" for t in many["totals_s"])
    )
    print(
        f"median {many['median_s']:.2f} s, best {many['best_s']:.2f} s "
        f"({many['per_plan_ms']:.2f} ms per plan); target < {TARGET_MANY_S:.0f} s: "
        f"{verdict(many['meets_target'])}"
    )
    if "with_history_best_s" in many:
        print(
            f"as of {many['history_as_of']} (the day the log was recorded), in the same "
            "rounds, without / with the 6 history-aware rules (the plans' monitoring facts "
            f"built from their events beforehand, {many['monitors_build_s']:.1f} s, not "
            "timed): "
            + ", ".join(
                f"{a:.2f} / {b:.2f} s"
                for a, b in zip(
                    many["without_history_totals_s"], many["with_history_totals_s"], strict=True
                )
            )
        )
        print(
            f"{many['history_findings_total']:,} history findings; best "
            f"{many['with_history_best_s']:.2f} s against {many['without_history_best_s']:.2f} s: "
            f"ratio {many['history_ratio_best']:.3f} "
            f"(medians: {many['history_ratio_median']:.3f}); target <= "
            f"{TARGET_HISTORY_RATIO:.2f}: {verdict(many['history_meets_target'])}"
        )
    print()

    print(f"3. Rebuilding the projection from {rb['events']:,} events (SQLite file)")
    print("-" * width)
    print(
        f"{'batch size':>10} {'library read+decode':>22} {'Projector.rebuild()':>22} "
        f"{'projection/library':>20}"
    )
    for r in rb["runs"]:
        print(
            f"{r['batch_size']:>10,} {r['library_events_per_s']:>13,.0f} ev/s "
            f"({r['library_s']:5.1f}s) {r['projection_events_per_s']:>13,.0f} ev/s "
            f"({r['projection_s']:5.1f}s) {r['ratio']:>20.2f}"
        )
    print(
        f"best projection: batch {rb['best_projection_batch']:,} at "
        f"{rb['best_projection_events_per_s']:,.0f} ev/s; best library: batch "
        f"{rb['best_library_batch']:,} at {rb['best_library_events_per_s']:,.0f} ev/s"
    )
    print(
        f"ratio best/best {rb['ratio_best_to_best']:.2f}; target >= {TARGET_RATIO:.2f}: "
        f"{verdict(rb['meets_target'])}; each pass ran in a fresh child process"
    )
    if "what_if_gc_disabled" in rb:
        w = rb["what_if_gc_disabled"]
        print(
            f"what-if (not the shipped behaviour): the same rebuild with gc.disable(), batch "
            f"{w['batch_size']:,}: {w['projection_events_per_s']:,.0f} ev/s "
            f"({w['projection_s']:.1f}s), {w['ratio_to_best_library']:.2f} of the library's rate"
        )
    print()
    print(f"4. Total time {result['total_s']:,.1f} s (setup included)")


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser(__doc__, "events in the log")
    parser.add_argument("--plans", type=int, default=400, help="plans audited in sequence")
    parser.add_argument("--reps", type=int, default=200, help="repetitions of one audit")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the many-plan audit")
    parser.add_argument(
        "--batch-sizes", default="100,500,2000,10000", help="projector batch sizes, comma-separated"
    )
    parser.add_argument(
        "--no-what-if", action="store_true", help="skip the rebuild with the GC disabled"
    )
    parser.add_argument(
        "--no-history", action="store_true", help="skip the audits with the history rules"
    )
    args = parser.parse_args(argv)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b.strip()]

    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine("networkx", "eventsourcing"),
        "parameters": vars(args),
    }
    with tempfile.TemporaryDirectory(prefix="coherence-bench-graph-") as tmp:
        note(f"working in {tmp} (removed at the end)")
        db = Path(tmp) / "events.db"
        settings, result["log"], plan_ids = audit_plan_log(db, args.events)
        log = result["log"]
        rebuild = bench_rebuild(settings, log["events"], batch_sizes, what_if=not args.no_what_if)
        result["rebuild"] = rebuild
        app = PlanHistory(settings)
        try:
            note("audit of one plan ...")
            result["audit_one"], graph = bench_audit_one(app, plan_ids[0], args.reps)
            graphs, info = prebuild_graphs(
                app, log["events"], rebuild["best_projection_batch"], plan_ids, args.plans, graph
            )
            views: list[Any] | None = None
            recorded: date | None = None
            if not args.no_history:
                note("monitoring facts of the audited plans (from their events, not timed) ...")
                views, recorded, info["monitors_build_s"] = build_monitors(
                    app, plan_ids, args.plans
                )
            result["audit_many"] = bench_audit_many(
                graphs, args.plans, args.rounds, views, recorded if views else None
            )
            result["audit_many"].update(info)
        finally:
            app.close()
    finish(result, started, args.json, print_report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
