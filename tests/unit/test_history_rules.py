"""The history-aware audit rules: each at its boundaries, through commands and through
imports of changed files, and as of past versions and dates.

Every event is recorded at an explicit time (``Author(at=...)``), and every audit names
its date, so that nothing here depends on today.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.domain.plan import plan_uuid
from coherence.projections.monitoring import PlanMonitor
from coherence.projections.replay import plan_events
from coherence.queries.audit import HISTORY_ORDER, AuditReport, Finding, score
from coherence.queries.audit.rules.history import expected_on, is_short, trajectory
from coherence.queries.reader import PlanReader
from tests.plans import document, plan_data

PLAN = "example-2025"
START = date(2025, 7, 1)  # the base plan's period starts here
IMPORTED = date(2025, 8, 1)  # the base plan is imported on this day
HISTORY_RULES = frozenset(HISTORY_ORDER)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class Story:
    """A plan's history, told command by command at explicit dates."""

    def __init__(self, data: dict[str, Any] | None = None, *, on: date = IMPORTED) -> None:
        self.app = PlanHistory(Settings(store="memory://"))
        self.reader = PlanReader(self.app)
        self.data = copy.deepcopy(data if data is not None else plan_data())
        self.hour = 0
        self.import_(self.data, on=on, reason="First import")

    def by(self, on: date, reason: str | None = "Planned change") -> Author:
        self.hour = self.hour % 23 + 1  # several changes on one day keep their order
        return Author("Planner", reason, "api", at(on, self.hour))

    def import_(self, data: dict[str, Any], *, on: date, reason: str | None = "New file") -> None:
        self.data = copy.deepcopy(data)
        self.app.import_plan(document(self.data), self.by(on, reason))

    def change(
        self, on: date, section: str, key: str, reason: str | None = "Planned change", **fields: Any
    ) -> None:
        """Import the current file with some fields of one element changed."""
        data = copy.deepcopy(self.data)
        item = next(e for e in data[section] if e["key"] == key)
        item.update(fields)
        self.import_(data, on=on, reason=reason)

    def report(self, key: str, status: str, on: date) -> None:
        self.app.report_benchmark_status(PLAN, key, status, self.by(on))

    def result(self, key: str, as_of: date, value: float, on: date) -> None:
        self.app.report_outcome_result(PLAN, key, as_of.isoformat(), value, self.by(on))

    def revise(
        self, key: str, on: date, reason: str | None = "Planned change", **changes: Any
    ) -> None:
        self.app.revise_element(PLAN, key, changes, self.by(on, reason))

    def audit(self, on: date) -> AuditReport:
        return self.reader.audit(PLAN, as_of=on)

    def found(self, rule: str, on: date) -> dict[str | None, Finding]:
        return {f.key: f for f in self.audit(on).findings if f.rule == rule}


def days(n: int, since: date = IMPORTED) -> date:
    return since + timedelta(days=n)


# ----------------------------------------------------------------- stale-benchmark


def school_year_benchmarks(**fields: Any) -> dict[str, Any]:
    benchmark = {
        "key": "B1",
        "tracks": "SI1.1",
        "school_year": "2025-2026",
        "kind": "process",
        "description": "Tutors hired",
        "owner": "HR",
        "due": "2026-06-01",
        "status": "on_track",
    }
    benchmark.update(fields)
    return plan_data(benchmarks=[benchmark])


def test_stale_benchmark_after_90_days() -> None:
    story = Story(school_year_benchmarks())
    assert "B1" not in story.found("stale-benchmark", days(90))
    stale = story.found("stale-benchmark", days(91))["B1"]
    assert stale.severity.value == "warning" and stale.kind == "benchmark"
    assert stale.message == (
        "Benchmark B1 'Tutors hired' (2025-2026) is on track; its status was last set or "
        "reported on 2025-08-01 (91 days before 2025-10-31)"
    )


