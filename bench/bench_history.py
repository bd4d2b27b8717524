"""Benchmark of the event-sourced plan history (``PlanHistory`` on a SQLite file).

Measures, in one run:

1. **Import, one file at a time**: generated plan files (objectives, initiatives,
   outcomes, benchmarks, budget lines with funds, school plans, educator goals,
   all linked) checked with
   ``check_document`` and imported with ``PlanHistory.import_plan`` into a fresh
   SQLite file, until at least ``--events`` events are stored. Some plans are
   imported again later in revised versions (revisions, retirements, new
   elements, changed allocations). Generating the plan files is not timed;
   checking and importing them is. Beside it, the reference: a bare ``sqlite3``
   insert of the same event rows (read back from our ``stored_events`` table
   after each import, interleaved so both see the same machine load)
   into a fresh file with the same schema, one transaction per import, with
   ``executemany``. Target: ours at least a third of the bare rate (the ratio and its
   verdict are printed).

   **Import of many files**: the same plan files, as JSON text, through
   ``import_files`` (``coherence import FILE...``) with ``--workers`` processes,
   against the same bare insert of the same rows, run after it; the same target.
2. **Reads of a plan with 10,000+ events of history**: ``get_plan`` at the
   latest version (cached and uncached), at a middle version, as of a middle
   date and at random versions; median and p95 over ``--reads`` repetitions.
3. The machine and the total time.

Run: ``.venv/bin/python bench/bench_history.py [--events N] [--reads R] [--json]``.
Progress goes to stderr; the figures (or, with ``--json``, one JSON object) to stdout.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson

from coherence.application.bulk import import_files
from coherence.application.history import Author, PlanHistory
from coherence.application.memory import YOUNG_THRESHOLD, collector_for_imports
from coherence.application.planfile import PlanSource, check_document
from coherence.application.settings import Settings
from coherence.application.sqlite_recorder import (
    BatchSQLiteApplicationRecorder,
    blob,
    insert_many,
)
from common import (
    STATUSES,
    Progress,
    argument_parser,
    event_types,
    generate_plan,
    history_jobs,
    load,
    machine,
    note,
    print_heading,
    revise_plan,
    sqlite_bytes,
    store_url,
    summary_ms,
    time_calls,
    verdict,
)

TARGET_RATIO = 1 / 3
TARGET_READ_MS = 5.0


# -- 1. import -------------------------------------------------------------------


def store_synchronous(app: PlanHistory) -> int:
    """``PRAGMA synchronous`` of our store's connections (the bare insert takes it)."""
    recorder = app.recorder
    if not isinstance(recorder, BatchSQLiteApplicationRecorder):
        raise TypeError("the benchmark's store is SQLite")
    with recorder.datastore.transaction(commit=False) as c:
        c.execute("PRAGMA synchronous")
        return int(c.fetchone()[0])


class BareStore:
    """The reference: plain ``sqlite3`` inserts of given event rows into a fresh file.

    Same table and indexes as our store (copied from its ``sqlite_master``), same
    connection settings as our store's (autocommit, WAL, explicit ``BEGIN``) and the same
    durability, ``synchronous`` as our store's connections have it (NORMAL: the log is
    synced at checkpoints, not at every commit; see ``application/sqlite_sync.py``; with
    SQLite's default, FULL, each bare commit would wait for a sync that ours does not),
    one transaction per batch, ``executemany``. With ``as_ours``, the rows are bound and
    batched as our store's recorder does it (states as ``bytearray``, 25 rows an
    ``INSERT``, then 5, then 1: ``insert_many``), a stronger reference that shows how
    much of our lead over the plain one is in how the rows are inserted.
    """

    INSERT = "INSERT INTO stored_events VALUES (?,?,?,?)"

    def __init__(
        self, source: Path, dest: Path, synchronous: int, *, as_ours: bool = False
    ) -> None:
        self.as_ours = as_ours
        src = sqlite3.connect(source)
        try:
            schema = [
                sql
                for (sql,) in src.execute(
                    "SELECT sql FROM sqlite_master "
                    "WHERE tbl_name='stored_events' AND sql IS NOT NULL "
                    "ORDER BY type DESC"  # the table before its indexes
                )
            ]
        finally:
            src.close()
        self.con = sqlite3.connect(dest, isolation_level=None, check_same_thread=False, timeout=30)
        self.journal_mode = self.con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        self.con.execute(f"PRAGMA synchronous={int(synchronous)}")
        self.synchronous = self.con.execute("PRAGMA synchronous").fetchone()[0]
        for sql in schema:
            self.con.execute(sql)
        self.schema = schema
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.events = 0

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        con = self.con
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute("BEGIN")
        if self.as_ours:
            insert_many(con, self.INSERT, [(i, v, t, blob(state)) for i, v, t, state in rows])
        else:
            con.executemany(self.INSERT, rows)
        con.execute("COMMIT")
        self.seconds += time.perf_counter() - t0
        self.cpu_seconds += time.process_time() - c0
        self.events += len(rows)

    def count(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])

    def close(self) -> None:
        self.con.close()


