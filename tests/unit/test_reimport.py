"""Re-importing a plan that is not in the cache: the command works on the plan as read
from the store (no copy) and caches it once written; a refused one changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidValue
from tests.plans import document, plan_data

AUTHOR = Author("planner", reason="revision", source="import")


def redesigned() -> dict[str, object]:
    """The example plan with an initiative's owner changed and an objective added."""
    data = plan_data()
    data["initiatives"][0]["owner"] = "Assistant Superintendent"
    data["objectives"].append({"key": "SO3", "title": "Attendance"})
    return data


def test_a_reimport_of_an_uncached_plan_reads_as_a_fresh_app_reads_it(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'plans.db'}"
    PlanHistory(Settings(store=store)).import_plan(document(), AUTHOR)
    app = PlanHistory(Settings(store=store))  # nothing cached
    result = app.import_plan(check_document(redesigned(), filename="v2.yaml"), AUTHOR)
    assert result.events
    again = app.import_plan(check_document(redesigned(), filename="v2.yaml"), AUTHOR)
    assert again.events == []  # the cached plan is the one written
    fresh = PlanHistory(Settings(store=store))
    assert PlanState.of(app.get_plan(result.plan_id)) == PlanState.of(
        fresh.get_plan(result.plan_id)
    )
    assert app.get_plan(result.plan_id).version == result.version


def test_a_refused_command_on_an_uncached_plan_leaves_reads_as_they_were(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'plans.db'}"
    first = PlanHistory(Settings(store=store)).import_plan(document(), AUTHOR)
    app = PlanHistory(Settings(store=store))
    before = PlanState.of(PlanHistory(Settings(store=store)).get_plan(first.plan_id))
    with pytest.raises(InvalidValue):
        app.revise_element(
            first.plan_id, "SI1.1", {"start": "2026-09-01", "end": "2026-01-01"}, AUTHOR
        )
    assert PlanState.of(app.get_plan(first.plan_id)) == before
    assert app.get_plan(first.plan_id).version == first.version
