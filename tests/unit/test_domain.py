"""The DistrictPlan aggregate: its invariants, each refused with a named error and no change."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from coherence.domain.errors import (
    DuplicateKey,
    InvalidLink,
    InvalidTransition,
    InvalidValue,
    KeyKindConflict,
    RetiredElement,
    TimeWentBackwards,
    UnknownElement,
    UnknownField,
    UnknownKind,
)
from coherence.domain.plan import DistrictPlan, Revision
from coherence.domain.values import normalize_fields


def new_plan() -> tuple[DistrictPlan, Revision]:
    plan = DistrictPlan.draft("p", title="Plan", actor="Superintendent", source="api")
    rev = plan.begin_revision(actor="Superintendent", reason="setup")
    plan.add_element("objective", "SO1", {"title": "Literacy"}, rev)
    plan.add_element("initiative", "SI1", {"title": "Tutoring"}, rev)
    plan.add_element("budget_line", "BL1", {"amount": 100, "fiscal_year": "FY26"}, rev)
    plan.link("SI1", "SO1", rev)
    plan.link("BL1", "SI1", rev, {"amount": 60})
    plan.collect_events()
    return plan, plan.begin_revision(actor="Planner")


def refused(plan: DistrictPlan, error: type[Exception], action: object) -> None:
    """The action raises ``error`` and leaves the plan exactly as it was."""
    before = copy.deepcopy((plan.elements, plan.links, plan.version, plan.status))
    pending = len(plan.pending_events)
    with pytest.raises(error):
        action()  # type: ignore[operator]
    assert (plan.elements, plan.links, plan.version, plan.status) == before
    assert len(plan.pending_events) == pending


def test_unknown_kind_is_refused() -> None:
    plan, rev = new_plan()
    refused(plan, UnknownKind, lambda: plan.add_element("goal", "G1", {}, rev))


def test_duplicate_key_is_refused() -> None:
    plan, rev = new_plan()
    refused(
        plan, DuplicateKey, lambda: plan.add_element("objective", "SO1", {"title": "Again"}, rev)
    )


def test_key_of_another_kind_is_refused_even_when_retired() -> None:
    plan, rev = new_plan()
    refused(plan, KeyKindConflict, lambda: plan.add_element("initiative", "SO1", {}, rev))
    plan.retire_element("SO1", rev)
    refused(plan, KeyKindConflict, lambda: plan.add_element("initiative", "SO1", {}, rev))


def test_link_to_missing_or_retired_element_is_refused() -> None:
    plan, rev = new_plan()
    plan.add_element("objective", "SO2", {"title": "Belonging"}, rev)
    refused(plan, UnknownElement, lambda: plan.link("SI1", "SO9", rev))
    plan.retire_element("SO2", rev)
    refused(plan, RetiredElement, lambda: plan.link("SI1", "SO2", rev))


def test_edge_between_wrong_kinds_is_refused() -> None:
    plan, rev = new_plan()
    refused(plan, InvalidLink, lambda: plan.link("SO1", "SI1", rev))
    refused(plan, InvalidLink, lambda: plan.link("BL1", "SO1", rev))


def test_attributes_only_where_the_edge_has_them() -> None:
    plan, rev = new_plan()
    plan.unlink("SI1", "SO1", rev)
    plan.collect_events()
    refused(plan, InvalidValue, lambda: plan.link("SI1", "SO1", rev, {"amount": 5}))
    refused(plan, InvalidValue, lambda: plan.link("BL1", "SI1", rev, {"amount": -5}))


@pytest.mark.parametrize(
    ("kind", "fields", "error"),
    [
        ("benchmark", {"status": "done"}, InvalidValue),
        ("benchmark", {"due": "2026-02-30"}, InvalidValue),
        ("benchmark", {"school_year": "2025-2027"}, InvalidValue),
        ("outcome", {"baseline": "forty"}, InvalidValue),
        ("outcome", {"baseline": True}, InvalidValue),
        ("budget_line", {"fiscal_year": "2026"}, InvalidValue),
        ("initiative", {"owner": 7}, InvalidValue),
        ("initiative", {"start": "2026-01-01", "end": "2025-01-01"}, InvalidValue),
        ("initiative", {"budget": 1}, UnknownField),
    ],
)
def test_bad_values_are_refused(
    kind: str, fields: dict[str, object], error: type[Exception]
) -> None:
    plan, rev = new_plan()
    refused(plan, error, lambda: plan.add_element(kind, "X1", fields, rev))


def test_bad_value_names_the_field() -> None:
    plan, rev = new_plan()
    with pytest.raises(InvalidValue) as info:
        plan.add_element("benchmark", "B1", {"status": "done"}, rev)
    assert info.value.path == "fields.status"
    assert "on_track" in info.value.expected


def test_revision_of_a_retired_element_is_refused() -> None:
    plan, rev = new_plan()
    plan.retire_element("SI1", rev)
    refused(plan, RetiredElement, lambda: plan.revise_element("SI1", {"owner": "x"}, rev))


def test_retiring_removes_links_as_events() -> None:
    plan, rev = new_plan()
    plan.retire_element("SI1", rev)
    names = [type(e).__name__ for e in plan.collect_events()]
    assert names == ["Unlinked", "Unlinked", "ElementRetired"]
    assert plan.links == {}


def test_adding_a_retired_key_restores_it_with_its_history() -> None:
    plan, rev = new_plan()
    plan.retire_element("SO1", rev)
    plan.add_element("objective", "SO1", {"title": "Literacy, again"}, rev)
    events = plan.collect_events()
    assert type(events[-1]).__name__ == "ElementRestored"
    assert plan.elements["SO1"] == {
        "kind": "objective",
        "fields": {"title": "Literacy, again", "description": None},
        "retired": False,
    }


def test_revise_records_only_changed_fields() -> None:
    plan, rev = new_plan()
    assert plan.revise_element("SI1", {"title": "Tutoring", "owner": "Dr. Chen"}, rev)
    (event,) = plan.collect_events()
    assert event.changes == {"owner": "Dr. Chen"}  # type: ignore[attr-defined]
    assert not plan.revise_element("SI1", {"owner": "Dr. Chen"}, rev)


def test_singletons_have_fixed_keys() -> None:
    plan, rev = new_plan()
    assert plan.add_element("mission", None, {"text": "Every student"}, rev) == "mission"
    refused(plan, DuplicateKey, lambda: plan.add_element("mission", None, {"text": "Another"}, rev))
    refused(plan, InvalidValue, lambda: plan.add_element("vision", "V2", {"text": "x"}, rev))
    refused(plan, InvalidValue, lambda: plan.add_element("vision", None, {"text": "  "}, rev))


def test_lifecycle_in_order_only() -> None:
    plan, rev = new_plan()
    refused(plan, InvalidTransition, lambda: plan.start_redesign(rev))
    plan.adopt(rev)
    refused(plan, InvalidTransition, lambda: plan.adopt(rev))
    plan.start_redesign(rev)
    plan.adopt(rev)
    plan.close(rev)
    assert plan.status == "closed"
    refused(plan, InvalidTransition, lambda: plan.add_element("objective", "SO9", {}, rev))


def test_progress_reports() -> None:
    plan, rev = new_plan()
    plan.add_element("benchmark", "B1", {"kind": "process"}, rev)
    plan.add_element("outcome", "OC1", {"kind": "final"}, rev)
    plan.report_benchmark_status("B1", "at_risk", rev)
    plan.report_outcome_result("OC1", "2026-06-30", 47.0, rev)
    plan.report_outcome_result("OC1", "2025-06-30", 44, rev)
    plan.report_outcome_result("OC1", "2026-06-30", 48, rev)
    assert plan.elements["B1"]["fields"]["status"] == "at_risk"
    assert plan.elements["OC1"]["fields"]["results"] == [
        {"as_of": "2025-06-30", "value": 44},
        {"as_of": "2026-06-30", "value": 48},
    ]
    refused(plan, InvalidValue, lambda: plan.report_benchmark_status("OC1", "on_track", rev))
    refused(plan, InvalidValue, lambda: plan.report_benchmark_status("B1", "great", rev))


def test_every_event_records_who_why_and_through_what() -> None:
    plan = DistrictPlan.draft("p", actor="Dr. Alvarez", reason="first draft", source="import")
    rev = plan.begin_revision(actor="Board clerk", reason="vote 5-2", source="cli")
    plan.adopt(rev)
    drafted, adopted = plan.collect_events()
    assert (drafted.actor, drafted.reason, drafted.source, drafted.revision) == (  # type: ignore[attr-defined]
        "Dr. Alvarez",
        "first draft",
        "import",
        1,
    )
    assert (adopted.actor, adopted.reason, adopted.source, adopted.revision) == (  # type: ignore[attr-defined]
        "Board clerk",
        "vote 5-2",
        "cli",
        2,
    )


def test_recording_time_never_goes_backwards() -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    plan = DistrictPlan.draft("p", actor="a", at=at)
    with pytest.raises(TimeWentBackwards):
        plan.begin_revision(actor="a", at=at - timedelta(days=1))
    with pytest.raises(InvalidValue):
        plan.begin_revision(actor="a", at=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(InvalidValue):
        plan.begin_revision(actor=" ")
    rev = plan.begin_revision(actor="a", at=at)
    assert rev.number == 2


def test_singleton_keys_are_reserved() -> None:
    plan, rev = new_plan()
    refused(
        plan, KeyKindConflict, lambda: plan.add_element("core_value", "mission", {"name": "x"}, rev)
    )


def test_amounts_are_dollars_and_cents() -> None:
    plan, rev = new_plan()
    plan.add_element("budget_line", "BL2", {"amount": 1234.5}, rev)
    refused(
        plan, InvalidValue, lambda: plan.add_element("budget_line", "BL3", {"amount": 10.005}, rev)
    )
    refused(plan, InvalidValue, lambda: plan.link("BL1", "SI1", rev, {"amount": 0.001}))


def test_a_copy_of_a_plan_shares_nothing_a_command_changes() -> None:
    """Commands work on a copy of the cached plan; changing the copy leaves the original."""
    plan, rev = new_plan()
    plan.add_element("outcome", "O1", {"statement": "Reading"}, rev)
    plan.link("O1", "SO1", rev)
    plan.report_outcome_result("O1", "2026-06-01", 40, rev)
    plan.add_element("benchmark", "B1", {"description": "Pilot"}, rev)
    plan.collect_events()
    before = copy.deepcopy((plan.elements, plan.links, plan.version, plan.revision))
    snapshot_state = (
        {k: {**e, "fields": dict(e["fields"])} for k, e in plan.elements.items()},
        {s: dict(t) for s, t in plan.links.items()},
    )

    clone = copy.deepcopy(plan)
    rev2 = clone.begin_revision(actor="Planner")
    clone.report_outcome_result("O1", "2026-06-01", 55, rev2)
    clone.report_outcome_result("O1", "2027-06-01", 60, rev2)
    clone.revise_element("SO1", {"title": "Literacy for all"}, rev2)
    clone.link("BL1", "SI1", rev2, {"amount": 80})
    clone.retire_element("SI1", rev2)
    clone.report_benchmark_status("B1", "on_track", rev2)

    assert (plan.elements, plan.links, plan.version, plan.revision) == before
    assert plan.elements["O1"]["fields"]["results"] == [{"as_of": "2026-06-01", "value": 40}]
    assert (plan.elements, plan.links) == snapshot_state
    assert plan.pending_events == []
    assert clone.elements["O1"]["fields"]["results"][0]["value"] == 55
    assert "SI1" not in clone.links.get("BL1", {})
    assert clone.elements["B1"]["fields"]["status"] == "on_track"
    assert plan.elements["B1"]["fields"]["status"] != "on_track"


def test_normalized_fields_are_read_only_proof_of_their_kind() -> None:
    """A plan file's check normalizes each element once; adding it trusts that, and
    nothing can change the fields in between."""
    fields = normalize_fields("benchmark", {"description": "Pilot", "due": date(2026, 6, 1)})
    assert fields["due"] == "2026-06-01"
    assert normalize_fields("benchmark", fields) is fields
    with pytest.raises(TypeError):
        fields["status"] = "finished"  # type: ignore[index]
    with pytest.raises(TypeError):
        fields.update(status="finished")
    copied = dict(fields)
    copied["status"] = "finished"
    with pytest.raises(InvalidValue):
        normalize_fields("benchmark", copied)
    # The same values under another kind are checked as that kind.
    with pytest.raises(UnknownField):
        normalize_fields("objective", fields)
