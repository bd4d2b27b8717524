"""What the benchmarks of ``bench/`` share: progress lines, generated plan files, the
event log they are imported into, timing helpers and a description of the machine.

The scripts are run as ``.venv/bin/python bench/bench_X.py``; Python then puts
``bench/`` first on ``sys.path``, so they ``import common`` like any module.

Plan files come from one generator, :func:`generate_plan`, whose parameters give the
two shapes the benchmarks use: the default, a plan of 40 to 80 initiatives and
everything in proportion (about 700 to 1,300 events when imported; the history
benchmark), and :func:`audit_plan`, exactly 1,000 elements with the gaps an audit
finds (about 2,300 events; the graph and Neo4j benchmarks). :func:`revise_plan` makes
later versions of a file and :func:`import_jobs` interleaves new plans with revisions.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import multiprocessing
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from importlib.metadata import version as package_version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings

FORMAT = "coherence/plan@1"
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")
FUNDS = ("Title I", "Title II-A", "Title IV-A", "IDEA", "General Fund", "ESSER", "Grant 305")
SUBJECTS = ("ELA", "Math", "Science", "SEL", "Attendance", "Graduation")
GROUPS = ("all", "high needs", "English learners", "students with disabilities", "low income")
ROLES = ("Director of Curriculum", "Assistant Superintendent", "Principal", "Director of SEL")
SCHOOLS = ("Lincoln", "Washington", "Adams", "Jefferson", "Madison", "Monroe", "Hale", "Revere")
WORDS = (  # noqa: SIM905 - a sentence is easier to read than a list of 23 words
    "literacy tutoring coaching inclusion attendance family engagement mathematics "
    "science writing assessment mentoring induction equity belonging wellness "
    "scheduling data teams intervention acceleration enrichment pathways"
).split()

AUDIT_PLAN_ELEMENTS = 1000
"""The size of every plan of :func:`audit_plan`."""

Doc = dict[str, Any]
Job = tuple[str, int, Doc]
"""``("new" | "revision", plan number, plan file)``."""


# -- progress ------------------------------------------------------------------


class Progress:
    """A single self-overwriting line on stderr (plain lines, every 10 s, when not a
    terminal), at most twice a second."""

    def __init__(self, label: str, total: int, unit: str) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.start = time.perf_counter()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def update(self, done: int, extra: str = "", *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < (0.5 if self.tty else 10.0):
            return
        self.last = now
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 and done < self.total else 0.0
        pct = 100.0 * min(done, self.total) / self.total if self.total else 100.0
        line = (
            f"{self.label}: {done:,}/{self.total:,} {self.unit} ({pct:5.1f}%) "
            f"{rate:,.0f} {self.unit}/s, {elapsed:,.0f}s elapsed, ~{left:,.0f}s left {extra}"
        )
        if self.tty:
            sys.stderr.write("\r" + line.ljust(120)[:160])
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def callback(self, done: int, total: int) -> None:
        """The projector's progress callback, ``(done, total)``."""
        self.update(done)

    def done(self, done: int, extra: str = "") -> None:
        self.update(done, extra, force=True)
        if self.tty:
            sys.stderr.write("\n")
        sys.stderr.flush()


