"""Benchmark of budget season: the funding summary and a what-if on a 1,000-element plan.

Measures, in one run, on a generated plan of exactly 1,000 elements (the audit
benchmark's plan, ``bench/common.py`` ``generate_plan``, with gaps, and FTE on every
third budget line) imported into an in-memory store:

1. **The plain audit** of the plan's active graph (``audit(graph, ...)``), FY27: the
   reference, measured in the same run.
2. **The funding summary** of the same graph (``funding_summary(graph, "FY27")``).
3. **A what-if**: cut the fund with the most FY27 lines, retire five more FY27 lines
   and scale a third fund by 0.8, in two parts: *what-if* (``changed_state`` and
   ``state_graph``: the changed plan and its graph) and *compare* (the changed plan's
   audit and funding, the diff, and the comparison with the plan as it is, whose audit
   and funding the reader has in its caches, as a server does); and the whole, through
   ``PlanReader.what_if`` (which also reads the plan's state).
4. **A scenario's comparison with its plan**: the same changes made in a scenario of the
   plan (``{plan}~cuts``), compared through ``PlanReader.compare_scenario`` (the fork's,
   the scenario's and the plan's states read, the three-way merge, the merged plan's
   graph, audit and funding, the comparison).

Each is timed over ``--reps`` repetitions (median and p95) after a warm-up. Target: the
what-if and compare, and the scenario's comparison, under 100 ms (median), printed with
the ratio to the plain audit.

Run: ``.venv/bin/python bench/bench_funding.py [--reps R] [--json]``.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import Counter
from datetime import date
from typing import Any

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.domain.changes import PlanState
from coherence.projections.state_graph import state_graph
from coherence.queries.audit import audit
from coherence.queries.funding import funding_summary
from coherence.queries.reader import PlanReader
from coherence.queries.whatif import changed_state, compare, what_if_request
from common import (
    AUDIT_PLAN_ELEMENTS,
    finish,
    generate_plan,
    machine,
    print_heading,
    print_load,
    summary_ms,
    time_calls,
    verdict,
)

AS_OF = date(2026, 9, 1)
FISCAL_YEAR = "FY27"
TARGET_MS = 100.0


def plan_file() -> dict[str, Any]:
    """The audit benchmark's 1,000-element plan, with FTE on staff lines."""
    return generate_plan(
        1,
        initiatives=(140, 160),
        objectives=(4, 5),
        learning=50,
        benchmarks=400,
        budget_lines=200,
        school_plans=40,
        elements=AUDIT_PLAN_ELEMENTS,
        gaps=True,
        fte=True,
    )


