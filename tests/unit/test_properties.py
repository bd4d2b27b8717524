"""Properties of the history, on random command sequences (hypothesis).

- replaying the stored events gives the same plan (with and without snapshots);
- exporting a plan and importing the file is a no-op, and rebuilds the same plan;
- applying diff(v1, v2) to version v1 gives version v2.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import dump_document, read_document
from coherence.application.settings import Settings
from coherence.domain.changes import PlanState, apply_changes, plan_changes
from coherence.domain.plan import DistrictPlan
from tests.strategies import COMMANDS, SETTINGS, run


def new_app(interval: int = 3) -> PlanHistory:
    return PlanHistory(Settings(store="memory://", snapshot_interval=interval))


def saved_plan(app: PlanHistory, commands: list[tuple[Any, ...]]) -> tuple[DistrictPlan, list[int]]:
    plan = DistrictPlan.draft("prop", title="Property plan", actor="tester")
    versions = run(plan, commands)
    app.save(plan)
    return plan, versions


@SETTINGS
@given(COMMANDS)
def test_replaying_the_events_gives_the_same_plan(commands: list[tuple[Any, ...]]) -> None:
    app = new_app()
    plan, _ = saved_plan(app, commands)
    replayed = app.get_plan("prop")
    assert PlanState.of(replayed) == PlanState.of(plan)
    assert replayed.version == plan.version


@SETTINGS
@given(COMMANDS, st.integers(1, 7))
def test_snapshots_do_not_change_any_version(
    commands: list[tuple[Any, ...]], interval: int
) -> None:
    with_snapshots, without = new_app(interval), new_app(10**9)
    for app in (with_snapshots, without):
        plan = DistrictPlan.draft("prop", actor="tester")
        app.save(plan)
        for cmd in commands:  # one save per command, so snapshots are taken along the way
            plan = app.get_plan("prop")
            run(plan, [cmd])
            if plan.pending_events:
                app._save(plan)
    latest = without.get_plan("prop").version
    for version in range(1, latest + 1):
        assert with_snapshots.plan_state("prop", version=version) == without.plan_state(
            "prop", version=version
        )


@SETTINGS
@given(COMMANDS)
def test_export_then_import_is_a_no_op(commands: list[tuple[Any, ...]]) -> None:
    app = new_app()
    saved_plan(app, commands)
    text = dump_document(app.export_plan("prop"))
    again = app.import_plan(read_document(text, filename="prop.yaml"), Author("tester"))
    assert again.events == []
    fresh = new_app()
    fresh.import_plan(read_document(text, filename="prop.yaml"), Author("tester"))
    original, copy = app.plan_state("prop"), fresh.plan_state("prop")
    assert copy.active() == original.active()
    assert copy.links == original.links
    assert dump_document(fresh.export_plan("prop"), "json") == dump_document(
        app.export_plan("prop"), "json"
    )


@SETTINGS
@given(COMMANDS, st.data())
def test_applying_the_diff_of_two_versions_gives_the_later_one(
    commands: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    app = new_app()
    _, versions = saved_plan(app, commands)
    v1 = data.draw(st.sampled_from(versions))
    v2 = data.draw(st.sampled_from(versions))
    before = app.get_plan("prop", version=v1)
    target = app.plan_state("prop", version=v2)
    changes = app.diff("prop", v1, v2).changes
    assert changes == plan_changes(PlanState.of(before), target)
    apply_changes(before, changes, before.begin_revision(actor="tester"))
    result = PlanState.of(before)
    assert result.active() == target.active()
    assert result.links == target.links
    assert result.details == target.details
    assert plan_changes(result, target) == []