def test_a_status_reported_again_with_the_same_value_counts() -> None:
    story = Story(school_year_benchmarks())
    story.report("B1", "on_track", days(50))
    assert "B1" not in story.found("stale-benchmark", days(91))
    assert "B1" not in story.found("stale-benchmark", days(140))
    assert "B1" in story.found("stale-benchmark", days(141))


def test_a_revision_counts_only_when_it_changes_the_status() -> None:
    story = Story(school_year_benchmarks())
    story.change(days(50), "benchmarks", "B1", description="Tutors hired and trained")
    assert "B1" in story.found("stale-benchmark", days(91))  # not a status change
    story.change(days(60), "benchmarks", "B1", status="at_risk")  # a file import sets it
    assert "B1" not in story.found("stale-benchmark", days(150))
    assert "B1" in story.found("stale-benchmark", days(151))


def test_complete_and_other_school_years_are_not_stale() -> None:
    assert "B1" not in Story(school_year_benchmarks(status="complete")).found(
        "stale-benchmark", days(200)
    )
    story = Story(school_year_benchmarks(school_year="2026-2027"))
    assert "B1" not in story.found("stale-benchmark", date(2026, 6, 30))  # not its year
    assert "B1" in story.found("stale-benchmark", date(2026, 7, 1))


def test_restoring_a_benchmark_sets_its_status() -> None:
    story = Story(school_year_benchmarks())
    data = copy.deepcopy(story.data)
    story.import_(plan_data(benchmarks=[]), on=days(80))  # retired
    assert "B1" not in story.found("stale-benchmark", days(120))  # not active
    story.import_(data, on=days(100))  # restored, with its status
    assert "B1" not in story.found("stale-benchmark", days(190))
    assert "B1" in story.found("stale-benchmark", days(191))


# ------------------------------------------------------- off-track-without-response


def two_benchmarks() -> dict[str, Any]:
    data = school_year_benchmarks()
    data["benchmarks"].append(
        {**data["benchmarks"][0], "key": "B2", "description": "Tutoring sessions logged"}
    )
    return data


OFF = date(2025, 9, 1)


def test_off_track_without_response_after_30_days() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    assert "B1" not in story.found("off-track-without-response", days(30, OFF))
    found = story.found("off-track-without-response", days(31, OFF))
    assert set(found) == {"B1"}
    assert found["B1"].message == (
        "Benchmark B1 'Tutors hired' has been off track since 2025-09-01 (31 days) "
        "and nothing about Initiative SI1.1 'Tutoring' has changed since"
    )


def test_at_risk_then_off_track_does_not_restart_the_clock() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "at_risk", OFF)
    story.report("B1", "off_track", days(20, OFF))
    story.report("B1", "off_track", days(25, OFF))  # the same status again
    found = story.found("off-track-without-response", days(31, OFF))["B1"]
    assert "has been at risk, now off track, since 2025-09-01 (31 days)" in found.message
    story.report("B1", "on_track", days(40, OFF))
    story.report("B1", "at_risk", days(50, OFF))  # entered again: a new clock
    assert "B1" not in story.found("off-track-without-response", days(80, OFF))
    assert "B1" in story.found("off-track-without-response", days(81, OFF))


def test_added_with_a_troubled_status_starts_the_clock() -> None:
    story = Story(school_year_benchmarks(status="at_risk"))
    assert "B1" not in story.found("off-track-without-response", days(30))
    assert "B1" in story.found("off-track-without-response", days(31))


def test_a_change_of_the_initiative_is_a_response() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    story.revise("SI1.1", days(10, OFF), owner="Director of Literacy")
    assert "B1" not in story.found("off-track-without-response", days(60, OFF))


def test_a_link_to_the_initiative_or_another_benchmark_is_a_response() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    story.app.unlink(PLAN, "PL1", "SI1.1", story.by(days(5, OFF)))
    assert "B1" not in story.found("off-track-without-response", days(60, OFF))

    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    story.revise("B2", days(5, OFF), description="Tutoring sessions logged weekly")
    assert "B1" not in story.found("off-track-without-response", days(60, OFF))


