"""The audit of a version made from an earlier version's (statuses and results change
little of a plan) is the full audit, finding for finding, version by version; and so
is the graph export made from the last one.

Each generated story is a plan file imported, then commands at explicit dates: progress
(statuses, results, a status revised), and changes of the plan between them (fields,
targets with and without a reason, retiring and restoring, links, adoption, details).
The reader audits and exports every version in turn, as of several dates and fiscal
years, reusing what it can; each report is compared with a full audit of a graph and
monitoring facts built from the events alone, each export with the export of that graph.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.domain.errors import CoherenceError
from coherence.projections.monitoring import monitor_of
from coherence.projections.networkx_store import active_graph
from coherence.projections.replay import plan_events, replay
from coherence.queries.audit import audit
from coherence.queries.audit.incremental import audit_run, audit_since
from coherence.queries.exports import cytoscape_bytes
from coherence.queries.read_at import ReadAt
from coherence.queries.reader import PlanReader
from tests.plans import document, plan_data

PLAN = "example-2025"
IMPORTED = date(2025, 8, 1)
BENCHMARKS = ("B1", "B2", "B3")
OUTCOMES = ("OC1", "OC2")
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")


def monitored_plan() -> dict[str, Any]:
    """The base plan with three benchmarks of two initiatives and two outcomes, so that
    every history-aware rule can fire."""
    data = plan_data()
    data["benchmarks"] = [
        {
            "key": key,
            "tracks": initiative,
            "school_year": year,
            "kind": kind,
            "description": f"Benchmark {key}",
            "owner": "HR",
            "due": due,
            "status": "on_track",
        }
        for key, initiative, year, kind, due in (
            ("B1", "SI1.1", "2025-2026", "process", "2025-10-01"),
            ("B2", "SI1.1", "2025-2026", "early_evidence", "2026-03-01"),
            ("B3", "SI2.1", "2026-2027", "process", "2026-11-01"),
        )
    ]
    data["outcomes"] = [
        *data["outcomes"],
        {
            "key": "OC2",
            "measures": "SO2",
            "kind": "interim",
            "statement": "Belonging survey up",
            "metric": "Belonging index",
            "baseline": 70,
            "target": 50,
            "due": "2027-06-30",
            "results": [],
        },
    ]
    return data


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


Command = Callable[[PlanHistory, Author], Any]

progress = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(BENCHMARKS), st.sampled_from(STATUSES)).map(
        lambda c: lambda app, by: app.report_benchmark_status(PLAN, c[1], c[2], by)
    ),
    st.tuples(
        st.just("result"),
        st.sampled_from(OUTCOMES),
        st.integers(0, 900),
        st.integers(30, 80),
    ).map(
        lambda c: (
            lambda app, by: app.report_outcome_result(
                PLAN, c[1], (IMPORTED + timedelta(days=c[2])).isoformat(), c[3], by
            )
        )
    ),
    st.tuples(st.sampled_from(BENCHMARKS), st.sampled_from(STATUSES)).map(
        lambda c: lambda app, by: app.revise_element(PLAN, c[0], {"status": c[1]}, by)
    ),
)
"""Commands that change progress only."""

plan_changes = st.one_of(
    st.tuples(st.sampled_from(BENCHMARKS), st.sampled_from(["HR", "", "Principal"])).map(
        lambda c: lambda app, by: app.revise_element(PLAN, c[0], {"owner": c[1]}, by)
    ),
    st.tuples(st.sampled_from(OUTCOMES), st.sampled_from(["target", "baseline"])).flatmap(
        lambda c: st.integers(40, 90).map(
            lambda n: lambda app, by: app.revise_element(PLAN, c[0], {c[1]: n}, by)
        )
    ),
    st.tuples(st.sampled_from(("SI1.1", "SI2.1", "B2", "OC2")), st.booleans()).map(
        lambda c: (
            lambda app, by: (app.retire_element if c[1] else app.restore_element)(PLAN, c[0], by)
        )
    ),
    st.sampled_from(BENCHMARKS).map(lambda key: lambda app, by: app.link(PLAN, key, "SI2.1", by)),
    st.just(lambda app, by: app.adopt(PLAN, by)),
    st.just(lambda app, by: app.start_redesign(PLAN, by)),
    st.just(lambda app, by: app.publish(PLAN, by)),
    st.sampled_from(["2025-07-01", "2024-07-01"]).map(
        lambda start: lambda app, by: app.revise_details(PLAN, {"period_start": start}, by)
    ),
)
"""Commands that change the plan (the audit after them is made in full)."""

story = st.lists(
    st.tuples(st.one_of(progress, progress, plan_changes), st.integers(0, 60), st.booleans()),
    min_size=1,
    max_size=14,
)
"""Commands, each some days after the one before, with or without a reason."""


def tell(commands: list[tuple[Command, int, bool]]) -> tuple[PlanHistory, date]:
    """A history of the plan: the import, then every command that applies."""
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(
        document(monitored_plan()), Author("Planner", "First import", "api", at(IMPORTED, 1))
    )
    day, hour = IMPORTED, 1
    for command, later, reason in commands:
        day, hour = day + timedelta(days=later), hour % 23 + 1
        by = Author("Planner", "Planned change" if reason else None, "api", at(day, hour))
        try:
            command(app, by)
        except CoherenceError:
            continue  # refused (retiring what is retired, a status of a retired benchmark...)
    return app, day


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story, st.sampled_from([None, "FY26", "FY27"]))
def test_each_versions_audit_and_export_are_the_full_ones(
    commands: list[tuple[Command, int, bool]], fiscal_year: str | None
) -> None:
    app, last = tell(commands)
    events = plan_events(app, PLAN)
    monitor = monitor_of(PLAN, events)
    for on in (last, last + timedelta(days=45), last + timedelta(days=400)):
        reader = PlanReader(app)  # audits every version in turn, reusing what it can
        for version in range(1, len(events) + 1):
            read = reader.audit_at(ReadAt(PLAN, version, on, True), fiscal_year)
            graph = active_graph(replay(events[:version], PLAN))
            full = audit(graph, as_of=on, fiscal_year=fiscal_year, history=monitor.at(version, on))
            assert read == full, (version, on)
            assert reader.graphs.export(PLAN, "cytoscape", version) == cytoscape_bytes(graph)


def test_a_status_audit_reuses_the_reading_of_the_plan() -> None:
    """After a status report, the audit rereads neither the plan's links nor its other
    elements: the same answer, for less work."""
    app, last = tell([])
    on = last + timedelta(days=120)  # B1 was due 2025-10-01
    reader = PlanReader(app)
    before = ReadAt(PLAN, app.get_plan(PLAN).version, on, True)
    app.report_benchmark_status(
        PLAN, "B1", "complete", Author("Planner", "Done", "api", at(last, 9))
    )
    after = ReadAt(PLAN, before.version + 1, on, True)
    first = audit_run(reader.active(before), as_of=on, history=reader.monitoring(before))
    second = audit_since(first, reader.active(after), as_of=on, history=reader.monitoring(after))
    assert second.index.graph._succ is first.index.graph._succ  # the links were not read again
    full = audit(reader.active(after), as_of=on, history=reader.monitoring(after))
    assert second.report == full
    overdue = [
        {f.key for f in r.findings if f.rule == "benchmark-overdue"}
        for r in (first.report, second.report)
    ]
    assert overdue == [{"B1"}, set()]
    # The history-aware rules that read statuses ran again; what they found again of the
    # other benchmarks is the finding they made before, not made anew.
    before_objects = {id(f) for f in first.report.findings}
    stale = [f for f in second.report.findings if f.rule == "stale-benchmark"]
    assert stale and all(id(f) in before_objects for f in stale if f.key != "B1")


def test_a_progress_audit_keeps_its_findings_of_the_elements_left_as_they_were() -> None:
    """After a status report or a result, the audit words anew only what it finds of the
    element reported on; its findings of the others (overdue benchmarks, outcomes off
    their trajectory) are the ones it made for the version before, and the report is
    still the full audit's."""
    app, last = tell([])
    by = Author("Planner", None, "api", at(last, 9))
    app.report_outcome_result(PLAN, "OC2", "2026-06-01", 69, by)  # falling: 69 is short
    app.report_outcome_result(PLAN, "OC1", "2026-07-01", 43, by)  # rising: 43 is short
    on = date(2026, 12, 1)  # B1, B2 and B3 are all overdue
    reader = PlanReader(app)
    first = app.get_plan(PLAN).version
    reports = [reader.audit_at(ReadAt(PLAN, first, on, True))]
    app.report_benchmark_status(PLAN, "B1", "at_risk", by)
    app.report_outcome_result(PLAN, "OC1", "2026-08-01", 44, by)
    for version in (first + 1, first + 2):
        reports.append(reader.audit_at(ReadAt(PLAN, version, on, True)))
        full = audit(
            reader.active(ReadAt(PLAN, version, on, True)),
            as_of=on,
            history=reader.monitoring(ReadAt(PLAN, version, on, True)),
        )
        assert reports[-1] == full

    def found(report: Any, rule: str) -> dict[str | None, Any]:
        return {f.key: f for f in report.findings if f.rule == rule}

    overdue = [found(report, "benchmark-overdue") for report in reports]
    assert set(overdue[0]) == set(overdue[1]) == {"B1", "B2", "B3"}
    assert "(status at_risk)" in overdue[1]["B1"].message  # B1 worded anew
    assert overdue[1]["B2"] is overdue[0]["B2"] and overdue[1]["B3"] is overdue[0]["B3"]
    off = [found(report, "outcome-off-trajectory") for report in reports]
    assert set(off[1]) == set(off[2]) == {"OC1", "OC2"}
    assert "44" in off[2]["OC1"].message and off[2]["OC1"] is not off[1]["OC1"]
    assert off[2]["OC2"] is off[1]["OC2"]