def bench_import(workdir: Path, target_events: int) -> dict[str, Any]:
    """Import plan files; after each import, insert its rows again with bare ``sqlite3``.

    Interleaving the reference with our imports exposes both to the same machine
    load (other processes, disk flushes) over the whole run.
    """
    db = workdir / "import.db"
    collector_for_imports()  # as ``coherence import`` does (the bare insert sees it too)
    app = PlanHistory(Settings(store=store_url(db)))
    bare = BareStore(db, workdir / "bare.db", store_synchronous(app))
    bare_as_ours = BareStore(db, workdir / "bare2.db", store_synchronous(app), as_ours=True)
    reader = sqlite3.connect(db)  # reads back the rows just committed (not timed)
    author = Author("bench", reason="benchmark import", source="import")
    versions: dict[str, int] = {}
    batches: list[int] = []  # events per import
    check_time = import_time = cpu_time = 0.0
    counts = {"new": 0, "revision": 0, "unchanged": 0}
    total = 0
    last_rowid = 0
    progress = Progress("import", target_events, "events")
    try:
        for what, _number, raw in history_jobs():
            c0, t0 = time.process_time(), time.perf_counter()
            document = check_document(raw, filename="bench.yaml")
            t1 = time.perf_counter()
            result = app.import_plan(document, author)
            t2, c2 = time.perf_counter(), time.process_time()
            check_time += t1 - t0
            import_time += t2 - t1
            cpu_time += c2 - c0
            emitted = result.version - versions.get(document.plan_id, 0)
            versions[document.plan_id] = result.version
            if not emitted:
                counts["unchanged"] += 1
                continue
            batches.append(emitted)
            total += emitted
            counts[what] += 1
            rows = reader.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                "FROM stored_events WHERE rowid > ? ORDER BY rowid",
                (last_rowid,),
            ).fetchall()
            if len(rows) != emitted:
                raise RuntimeError(f"import emitted {emitted} events but {len(rows)} rows are new")
            last_rowid = rows[-1][0]
            bare.insert([row[1:] for row in rows])
            bare_as_ours.insert([row[1:] for row in rows])
            progress.update(total, f"[{counts['new']:,} plans, {counts['revision']:,} revisions]")
            if total >= target_events:
                break
        progress.done(total, f"[{counts['new']:,} plans, {counts['revision']:,} revisions]")
        stored = reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        snapshots = reader.execute("SELECT COUNT(*) FROM stored_snapshots").fetchone()[0]
        copied = bare.count()
        copied_as_ours = bare_as_ours.count()
    finally:
        reader.close()
        bare.close()
        bare_as_ours.close()
        app.close()
    if not stored == copied == copied_as_ours == total:
        raise RuntimeError(f"counted {total} events; our store holds {stored}, bare {copied}")

    ours_time = check_time + import_time
    ours_rate = total / ours_time
    bare_rate = total / bare.seconds
    return {
        "events": total,
        "plans": counts["new"],
        "revisions": counts["revision"],
        "unchanged_imports": counts["unchanged"],
        "transactions": len(batches),
        "events_per_import_median": statistics.median(batches),
        "snapshots": snapshots,
        "event_types": event_types(db),
        "store_bytes": sqlite_bytes(db),
        "check_document_s": check_time,
        "import_plan_s": import_time,
        "ours_s": ours_time,
        "ours_events_per_s": ours_rate,
        "ours_us_per_event": 1e6 * ours_time / total,
        "ours_cpu_us_per_event": 1e6 * cpu_time / total,
        "import_plan_only_events_per_s": total / import_time,
        "bare_s": bare.seconds,
        "bare_events_per_s": bare_rate,
        "bare_us_per_event": 1e6 * bare.seconds / total,
        "bare_cpu_us_per_event": 1e6 * bare.cpu_seconds / total,
        "collector": f"start-up frozen, young threshold {YOUNG_THRESHOLD:,}",
        "bare_journal_mode": bare.journal_mode,
        "bare_synchronous": bare.synchronous,
        "bare_schema": bare.schema,
        "ratio": ours_rate / bare_rate,
        "target_ratio": TARGET_RATIO,
        "meets_target": ours_rate / bare_rate >= TARGET_RATIO,
        "bare_as_ours_events_per_s": total / bare_as_ours.seconds,
        "bare_as_ours_cpu_us_per_event": 1e6 * bare_as_ours.cpu_seconds / total,
        "ratio_to_bare_as_ours": ours_rate / (total / bare_as_ours.seconds),
    }


