"""PlanHistory on the library's in-memory store: imports, time travel, history, diffs."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from coherence.application.history import Author, PlanHistory
from coherence.application.narrative import Entries, describe_events
from coherence.application.planfile import check_document
from coherence.domain.errors import TimeWentBackwards, VersionConflict, VersionNotFound
from tests.plans import document, plan_data

AT_1 = datetime(2025, 3, 1, 19, 0, tzinfo=UTC)
AT_2 = datetime(2025, 9, 1, 19, 0, tzinfo=UTC)
AT_3 = datetime(2026, 8, 1, 19, 0, tzinfo=UTC)


def redesigned() -> dict[str, object]:
    """The base plan after a redesign: SI2.1 merged into SI1.1, an owner changed, SO3 added."""
    data = plan_data()
    data["initiatives"] = [
        {**data["initiatives"][0], "owner": "Assistant Superintendent", "supports": ["SO1", "SO2"]},
    ]
    data["objectives"].append({"key": "SO3", "title": "Attendance"})
    data["budget_lines"][0]["funds"] = [{"target": "SI1.1", "amount": 90000}]
    return data


def test_importing_the_same_file_twice_emits_nothing(app: PlanHistory) -> None:
    first = app.import_plan(document(), Author("Superintendent", source="import"))
    assert first.created
    assert first.version == len(first.events) > 20
    second = app.import_plan(document(), Author("Superintendent", source="import"))
    assert second.events == []
    assert second.version == first.version


def test_a_revised_file_emits_only_its_changes(app: PlanHistory) -> None:
    app.import_plan(document(), Author("a"))
    result = app.import_plan(check_document(redesigned(), filename="v2.yaml"), Author("b", "merge"))
    summaries = [e.summary for e in result.events]
    assert summaries == [
        "Initiative SI2.1 no longer supports objective SO2: merge",
        "Budget line BL-1001 no longer funds professional learning PL1: merge",
        "Initiative SI2.1 'Family liaisons' retired: merge",
        "Objective SO3 'Attendance' added: merge",
        "Initiative SI1.1 'Tutoring' revised (owner): merge",
        "Initiative SI1.1 now supports objective SO2: merge",
        "Budget line BL-1001: allocation to initiative SI1.1 changed to $90,000: merge",
    ]
    assert {e.revision for e in result.events} == {2}
    state = app.plan_state("example-2025")
    assert state.elements["SI2.1"].retired


def test_a_retired_element_comes_back_when_imported_again(app: PlanHistory) -> None:
    app.import_plan(document(), Author("a"))
    app.import_plan(check_document(redesigned(), filename="v2.yaml"), Author("a"))
    result = app.import_plan(document(), Author("a", "restored"))
    assert "Initiative SI2.1 'Family liaisons' restored: restored" in [
        e.summary for e in result.events
    ]
    keys_in_history = [e.key for e in app.history("example-2025") if e.key == "SI2.1"]
    assert len(keys_in_history) == 3  # added, retired, restored: one history


def test_dry_run_saves_nothing(app: PlanHistory) -> None:
    app.import_plan(document(), Author("a"))
    version = app.get_plan("example-2025").version
    preview = app.import_plan(
        check_document(redesigned(), filename="v2.yaml"), Author("a"), dry_run=True
    )
    assert preview.dry_run and len(preview.events) == 7
    assert app.get_plan("example-2025").version == version


def test_time_travel_by_version_and_by_date(app: PlanHistory) -> None:
    v1 = app.import_plan(document(), Author("a", at=AT_1)).version
    v2 = app.import_plan(
        check_document(redesigned(), filename="v2.yaml"), Author("a", at=AT_2)
    ).version
    assert "SI2.1" in app.plan_state("example-2025", version=v1).active()
    assert "SI2.1" not in app.plan_state("example-2025", version=v2).active()
    assert app.version_at("example-2025", date(2025, 3, 1)) == v1
    assert app.version_at("example-2025", date(2025, 8, 31)) == v1
    assert app.version_at("example-2025", AT_2) == v2
    assert app.version_at("example-2025", date(2030, 1, 1)) == v2
    with pytest.raises(VersionNotFound):
        app.version_at("example-2025", date(2025, 2, 28))
    with pytest.raises(VersionNotFound):
        app.get_plan("example-2025", version=v2 + 1)


def test_history_imports_must_not_go_backwards(app: PlanHistory) -> None:
    app.import_plan(document(), Author("a", at=AT_2))
    with pytest.raises(TimeWentBackwards):
        app.import_plan(check_document(redesigned(), filename="v2.yaml"), Author("a", at=AT_1))


def test_export_at_a_version_imports_back_as_a_no_op(app: PlanHistory) -> None:
    v1 = app.import_plan(document(), Author("a", at=AT_1)).version
    app.import_plan(check_document(redesigned(), filename="v2.yaml"), Author("a", at=AT_2))
    old = app.export_plan("example-2025", version=v1)
    assert old == app.export_plan("example-2025", as_of=date(2025, 3, 1))
    other = PlanHistory(app.settings)
    other.import_plan(check_document(old, filename="old.yaml"), Author("a"))
    assert other.import_plan(check_document(old, filename="old.yaml"), Author("a")).events == []
    assert (
        other.plan_state("example-2025").active()
        == app.plan_state("example-2025", version=v1).active()
    )


def test_history_reads_like_a_plan_log(app: PlanHistory) -> None:
    app.import_plan(
        document(), Author("Dr. Alvarez, Superintendent", "first draft", "import", AT_1)
    )
    app.adopt("example-2025", Author("School committee", "vote 5-2", "api", AT_2))
    app.report_benchmark_status("example-2025", "B1", "complete", Author("HR director", at=AT_3))
    entries = app.history("example-2025")
    assert entries[0].summary.startswith("Plan example-2025 drafted: 'District Plan 2025-2028'")
    assert entries[-2].summary == "Plan adopted: vote 5-2"
    assert entries[-1].summary == "Benchmark B1 'Tutors hired' reported complete"
    assert [e.version for e in entries] == list(range(1, len(entries) + 1))
    assert entries[-1].timestamp == AT_3
    assert app.history("example-2025", since=len(entries) - 1)[0].type == "BenchmarkStatusReported"


def test_a_writes_answer_names_what_it_changed_and_leaves_the_plan_as_saved(
    app: PlanHistory,
) -> None:
    """A command's answer describes its events against the plan (without copying it):
    describing them changes nothing the plan holds."""
    app.import_plan(document(), Author("planner", source="import", at=AT_1))
    plan = app.get_plan("example-2025")
    before = copy.deepcopy(dict(plan.elements))
    result = app.report_benchmark_status(
        "example-2025", "B1", "at_risk", Author("HR director", "short of tutors", at=AT_2)
    )
    described = describe_events(
        result.events.events if isinstance(result.events, Entries) else [], known=before
    )
    assert described[-1].summary == (
        "Benchmark B1 'Tutors hired' reported at risk: short of tutors"
    )
    revised = app.revise_element(
        "example-2025",
        "B1",
        {"description": "Tutors hired and trained"},
        Author("planner", at=AT_2),
    )
    assert revised.events[-1].summary.startswith("Benchmark B1 'Tutors hired and trained' revised")
    assert dict(plan.elements) == before  # the plan read before is as it was
    assert before["B1"]["fields"].get("status") != "at_risk"


def test_diff_field_by_field(app: PlanHistory) -> None:
    v1 = app.import_plan(document(), Author("a")).version
    v2 = app.import_plan(check_document(redesigned(), filename="v2.yaml"), Author("a")).version
    diff = app.diff("example-2025", v1, v2).to_dict()
    assert [(a["kind"], a["key"]) for a in diff["added"]] == [("objective", "SO3")]
    assert [(r["kind"], r["key"]) for r in diff["retired"]] == [("initiative", "SI2.1")]
    revised = {r["key"]: r["changes"] for r in diff["revised"]}
    assert revised["SI1.1"] == [
        {"field": "owner", "before": "Director of Curriculum", "after": "Assistant Superintendent"}
    ]
    assert revised["BL-1001 funds SI1.1"] == [{"field": "amount", "before": 80000, "after": 90000}]
    assert {"edge": "supports", "source": "SI1.1", "target": "SO2", "attributes": {}} in diff[
        "linked"
    ]
    assert {(u["source"], u["target"]) for u in diff["unlinked"]} == {
        ("SI2.1", "SO2"),
        ("BL-1001", "PL1"),
    }
    backwards = app.diff("example-2025", v2, v1).to_dict()
    assert [a["key"] for a in backwards["added"] if a["restored"]] == ["SI2.1"]


def test_expected_version_conflict(app: PlanHistory) -> None:
    version = app.import_plan(document(), Author("a")).version
    app.report_benchmark_status(
        "example-2025", "B1", "at_risk", Author("b"), expected_version=version
    )
    with pytest.raises(VersionConflict) as info:
        app.report_benchmark_status(
            "example-2025", "B1", "complete", Author("c"), expected_version=version
        )
    assert info.value.current == version + 1


def test_list_plans(app: PlanHistory) -> None:
    app.import_plan(document(), Author("a"))
    other = plan_data(plan={"id": "other-2026", "district": "Other"})
    app.import_plan(check_document(other, filename="o.yaml"), Author("a"))
    assert [p.plan_id for p in app.list_plans()] == ["example-2025", "other-2026"]


def test_each_stored_event_is_the_bytes_its_mapping_alone_gives(app: PlanHistory) -> None:
    """A command's events are encoded in one pass, each cut where its state begins;
    each stored event is exactly what the mapper gives that one event, even when a
    title spells out how an event's bytes begin."""
    from coherence.domain.plan import plan_uuid

    uid = plan_uuid("example-2025")
    data = plan_data()
    data["objectives"][0]["title"] = f'}},{{"originator_id":"{uid}","originator_version":2,'
    app.import_plan(check_document(data, filename="v1.yaml"), Author("a", source="import"))
    data["objectives"].append({"key": "SO9", "title": "Attendance"})
    app.import_plan(check_document(data, filename="v2.yaml"), Author("b", source="import"))
    stored = app.recorder.select_events(uid)
    assert len(stored) == app.get_plan("example-2025").version > 20
    for each in stored:
        again = app.mapper.to_stored_event(app.mapper.to_domain_event(each))
        assert (again.originator_version, again.topic, again.state) == (
            each.originator_version,
            each.topic,
            each.state,
        )
    assert app.get_plan("example-2025").elements["SO1"]["fields"]["title"].startswith("},{")


