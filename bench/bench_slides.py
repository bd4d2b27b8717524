"""Benchmark of the take-away deck: the demo plan's slides as a PowerPoint file and a PDF.

Measures, in one run, on the demo plan (``coherence demo``: 4 objectives, about 180
elements, 480 versions) in an in-memory store:

1. **The deck model** alone (``build_deck``: the plan, its graph, audit, funding and
   the diff since adoption read through a warm ``PlanReader``, as a server has them):
   the reference.
2. **The deck as PPTX** (``build_deck`` + ``render_slides(deck, "pptx")``: python-pptx,
   with each objective's graph drawn by Pillow).
3. **The deck as PDF** (the same, with ReportLab).

Each is timed over ``--reps`` repetitions (median and p95) after a warm-up. Target: the
PPTX under 3 s (median), printed with its ratio to the deck model alone.

Run: ``.venv/bin/python bench/bench_slides.py [--reps R] [--json]``.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from coherence.application.demo import load_demo
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.queries.deck import build_deck
from coherence.queries.reader import PlanReader
from coherence.reports.slides import render_slides
from common import finish, machine, print_heading, print_load, summary_ms, time_calls, verdict

PLAN = "riverbend-2024"
TARGET_S = 3.0


def run(reps: int) -> dict[str, Any]:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    reader = PlanReader(history)
    deck = build_deck(reader, PLAN)  # warm-up: caches, fonts, imports
    render_slides(deck, "pptx")
    render_slides(deck, "pdf")
    gc.collect()
    model = time_calls(lambda: build_deck(reader, PLAN), reps)
    pptx = time_calls(lambda: render_slides(build_deck(reader, PLAN), "pptx"), reps)
    pdf = time_calls(lambda: render_slides(build_deck(reader, PLAN), "pdf"), reps)
    return {
        "plan": PLAN,
        "slides": len(deck.slides),
        "objectives": sum(1 for s in deck.slides if s.layout == "objective"),
        "sizes": {
            "pptx_bytes": len(render_slides(deck, "pptx")),
            "pdf_bytes": len(render_slides(deck, "pdf")),
        },
        "deck_model": summary_ms(model),
        "pptx": summary_ms(pptx),
        "pdf": summary_ms(pdf),
    }


def report(result: dict[str, Any]) -> None:
    m = result["machine"]
    print_heading(
        "Take-away deck: the demo plan as PPTX and PDF", m, "python-pptx, ReportLab, Pillow", 72
    )
    print(
        f"plan      {result['plan']}: {result['slides']} slides, {result['objectives']} objectives"
    )
    model = result["deck_model"]["median_ms"]
    for name in ("deck_model", "pptx", "pdf"):
        s = result[name]
        ratio = f"  ({s['median_ms'] / model:.0f}x the deck model)" if name != "deck_model" else ""
        print(f"{name:<10} median {s['median_ms']:8.1f} ms  p95 {s['p95_ms']:8.1f} ms{ratio}")
    pptx_s = result["pptx"]["median_ms"] / 1000
    print(
        f"target    PPTX under {TARGET_S:.0f} s: {pptx_s:.2f} s, {verdict(pptx_s < TARGET_S)}; "
        f"files {result['sizes']['pptx_bytes'] // 1024} KiB PPTX, "
        f"{result['sizes']['pdf_bytes'] // 1024} KiB PDF"
    )
    print_load(m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    started = time.perf_counter()
    m = machine("python-pptx", "reportlab", "pillow")
    result = {**run(args.reps), "machine": m}
    finish(result, started, args.json, report)


if __name__ == "__main__":
    main()