def plan_files(target_events: int) -> list[PlanSource]:
    """The same generated plan files as :func:`bench_import`, as JSON text (a file's
    content), until they make at least ``target_events`` events (not timed)."""
    sources: list[PlanSource] = []
    seen: set[str] = set()
    events = 0
    progress = Progress("writing plan files", target_events, "events")
    for what, number, raw in history_jobs():
        sources.append(PlanSource(f"plan-{number:05d}-{len(sources)}.json", orjson.dumps(raw)))
        if what == "new" and raw["plan"]["id"] not in seen:
            seen.add(raw["plan"]["id"])
            state = check_document(raw, filename="bench.json").state
            events += 1 + len(state.elements) + len(state.links)
        progress.update(events)
        if events >= target_events:
            break
    progress.done(events)
    return sources


def bench_bulk_import(workdir: Path, target_events: int, workers: int) -> dict[str, Any]:
    """``coherence import FILE...``: the plan files, as text, with ``workers`` processes.

    The reference is the same bare insert of the same rows, one transaction per file,
    measured after the import (when the workers are gone).
    """
    sources = plan_files(target_events)
    db = workdir / "bulk.db"
    app = PlanHistory(Settings(store=store_url(db)))
    synchronous = store_synchronous(app)
    author = Author("bench", reason="benchmark import", source="import")
    batches: list[int] = []
    progress = Progress(
        f"import of {len(sources):,} files, {workers} workers", target_events, "events"
    )
    total = 0
    busy_before = machine_busy_seconds()
    started = time.perf_counter()
    try:
        for result in import_files(app, sources, author, workers=workers):
            if result.events:
                batches.append(result.events)
                total += result.events
            progress.update(total)
        seconds = time.perf_counter() - started
        busy = machine_busy_seconds() - busy_before
    finally:
        app.close()
    progress.done(total)

    bare = BareStore(db, workdir / "bulk-bare.db", synchronous)
    reader = sqlite3.connect(db)
    try:
        last_rowid = 0
        for size in batches:
            rows = reader.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                "FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last_rowid, size),
            ).fetchall()
            last_rowid = rows[-1][0]
            bare.insert([row[1:] for row in rows])
        stored = reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        copied = bare.count()
    finally:
        reader.close()
        bare.close()
    if not stored == copied == total:
        raise RuntimeError(f"counted {total} events; our store holds {stored}, bare {copied}")
    ours_rate = total / seconds
    bare_rate = total / bare.seconds
    return {
        "events": total,
        "files": len(sources),
        "workers": workers,
        "transactions": len(batches),
        "ours_s": seconds,
        "ours_events_per_s": ours_rate,
        "ours_us_per_event": 1e6 * seconds / total,
        "machine_cpu_us_per_event": 1e6 * busy / total,
        "bare_s": bare.seconds,
        "bare_events_per_s": bare_rate,
        "bare_synchronous": bare.synchronous,
        "ratio": ours_rate / bare_rate,
        "target_ratio": TARGET_RATIO,
        "meets_target": ours_rate / bare_rate >= TARGET_RATIO,
    }


def machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot (``/proc/stat``), for the workers'
    share of a run; 0 where there is no ``/proc``."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return 0.0
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


# -- 2. reads --------------------------------------------------------------------