def test_changes_before_it_went_off_track_or_of_itself_are_no_response() -> None:
    story = Story(two_benchmarks())
    story.revise("SI1.1", days(-1, OFF), owner="Director of Literacy")  # before
    story.report("B1", "off_track", OFF)
    story.revise("B1", days(5, OFF), description="Tutors hired (revised)")  # itself
    story.report("B2", "at_risk", days(6, OFF))  # another benchmark's progress
    assert "B1" in story.found("off-track-without-response", days(60, OFF))


def test_retired_then_restored_off_track_benchmark() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    data = copy.deepcopy(story.data)
    off = next(b for b in data["benchmarks"] if b["key"] == "B1")
    off["status"] = "off_track"
    story.import_(plan_data(benchmarks=[data["benchmarks"][1]]), on=days(40, OFF))
    assert "B1" not in story.found("off-track-without-response", days(50, OFF))  # retired
    # Restoring it is a change of its own (no response), and restarts its clock.
    story.import_(data, on=days(60, OFF))
    assert "B1" not in story.found("off-track-without-response", days(90, OFF))
    found = story.found("off-track-without-response", days(91, OFF))["B1"]
    assert "since 2025-10-31" in found.message


# ---------------------------------------------------- target-revised-without-reason


def test_a_target_revised_with_no_reason() -> None:
    story = Story()
    story.revise("OC1", days(10), reason="Board asked for a higher bar", target=65)
    assert story.found("target-revised-without-reason", days(20)) == {}
    story.revise("OC1", days(30), reason=None, target=62)
    found = story.found("target-revised-without-reason", days(31))["OC1"]
    assert found.message == (
        "Outcome OC1 'By June 2028, 60% meet expectations' had its target changed on "
        "2025-08-31 by a revision with no reason recorded"
    )
    assert story.found("target-revised-without-reason", days(29)) == {}  # time travel


def test_a_blank_reason_and_an_import_of_a_changed_file() -> None:
    story = Story()
    story.change(days(5), "outcomes", "OC1", reason="   ", baseline=40)
    assert "OC1" in story.found("target-revised-without-reason", days(6))
    story = Story()
    story.change(days(5), "outcomes", "OC1", reason=None, baseline=40, target=58)
    found = story.found("target-revised-without-reason", days(6))["OC1"]
    assert "had its target and baseline changed on 2025-08-06" in found.message
    # Other fields changed without a reason are not a target change.
    story = Story()
    story.change(days(5), "outcomes", "OC1", reason=None, metric="Grade 3 ELA, all students")
    assert story.found("target-revised-without-reason", days(6)) == {}


# ---------------------------------------------------------- amended-since-adoption


def test_amendments_since_the_last_adoption() -> None:
    story = Story()
    story.revise("SI1.1", days(1), owner="Before adoption")
    story.app.adopt(PLAN, story.by(days(2)))
    assert story.found("amended-since-adoption", days(3)) == {}
    story.report("B1", "at_risk", days(3))  # progress is no amendment
    story.result("OC1", date(2025, 6, 30), 44, days(3))
    assert story.found("amended-since-adoption", days(4)) == {}
    story.revise("SI1.1", days(4), owner="After adoption")
    story.app.unlink(PLAN, "PL1", "SI1.1", story.by(days(5)))  # keyed by its source
    found = story.found("amended-since-adoption", days(6))
    assert set(found) == {"SI1.1", "PL1"}
    assert found["SI1.1"].severity.value == "info"
    assert found["SI1.1"].message == (
        "Initiative SI1.1 'Tutoring' was revised after the plan's adoption on 2025-08-03 "
        "(1 change, the last on 2025-08-05)"
    )
    assert "was unlinked after" in found["PL1"].message