def the_what_if(doc: dict[str, Any]) -> dict[str, Any]:
    """Cut the fund with the most FY27 lines, retire five more lines, scale another fund."""
    lines = [line for line in doc["budget_lines"] if line["fiscal_year"] == FISCAL_YEAR]
    funds = [fund for fund, _ in Counter(line["fund"] for line in lines).most_common()]
    cut, scaled = funds[0], funds[1]
    others = [line["key"] for line in lines if line["fund"] not in (cut, scaled)]
    return {"retire": others[:5], "cut_funds": [cut], "scale_funds": {scaled: 0.8}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=50, help="repetitions of each measure")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    m = machine("networkx", "eventsourcing")

    history = PlanHistory(Settings(store="memory://"))
    doc = plan_file()
    history.import_plan(check_document(doc, filename="bench.yaml"), Author("bench"))
    plan_id = doc["plan"]["id"]
    reader = PlanReader(history)
    at = reader.at(plan_id)
    graph = reader.active(at)
    asked = the_what_if(doc)
    request = what_if_request(**asked)
    state = PlanState.of(history.get_plan(plan_id))
    before_report = audit(graph, as_of=AS_OF, fiscal_year=FISCAL_YEAR)
    before_funding = funding_summary(graph, FISCAL_YEAR)

    def what_if() -> Any:
        after = changed_state(state, request, FISCAL_YEAR)
        return after, state_graph(after, version=at.version)

    after, after_graph = what_if()

    def compare_them() -> dict[str, Any]:
        return compare(
            state,
            after,
            asked=request.to_dict(),
            reports=(before_report, audit(after_graph, as_of=AS_OF, fiscal_year=FISCAL_YEAR)),
            funding=(before_funding, funding_summary(after_graph, FISCAL_YEAR)),
            version=at.version,
            as_of=AS_OF,
        )

    def both() -> dict[str, Any]:
        nonlocal after, after_graph
        after, after_graph = what_if()
        return compare_them()

    def through_reader() -> dict[str, Any]:
        return reader.what_if(plan_id, request, fiscal_year=FISCAL_YEAR)

    history.create_scenario(plan_id, "cuts", Author("bench"))
    history.import_merged(
        f"{plan_id}~cuts", lambda s: changed_state(s, request, FISCAL_YEAR), Author("bench")
    )

    def scenario_compare() -> dict[str, Any]:
        return reader.compare_scenario(plan_id, "cuts", fiscal_year=FISCAL_YEAR)

    measures = {
        "audit": lambda: audit(graph, as_of=AS_OF, fiscal_year=FISCAL_YEAR),
        "funding": lambda: funding_summary(graph, FISCAL_YEAR),
        "what_if": what_if,
        "compare": compare_them,
        "what_if_and_compare": both,
        "reader_what_if": through_reader,
        "scenario_compare": scenario_compare,
    }
    result: dict[str, Any] = {
        "machine": m,
        "plan": plan_id,
        "elements": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "budget_lines": sum(1 for line in doc["budget_lines"]),
        "fiscal_year": FISCAL_YEAR,
        "asked": asked,
        "repetitions": args.reps,
        "target_ms": TARGET_MS,
    }
    answer = through_reader()
    result["losing_all_funding"] = answer["losing_all_funding"]
    result["findings_added"] = len(answer["findings"]["added"])
    result["findings_resolved"] = len(answer["findings"]["resolved"])
    for name, fn in measures.items():
        for _ in range(5):  # warm-up
            fn()
        gc.collect()
        result[name] = summary_ms(time_calls(fn, args.reps))
    audit_ms = result["audit"]["median_ms"]
    compared = scenario_compare()
    result["scenario_losing_all_funding"] = compared["losing_all_funding"]
    result["scenario_same_as_what_if"] = all(
        compared[k] == answer[k] for k in ("diff", "losing_all_funding")
    )
    for name in ("funding", "what_if_and_compare", "reader_what_if", "scenario_compare"):
        result[name]["ratio_to_audit"] = result[name]["median_ms"] / audit_ms
    result["meets_target"] = (
        result["what_if_and_compare"]["median_ms"] < TARGET_MS
        and result["reader_what_if"]["median_ms"] < TARGET_MS
        and result["scenario_compare"]["median_ms"] < TARGET_MS
    )
    finish(result, started, args.json, print_report)
    return 0


def print_report(result: dict[str, Any]) -> None:
    m = result["machine"]
    print_heading(
        "Budget season: funding summary and what-if",
        m,
        f"Python {m['python']}, networkx {m['networkx']}, eventsourcing {m['eventsourcing']}",
        78,
    )
    print_load(m)
    asked = result["asked"]
    print(
        f"plan      {result['plan']}: {result['elements']:,} elements, {result['edges']:,} "
        f"links, {result['budget_lines']} budget lines; fiscal year {result['fiscal_year']}"
    )
    print(
        f"what-if   cut {', '.join(asked['cut_funds'])}; retire {', '.join(asked['retire'])}; "
        f"scale {', '.join(f'{k} x{v}' for k, v in asked['scale_funds'].items())}"
    )
    losing = result["losing_all_funding"]
    print(
        f"          losing all funding: {len(losing['objectives'])} objectives, "
        f"{len(losing['initiatives'])} initiatives; findings +{result['findings_added']} "
        f"-{result['findings_resolved']}"
    )
    print(
        f"\n{'measure (' + str(result['repetitions']) + ' runs)':44} {'median':>9} {'p95':>9} ratio"
    )
    labels = {
        "audit": "plain audit (the reference)",
        "funding": "funding summary",
        "what_if": "what-if: changed state and its graph",
        "compare": "compare: audit, funding, diff of the change",
        "what_if_and_compare": "what-if and compare",
        "reader_what_if": "PlanReader.what_if (state read too)",
        "scenario_compare": "scenario compare (the same cuts, a scenario)",
    }
    for name, label in labels.items():
        r = result[name]
        ratio = f"{r['ratio_to_audit']:5.1f}x" if "ratio_to_audit" in r else ""
        print(f"{label:44} {r['median_ms']:7.2f}ms {r['p95_ms']:7.2f}ms {ratio}")
    print(
        f"\nscenario  the same diff and losses as the what-if: {result['scenario_same_as_what_if']}"
    )
    print(
        f"\ntarget    what-if and compare, scenario compare < {result['target_ms']:.0f} ms: "
        f"{verdict(result['meets_target'])}; total {result['total_s']:.1f} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