def build_history_plan(db: Path, min_events: int) -> dict[str, Any]:
    """One plan with at least ``min_events`` events, revised in revisions of various sizes."""
    rng = random.Random(12345)
    doc = generate_plan(99_999, initiatives=60)
    plan_id = doc["plan"]["id"]
    benchmarks = [b["key"] for b in doc["benchmarks"]]
    outcomes = {o["key"]: o for o in doc["outcomes"]}
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3000)
    moment = start
    stamps: list[tuple[datetime, int]] = []  # (recording time, version after the revision)
    app = PlanHistory(Settings(store=store_url(db)))
    kinds = {"import": 0, "benchmark_status": 0, "outcome_result": 0}
    progress = Progress("building the history plan", min_events, "events")
    try:
        result = app.import_plan(
            check_document(doc, filename="bench.yaml"), Author("bench", source="import", at=moment)
        )
        version = result.version
        stamps.append((moment, version))
        kinds["import"] += 1
        result_day = date(2025, 7, 1)
        while version < min_events:
            moment += timedelta(hours=rng.randint(1, 30))
            author = Author(rng.choice(("ana", "ben", "chloe")), reason="progress", at=moment)
            roll = rng.random()
            if roll < 0.4:
                key = rng.choice(benchmarks)
                status = rng.choice(STATUSES)
                result = app.report_benchmark_status(plan_id, key, status, author)
                doc["benchmarks"][benchmarks.index(key)]["status"] = status
                kinds["benchmark_status"] += 1
            elif roll < 0.7:
                key = rng.choice(list(outcomes))
                result_day += timedelta(days=rng.randint(0, 3))
                value = rng.randint(20, 95)
                result = app.report_outcome_result(plan_id, key, result_day, value, author)
                results = [r for r in outcomes[key]["results"] if r["as_of"] != str(result_day)]
                outcomes[key]["results"] = sorted(
                    [*results, {"as_of": result_day.isoformat(), "value": value}],
                    key=lambda r: str(r["as_of"]),
                )
                kinds["outcome_result"] += 1
            else:
                # A revision of the plan file, small to large.
                share = rng.choice((0.01, 0.02, 0.05, 0.1, 0.2))
                doc = revise_plan(doc, seed=rng.randint(0, 10**9), share=share)
                benchmarks = [b["key"] for b in doc["benchmarks"]]
                outcomes = {o["key"]: o for o in doc["outcomes"]}
                author = Author("planner", reason="plan revision", source="import", at=moment)
                result = app.import_plan(check_document(doc, filename="bench.yaml"), author)
                kinds["import"] += 1
            version = result.version
            stamps.append((moment, version))
            progress.update(version)
        progress.done(version)
    finally:
        app.close()
    return {
        "plan_id": plan_id,
        "latest": version,
        "stamps": stamps,
        "revisions": len(stamps),
        "commands": kinds,
    }