def test_a_redesign_then_a_second_adoption() -> None:
    story = Story()
    story.app.adopt(PLAN, story.by(days(1)))
    story.revise("SI1.1", days(2), owner="Amended")
    story.app.start_redesign(PLAN, story.by(days(3)))
    assert story.found("amended-since-adoption", days(4)) == {}  # not adopted
    story.revise("SI2.1", days(4), owner="Redesigned")
    story.app.adopt(PLAN, story.by(days(5)))
    assert story.found("amended-since-adoption", days(6)) == {}  # adopted again
    assert set(story.found("amended-since-adoption", days(2))) == {"SI1.1"}  # the past


def test_retired_then_restored_after_adoption() -> None:
    story = Story()
    story.app.adopt(PLAN, story.by(days(1)))
    full = copy.deepcopy(story.data)
    story.import_(plan_data(school_plans=[]), on=days(2))
    story.import_(full, on=days(3))
    found = story.found("amended-since-adoption", days(4))
    assert set(found) == {"SIP-LIN"}
    assert "was retired, restored, linked and unlinked after" in found["SIP-LIN"].message
    assert "(4 changes, the last on 2025-08-04)" in found["SIP-LIN"].message


# ---------------------------------------------------------- outcome-off-trajectory


def outcome_plan(baseline: float, target: float, due: str = "2028-06-30") -> dict[str, Any]:
    data = plan_data()
    data["outcomes"][0].update(baseline=baseline, target=target, due=due, results=[])
    return data


def test_a_result_exactly_on_the_line_is_not_short() -> None:
    # 42 on 2025-07-01 to 60 on 2028-06-30: 1095 days, so 48 exactly on 2026-07-01.
    story = Story(outcome_plan(42, 60))
    story.result("OC1", date(2026, 7, 1), 48, days(10))
    assert story.found("outcome-off-trajectory", date(2026, 7, 5)) == {}
    story.result("OC1", date(2026, 7, 2), 48, days(12))  # the line rose past 48
    assert story.found("outcome-off-trajectory", date(2026, 7, 1)) == {}  # not yet dated
    found = story.found("outcome-off-trajectory", date(2026, 7, 2))["OC1"]
    assert found.message == (
        "Outcome OC1 'By June 2028, 60% meet expectations': the result of 48 on 2026-07-02 "
        "is below the trajectory from 42 on 2025-07-01 to 60 by 2028-06-30 "
        "(48.02 expected then)"
    )


def test_floats_are_compared_exactly() -> None:
    # 0.1 + 0.2 style arithmetic: baseline 0.1, target 0.3, halfway is exactly 0.2.
    line = trajectory({"baseline": 0.1, "target": 0.3, "due": "2025-07-03"}, date(2025, 7, 1))
    assert line is not None
    from fractions import Fraction

    assert expected_on(line, date(2025, 7, 2)) == Fraction(1, 5)
    assert not is_short(line, date(2025, 7, 2), Fraction(1, 5))


def test_a_falling_target_is_short_above_the_line() -> None:
    story = Story(outcome_plan(30, 20, due="2026-07-01"))  # 365 days from the start
    story.result("OC1", date(2026, 7, 1), 20, days(10))  # on target
    assert story.found("outcome-off-trajectory", date(2026, 8, 2)) == {}
    story.result("OC1", date(2026, 8, 1), 20.5, days(12))  # after the due date: clamped
    found = story.found("outcome-off-trajectory", date(2026, 8, 2))["OC1"]
    assert "is above the trajectory" in found.message
    assert "(20 expected then)" in found.message


def test_no_trajectory_when_the_target_is_the_baseline_or_the_result_is_later() -> None:
    story = Story(outcome_plan(50, 50))
    story.result("OC1", date(2026, 1, 1), 10, days(10))
    assert story.found("outcome-off-trajectory", days(11)) == {}
    story = Story(outcome_plan(42, 60))
    story.result("OC1", date(2026, 1, 1), 10, days(10))
    assert story.found("outcome-off-trajectory", date(2025, 12, 31)) == {}  # dated after D
    assert "OC1" in story.found("outcome-off-trajectory", date(2026, 1, 1))


