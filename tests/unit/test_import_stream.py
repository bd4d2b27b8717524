"""A new plan's first import is streamed (``DistrictPlan.populate``): it must save
exactly the events that importing the same file step by step records."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from typing import Any

import pytest

from coherence.application.demo import demo_files
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import PlanDocument, check_document, read_document
from coherence.application.settings import Settings
from coherence.domain.changes import Link, PlanState, apply_changes, plan_changes
from coherence.domain.errors import InvalidLink, PlanNotFound, UnknownElement
from coherence.domain.plan import DistrictPlan, Revision, plan_uuid
from tests.plans import plan_data

AUTHOR = Author("tester", reason="first import", source="import")


def _payloads(events: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    drop = {"originator_id", "timestamp"}
    return [
        (type(e).__name__, {k: v for k, v in e.__dict__.items() if k not in drop}) for e in events
    ]


def step_by_step(document: PlanDocument) -> DistrictPlan:
    """A new plan built one command per element and link (the pre-streaming import)."""
    plan = DistrictPlan.draft(
        document.plan_id,
        actor=AUTHOR.actor,
        reason=AUTHOR.reason,
        source=AUTHOR.source,
        **document.state.details,
    )
    rev = Revision(1, AUTHOR.actor, AUTHOR.reason, AUTHOR.source, plan.modified_on)
    apply_changes(plan, plan_changes(PlanState.of(plan), document.state), rev)
    return plan


def documents() -> list[PlanDocument]:
    demo = resources.files("coherence.demo")
    files = [
        read_document(demo.joinpath(name).read_text(encoding="utf-8"), filename=name)
        for name in sorted(demo_files())
    ]
    return [*files, check_document(plan_data(), filename="example.yaml")]


@pytest.mark.parametrize("document", documents(), ids=lambda d: d.plan_id)
def test_the_streamed_import_saves_the_step_by_step_events(document: PlanDocument) -> None:
    app = PlanHistory(Settings(store="memory://"))
    result = app.import_plan(document, AUTHOR)
    saved = list(app.events.get(plan_uuid(document.plan_id)))
    expected = step_by_step(document)

    assert len(saved) > 20
    assert {type(e).__name__ for e in saved} >= {"Drafted", "ElementAdded", "Linked"}
    assert _payloads(saved) == _payloads(list(expected.collect_events()))
    assert PlanState.of(app.get_plan(document.plan_id)) == PlanState.of(expected)
    assert len(result.events) == len(saved)


def test_what_the_file_check_did_not_see_is_refused_and_nothing_saved() -> None:
    """The streamed import re-checks every element and link it is handed."""
    good = check_document(plan_data(), filename="example.yaml")
    dangling = {**good.state.links, ("SI1.1", "SO9"): Link("supports")}
    wrong_edge = {**good.state.links, ("SO1", "SI1.1"): Link("supports")}
    app = PlanHistory(Settings(store="memory://"))
    for links, error in ((dangling, UnknownElement), (wrong_edge, InvalidLink)):
        state = PlanState(good.plan_id, good.state.details, good.state.elements, links)
        # built by hand, or a checked file's document with another state in its place
        for document in (PlanDocument(good.plan_id, state), replace(good, state=state)):
            with pytest.raises(error):
                app.import_plan(document, AUTHOR)
            with pytest.raises(PlanNotFound):
                app.get_plan(good.plan_id)


def test_a_checked_plan_file_cannot_be_changed_before_its_import() -> None:
    """A checked file's elements and links are imported without a second check, so
    they are read-only."""
    good = check_document(plan_data(), filename="example.yaml")
    link = next(link for link in good.state.links.values() if link.edge == "funds")
    with pytest.raises(TypeError):
        good.state.links[("SI1.1", "SO9")] = Link("supports")  # type: ignore[index]
    with pytest.raises(TypeError):
        good.state.elements["SO9"] = good.state.elements["SO1"]  # type: ignore[index]
    with pytest.raises(TypeError):
        link.attributes["amount"] = "a lot"  # type: ignore[index]
    with pytest.raises(TypeError):
        good.state.elements["SO1"].fields["title"] = 7  # type: ignore[index]