def bench_reads(workdir: Path, min_events: int, reps: int) -> dict[str, Any]:
    db = workdir / "history.db"
    built = build_history_plan(db, min_events)
    plan_id = built["plan_id"]
    latest = built["latest"]
    stamps: list[tuple[datetime, int]] = built["stamps"]
    middle = latest // 2
    mid_moment, _ = stamps[len(stamps) // 2]
    mid_day = mid_moment.date()
    url = store_url(db)
    rng = random.Random(7)
    out: dict[str, Any] = {
        "plan_id": plan_id,
        "events": latest,
        "revisions": built["revisions"],
        "commands": built["commands"],
        "snapshot_interval": Settings().snapshot_interval,
        "snapshot_interval_in_revision": Settings().snapshot_interval_in_revision,
        "cache_size": Settings().cache_size,
        "middle_version": middle,
        "as_of_date": mid_day.isoformat(),
        "repetitions": reps,
    }
    with sqlite3.connect(db) as con:
        out["snapshots"] = con.execute("SELECT COUNT(*) FROM stored_snapshots").fetchone()[0]
        snapshot_versions = [
            v for (v,) in con.execute("SELECT originator_version FROM stored_snapshots ORDER BY 1")
        ]
        out["first_snapshot_version"] = snapshot_versions[0]
        out["largest_snapshot_gap"] = max(
            (b - a for a, b in pairwise(snapshot_versions)),
            default=0,
        )
        out["snapshot_bytes_median"] = statistics.median(
            n for (n,) in con.execute("SELECT LENGTH(state) FROM stored_snapshots")
        )
    con.close()

    cases: dict[str, dict[str, float]] = {}
    progress = Progress("reads", 9, "cases")

    # Latest, uncached: a fresh application each time (construction not timed).
    samples = []
    for _ in range(reps):
        fresh = PlanHistory(Settings(store=url))
        try:
            t0 = time.perf_counter()
            plan = fresh.get_plan(plan_id)
            samples.append(time.perf_counter() - t0)
        finally:
            fresh.close()
        assert plan.version == latest
    cases["latest, uncached (first read, fresh app)"] = summary_ms(samples)
    progress.update(1)

    app = PlanHistory(Settings(store=url))
    try:
        app.get_plan(plan_id)  # warm the aggregate cache
        cases["latest, cached (default cache_size=64)"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id), reps)
        )
        progress.update(2)
        cases["version=latest (explicit, no cache)"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id, version=latest), reps)
        )
        progress.update(3)
        cases[f"version={middle} (middle)"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id, version=middle), reps)
        )
        progress.update(4)
        cases[f"as_of={mid_day} (middle date)"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id, as_of=mid_day), reps)
        )
        progress.update(5)
        cases["  of which version_at() alone"] = summary_ms(
            time_calls(lambda: app.version_at(plan_id, mid_day), reps)
        )
        progress.update(6)
        versions = [rng.randint(1, latest) for _ in range(reps)]
        it = iter(versions)
        cases["random version"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id, version=next(it)), reps)
        )
        progress.update(7)
        bounds = [0, *snapshot_versions, latest + 1]
        start, stop = max(pairwise(bounds), key=lambda pair: pair[1] - pair[0])
        longest = stop - 1  # the most events to replay after the snapshot before it
        cases[f"version={longest} (longest replay: {longest - start} events)"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id, version=longest), reps)
        )
        progress.update(8)
        cases["version=1 (draft event only)"] = summary_ms(
            time_calls(lambda: app.get_plan(plan_id, version=1), reps)
        )
        progress.done(9)
    finally:
        app.close()
    out["cases"] = cases
    timed = [c for name, c in cases.items() if not name.startswith(" ")]
    out["worst_median_ms"] = max(c["median_ms"] for c in timed)
    out["target_median_ms"] = TARGET_READ_MS
    out["meets_target"] = out["worst_median_ms"] < TARGET_READ_MS
    return out


# -- report ------------------------------------------------------------------------


