"""Scenarios (draft copies of a plan with a history of their own, plan~name: fork,
change, compare, merge, discard) and the rollover to the next school year."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.changes import PlanState
from coherence.domain.errors import (
    InvalidTransition,
    InvalidValue,
    MergeConflict,
    ScenarioExists,
    ScenarioNotFound,
)
from coherence.domain.rollover import next_key, rollover_choices
from coherence.queries.reader import PlanReader
from tests.plans import document, plan_data

PLAN = "example-2025"
SCENARIO = f"{PLAN}~fy28-cuts"
API = "/api/v1/plans"
A = Author("Ana Ruiz")


@pytest.fixture
def history() -> PlanHistory:
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("Dr. Alvarez"))
    return history


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(history)))


def state(history: PlanHistory, plan_id: str = PLAN) -> PlanState:
    return history.plan_state(plan_id)


def title(history: PlanHistory, key: str, plan_id: str = PLAN) -> Any:
    return state(history, plan_id).elements[key].fields["title"]


# -- fork, change, merge -------------------------------------------------------------


def test_a_scenario_is_a_copy_with_a_history_of_its_own(history: PlanHistory) -> None:
    history.retire_element(PLAN, "EG1", A)
    live = history.get_plan(PLAN)
    result = history.create_scenario(PLAN, "fy28-cuts", A)
    assert (result.plan_id, result.revision, result.created) == (SCENARIO, 1, True)
    copy, original = state(history, SCENARIO), state(history, PLAN)
    assert copy.elements == original.elements  # retired ones too: their keys stay taken
    assert copy.links == original.links and copy.details == original.details
    scenario = history.get_plan(SCENARIO)
    assert scenario.fork == {"plan": PLAN, "version": live.version, "name": "fy28-cuts"}
    entries = history.history(SCENARIO)
    assert entries[1].summary.startswith(f"Scenario ~fy28-cuts of plan {PLAN} at version")
    # Its own stream: changing it leaves the plan alone.
    history.revise_element(SCENARIO, "SO2", {"title": "Belonging, revised"}, A)
    assert title(history, "SO2") == "Belonging"
    assert history.get_plan(PLAN).version == live.version
    # Listed as the plan's scenario, not as a plan.
    assert [p.plan_id for p in history.list_plans()] == [PLAN]
    assert [(s.plan_id, s.status, s.forked_from) for s in history.scenarios(PLAN)] == [
        (SCENARIO, "draft", live.version)
    ]


def test_a_scenario_of_an_earlier_version(history: PlanHistory) -> None:
    first = history.get_plan(PLAN).version
    history.revise_element(PLAN, "SO1", {"title": "Literacy"}, A)
    history.create_scenario(PLAN, "old", A, version=first)
    assert title(history, "SO1", f"{PLAN}~old") == "Early literacy"
    # Merging it does not undo what the plan changed since: only the scenario's changes.
    history.revise_element(f"{PLAN}~old", "SO2", {"title": "Belonging!"}, A)
    history.merge_scenario(PLAN, "old", A)
    assert (title(history, "SO1"), title(history, "SO2")) == ("Literacy", "Belonging!")


def test_merge_is_one_revision_naming_the_scenario(history: PlanHistory) -> None:
    history.create_scenario(PLAN, "fy28-cuts", A)
    history.revise_element(SCENARIO, "SO2", {"title": "Belonging!"}, A)
    history.retire_element(SCENARIO, "BL-1001", A)
    history.add_element(SCENARIO, "initiative", "SI2.2", {"title": "Mentors"}, A)
    history.link(SCENARIO, "SI2.2", "SO2", A)
    # Meanwhile, on the plan, another element changes: merged alongside.
    history.revise_element(PLAN, "SI1.1", {"owner": "Literacy Office"}, A)
    revisions = {e.revision for e in history.history(PLAN)}
    result = history.merge_scenario(PLAN, "fy28-cuts", Author("Dr. Alvarez", "FY28 budget"))
    after = history.history(PLAN)
    assert {e.revision for e in after} - revisions == {result.revision}
    merged = [e for e in after if e.revision == result.revision]
    assert {e.reason for e in merged} == {"Merge of scenario ~fy28-cuts: FY28 budget"}
    now = state(history)
    assert now.elements["SI1.1"].fields["owner"] == "Literacy Office"
    assert now.elements["SO2"].fields["title"] == "Belonging!"
    assert now.elements["BL-1001"].retired and now.elements["SI2.2"].kind == "initiative"
    assert ("SI2.2", "SO2") in now.links
    # The scenario is merged: it keeps its history and no longer changes.
    scenario = history.get_plan(SCENARIO)
    assert scenario.status == "merged"
    assert history.history(SCENARIO)[-1].summary.startswith("Scenario merged into its plan")
    with pytest.raises(InvalidTransition, match="merged"):
        history.revise_element(SCENARIO, "SO2", {"title": "Again"}, A)
    with pytest.raises(InvalidTransition, match="merged"):
        history.merge_scenario(PLAN, "fy28-cuts", A)


def test_a_change_to_the_same_element_on_both_sides_is_a_conflict(history: PlanHistory) -> None:
    history.create_scenario(PLAN, "fy28-cuts", A)
    history.revise_element(SCENARIO, "SO2", {"title": "Belonging!"}, A)
    history.retire_element(SCENARIO, "SI2.1", A)
    history.revise_element(SCENARIO, "SO1", {"title": "Same change"}, A)
    history.revise_element(PLAN, "SO2", {"description": "Changed on the plan"}, A)
    history.link(PLAN, "SI2.1", "SO1", A)  # linked on the plan, retired in the scenario
    history.revise_element(PLAN, "SO1", {"title": "Same change"}, A)  # the same: no conflict
    before = history.get_plan(PLAN).version
    with pytest.raises(MergeConflict) as raised:
        history.merge_scenario(PLAN, "fy28-cuts", A)
    assert raised.value.keys == ["SO2", "SI2.1 -> SO1"]
    assert history.get_plan(PLAN).version == before
    assert history.get_plan(SCENARIO).status == "draft"


def test_discard_is_an_event_and_the_history_stays(history: PlanHistory) -> None:
    history.create_scenario(PLAN, "fy28-cuts", A)
    history.revise_element(SCENARIO, "SO2", {"title": "Belonging!"}, A)
    result = history.discard_scenario(PLAN, "fy28-cuts", Author("Ana", "not this year"))
    assert [e.type for e in result.events] == ["Discarded"]
    entries = history.history(SCENARIO)
    assert [e.type for e in entries[-2:]] == ["ElementRevised", "Discarded"]
    assert title(history, "SO2", SCENARIO) == "Belonging!"
    with pytest.raises(InvalidTransition, match="discarded"):
        history.revise_element(SCENARIO, "SO2", {"title": "Again"}, A)
    with pytest.raises(InvalidTransition, match="discarded"):
        history.merge_scenario(PLAN, "fy28-cuts", A)
    with pytest.raises(InvalidTransition, match="discarded"):
        history.discard_scenario(PLAN, "fy28-cuts", A)
    assert [s.status for s in history.scenarios(PLAN)] == ["discarded"]
    with pytest.raises(ScenarioExists):  # a name is kept with its history
        history.create_scenario(PLAN, "fy28-cuts", A)


@pytest.mark.parametrize("name", ["FY28", "fy28 cuts", "-cuts", "a~b", "x" * 41, ""])
def test_a_name_that_is_not_a_slug_is_refused(history: PlanHistory, name: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        history.create_scenario(PLAN, name, A)
    assert raised.value.path == "name"


def test_refusals(history: PlanHistory) -> None:
    history.create_scenario(PLAN, "fy28-cuts", A)
    with pytest.raises(InvalidValue, match="scenario of a scenario") as raised:
        history.create_scenario(SCENARIO, "deeper", A)
    assert raised.value.path == "plan"
    with pytest.raises(ScenarioNotFound, match="no scenario 'nope'"):
        history.merge_scenario(PLAN, "nope", A)
    with pytest.raises(ScenarioNotFound):
        history.get_plan(f"{PLAN}~nope")
    with pytest.raises(InvalidValue, match="changes to merge"):
        history.merge_scenario(PLAN, "fy28-cuts", A)
    with pytest.raises(InvalidTransition, match="a scenario is a draft"):
        history.adopt(SCENARIO, A)
    with pytest.raises(InvalidValue) as moved:
        history.revise_details(SCENARIO, {"district": "Elsewhere"}, A)
    assert moved.value.path == "plan.district"
    with pytest.raises(InvalidTransition, match="not a scenario"):
        history.get_plan(PLAN).discard(
            history.get_plan(PLAN, for_update=True).begin_revision(actor="x")
        )


def test_an_import_names_an_existing_scenario_only(history: PlanHistory) -> None:
    history.create_scenario(PLAN, "fy28-cuts", A)
    exported = history.export_plan(SCENARIO)
    assert exported["plan"]["id"] == SCENARIO
    assert history.import_plan(document(exported), A).events == []  # a no-op
    exported["objectives"][1]["title"] = "Belonging, from a file"
    history.import_plan(document(exported), A)
    assert title(history, "SO2", SCENARIO) == "Belonging, from a file"
    assert title(history, "SO2") == "Belonging"
    exported["plan"]["id"] = f"{PLAN}~new"
    with pytest.raises(ScenarioNotFound):
        history.import_plan(document(exported), A)


# -- the API -------------------------------------------------------------------------


def test_api_create_list_compare_merge_discard(client: TestClient, history: PlanHistory) -> None:
    r = client.post(f"{API}/{PLAN}/scenarios", json={"name": "fy28-cuts", "reason": "FY28"})
    assert r.status_code == 201, r.text
    assert r.json()["plan"] == SCENARIO
    r = client.get(f"{API}/{PLAN}/scenarios")
    assert [s["plan"] for s in r.json()] == [SCENARIO]
    assert [p["plan"] for p in client.get(API).json()] == [PLAN]
    # Writes to the scenario through the plan routes.
    r = client.delete(f"{API}/{SCENARIO}/links/BL-1001/SI1.1")
    assert r.status_code == 200, r.text
    r = client.patch(f"{API}/{SCENARIO}/elements/SO2", json={"fields": {"title": "Belonging!"}})
    assert r.status_code == 200, r.text
    # Compare: the what-if's shape.
    r = client.get(f"{API}/{PLAN}/scenarios/fy28-cuts/compare")
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"plan", "diff", "findings", "funding", "losing_all_funding"} <= set(body)
    assert set(body["findings"]) == {"added", "resolved"}
    assert set(body["funding"]) == {"before", "after"}
    assert set(body["losing_all_funding"]) == {"objectives", "initiatives"}
    assert body["losing_all_funding"]["initiatives"] == ["SI1.1"]
    assert body["conflicts"] == [] and body["scenario"]["plan"] == SCENARIO
    assert [c["key"] for c in body["diff"]["revised"]] == ["SO2"]
    assert {(f["rule"], f["key"]) for f in body["findings"]["added"]} >= {
        ("unfunded-initiative", "SI1.1")
    }
    objectives = body["funding"]["before"]["by_objective"]
    assert [o["key"] for o in objectives][:1] == ["SO1"]
    # Merge: If-Match on the live plan.
    live = history.get_plan(PLAN).version
    r = client.post(
        f"{API}/{PLAN}/scenarios/fy28-cuts/merge", json={}, headers={"If-Match": f'"{live - 1}"'}
    )
    assert r.status_code == 409 and r.json()["current_version"] == live
    r = client.post(
        f"{API}/{PLAN}/scenarios/fy28-cuts/merge",
        json={"reason": "adopted budget"},
        headers={"If-Match": f'"{live}"'},
    )
    assert r.status_code == 200, r.text
    assert {c["reason"] for c in r.json()["changes"]} == {
        "Merge of scenario ~fy28-cuts: adopted budget"
    }
    assert ("unfunded-initiative", "SI1.1") in {
        (f["rule"], f["key"]) for f in r.json()["audit"]["added"]
    }
    assert r.headers["etag"] == f'"{r.json()["version"]}"'
    # A merged scenario cannot be merged again, nor discarded.
    r = client.post(f"{API}/{PLAN}/scenarios/fy28-cuts/merge", json={})
    assert r.status_code == 409 and "merged" in r.json()["detail"]
    # Discard another.
    client.post(f"{API}/{PLAN}/scenarios", json={"name": "other"})
    r = client.delete(f"{API}/{PLAN}/scenarios/other", params={"reason": "no"})
    assert r.status_code == 200 and r.json()["changes"][0]["type"] == "Discarded"
    r = client.post(f"{API}/{PLAN}/scenarios/other/merge", json={})
    assert r.status_code == 409 and "discarded" in r.json()["detail"]
    r = client.patch(f"{API}/{PLAN}~other/elements/SO2", json={"fields": {"title": "x"}})
    assert r.status_code == 409 and "discarded" in r.json()["detail"]
    statuses = {s["name"]: s["status"] for s in client.get(f"{API}/{PLAN}/scenarios").json()}
    assert statuses == {"fy28-cuts": "merged", "other": "discarded"}


def test_api_merge_conflict_names_the_elements_and_saves_nothing(
    client: TestClient, history: PlanHistory
) -> None:
    client.post(f"{API}/{PLAN}/scenarios", json={"name": "fy28-cuts"})
    client.patch(f"{API}/{SCENARIO}/elements/SI1.1", json={"fields": {"owner": "Scenario"}})
    client.patch(f"{API}/{PLAN}/elements/SI1.1", json={"fields": {"owner": "Live"}})
    before = history.get_plan(PLAN).version
    r = client.post(f"{API}/{PLAN}/scenarios/fy28-cuts/merge", json={})
    assert r.status_code == 409
    assert r.json()["elements"] == ["SI1.1"] and "SI1.1" in r.json()["detail"]
    assert history.get_plan(PLAN).version == before
    compared = client.get(f"{API}/{PLAN}/scenarios/fy28-cuts/compare").json()
    assert compared["conflicts"] == ["SI1.1"]


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/audit",
        "/graph?format=graphml",
        "/history",
        "/funding",
        "/diff?from=1&to=2",
        "/timeline",
        "/graph/timeline",
        "/elements/SO1",
        "/sections/objectives?format=csv",
        "?format=xlsx",
    ],
)
def test_every_read_route_takes_a_scenario(client: TestClient, path: str) -> None:
    client.post(f"{API}/{PLAN}/scenarios", json={"name": "fy28-cuts"})
    r = client.get(f"{API}/{SCENARIO}{path}")
    assert r.status_code == 200, r.text
    if path == "":
        assert r.json()["plan"] == SCENARIO and r.json()["document"]["plan"]["id"] == SCENARIO
    r = client.post(f"{API}/{SCENARIO}/what-if", json={"retire": ["BL-1001"]})
    assert r.status_code == 200, r.text


def test_api_bad_input(client: TestClient) -> None:
    r = client.post(f"{API}/{PLAN}/scenarios", json={"name": "FY 28"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "name"
    client.post(f"{API}/{PLAN}/scenarios", json={"name": "fy28-cuts"})
    r = client.post(f"{API}/{PLAN}/scenarios", json={"name": "fy28-cuts"})
    assert r.status_code == 409
    r = client.post(f"{API}/{SCENARIO}/scenarios", json={"name": "deeper"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "plan"
    for r in (
        client.get(f"{API}/{PLAN}/scenarios/nope/compare"),
        client.post(f"{API}/{PLAN}/scenarios/nope/merge", json={}),
        client.delete(f"{API}/{PLAN}/scenarios/nope"),
        client.get(f"{API}/{PLAN}~nope"),
        client.get(f"{API}/{PLAN}~nope/audit"),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["title"] == "Scenario not found"
    r = client.post(f"{API}/{PLAN}/scenarios", json={"name": "x", "version": 999})
    assert r.status_code == 404


def test_access_is_the_plans(client: TestClient, history: PlanHistory) -> None:
    other = plan_data()
    other["plan"].update(id="other-2025", district="Other Public Schools")
    history.import_plan(document(other), A)
    history.create_scenario(PLAN, "fy28-cuts", A)
    history.create_scenario("other-2025", "fy28-cuts", A)

    def headers(role: str, **scope: Any) -> dict[str, str]:
        secret, _ = issue_token(history, owner=f"{role} person", role=role, **scope)
        return {"Authorization": f"Bearer {secret}"}

    viewer = headers("viewer", districts=["Example Public Schools"])
    assert client.get(f"{API}/{SCENARIO}", headers=viewer).status_code == 200
    assert client.get(f"{API}/{PLAN}/scenarios", headers=viewer).status_code == 200
    r = client.get(f"{API}/{PLAN}/scenarios/fy28-cuts/compare", headers=viewer)
    assert r.status_code == 200
    for r in (
        client.patch(f"{API}/{SCENARIO}/elements/SO2", json={"fields": {}}, headers=viewer),
        client.post(f"{API}/{PLAN}/scenarios", json={"name": "mine"}, headers=viewer),
        client.delete(f"{API}/{PLAN}/scenarios/fy28-cuts", headers=viewer),
        client.post(f"{API}/{PLAN}/scenarios/fy28-cuts/merge", json={}, headers=viewer),
    ):
        assert r.status_code == 403, r.text
    # A token of the plan itself reads and writes its scenarios.
    editor = headers("editor", plans=[PLAN])
    r = client.patch(
        f"{API}/{SCENARIO}/elements/SO2", json={"fields": {"title": "x"}}, headers=editor
    )
    assert r.status_code == 200
    # Another district's scenarios are not there at all.
    for path in (
        "/other-2025~fy28-cuts",
        "/other-2025~fy28-cuts/audit",
        "/other-2025/scenarios",
        "/other-2025/scenarios/fy28-cuts/compare",
    ):
        r = client.get(f"{API}{path}", headers=viewer)
        assert r.status_code == 404, path
        assert r.json()["detail"].startswith("No plan with id")
    r = client.post(f"{API}/other-2025/scenarios/fy28-cuts/merge", json={}, headers=editor)
    assert r.status_code == 404


# -- the command line ----------------------------------------------------------------


def run(store: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--store", store])
    return result.exit_code, result.stdout, result.stderr


def test_cli_scenarios(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'x.db'}"
    version = PlanHistory(Settings(store=store)).import_plan(document(), A).version
    code, out, err = run(store, "scenario", "create", PLAN, "fy28-cuts", "--version", str(version))
    assert code == 0, err
    assert SCENARIO in out
    code, out, _ = run(store, "scenario", "list", PLAN, "--format", "json")
    assert [s["plan"] for s in json.loads(out)] == [SCENARIO]
    code, out, _ = run(store, "plans", "--format", "json")
    assert [p["plan"] for p in json.loads(out)] == [PLAN]
    code, out, _ = run(store, "audit", SCENARIO, "--format", "json")
    assert code in (0, 1) and json.loads(out)["plan"] == SCENARIO
    code, out, err = run(store, "scenario", "create", PLAN, "fy28-cuts")
    assert code == 2 and "already has a scenario" in err
    history = PlanHistory(Settings(store=store))
    history.revise_element(SCENARIO, "SO2", {"title": "Belonging!"}, A)
    code, out, err = run(store, "scenario", "compare", PLAN, "fy28-cuts", "--format", "json")
    assert code == 0, err
    assert [c["key"] for c in json.loads(out)["diff"]["revised"]] == ["SO2"]
    code, out, err = run(store, "scenario", "compare", PLAN, "fy28-cuts")
    assert code == 0 and "Scenario ~fy28-cuts" in out
    code, out, err = run(store, "scenario", "merge", PLAN, "fy28-cuts", "--reason", "ok")
    assert code == 0, err
    assert "Merge of scenario ~fy28-cuts: ok" in out
    code, out, err = run(store, "scenario", "discard", PLAN, "fy28-cuts")
    assert code == 2 and "merged" in err
    code, out, err = run(store, "scenario", "merge", PLAN, "nope")
    assert code == 2 and "no scenario 'nope'" in err
    code, out, err = run(store, "scenario", "create", SCENARIO, "deeper")
    assert code == 2 and "scenario of a scenario" in err


# -- compare's cost (a 1,000-element plan: bench/bench_scenarios.py) ------------------


def test_compare_is_the_what_ifs_comparison(history: PlanHistory) -> None:
    history.create_scenario(PLAN, "fy28-cuts", A)
    history.retire_element(SCENARIO, "BL-1001", A)
    reader = PlanReader(history)
    compared = reader.compare_scenario(PLAN, "fy28-cuts", fiscal_year="FY26")
    from coherence.queries.whatif import what_if_request

    what_if = reader.what_if(PLAN, what_if_request(retire=["BL-1001"]), fiscal_year="FY26")
    for name in ("diff", "findings", "funding", "losing_all_funding", "score", "budget"):
        assert compared[name] == what_if[name], name


# -- rollover ------------------------------------------------------------------------

TODAY = date(2026, 5, 1)


def rolled(history: PlanHistory, **kwargs: Any) -> Any:
    choices = rollover_choices(
        kwargs.pop("continue_", ()), kwargs.pop("modify", ()), kwargs.pop("discontinue", None)
    )
    return history.rollover(PLAN, kwargs.pop("to", "2026-2027"), choices, A, today=TODAY, **kwargs)


def test_rollover_copies_benchmarks_under_new_keys(history: PlanHistory) -> None:
    history.add_element(
        PLAN,
        "benchmark",
        "B2",
        {"description": "Leap day", "school_year": "2025-2026", "due": "2024-02-29"},
        A,
        links={"tracks": "SI1.1"},
    )
    history.add_element(  # a key the copy of B1 would take, retired: never reused
        PLAN, "benchmark", "B1-2027", {"description": "Old", "school_year": "2024-2025"}, A
    )
    history.retire_element(PLAN, "B1-2027", A)
    history.revise_element(PLAN, "SI2.1", {"title": "Family liaisons"}, A)
    versions = len({e.revision for e in history.history(PLAN)})
    result, done = rolled(history, continue_=["SI1.1"], discontinue={"SI2.1": "grant ended"})
    assert len({e.revision for e in history.history(PLAN)}) == versions + 1
    assert {e.reason for e in result.events} == {
        "Rollover to 2026-2027 (SI2.1 discontinued: grant ended)"
    }
    assert done.to_dict()["continued"] == {
        "SI1.1": [{"from": "B1", "to": "B1-2027-2"}, {"from": "B2", "to": "B2-2027"}]
    }
    now = state(history)
    copy = now.elements["B1-2027-2"]
    assert copy.fields["school_year"] == "2026-2027"
    assert copy.fields["status"] == "not_started"
    assert copy.fields["due"] == "2026-10-01" and copy.fields["owner"] == "HR"
    assert now.elements["B2-2027"].fields["due"] == "2025-02-28"
    assert now.links[("B1-2027-2", "SI1.1")].edge == "tracks"
    assert now.elements["B1"].fields["school_year"] == "2025-2026"  # last year's stays
    # Discontinued: retired, with its links.
    assert now.elements["SI2.1"].retired
    assert not [pair for pair in now.links if "SI2.1" in pair]
    # The audit afterwards: SO2 has no initiative any more.
    from coherence.queries.reader import PlanReader

    findings = PlanReader(history).audit(PLAN).findings
    assert ("objective-without-initiative", "SO2") in {(f.rule, f.key) for f in findings}


def test_rollover_modify_copies_without_a_due_date(history: PlanHistory) -> None:
    _, done = rolled(history, modify=["SI1.1"], continue_=["SI2.1"])
    assert done.to_dict()["modified"] == {"SI1.1": [{"from": "B1", "to": "B1-2027"}]}
    copy = state(history).elements["B1-2027"]
    assert copy.fields["due"] is None and copy.fields["status"] == "not_started"
    findings = PlanReader(history).audit(PLAN).findings
    assert ("benchmark-incomplete", "B1-2027") in {(f.rule, f.key) for f in findings}
    # A year later the copies' keys follow the year, not grow.
    assert next_key("B1-2027", "2028", set()) == "B1-2028"


def test_rollover_dry_run_saves_nothing(history: PlanHistory) -> None:
    before = history.get_plan(PLAN).version
    result, _ = rolled(history, continue_=["SI1.1", "SI2.1"], dry_run=True)
    assert result.dry_run and len(result.events) == 2
    assert history.get_plan(PLAN).version == before


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"continue_": ["SI1.1"]}, "initiatives", "none for SI2.1"),
        ({"continue_": ["SI1.1", "SI2.1", "SI9.9"]}, "continue", "active initiative"),
        ({"continue_": ["SI1.1", "SI2.1", "SO1"]}, "continue", "active initiative"),
        ({"continue_": ["SI1.1", "SI2.1"], "to": "2027-2028"}, "to", "2026-2027"),
        ({"continue_": ["SI1.1", "SI2.1"], "to": "2025-2026"}, "to", "2026-2027"),
        ({"continue_": ["SI1.1", "SI2.1"], "to": "2026-2028"}, "to", "school year"),
    ],
)
def test_rollover_refusals(
    history: PlanHistory, kwargs: dict[str, Any], path: str, words: str
) -> None:
    before = history.get_plan(PLAN).version
    with pytest.raises(InvalidValue) as raised:
        rolled(history, **kwargs)
    assert raised.value.path == path and words in str(raised.value)
    assert history.get_plan(PLAN).version == before
    with pytest.raises(InvalidValue, match="one choice"):
        rollover_choices(["SI1.1"], ["SI1.1"])


def test_rollover_api_and_cli(client: TestClient, history: PlanHistory, tmp_path: Path) -> None:
    body = {
        "to": "2026-2027",
        "continue": ["SI1.1"],
        "discontinue": {"SI2.1": "grant ended"},
        "dry_run": True,
    }
    r = client.post(f"{API}/{PLAN}/rollover", json=body)
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["dry_run"] and preview["rollover"]["continued"]["SI1.1"][0]["to"] == "B1-2027"
    assert ("objective-without-initiative", "SO2") in {
        (f["rule"], f["key"]) for f in preview["audit"]["added"]
    }
    assert any("retired" in c["summary"] for c in preview["changes"])
    r = client.post(f"{API}/{PLAN}/rollover", json={**body, "dry_run": False})
    assert r.status_code == 200 and not r.json()["dry_run"]
    assert {c["reason"] for c in r.json()["changes"]} == {
        "Rollover to 2026-2027 (SI2.1 discontinued: grant ended)"
    }
    r = client.post(f"{API}/{PLAN}/rollover", json={**body, "to": "2030-2031"})
    assert r.status_code == 422

    store = f"sqlite:///{tmp_path / 'x.db'}"
    PlanHistory(Settings(store=store)).import_plan(document(), A)
    args = ["rollover", PLAN, "--to", "2026-2027", "--continue", "SI1.1"]
    code, out, err = run(store, *args, "--discontinue", 'SI2.1="grant ended, for now"', "--dry-run")
    assert code == 0, err
    assert "SI2.1 discontinued: grant ended, for now" in out and "Dry run" in out
    code, out, err = run(store, *args, "--format", "json")
    assert code == 2 and "none for SI2.1" in err
    code, out, err = run(store, *args, "--modify", "SI2.1", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["rollover"]["modified"] == {"SI2.1": []}


def test_the_page_of_a_scenario_is_served(client: TestClient) -> None:
    assert client.get(f"/plans/{SCENARIO}").status_code == 200
    script = client.get("/web/scenarios.js")
    assert script.status_code == 200 and "export async function showScenarios" in script.text
    assert "showScenarios" in client.get("/web/plan.js").text
