"""The history on real stores: a SQLite file and a PostgreSQL server.

Each test runs on both (the ``store_url`` fixture); PostgreSQL is a real server
started by ``scripts/postgres``.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.results import CommandResult
from coherence.application.settings import Settings
from coherence.domain.errors import VersionConflict
from coherence.domain.plan import plan_uuid
from tests.plans import document, plan_data

pytestmark = pytest.mark.postgres


def open_store(url: str, **kwargs: int) -> PlanHistory:
    return PlanHistory(Settings(store=url, **kwargs))


def test_history_survives_a_restart(store_url: str) -> None:
    app = open_store(store_url)
    at = datetime(2025, 3, 1, tzinfo=UTC)
    first = app.import_plan(document(), Author("Superintendent", "draft", "import", at))
    app.adopt(
        "example-2025", Author("School committee", "vote", "cli", datetime(2025, 6, 1, tzinfo=UTC))
    )
    app.close()

    again = open_store(store_url)
    plan = again.get_plan("example-2025")
    assert plan.status == "adopted"
    assert plan.version == first.version + 1
    assert again.version_at("example-2025", date(2025, 3, 1)) == first.version
    assert [p.plan_id for p in again.list_plans()] == ["example-2025"]
    history = again.history("example-2025")
    assert history[0].timestamp == at
    assert history[-1].summary == "Plan adopted: vote"
    again.close()


def test_snapshots_keep_every_version_exact(store_url: str) -> None:
    app = open_store(store_url, snapshot_interval=5, snapshot_interval_in_revision=7)
    first = app.import_plan(document(), Author("a")).version
    assert app.snapshots is not None
    taken = [
        s.originator_version
        for s in app.snapshots.recorder.select_events(plan_uuid("example-2025"))
    ]
    # Inside the first import (one event per step), one every 7 events, and one at its end.
    assert taken == [*range(7, first, 7), first] or taken == list(range(7, first + 1, 7))
    for i in range(12):
        app.report_outcome_result("example-2025", "OC1", f"2026-0{1 + i % 9}-01", i, Author("a"))
    latest = app.get_plan("example-2025").version
    fresh = open_store(store_url, snapshot_interval=10**9)
    for version in range(1, latest + 1):  # inside the big first revision too
        assert app.plan_state("example-2025", version=version) == fresh.plan_state(
            "example-2025", version=version
        )
    assert app.snapshots is not None
    assert list(app.snapshots.get(app.get_plan("example-2025").id))
    app.close()
    fresh.close()


def test_each_stored_event_is_what_mapping_it_alone_gives(store_url: str) -> None:
    """A command's events are encoded together; each stored event is still exactly the
    topic and the bytes that the mapper gives that one event (a drafted plan, elements,
    links, a revision with retirements and unlinks, an adoption of class version 2)."""
    app = open_store(store_url)
    app.import_plan(document(), Author("a", "draft", "import"))
    data = plan_data()
    data["initiatives"] = data["initiatives"][:1]
    data["objectives"].append({"key": "SO9", "title": "Attendance"})
    app.import_plan(check_document(data, filename="v2.yaml"), Author("b", None, "import"))
    app.adopt("example-2025", Author("c", "vote"), record={"vote": "7-0"})
    stored = app.recorder.select_events(plan_uuid("example-2025"))
    topics = {s.topic.rsplit(".", 1)[-1] for s in stored}
    assert {"Drafted", "ElementAdded", "Linked", "Unlinked", "ElementRetired"} <= topics
    assert "Adopted" in topics
    for each in stored:
        again = app.mapper.to_stored_event(app.mapper.to_domain_event(each))
        assert (again.originator_version, again.topic, again.state) == (
            each.originator_version,
            each.topic,
            each.state,
        )
    app.close()


def test_a_refused_import_saves_nothing(store_url: str) -> None:
    app = open_store(store_url)
    version = app.import_plan(document(), Author("a")).version
    data = plan_data()
    data["initiatives"].append({"key": "SO1", "title": "Key of an objective"})
    data["objectives"].append({"key": "SO4", "title": "New"})
    with pytest.raises(Exception, match="already at objectives"):
        app.import_plan(check_document(data, filename="bad.yaml"), Author("a"))
    assert app.get_plan("example-2025").version == version
    app.close()


def test_two_writers_lose_no_acknowledged_change(store_url: str) -> None:
    """Two processes' worth of writers on one plan: every acknowledged report is in the history."""
    setup = open_store(store_url)
    setup.import_plan(document(), Author("setup"))
    setup.close()
    acknowledged: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(name: str) -> None:
        try:
            app = open_store(store_url)
            for i in range(15):
                reason = f"{name}-{i}"
                app.report_benchmark_status("example-2025", "B1", "on_track", Author(name, reason))
                with lock:
                    acknowledged.append(reason)
            app.close()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    reader = open_store(store_url)
    recorded = [
        e.reason for e in reader.history("example-2025") if e.type == "BenchmarkStatusReported"
    ]
    assert sorted(recorded) == sorted(acknowledged)
    assert len(recorded) == 30
    reader.close()


def race_to_create(store_url: str, plan_id: str, expected: int | None) -> list[object]:
    """Four writers import the same new plan at once; what each one got."""
    data = plan_data()
    data["plan"]["id"] = plan_id
    doc = check_document(data, filename="race.yaml")
    apps = [open_store(store_url) for _ in range(4)]
    barrier = threading.Barrier(len(apps))
    outcomes: list[object] = []

    def importer(app: PlanHistory) -> None:
        barrier.wait()
        try:
            outcomes.append(app.import_plan(doc, Author("w"), expected_version=expected))
        except BaseException as e:
            outcomes.append(e)

    threads = [threading.Thread(target=importer, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for app in apps:
        app.close()
    return outcomes


@pytest.mark.parametrize("expected", [None, 0])
def test_writers_racing_to_create_a_plan_never_fail_for_it(
    store_url: str, expected: int | None
) -> None:
    """Without an expected version every writer succeeds (the later ones find the
    plan equal to their file); with expected version 0 the later ones get a conflict."""
    plan_id = f"race-{expected or 'any'}"
    outcomes = race_to_create(store_url, plan_id, expected)
    created = [o for o in outcomes if isinstance(o, CommandResult) and o.created]
    others = [o for o in outcomes if o not in created]
    assert len(created) == 1, outcomes
    if expected is None:
        assert all(isinstance(o, CommandResult) and o.events == [] for o in others), outcomes
    else:
        assert all(isinstance(o, VersionConflict) for o in others), outcomes
    reader = open_store(store_url)
    assert reader.get_plan(plan_id).version == created[0].version
    reader.close()


def test_a_stale_expected_version_is_a_conflict(store_url: str) -> None:
    one, two = open_store(store_url), open_store(store_url)
    version = one.import_plan(document(), Author("a")).version
    one.report_benchmark_status(
        "example-2025", "B1", "at_risk", Author("one"), expected_version=version
    )
    with pytest.raises(VersionConflict):
        two.report_benchmark_status(
            "example-2025", "B1", "complete", Author("two"), expected_version=version
        )
    assert two.get_plan("example-2025").elements["B1"]["fields"]["status"] == "at_risk"
    one.close()
    two.close()