def test_sqlite_stores_each_event_as_the_bytes_its_mapping_alone_gives(sqlite_url: str) -> None:
    """On SQLite the rows are inserted with their states as bytearrays (bound without
    sqlite3's adapter lookups): they are stored and read back as the same bytes, events
    and snapshots, and the plan reads back whole."""
    from coherence.application.settings import Settings
    from coherence.domain.plan import plan_uuid

    app = PlanHistory(Settings(store=sqlite_url, snapshot_interval_in_revision=7))
    try:
        app.import_plan(document(), Author("a", source="import"))
        uid = plan_uuid("example-2025")
        stored = app.recorder.select_events(uid)
        assert len(stored) == app.get_plan("example-2025").version > 20
        for each in stored:
            assert type(each.state) is bytes
            again = app.mapper.to_stored_event(app.mapper.to_domain_event(each))
            assert again.state == each.state
        assert app.snapshots is not None
        snapshots = app.snapshots.recorder.select_events(uid)
        assert len(snapshots) > 2 and all(type(s.state) is bytes for s in snapshots)
        fresh = PlanHistory(Settings(store=sqlite_url))
        try:
            assert fresh.plan_state("example-2025") == app.plan_state("example-2025")
            assert fresh.get_plan("example-2025", version=10).version == 10
        finally:
            fresh.close()
    finally:
        app.close()