def note(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- plan files ----------------------------------------------------------------


def _phrase(rng: random.Random, n: int = 3) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _day(rng: random.Random, year: int) -> str:
    return date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()


def generate_plan(
    number: int,
    *,
    initiatives: int | tuple[int, int] = (40, 80),
    objectives: tuple[int, ...] = (4,),
    learning: int | None = None,
    benchmarks: int | None = None,
    budget_lines: int | None = None,
    school_plans: int | None = None,
    elements: int | None = None,
    gaps: bool = False,
    fte: bool = False,
) -> Doc:
    """A realistic district plan file, the same for the same arguments.

    ``initiatives``: how many (or a range to draw from); ``objectives``: the counts to
    choose from. By default the other sections follow the initiatives: professional
    learning one for three, two benchmarks and one budget line each (most funding an
    initiative, some also professional learning), a school plan for four (at least 6)
    and two educator goals each; ``elements`` instead sizes the educator goals so the
    plan has exactly that many elements. With ``gaps``, some elements miss what the
    audit looks for: initiatives with no owner, no benchmark, no funding or no
    objective; unaligned or over-allocated budget lines; outcomes that are not SMART;
    unaligned school plans and educator goals; benchmarks with no owner or due date;
    objectives not informed by data; theories of action not framed "If ..., then ...".
    With ``fte``, every third budget line pays for staff: its amount at $85,000 a
    position, to the hundredth (drawn from nothing random, so the plan is otherwise
    the same).
    """
    rng = random.Random(number)
    plan_id = f"district-{number:05d}-2025"
    district = f"{rng.choice(SCHOOLS)} {rng.choice(('Public', 'Regional', 'Unified'))} Schools"
    theory = (
        "If we invest in teaching and belonging, then every student thrives."
        if not gaps or rng.random() < 0.9
        else "We invest in teaching and belonging so that every student thrives."
    )
    doc: Doc = {
        "format": FORMAT,
        "plan": {
            "id": plan_id,
            "district": f"{district} #{number}",
            "title": "District Plan 2025-2028",
            "period": {"start": "2025-07-01", "end": "2028-06-30"},
        },
        "mission": "Every student leaves ready for college, career and civic life.",
        "vision": f"Students in {district} read, reason and belong.",
        "theory_of_action": theory,
    }
    doc["core_values"] = [
        {"key": f"CV{i}", "name": _phrase(rng, 1), "description": _phrase(rng, 6)}
        for i in range(1, 5)
    ]
    findings = [f"DF{i}" for i in range(1, 9)]
    doc["data_findings"] = [
        {
            "key": k,
            "statement": f"{rng.choice(SUBJECTS)} proficiency at {rng.randint(20, 80)}%",
            "subject": rng.choice(SUBJECTS),
            "student_group": rng.choice(GROUPS),
            "source": f"MCAS {rng.randint(2021, 2024)}",
        }
        for k in findings
    ]
    n_obj = rng.choice(objectives)
    objective_keys = [f"SO{i}" for i in range(1, n_obj + 1)]
    doc["objectives"] = [
        {
            "key": k,
            "title": _phrase(rng, 2),
            "description": _phrase(rng, 8),
            # With gaps, about one objective in twelve is not informed by data.
            "informed_by": rng.sample(findings, 2) if not gaps or rng.random() > 0.08 else [],
        }
        for k in objective_keys
    ]

    n_init = initiatives if isinstance(initiatives, int) else rng.randint(*initiatives)
    initiative_keys = [f"SI{1 + i % n_obj}.{1 + i // n_obj}" for i in range(n_init)]

    def some_keys(count: int) -> set[str]:
        return set(rng.sample(initiative_keys, count)) if gaps else set()

    no_owner = some_keys(max(1, n_init // 40))
    no_benchmark = some_keys(n_init // 25)
    unfunded = some_keys(n_init // 20)
    orphaned = some_keys(1) if gaps and rng.random() < 0.3 else set()
    doc["initiatives"] = []
    for i, k in enumerate(initiative_keys):
        supports = [objective_keys[i % n_obj]]
        if rng.random() < 0.3:
            supports.append(rng.choice([o for o in objective_keys if o != supports[0]]))
        item: Doc = {
            "key": k,
            "title": _phrase(rng, 3),
            "description": _phrase(rng, 10),
            "start": "2025-09-01",
            "end": f"{rng.randint(2026, 2028)}-06-30",
            "supports": [] if k in orphaned else supports,
        }
        if k not in no_owner:
            item["owner"] = rng.choice(ROLES)
        doc["initiatives"].append(item)

    doc["outcomes"] = []
    for o, objective in enumerate(objective_keys):
        for j, kind in enumerate(("interim", "interim", "final")):
            baseline = rng.randint(20, 70)
            outcome: Doc = {
                "key": f"OC{o + 1}.{j + 1}",
                "measures": objective,
                "kind": kind,
                "statement": f"By June {2026 + j}, {baseline + 15}% meet expectations",
                "metric": f"{rng.choice(SUBJECTS)} meeting expectations",
                "student_group": rng.choice(GROUPS),
                "baseline": baseline,
                "target": baseline + 15,
                "unit": "percent",
                "due": f"{2026 + j}-06-30",
                "results": [{"as_of": "2025-06-30", "value": baseline}],
            }
            gap = rng.random() if gaps else 1.0
            if gap < 0.05:
                del outcome["baseline"]
            elif gap < 0.1:
                outcome["due"] = "2029-06-30"  # after the plan period
            doc["outcomes"].append(outcome)

    n_pl = learning if learning is not None else n_init // 3 + 1
    learning_keys = [f"PL{i}" for i in range(1, n_pl + 1)]
    enabled = [k for k in initiative_keys if not gaps or rng.random() < 0.9]
    doc["professional_learning"] = []
    for i, k in enumerate(learning_keys):
        share = enabled[i::n_pl]  # spreads the enabled initiatives over the items
        doc["professional_learning"].append(
            {
                "key": k,
                "title": _phrase(rng, 3),
                "kind": rng.choice(("professional_development",) * 4 + ("induction", "mentoring")),
                "audience": f"{rng.choice(('K-2', '3-5', '6-8', '9-12'))} teachers",
                "enables": share or [rng.choice(initiative_keys)],
            }
        )

    tracked = [k for k in initiative_keys if k not in no_benchmark]
    doc["benchmarks"] = []

    def benchmark(initiative: str, kind: str) -> None:
        n = len(doc["benchmarks"]) + 1
        year = rng.choice((2025, 2026, 2027))
        item: Doc = {
            "key": f"B{n}",
            "tracks": initiative,
            "school_year": f"{year}-{year + 1}",
            "kind": kind,
            "description": _phrase(rng, 5),
            "due": _day(rng, year + 1),
            "status": rng.choice(STATUSES),
        }
        if not gaps or rng.random() > 0.03:
            item["owner"] = rng.choice(ROLES)
        if gaps and rng.random() < 0.02:
            del item["due"]
        doc["benchmarks"].append(item)

    for k in tracked:
        benchmark(k, "process")
    while len(doc["benchmarks"]) < (benchmarks if benchmarks is not None else 2 * n_init):
        benchmark(rng.choice(tracked), "early_evidence" if rng.random() < 0.7 else "process")

    funded = [k for k in initiative_keys if k not in unfunded]
    doc["budget_lines"] = []
    for i in range(budget_lines if budget_lines is not None else n_init):
        funds: list[Doc] = []
        if i < len(funded):
            funds.append({"target": funded[i], "amount": rng.randint(5, 80) * 1000})
        if rng.random() < 0.4 or not funds:
            funds.append({"target": rng.choice(learning_keys), "amount": rng.randint(1, 20) * 1000})
        gap = rng.random() if gaps else 0.5
        if gap < 0.03:
            funds = []  # unaligned
        amount = sum(f["amount"] for f in funds) or rng.randint(1, 50) * 1000
        if gap > 0.98:
            amount -= 1000  # over-allocated
        line: Doc = {
            "key": f"BL-{1000 + i}",
            "fiscal_year": rng.choice(("FY26", "FY26", "FY27", "FY28")),
            "fund": rng.choice(FUNDS),
            "account": f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            "description": _phrase(rng, 4),
            "amount": amount,
            "funds": funds,
        }
        if fte and i % 3 == 0:
            line["fte"] = round(amount / 85_000, 2)
        doc["budget_lines"].append(line)

    doc["school_plans"] = []
    # With gaps, no school plan aligns to the last objective.
    aligned = objective_keys[:-1] if gaps else objective_keys
    for i in range(school_plans if school_plans is not None else max(6, n_init // 4)):
        aligns = [*rng.sample(aligned, 1), *rng.sample(initiative_keys, 2)]
        doc["school_plans"].append(
            {
                "key": f"SIP-{i + 1}",
                "school": f"{rng.choice(SCHOOLS)} School {i + 1}",
                "school_year": "2025-2026",
                "title": _phrase(rng, 3),
                "aligns_to": aligns if not gaps or rng.random() > 0.05 else [],
            }
        )

    counted = 3 + sum(
        len(doc[s])
        for s in (
            "core_values",
            "data_findings",
            "objectives",
            "initiatives",
            "outcomes",
            "professional_learning",
            "benchmarks",
            "budget_lines",
            "school_plans",
        )
    )
    doc["educator_goals"] = [
        {
            "key": f"EG{i + 1}",
            "educator": f"Educator {number}-{i + 1}",
            "kind": rng.choice(("student_learning", "professional_practice")),
            "school_year": "2025-2026",
            "statement": _phrase(rng, 6),
            "aligns_to": (
                rng.sample(initiative_keys, rng.randint(1, 2))
                if not gaps or rng.random() > 0.03
                else []
            ),
        }
        for i in range(elements - counted if elements is not None else 2 * n_init)
    ]
    return doc


def audit_plan(number: int) -> Doc:
    """A plan file of exactly 1,000 elements, with gaps for the audit to find.

    4-5 objectives, 140-160 initiatives, 3 outcomes per objective, 50 professional
    learning items, 400 benchmarks, 200 budget lines, 40 school plans, and educator
    goals making up the rest.
    """
    return generate_plan(
        number,
        initiatives=(140, 160),
        objectives=(4, 5),
        learning=50,
        benchmarks=400,
        budget_lines=200,
        school_plans=40,
        elements=AUDIT_PLAN_ELEMENTS,
        gaps=True,
    )


def revise_plan(
    doc: Doc,
    seed: int,
    share: float = 0.1,
    *,
    results: float = 0.5,
    retire: float | None = None,
    retire_school_plans: float | None = None,
    trim: float | None = None,
    new_goals: int | None = None,
) -> Doc:
    """A later version of a plan file: edits, retirements, additions, re-allocations.

    A ``share`` of the initiatives is renamed and given another owner, twice that
    share of benchmarks a new status, that share of budget lines new allocations. A
    fraction ``results`` of the outcomes gets a new result; ``retire`` of the educator
    goals and ``retire_school_plans`` of the school plans are retired (default: half
    the share each), ``trim`` of the educator goals lose all their links but the first
    (default: the share), and ``new_goals`` educator goals are added (default: one for
    every two initiatives in the share, at least one). A fraction of 0 draws nothing.
    """
    rng = random.Random(seed)
    doc = copy.deepcopy(doc)
    retire = share / 2 if retire is None else retire
    retire_school_plans = share / 2 if retire_school_plans is None else retire_school_plans
    trim = share if trim is None else trim

    def some(items: list[Any], fraction: float) -> list[Any]:
        return [item for item in items if rng.random() < fraction] if fraction > 0 else []

    def keep(items: list[Any], fraction: float) -> list[Any]:
        return [item for item in items if rng.random() >= fraction] if fraction > 0 else items

    for item in some(doc["initiatives"], share):
        item["title"] = _phrase(rng, 3) + " (revised)"
        item["owner"] = rng.choice(ROLES)
    for item in some(doc["benchmarks"], 2 * share):
        item["status"] = rng.choice(STATUSES[1:])
    for item in some(doc["outcomes"], results):
        last = item["results"][-1]["as_of"]
        as_of = (date.fromisoformat(last) + timedelta(days=182)).isoformat()
        item["results"] = [*item["results"], {"as_of": as_of, "value": rng.randint(20, 90)}]
    for item in some(doc["budget_lines"], share):
        for fund in item["funds"]:
            fund["amount"] = rng.randint(5, 80) * 1000
        item["amount"] = sum(f["amount"] for f in item["funds"]) or item["amount"]
    # Retire leaves (their links go first), and add new elements with links.
    doc["educator_goals"] = keep(doc["educator_goals"], retire)
    doc["school_plans"] = keep(doc["school_plans"], retire_school_plans)
    for goal in some(doc["educator_goals"], trim):
        goal["aligns_to"] = goal["aligns_to"][:1]
    initiatives = [i["key"] for i in doc["initiatives"]]
    if new_goals is None:
        new_goals = max(1, int(len(initiatives) * share / 2))
    for n in range(new_goals):
        doc["educator_goals"].append(
            {
                "key": f"EG-r{seed}-{n}",
                "educator": f"New educator {seed}-{n}",
                "kind": "student_learning",
                "school_year": "2026-2027",
                "statement": _phrase(rng, 6),
                "aligns_to": rng.sample(initiatives, 1),
            }
        )
    return doc


def import_jobs(
    generate: Callable[[int], Doc],
    revise: Callable[[Doc, int, int], Doc],
    *,
    every: int,
    after: int,
    offset: int = 0,
    again_every: int | None = None,
    again_after: int = 0,
) -> Iterator[Job]:
    """An endless stream of ("new"|"revision", plan number, plan file).

    Plan ``number`` is ``generate(number)``. Every plan whose number is ``offset``
    modulo ``every`` comes again ``after`` imports later as ``revise(file, number, 1)``;
    of those, the ones whose number is a multiple of ``again_every`` (if given) come a
    third time ``again_after`` imports after that, as ``revise(revised file, number, 2)``.
    """
    pending: deque[tuple[int, int, int, Doc]] = deque()  # (due, plan number, revision, file)
    number = 0
    while True:
        doc = generate(number)
        yield "new", number, doc
        if number % every == offset:
            pending.append((number + after, number, 1, doc))
        while pending and pending[0][0] <= number:
            _, plan_no, rev, old = pending.popleft()
            revised = revise(old, plan_no, rev)
            yield "revision", plan_no, revised
            if rev == 1 and again_every and plan_no % again_every == 0:
                pending.append((number + again_after, plan_no, 2, revised))
        number += 1


def history_jobs() -> Iterator[Job]:
    """Plans of :func:`generate_plan`'s default shape: a third of them revised 40 imports
    later (a tenth of each section), a ninth again 80 imports after that."""
    return import_jobs(
        generate_plan,
        lambda doc, number, rev: revise_plan(doc, seed=number * 10 + rev),
        every=3,
        after=40,
        again_every=9,
        again_after=80,
    )


def audit_plan_jobs() -> Iterator[Job]:
    """Plans of :func:`audit_plan`: every fourth revised 25 imports later (5% of each
    section, 10 new educator goals, no new outcome results, no school plan retired)."""
    return import_jobs(
        audit_plan,
        lambda doc, number, rev: revise_plan(
            doc,
            seed=number,
            share=0.05,
            results=0,
            retire=0.05,
            retire_school_plans=0,
            trim=0,
            new_goals=10,
        ),
        every=4,
        offset=1,
        after=25,
    )


# -- the event log ---------------------------------------------------------------


def build_log(
    app: PlanHistory, target_events: int, jobs: Iterator[Job], *, adopt_every: int = 2
) -> dict[str, Any]:
    """Import ``jobs`` until the log holds >= target_events events (not timed); every
    ``adopt_every``-th new plan is adopted after its first import."""
    author = Author("bench", reason="benchmark import", source="import")
    versions: dict[str, int] = {}
    plan_ids: list[str] = []
    first_imports: list[int] = []  # events of each new plan's first import
    counts = {"new": 0, "revision": 0, "adopted": 0}
    total = 0
    progress = Progress("setup: importing plans", target_events, "events")
    started = time.perf_counter()
    for what, number, raw in jobs:
        document = check_document(raw, filename="bench.yaml")
        result = app.import_plan(document, author)
        if what == "new":
            plan_ids.append(document.plan_id)
            first_imports.append(result.version)
            if number % adopt_every == 0:
                result = app.adopt(document.plan_id, author)
                counts["adopted"] += 1
        total += result.version - versions.get(document.plan_id, 0)
        versions[document.plan_id] = result.version
        counts[what] += 1
        progress.update(total, f"[{counts['new']:,} plans, {counts['revision']:,} revisions]")
        if total >= target_events:
            break
    progress.done(total, f"[{counts['new']:,} plans, {counts['revision']:,} revisions]")
    latest = app.recorder.max_notification_id() or 0
    if latest != total:
        raise RuntimeError(f"counted {total} events but the log ends at {latest}")
    return {
        "events": total,
        "plans": counts["new"],
        "revisions": counts["revision"],
        "adopted": counts["adopted"],
        "plan_ids": plan_ids,
        "events_per_new_plan_median": statistics.median(first_imports),
        "seconds": time.perf_counter() - started,
    }


def audit_plan_log(db: Path, events: int) -> tuple[Settings, dict[str, Any], list[str]]:
    """A SQLite file ``db`` holding a log of at least ``events`` events of
    :func:`audit_plan_jobs` (imported by :func:`build_log`, not timed): the settings that
    open it, its description (with its event types and size) and its plan ids in order."""
    settings = Settings(store=store_url(db))
    writer = PlanHistory(settings)
    try:
        log = build_log(writer, events, audit_plan_jobs())
    finally:
        writer.close()  # the last connection closing also checkpoints the WAL
    plan_ids = log.pop("plan_ids")
    log["event_types"] = event_types(db, warm=True)
    log["store_bytes"] = sqlite_bytes(db)
    del writer
    gc.collect()
    return settings, log, plan_ids


def event_types(db: Path, *, warm: bool = False) -> dict[str, int]:
    """Events per type in a SQLite store; ``warm`` also reads every event once (so the
    OS page cache holds the file for the timed reads that follow)."""
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT topic, COUNT(*) FROM stored_events GROUP BY topic").fetchall()
        if warm:
            con.execute("SELECT SUM(LENGTH(state)) FROM stored_events").fetchone()
    con.close()
    return {topic.rsplit(".", 1)[-1]: n for topic, n in sorted(rows)}


def store_url(path: Path) -> str:
    return "sqlite:///" + str(path)


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def sqlite_bytes(db: Path) -> int:
    """A SQLite file and its write-ahead log."""
    return file_size(db) + file_size(db.with_name(db.name + "-wal"))


# -- measurement -------------------------------------------------------------------


def time_calls(fn: Callable[[], Any], reps: int) -> list[float]:
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def summary_ms(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000.0 for s in samples)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": p95,
        "min_ms": ms[0],
        "max_ms": ms[-1],
        "n": len(ms),
    }


def load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def machine(*packages: str) -> dict[str, Any]:
    """The machine, Python, SQLite, the versions of ``packages`` and the load."""
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        **{name: package_version(name) for name in packages},
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": load(),
    }


def machine_speed_ms(rounds: int = 5) -> float:
    """How fast this machine runs Python just now: the best of ``rounds`` runs of a fixed
    workload (dicts, strings, sorting, JSON), in ms; lower is faster. The development
    machine is a virtual one whose speed drifts by a third from one quarter of an hour
    to the next: figures of runs with different speeds are not comparable."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        rows = [
            {"key": f"B{i % 977}", "n": i, "status": ("on_track", "at_risk")[i % 2]}
            for i in range(60_000)
        ]
        rows.sort(key=lambda r: (r["key"], -r["n"]))
        by_key: dict[str, list[int]] = {}
        for r in rows:
            by_key.setdefault(r["key"], []).append(r["n"])
        json.dumps(rows[:20_000])
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def _child(
    conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    try:
        conn.send(("ok", fn(*args, **kwargs)))
    except BaseException as e:  # reported to the parent, which raises
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def in_child(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a fresh (forked) child process, so that no pass inherits the heap
    (and the garbage collector's work) that an earlier pass left behind; its result must
    pickle. An exception in the child is raised again here as a ``RuntimeError``."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, fn, args, kwargs))
    process.start()
    child.close()
    try:
        status, value = parent.recv()
    except EOFError:
        status, value = "error", "the child process died"
    process.join()
    if status != "ok":
        shown = ", ".join(repr(a) for a in args if isinstance(a, str | int))
        raise RuntimeError(f"measurement {fn.__name__}({shown}) failed: {value}")
    return value


# -- command line and report -----------------------------------------------------------


def argument_parser(doc: str | None, events_help: str) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of ``doc``, with ``--events`` (default
    1,000,000) and ``--json``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0] if doc else None)
    parser.add_argument("--events", type=int, default=1_000_000, help=events_help)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def finish(
    result: dict[str, Any], started: float, as_json: bool, report: Callable[[dict[str, Any]], None]
) -> None:
    """Record the total time and the load at the end; print ``result`` as one JSON object
    (``as_json``) or with ``report``."""
    result["total_s"] = time.perf_counter() - started
    result["machine"]["load_average_at_end"] = load()
    if as_json:
        print(json.dumps(result, indent=2, default=str))
    else:
        report(result)


def verdict(ok: bool, missed: str = "MISSED") -> str:
    return "OK" if ok else missed


def print_heading(title: str, m: dict[str, Any], software: str, width: int) -> None:
    """The title of a report, the machine (from :func:`machine`) and the software."""
    print()
    print(title)
    print("=" * width)
    print(
        f"machine   {m['cpu_count']} cores ({m['cpus_usable']} usable), {m['processor']}, "
        f"{m['platform']}"
    )
    print(f"software  {software}")


def print_load(m: dict[str, Any]) -> None:
    print(
        f"load      average {m['load_average_at_start']} at start, "
        f"{m['load_average_at_end']} at end (1, 5, 15 min; this machine has "
        f"{m['cpus_usable']} cores)"
    )


def print_log(log: dict[str, Any]) -> None:
    """The lines describing a log of :func:`audit_plan_jobs` made by :func:`build_log`."""
    print(
        f"log       {log['events']:,} events: {log['plans']:,} plans of "
        f"{AUDIT_PLAN_ELEMENTS:,} elements (median {log['events_per_new_plan_median']:,.0f} "
        f"events each), {log['revisions']:,} revised re-imports, {log['adopted']:,} adoptions"
    )
    print(
        f"          SQLite file {log['store_bytes'] / 2**20:,.0f} MiB; setup (not timed) "
        f"{log['seconds']:,.0f} s"
    )
    types = ", ".join(f"{k} {v:,}" for k, v in log["event_types"].items())
    print(f"          types: {types}")