def print_report(result: dict[str, Any]) -> None:
    m = result["machine"]
    imp = result["import"]
    reads = result["reads"]
    print_heading(
        "Coherence plan history benchmark",
        m,
        f"Python {m['python']} ({m['python_implementation']}), SQLite {m['sqlite']}, "
        f"eventsourcing {m['eventsourcing']}",
        86,
    )
    start_load = ", ".join(f"{x:.2f}" for x in m["load_average_at_start"])
    end_load = ", ".join(f"{x:.2f}" for x in m["load_average_at_end"])
    print(f"load      1/5/15-min load average {start_load} at start, {end_load} at end")
    print()
    print("1a. Import, one file at a time (check_document + PlanHistory.import_plan)")
    print("-" * 86)
    print(
        f"events {imp['events']:,} in {imp['transactions']:,} imports: {imp['plans']:,} new plans, "
        f"{imp['revisions']:,} revisions ({imp['unchanged_imports']} unchanged); "
        f"median {imp['events_per_import_median']:,.0f} events/import; "
        f"{imp['snapshots']:,} snapshots"
    )
    types = ", ".join(f"{k} {v:,}" for k, v in imp["event_types"].items())
    print(f"types  {types}")
    rows = [
        ("ours: check_document + import_plan", imp["ours_s"], imp["ours_events_per_s"]),
        ("  of which check_document", imp["check_document_s"], None),
        ("  of which import_plan", imp["import_plan_s"], imp["import_plan_only_events_per_s"]),
        ("bare sqlite3 (same rows, executemany)", imp["bare_s"], imp["bare_events_per_s"]),
        (
            "bare, rows inserted as ours",
            imp["events"] / imp["bare_as_ours_events_per_s"],
            imp["bare_as_ours_events_per_s"],
        ),
    ]
    print(f"{'':40} {'seconds':>10} {'events/s':>12} {'us/event':>10}")
    for name, seconds, rate in rows:
        rate_text = f"{rate:12,.0f}" if rate is not None else f"{'':12}"
        print(f"{name:40} {seconds:10.1f} {rate_text} {1e6 * seconds / imp['events']:10.1f}")
    print(
        f"ratio ours/bare: {imp['ratio']:.3f} (1/{1 / imp['ratio']:.1f}), one process; "
        f"target >= {TARGET_RATIO:.3f}: {verdict(imp['meets_target'], 'BELOW TARGET')}"
    )
    print(
        f"ratio to the bare insert that binds and batches rows as ours does: "
        f"{imp['ratio_to_bare_as_ours']:.3f} (CPU {imp['bare_as_ours_cpu_us_per_event']:.1f} "
        "us/event; shown beside the target's reference, not instead of it)"
    )
    print(
        "bare reference: interleaved with our imports, one transaction per import, "
        f"journal_mode={imp['bare_journal_mode']}, synchronous={imp['bare_synchronous']}"
    )
    print(
        f"CPU us/event: ours {imp['ours_cpu_us_per_event']:.1f}, "
        f"bare {imp['bare_cpu_us_per_event']:.1f}; garbage collector: {imp['collector']}"
    )
    print()
    bulk = result.get("bulk_import")
    if bulk:
        print(
            f"1b. Import of many files (coherence import FILE...): {bulk['files']:,} JSON plan "
            f"files, {bulk['workers']} worker processes"
        )
        print("-" * 86)
        print(f"{'':40} {'seconds':>10} {'events/s':>12} {'us/event':>10}")
        for name, seconds, rate in (
            ("ours: parse, check, import, write", bulk["ours_s"], bulk["ours_events_per_s"]),
            ("bare sqlite3 (same rows, executemany)", bulk["bare_s"], bulk["bare_events_per_s"]),
        ):
            print(f"{name:40} {seconds:10.1f} {rate:12,.0f} {1e6 * seconds / bulk['events']:10.1f}")
        result_text = verdict(bulk["meets_target"], "BELOW TARGET")
        print(
            f"events {bulk['events']:,} in {bulk['transactions']:,} transactions; all processes "
            f"used {bulk['machine_cpu_us_per_event']:.1f} us of CPU an event"
        )
        print(
            f"ratio ours/bare: {bulk['ratio']:.3f} (1/{1 / bulk['ratio']:.1f}); "
            f"target >= {TARGET_RATIO:.3f}: {result_text}"
        )
        print(
            "bare reference: after the import, one transaction per file, "
            f"synchronous={bulk['bare_synchronous']}"
        )
        print()
    print(
        f"2. Reading one plan with {reads['events']:,} events "
        f"({reads['revisions']:,} revisions; snapshots every {reads['snapshot_interval']} events, "
        f"{reads['snapshot_interval_in_revision']} inside a revision; "
        f"{reads['snapshots']} snapshots of ~{reads['snapshot_bytes_median'] / 1024:,.0f} KiB)"
    )
    print(
        f"first snapshot at version {reads['first_snapshot_version']:,}, largest gap between "
        f"snapshots {reads['largest_snapshot_gap']:,} events"
    )
    print("-" * 86)
    print(f"{'get_plan(...)':52} {'median ms':>10} {'p95 ms':>9} {'min':>7} {'max':>7}")
    for name, c in reads["cases"].items():
        print(
            f"{name:52} {c['median_ms']:10.2f} {c['p95_ms']:9.2f} "
            f"{c['min_ms']:7.2f} {c['max_ms']:7.2f}"
        )
    result_text = verdict(reads["meets_target"], "ABOVE TARGET")
    print(
        f"worst median {reads['worst_median_ms']:.2f} ms over {reads['repetitions']} "
        f"repetitions each; target < {TARGET_READ_MS:.0f} ms: {result_text}"
    )
    print()
    print(f"3. Total time {result['total_s']:,.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser(__doc__, "events to import")
    parser.add_argument(
        "--history-events", type=int, default=10_000, help="events of the plan that is read"
    )
    parser.add_argument("--reads", type=int, default=200, help="repetitions of each read")
    parser.add_argument("--skip-import", action="store_true", help="only the read benchmark")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes of the many-file import (default: one per CPU)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine("eventsourcing"), "parameters": vars(args)}
    with tempfile.TemporaryDirectory(prefix="coherence-bench-") as tmp:
        workdir = Path(tmp)
        note(f"working in {workdir} (removed at the end)")
        result["reads"] = bench_reads(workdir, args.history_events, args.reads)
        if not args.skip_import:
            result["import"] = bench_import(workdir, args.events)
            result["bulk_import"] = bench_bulk_import(workdir, args.events, args.workers)
    result["total_s"] = time.perf_counter() - started
    result["machine"]["load_average_at_end"] = load()
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    elif "import" in result:
        print_report(result)
    else:
        print(json.dumps(result["reads"], indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