@pytest.mark.parametrize("count", [1, 4, 5, 6, 24, 25, 26, 31, 257])
def test_sqlite_inserts_rows_in_runs_in_their_order(sqlite_url: str, count: int) -> None:
    """Rows go in by statements of 25, 5 and 1 rows: all of them, in their order, with
    consecutive row ids; a row that is already there refuses the whole write."""
    from eventsourcing.persistence import IntegrityError

    from coherence.application.settings import Settings

    app = PlanHistory(Settings(store=sqlite_url))
    try:
        sqlite = app._sqlite_recorders()
        assert sqlite is not None
        recorder, snapshot_recorder = sqlite
        rows = [("a" * 32, v, "t", bytearray(b"%d" % v)) for v in range(1, count + 1)]
        ids = recorder.insert_rows(rows, [], snapshot_recorder)
        assert list(ids) == list(range(ids[0], ids[0] + count))
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT rowid, originator_version, state FROM stored_events ORDER BY rowid")
            stored = c.fetchall()
        assert [(r[0], r[1], r[2]) for r in stored] == [
            (i, v, b"%d" % v) for i, (_, v, _, _) in zip(ids, rows, strict=True)
        ]
        again = [("b" * 32, v, "t", bytearray(b"x")) for v in range(1, count + 1)]
        with pytest.raises(IntegrityError):
            recorder.insert_rows([*again, rows[-1]], [], snapshot_recorder)
        assert recorder.select_events("b" * 32) == []
    finally:
        app.close()


