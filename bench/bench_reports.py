"""Benchmark of the progress report: the demo plan's report (484 events, 14 outcomes
with charts, 49 benchmarks, 30 budget lines) as HTML, PDF and DOCX, in the same run.

1. **First report** of a fresh process: the PDF with everything it loads the first time
   (matplotlib, WeasyPrint and Pango, fonts), as ``coherence report --format pdf`` pays.
2. Then, in that process (a server's case), each format ``--reps`` times (default 5),
   the charts drawn again every time (their cache emptied): **build** (the report's model
   from the plan reader: plan, audit, funding, history), **HTML** (build + charts as SVG
   + the page), **PDF** (the same + WeasyPrint) and **DOCX** (build + charts as PNG +
   python-docx). The PDF's time is also given as a ratio to the HTML's.
3. The PDF again with the charts cached (a report read again, of the same outcomes).

Each figure is the median of the runs in wall-clock seconds. The run happens in a forked
child process so that it starts from a clean heap. Target: the demo's PDF under 3 s.

Run: ``.venv/bin/python bench/bench_reports.py [--reps N] [--json]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from typing import Any

import common
from coherence.application.demo import load_demo
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.queries.reader import PlanReader

DEMO = "riverbend-2024"
TARGET_PDF_S = 3.0


def _pages(pdf: bytes) -> int | None:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        try:
            out = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return None
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def measure(reps: int) -> dict[str, Any]:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    reader = PlanReader(history)
    reader.audit(DEMO)  # the plan read and its graph built, as on a running server

    from coherence.reports import build_report, charts, render

    started = time.perf_counter()
    first = render(build_report(reader, DEMO), "pdf")
    out: dict[str, Any] = {"first_pdf_s": time.perf_counter() - started, "pages": _pages(first)}

    def timed(make: Any, *, cold_charts: bool = True) -> float:
        samples = []
        for _ in range(reps):
            if cold_charts:
                charts.svg_data_uri.cache_clear()
                charts.png.cache_clear()
            t = time.perf_counter()
            make()
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    out["build_s"] = timed(lambda: build_report(reader, DEMO))
    for fmt in ("html", "pdf", "docx"):
        out[f"{fmt}_s"] = timed(lambda fmt=fmt: render(build_report(reader, DEMO), fmt))
    out["pdf_cached_charts_s"] = timed(
        lambda: render(build_report(reader, DEMO), "pdf"), cold_charts=False
    )
    out["pdf_bytes"] = len(first)
    return out


def report(result: dict[str, Any]) -> None:
    m = result["machine"]
    common.print_heading(
        "Progress report of the demo plan: HTML, PDF, DOCX",
        m,
        f"weasyprint {m['weasyprint']}, matplotlib {m['matplotlib']}, "
        f"python-docx {m['python-docx']}",
        88,
    )
    common.print_load(m)
    r = result["measured"]
    ratio = r["pdf_s"] / r["html_s"] if r["html_s"] else float("nan")
    print(f"reps      {result['reps']} each, median wall-clock seconds")
    print()
    print(f"first PDF of a fresh process (imports, fonts)   {r['first_pdf_s']:6.2f} s")
    print(f"build the report's model                        {r['build_s']:6.2f} s")
    print(f"HTML  (model + 14 charts as SVG + page)         {r['html_s']:6.2f} s")
    print(
        f"PDF   (the HTML + WeasyPrint, {r['pages']} pages)           {r['pdf_s']:6.2f} s"
        f"   = {ratio:.1f} x the HTML"
    )
    print(f"DOCX  (model + charts as PNG + python-docx)     {r['docx_s']:6.2f} s")
    print(f"PDF with the charts cached                      {r['pdf_cached_charts_s']:6.2f} s")
    print()
    ok = r["pdf_s"] < TARGET_PDF_S
    print(f"target    the demo's PDF under {TARGET_PDF_S:.0f} s: {common.verdict(ok)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": common.machine("weasyprint", "matplotlib", "python-docx"),
        "reps": args.reps,
    }
    result["measured"] = common.in_child(measure, args.reps)
    common.finish(result, started, args.json, report)


if __name__ == "__main__":
    main()
