"""Undoing a revision: a new revision reversing it, or a 409 naming what changed since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidValue, UndoConflict, VersionNotFound
from tests.plans import document, yaml_text

PLAN = "example-2025"
API = f"/api/v1/plans/{PLAN}"


@pytest.fixture
def history() -> PlanHistory:
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("Dr. Alvarez"))
    return history


def state(history: PlanHistory) -> PlanState:
    return history.plan_state(PLAN)


def test_undo_reverses_a_revision_as_a_new_one(history: PlanHistory) -> None:
    original = state(history)
    # a revision of a field, a retirement, an addition and a link, one revision each
    revised = history.revise_element(PLAN, "SI1.1", {"title": "High-dosage tutoring"}, Author("A"))
    retired = history.retire_element(PLAN, "PL1", Author("B"))
    added = history.add_element(
        PLAN, "initiative", "SI2.2", {"title": "Mentors"}, Author("C", "new idea")
    )
    history.link(PLAN, "SI2.2", "SO2", Author("C"))
    assert revised.revision is not None and retired.revision is not None

    result = history.undo_revision(PLAN, revised.revision, Author("Admin", "wrong title"))
    assert result.revision is not None and result.revision > revised.revision
    (entry,) = result.events
    assert entry.type == "ElementRevised" and entry.key == "SI1.1"
    assert entry.reason == f"Undo of revision {revised.revision}: wrong title"
    assert state(history).elements["SI1.1"].fields["title"] == "Tutoring"

    result = history.undo_revision(PLAN, retired.revision, Author("Admin"))
    assert {e.type for e in result.events} == {"ElementRestored", "Linked"}
    assert result.events[0].reason == f"Undo of revision {retired.revision}"
    assert state(history).elements["PL1"] == original.elements["PL1"]
    assert state(history).links[("PL1", "SI1.1")] == original.links[("PL1", "SI1.1")]

    assert added.revision is not None
    history.undo_revision(PLAN, added.revision + 1, Author("Admin"))  # the link
    history.undo_revision(PLAN, added.revision, Author("Admin"))  # the addition
    now = state(history)
    assert now.elements["SI2.2"].retired and ("SI2.2", "SO2") not in now.links
    assert now.active() == original.active() and now.links == original.links


def test_undo_refuses_when_a_later_revision_changed_the_same_fields(
    history: PlanHistory,
) -> None:
    first = history.revise_element(PLAN, "SI1.1", {"title": "T2", "owner": "Ana"}, Author("A"))
    history.revise_element(PLAN, "SI1.1", {"owner": "Ben"}, Author("B"))
    history.link(PLAN, "SI2.1", "SO1", Author("B"))
    added = history.add_element(PLAN, "objective", "SO3", {"title": "Attendance"}, Author("C"))
    history.revise_element(PLAN, "SO3", {"description": "Fewer absences"}, Author("D"))
    version = history.get_plan(PLAN).version
    assert first.revision is not None and added.revision is not None

    with pytest.raises(UndoConflict) as e:
        history.undo_revision(PLAN, first.revision, Author("Admin"))
    assert e.value.keys == ["SI1.1 (owner)"]
    assert "later revisions changed SI1.1 (owner)" in str(e.value)
    with pytest.raises(UndoConflict) as e:
        history.undo_revision(PLAN, added.revision, Author("Admin"))
    assert e.value.keys == ["SO3"]
    assert history.get_plan(PLAN).version == version  # nothing saved

    with pytest.raises(VersionNotFound):
        history.undo_revision(PLAN, 99, Author("Admin"))
    with pytest.raises(InvalidValue):
        history.undo_revision(PLAN, 1, Author("Admin"))
    adopted = history.adopt(PLAN, Author("Admin"))
    assert adopted.revision is not None
    with pytest.raises(InvalidValue) as refused:
        history.undo_revision(PLAN, adopted.revision, Author("Admin"))
    assert "adoption" in refused.value.expected


def test_api_undo_is_for_admins_and_answers_409_naming_the_elements(
    history: PlanHistory,
) -> None:
    client = TestClient(create_app(api_context(history)))
    r = client.patch(f"{API}/elements/SI1.1", json={"fields": {"title": "T2"}})
    revision = r.json()["revision"]
    r = client.post(f"{API}/revisions/{revision}/undo", json={"reason": "typo"})
    assert r.status_code == 200, r.text
    (change,) = r.json()["changes"]
    assert change["reason"] == f"Undo of revision {revision}: typo"
    assert client.get(f"{API}/elements/SI1.1").json()["fields"]["title"] == "Tutoring"

    r = client.patch(f"{API}/elements/SI2.1", json={"fields": {"owner": "Ana"}})
    revision = r.json()["revision"]
    client.patch(f"{API}/elements/SI2.1", json={"fields": {"owner": "Ben"}})
    version = client.get(f"{API}").json()["version"]
    r = client.post(f"{API}/revisions/{revision}/undo", json={})
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["title"] == "Undo conflicts with later changes"
    assert body["elements"] == ["SI2.1 (owner)"] and "SI2.1" in body["detail"]
    assert client.get(f"{API}").json()["version"] == version
    assert client.post(f"{API}/revisions/999/undo", json={}).status_code == 404


def test_cli_undo(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--store", store], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml_text(), encoding="utf-8")
    run("import", str(plan_file))
    data = yaml_text().replace("Family liaisons", "Family partners")
    plan_file.write_text(data, encoding="utf-8")
    assert run("import", str(plan_file))[0] == 0
    code, out, err = run("undo", PLAN, "2", "--reason", "not agreed", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["revision"] == 3
    assert result["changes"][0]["reason"] == "Undo of revision 2: not agreed"
    code, _, err = run("undo", PLAN, "2")
    assert code == 2 and "SI2.1 (title)" in err