# --------------------------------------------------- outcome-without-recent-result


def test_a_result_in_the_365_days_before_the_audit_date() -> None:
    story = Story(outcome_plan(42, 60))
    on_day = date(2026, 7, 1)  # 365 days after the period started: too early to ask
    assert story.found("outcome-without-recent-result", on_day) == {}
    found = story.found("outcome-without-recent-result", date(2026, 7, 2))["OC1"]
    assert found.severity.value == "info"
    assert found.message.endswith("before 2026-07-02; none has been reported")
    story.result("OC1", date(2025, 7, 2), 43, days(10))
    assert story.found("outcome-without-recent-result", date(2026, 7, 2)) == {}  # 365 days
    assert (
        "the last is of 2025-07-02"
        in story.found("outcome-without-recent-result", date(2026, 7, 3))["OC1"].message
    )


# ------------------------------------------------------- every audit, time travel


def test_an_audit_as_of_a_past_date_ignores_later_events() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    before = story.audit(days(40, OFF))
    story.revise("SI1.1", days(45, OFF), owner="Director of Literacy")
    assert "B1" in {f.key for f in before.findings if f.rule == "off-track-without-response"}
    assert story.audit(days(40, OFF)) == before  # as of that date: the same
    assert "B1" not in story.found("off-track-without-response", days(46, OFF))
    version = story.reader.at(PLAN, as_of=days(40, OFF)).version
    pinned = story.reader.audit(PLAN, version=version)
    assert pinned.as_of == OFF  # the version's own date
    assert {f.rule for f in pinned.findings} & HISTORY_RULES <= HISTORY_RULES


def test_the_history_rules_count_in_the_score() -> None:
    story = Story(two_benchmarks())
    report = story.audit(days(10))
    not_yet = {"amended-since-adoption", "outcome-without-recent-result", "outcome-off-trajectory"}
    assert set(HISTORY_ORDER) - not_yet <= set(report.rules_applied)
    assert not not_yet & set(report.rules_applied)  # not adopted, too early, no result yet
    story.report("B1", "off_track", OFF)
    worse = story.audit(days(31, OFF))
    assert "off-track-without-response" in {f.rule for f in worse.findings}
    counts_free = score(worse.findings, {})[0]
    assert counts_free == 100  # nothing applies without counts
    assert worse.score < story.audit(days(30, OFF)).score


def test_the_timeline_audits_each_revision_with_its_history() -> None:
    story = Story(two_benchmarks())
    story.report("B1", "off_track", OFF)
    story.report("B2", "on_track", days(40, OFF))  # the audit on that day sees B1
    entries = story.reader.audit_timeline(PLAN)
    assert entries[-1]["history"]["warning"] >= 1
    assert entries[0]["history"] == {"error": 0, "warning": 0, "info": 0}


# ------------------------------------------------------------------ hypothesis

COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "report",
                "revise_initiative",
                "revise_target",
                "adopt",
                "redesign",
                "result",
                "revise_benchmark",
                "retire_pl",
                "restore_pl",
            ]
        ),
        st.integers(min_value=0, max_value=45),
        st.sampled_from(["on_track", "at_risk", "off_track", "complete", "not_started"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=14,
)


def run_commands(commands: list[tuple[str, int, str, bool]]) -> Story:
    story = Story(two_benchmarks())
    day = IMPORTED
    for command, gap, status, with_reason in commands:
        day = day + timedelta(days=gap)
        reason = "Because" if with_reason else None
        try:
            match command:
                case "report":
                    story.report("B1" if with_reason else "B2", status, day)
                case "revise_initiative":
                    story.revise("SI1.1", day, reason, owner=f"Owner {day}")
                case "revise_target":
                    story.revise("OC1", day, reason, target=60 + gap)
                case "adopt":
                    story.app.adopt(PLAN, story.by(day, reason))
                case "redesign":
                    story.app.start_redesign(PLAN, story.by(day, reason))
                case "result":
                    story.result("OC1", day, 40 + gap / 2, day)
                case "revise_benchmark":
                    story.revise("B2", day, reason, description=f"Logged {day}")
                case "retire_pl":
                    story.app.retire_element(PLAN, "PL1", story.by(day, reason))
                case "restore_pl":
                    story.app.add_element(
                        PLAN,
                        "professional_learning",
                        "PL1",
                        {"title": "Science of reading", "kind": "induction"},
                        story.by(day, reason),
                    )
        except Exception as e:  # refused commands (adopting twice...) save nothing
            if type(e).__name__ not in {"InvalidTransition", "RetiredElement", "DuplicateKey"}:
                raise
    return story


def history_findings(report: AuditReport) -> list[Finding]:
    return [f for f in report.findings if f.rule in HISTORY_RULES]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMMANDS, st.data())
def test_the_rules_at_version_n_equal_those_of_the_first_n_events(
    commands: list[tuple[str, int, str, bool]], data: st.DataObject
) -> None:
    story = run_commands(commands)
    latest = story.app.get_plan(PLAN).version
    story.reader.audit(PLAN)  # the live monitor has seen every event
    n = data.draw(st.integers(min_value=1, max_value=latest))
    on = data.draw(st.dates(min_value=date(2025, 8, 1), max_value=date(2027, 6, 30)))
    at_n = story.reader.at(PLAN, version=n)
    d = max(on, at_n.audit_date)

    fresh = PlanHistory(Settings(store="memory://"))
    stored = list(story.app.recorder.select_events(plan_uuid(PLAN), lte=n))
    fresh._write_stored(stored, [])
    alone = PlanReader(fresh)

    live = story.reader.graphs.monitor(PLAN, latest).at(n, d)
    first_n = PlanMonitor(PLAN).apply_all(plan_events(fresh, PLAN)).at(n, d)
    from coherence.queries.audit import audit

    graph = story.reader.graphs.active(PLAN, n)
    assert history_findings(audit(graph, as_of=d, history=live)) == history_findings(
        audit(alone.graphs.active(PLAN, n), as_of=d, history=first_n)
    )
    # The reader's own audits of that version agree too, on its own date.
    assert story.reader.audit(PLAN, version=n) == alone.audit(PLAN, version=n)


# ------------------------------------------------------------- outcome progress API