def test_keys_that_are_not_text_still_encode_as_the_library_writes_them() -> None:
    """Events and snapshots are encoded without orjson's option for keys that are not
    text (its slow path for every dict); data with such keys still encodes, with those
    keys written as text (as the library's JSON transcoder writes them), and an event
    holding some is stored as its mapping alone gives it."""
    import json

    from coherence.application.transcoder import OrjsonTranscoder, PlanMapper
    from coherence.domain.plan import DistrictPlan, plan_uuid

    value = {"n": {1: "one", "two": 2}, "t": [{3.5: None}]}
    assert OrjsonTranscoder().encode(value) == json.dumps(value, separators=(",", ":")).encode()
    event = object.__new__(DistrictPlan.DetailsRevised)
    object.__setattr__(
        event,
        "__dict__",
        {
            "originator_id": plan_uuid("example-2025"),
            "originator_version": 7,
            "timestamp": AT_1,
            "actor": "a",
            "reason": None,
            "source": "api",
            "revision": 3,
            "changes": {"title": "T", 2026: "year"},
        },
    )
    mapper = PlanMapper(transcoder=OrjsonTranscoder())
    stored = mapper.to_stored_event(event)
    assert b'"2026":"year"' in stored.state
    [row] = mapper.encode_events([event], hex_ids=True)
    assert row == (plan_uuid("example-2025").hex, 7, stored.topic, stored.state)
    assert event.timestamp is AT_1


def test_snapshots_are_stored_compressed_and_plain_ones_still_read(app: PlanHistory) -> None:
    """A snapshot holds the whole plan; stored compressed, it takes a fraction of the space.
    Snapshots written before compression (plain JSON) or compressed by zlib itself read
    back the same, and zlib reads ours."""
    import zlib

    from eventsourcing.domain import Snapshot
    from eventsourcing.persistence import StoredEvent

    from coherence.application.transcoder import OrjsonTranscoder, PlanMapper

    app.import_plan(document(), Author("Superintendent", source="import"))
    plan = app.get_plan("example-2025")
    mapper = PlanMapper(transcoder=OrjsonTranscoder())
    snapshot = Snapshot.take(plan)
    stored = mapper.to_stored_event(snapshot)
    plain = OrjsonTranscoder().encode(
        {k: v for k, v in snapshot.__dict__.items() if not k.startswith("originator")}
    )
    assert plain[:1] == b"{"
    assert len(stored.state) < len(plain) / 2
    assert zlib.decompress(stored.state) == plain  # zlib's format: any zlib reads it
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, plain)
    by_zlib = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, zlib.compress(plain, 1)
    )
    for each in (stored, old, by_zlib):
        revived = mapper.to_domain_event(each).mutate(None)
        assert revived.elements == plan.elements and revived.links == plan.links
        assert revived.version == plan.version


def test_encoded_rows_hold_the_stored_states_across_the_versions_digits() -> None:
    """Rows cut each event's id and version off its bytes after the version's digits,
    counted: the same states as one event at a time, from one digit to four, in any
    order of versions, and for a dict that does not start with them."""
    from coherence.application.transcoder import OrjsonTranscoder, PlanMapper
    from coherence.domain.plan import DistrictPlan, plan_uuid

    def event(version: int, *, id_first: bool = True) -> DistrictPlan.Event:
        made = object.__new__(DistrictPlan.DetailsRevised)
        state: dict[str, object] = {
            "originator_id": plan_uuid("example-2025"),
            "originator_version": version,
            "timestamp": AT_1,
            "actor": "a",
            "reason": None,
            "source": "api",
            "revision": 3,
            "changes": {"title": f"T{version}"},
        }
        if not id_first:
            state = {"actor": state.pop("actor"), **state}
        object.__setattr__(made, "__dict__", state)
        return made

    versions = [1, 9, 10, 11, 99, 100, 101, 999, 1000, 5, 10_000, 42]
    events = [event(v) for v in versions] + [event(12, id_first=False)]
    mapper = PlanMapper(transcoder=OrjsonTranscoder())
    rows = mapper.encode_events(events, hex_ids=True)
    expected = [mapper.to_stored_event(e) for e in events]
    assert [(r[1], bytes(r[3])) for r in rows] == [
        (s.originator_version, s.state) for s in expected
    ]
