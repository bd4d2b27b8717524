"""Benchmark of spreadsheets: a 1,000-element plan as an XLSX workbook, out and in,
beside the same plan as YAML in the same run.

1. The plan: :func:`common.audit_plan` (``generate_plan`` with exactly 1,000 elements:
   objectives, 140-160 initiatives, outcomes with results, 400 benchmarks, 200 budget
   lines with allocations, school plans, educator goals), checked once (not timed).
2. **Export**: the plan state to bytes: ``write_workbook`` (XLSX) against
   ``dump_document(state_to_document(...))`` (YAML).
3. **Read**: the bytes to a checked plan document: ``read_plan_input`` (the workbook's
   limits and safety checks, openpyxl, the plan-file checker) against ``read_document``.
4. **Import**: read, then ``PlanHistory.import_plan`` into a fresh SQLite file (the
   whole of ``coherence import plan.xlsx``: about 2,300 events), for each format; and
   the re-import of the workbook into that store, which saves nothing (a no-op).

Each figure is the median of ``--reps`` runs (default 5), in wall-clock seconds, with
the CPU time of this process below it (on a machine other jobs share, the wall clock
also counts their turns). Targets: export under 1 s, import under 2 s.

Run: ``.venv/bin/python bench/bench_workbook.py [--reps N] [--json]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import common
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import (
    check_document,
    dump_document,
    read_document,
    state_to_document,
)
from coherence.application.settings import Settings
from coherence.application.workbook import read_plan_input, write_workbook

EXPORT_TARGET_S = 1.0
IMPORT_TARGET_S = 2.0


def median_s(fn: Callable[[], Any], reps: int) -> float:
    return statistics.median(common.time_calls(fn, reps))


def median_cpu_s(fn: Callable[[], Any], reps: int) -> float:
    """The median CPU time of this process (what a busy machine's other jobs do not add)."""
    samples = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return statistics.median(samples)


def fresh_import(data: bytes, filename: str, root: Path) -> tuple[float, float, int]:
    """Seconds (wall, CPU) to read ``data`` and import it into a new SQLite file; the
    events saved."""
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        app = PlanHistory(Settings(store=common.store_url(Path(tmp) / "store.db")))
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            doc = read_plan_input(data, filename=filename)
            result = app.import_plan(doc, Author("bench", source="cli"))
            return time.perf_counter() - t0, time.process_time() - c0, len(result.events)
        finally:
            app.close()


def run(reps: int) -> dict[str, Any]:
    m = common.machine("openpyxl", "PyYAML")
    started = time.perf_counter()
    common.note("generating and checking the 1,000-element plan")
    doc = check_document(common.audit_plan(1), filename="plan.yaml")
    state = doc.state
    elements = sum(1 for e in state.elements.values() if not e.retired)

    xlsx = write_workbook(state)
    yaml_text = dump_document(state_to_document(state)).encode("utf-8")
    out: dict[str, Any] = {
        "machine": m,
        "reps": reps,
        "plan": {"elements": elements, "links": len(state.links)},
        "bytes": {"xlsx": len(xlsx), "yaml": len(yaml_text)},
    }
    common.note(f"export ({reps} each)")
    out["export_s"] = {
        "xlsx": median_s(lambda: write_workbook(state), reps),
        "yaml": median_s(lambda: dump_document(state_to_document(state)), reps),
    }
    common.note(f"read ({reps} each)")
    out["read_s"] = {
        "xlsx": median_s(lambda: read_plan_input(xlsx, filename="plan.xlsx"), reps),
        "yaml": median_s(lambda: read_document(yaml_text, filename="plan.yaml"), reps),
    }
    out["cpu_s"] = {
        "export_xlsx": median_cpu_s(lambda: write_workbook(state), reps),
        "export_yaml": median_cpu_s(lambda: dump_document(state_to_document(state)), reps),
        "read_xlsx": median_cpu_s(lambda: read_plan_input(xlsx, filename="plan.xlsx"), reps),
        "read_yaml": median_cpu_s(lambda: read_document(yaml_text, filename="x.yaml"), reps),
    }
    common.note(f"import into a fresh SQLite file ({reps} each)")
    with tempfile.TemporaryDirectory() as root:
        runs = {
            fmt: [fresh_import(data, f"plan.{fmt}", Path(root)) for _ in range(reps)]
            for fmt, data in (("xlsx", xlsx), ("yaml", yaml_text))
        }
        out["import_s"] = {fmt: statistics.median(r[0] for r in rs) for fmt, rs in runs.items()}
        for fmt, rs in runs.items():
            out["cpu_s"][f"import_{fmt}"] = statistics.median(r[1] for r in rs)
        out["events"] = runs["xlsx"][0][2]
        assert runs["xlsx"][0][2] == runs["yaml"][0][2], "the two imports differ"
        app = PlanHistory(Settings(store=common.store_url(Path(root) / "again.db")))
        app.import_plan(read_plan_input(xlsx, filename="plan.xlsx"), Author("bench"))
        again: list[int] = []

        def reimport() -> None:
            result = app.import_plan(read_plan_input(xlsx, filename="plan.xlsx"), Author("b"))
            again.append(len(result.events))

        out["reimport_noop_s"] = median_s(reimport, reps)
        out["reimport_events"] = max(again)
        app.close()
    for key in ("export_s", "read_s", "import_s"):
        out[key]["ratio"] = out[key]["xlsx"] / out[key]["yaml"]
    out["targets"] = {
        "export_under_s": EXPORT_TARGET_S,
        "import_under_s": IMPORT_TARGET_S,
        "export_met": out["export_s"]["xlsx"] < EXPORT_TARGET_S,
        "import_met": out["import_s"]["xlsx"] < IMPORT_TARGET_S,
    }
    out["started"] = started
    return out


def report(r: dict[str, Any]) -> None:
    m = r["machine"]
    common.print_heading(
        "Spreadsheets: a 1,000-element plan as XLSX and as YAML",
        m,
        f"Python {m['python']}, openpyxl {m['openpyxl']}, PyYAML {m['PyYAML']}, "
        f"SQLite {m['sqlite']}",
        78,
    )
    common.print_load(m)
    p = r["plan"]
    print(
        f"plan      {p['elements']:,} elements, {p['links']:,} links; {r['events']:,} events "
        f"when imported; XLSX {r['bytes']['xlsx'] / 1024:,.0f} KiB, "
        f"YAML {r['bytes']['yaml'] / 1024:,.0f} KiB; median of {r['reps']} runs"
    )
    print()
    print(f"{'measure':<44}{'XLSX':>9}{'YAML':>9}{'ratio':>8}  target")
    rows = (
        ("export (plan -> bytes)", "export_s", f"< {EXPORT_TARGET_S:g} s", "export_met"),
        ("read (bytes -> checked plan)", "read_s", "", None),
        ("import (read + save into a fresh SQLite)", "import_s", f"< {IMPORT_TARGET_S:g} s",
         "import_met"),
    )  # fmt: skip
    for label, key, target, met in rows:
        f = r[key]
        verdict = f"{target}: {common.verdict(r['targets'][met])}" if met else ""
        print(f"{label:<44}{f['xlsx']:>8.3f}s{f['yaml']:>8.3f}s{f['ratio']:>8.2f}  {verdict}")
        name = key.removesuffix("_s")
        xc, yc = r["cpu_s"][f"{name}_xlsx"], r["cpu_s"][f"{name}_yaml"]
        print(f"{'  its CPU time (this process)':<44}{xc:>8.3f}s{yc:>8.3f}s{xc / yc:>8.2f}")
    print(
        f"{'re-import of the workbook (a no-op)':<44}{r['reimport_noop_s']:>8.3f}s"
        f"{'':>9}{'':>8}  {r['reimport_events']} events saved"
    )
    print(f"\ntotal {r['total_s']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="runs of each measure (median)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = run(args.reps)
    common.finish(result, result.pop("started"), args.json, report)


if __name__ == "__main__":
    main()