def test_the_outcome_progress_route() -> None:
    from fastapi.testclient import TestClient

    from coherence.api.app import create_app
    from coherence.bootstrap import api_context

    story = Story(outcome_plan(42, 60))
    story.result("OC1", date(2026, 7, 1), 48, days(10))
    story.result("OC1", date(2026, 1, 1), 44, days(11))
    client = TestClient(create_app(api_context(story.app)))
    url = f"/api/v1/plans/{PLAN}/outcomes/OC1/progress"
    r = client.get(url, params={"as_of": "2026-07-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["etag"] == f'"{body["version"]}"'
    assert body["baseline"] == {"date": "2025-07-01", "value": 42}
    assert body["target"] == {"date": "2028-06-30", "value": 60}
    assert body["trajectory"] == [
        {"date": "2025-07-01", "value": 42},
        {"date": "2028-06-30", "value": 60},
    ]
    assert [(x["as_of"], x["value"], x["expected"], x["short"]) for x in body["results"]] == [
        ("2026-01-01", 44, 45.0247, True),
        ("2026-07-01", 48, 48, False),
    ]
    assert body["latest"] == {"as_of": "2026-07-01", "value": 48}
    assert body["on_track"] is True  # exactly on the line
    before = client.get(url, params={"as_of": "2026-06-30"}).json()
    assert before["latest"] == {"as_of": "2026-01-01", "value": 44}
    assert before["on_track"] is False
    first = client.get(url, params={"version": 1})
    assert first.status_code == 404  # version 1 is the draft: no outcome yet
    assert client.get(f"/api/v1/plans/{PLAN}/outcomes/SI1.1/progress").status_code == 404


# ---------------------------------------------------------------------- the demo

DEMO_PLANTS = {
    ("stale-benchmark", "B47"),
    ("off-track-without-response", "B37"),
    ("target-revised-without-reason", "OC15"),
    ("outcome-off-trajectory", "OC5"),
    ("amended-since-adoption", "OC15"),
}


def test_the_demo_shows_each_warning_rule_at_its_latest_version() -> None:
    from coherence.application.demo import load_demo
    from coherence.queries.read_at import today

    app = PlanHistory(Settings(store="memory://"))
    load_demo(app)
    reader = PlanReader(app)
    latest = app.get_plan("riverbend-2024").version
    for on in (date(2026, 11, 21), date(2026, 12, 1), date(2027, 6, 30)):
        report = reader.audit("riverbend-2024", as_of=on)
        assert report.version == latest
        assert {(f.rule, f.key) for f in report.findings} >= DEMO_PLANTS, on
    now = reader.audit("riverbend-2024")  # today
    found = {(f.rule, f.key) for f in now.findings}
    assert DEMO_PLANTS - {("stale-benchmark", "B47")} <= found
    if today() <= date(2027, 6, 30):  # B47's school year
        assert ("stale-benchmark", "B47") in found
    b37 = next(f for f in now.findings if f.key == "B37" and f.rule.startswith("off-track"))
    assert "has been at risk since 2026-10-09" in b37.message
    assert "Initiative SI1.2 'Strengthen Tier 1 mathematics" in b37.message


@settings(max_examples=300, deadline=None)
@given(
    st.integers(-50, 150),
    st.integers(-50, 150),
    st.decimals(-100, 200, places=2, allow_nan=False, allow_infinity=False),
    st.integers(0, 2000),
    st.integers(-100, 2500),
)
def test_the_whole_number_comparison_is_the_exact_one(
    baseline: int, target: int, value: Any, span: int, elapsed: int
) -> None:
    from fractions import Fraction

    start = date(2025, 7, 1)
    due = start + timedelta(days=span)
    line = trajectory({"baseline": baseline, "target": target, "due": due.isoformat()}, start)
    if line is None:
        assert target == baseline
        return
    on = start + timedelta(days=elapsed)
    exact = Fraction(value)
    expected = expected_on(line, on)
    short = exact < expected if target > baseline else exact > expected
    assert is_short(line, on, exact) == short
    assert not is_short(line, on, expected)  # exactly on the line is never short


def test_after_a_write_the_api_audits_with_the_history_rules_as_a_fresh_server_does() -> None:
    """A write's answer (its audit change) and the audit read after it are of the same
    report as a server started afterwards would give, history findings included."""
    from fastapi.testclient import TestClient

    from coherence.api.app import create_app
    from coherence.application.demo import load_demo
    from coherence.bootstrap import api_context

    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    client = TestClient(create_app(api_context(history)))
    url = "/api/v1/plans/riverbend-2024"
    assert client.get(f"{url}/audit").status_code == 200
    benchmark = client.get(url).json()["document"]["benchmarks"][0]["key"]
    written = client.post(
        f"{url}/benchmarks/{benchmark}/status", json={"status": "at_risk", "reason": "t"}
    )
    assert written.status_code == 200, written.text

    after = client.get(f"{url}/audit").json()
    fresh = TestClient(create_app(api_context(history))).get(f"{url}/audit").json()
    assert after == fresh
    assert {f["rule"] for f in after["findings"]} & set(HISTORY_ORDER)
