"""The HTTP API as a client uses it: every route, and the HTTP semantics around them.

Reads answer with an ``ETag`` holding the plan version; writes take ``If-Match`` and
answer 409 with the current version when the plan moved on; every error is an
``application/problem+json`` document naming what was wrong (422s name the field's
path), and a server error says nothing about its cause.
"""

from __future__ import annotations

import io
import json
import socket
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pydot
import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from httpx import Response
from neo4j import GraphDatabase

from coherence.api.access import OPEN_ACTOR
from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.projections.neo4j_store import Neo4jGraphStore
from tests.plans import document, plan_data, yaml_text

API = "/api/v1"
PLAN = "example-2025"
DEMO = "riverbend-2024"
YAML = {"content-type": "application/yaml"}
PROBLEM = "application/problem+json"


# -- fixtures and helpers ---------------------------------------------------------


@pytest.fixture
def history() -> PlanHistory:
    return PlanHistory(Settings(store="memory://"))


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    """An open API (no token) over an empty in-memory store."""
    return TestClient(create_app(api_context(history)))


@pytest.fixture
def example(client: TestClient) -> dict[str, Any]:
    """The example plan imported through the API; its import answer."""
    r = client.post(f"{API}/plans/import", content=yaml_text(), headers=YAML)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture(scope="module")
def demo() -> TestClient:
    """The demo plan (read only: tests on it must not write)."""
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return TestClient(create_app(api_context(history)))


def etag(r: Response) -> int:
    """The version in a response's ETag."""
    value = r.headers["etag"]
    assert value.startswith('"') and value.endswith('"'), value
    return int(value.strip('"'))


def problem(r: Response, status: int) -> dict[str, Any]:
    """A problem document with that status; its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM, r.headers["content-type"]
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["type"] == "about:blank"
    return body


def paths(body: dict[str, Any]) -> list[str]:
    return [e["path"] for e in body.get("errors") or []]


def version_of(client: TestClient, plan: str = PLAN) -> int:
    r = client.get(f"{API}/plans/{plan}")
    assert r.status_code == 200, r.text
    version: int = r.json()["version"]
    return version


def element(client: TestClient, key: str, plan: str = PLAN) -> dict[str, Any]:
    r = client.get(f"{API}/plans/{plan}/elements/{key}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def all_events(client: TestClient, plan: str = PLAN) -> list[dict[str, Any]]:
    r = client.get(f"{API}/plans/{plan}/history", params={"limit": 1000})
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()["events"]
    return events


# -- GET /plans and POST /plans/import -------------------------------------------


def test_plans_list_each_plan_with_its_audit_summary(demo: TestClient) -> None:
    r = demo.get(f"{API}/plans")
    assert r.status_code == 200
    (plan,) = r.json()
    assert plan["plan"] == DEMO
    assert plan["district"] == "Riverbend Public Schools"
    assert (plan["version"], plan["revision"], plan["status"]) == (490, 45, "adopted")
    audit = demo.get(f"{API}/plans/{DEMO}/audit").json()
    assert plan["audit"] == audit["summary"]
    assert plan["score"] == audit["score"]


def test_plans_list_is_empty_on_an_empty_store(client: TestClient) -> None:
    r = client.get(f"{API}/plans")
    assert r.status_code == 200
    assert r.json() == []


def test_import_of_a_new_plan_answers_201_with_its_events(client: TestClient) -> None:
    r = client.post(
        f"{API}/plans/import", content=yaml_text(), headers=YAML, params={"reason": "first draft"}
    )
    assert r.status_code == 201
    body = r.json()
    assert body["plan"] == PLAN
    assert body["created"] is True and body["dry_run"] is False
    assert body["revision"] == 1
    assert body["events"] == len(body["changes"]) == body["version"]
    assert etag(r) == body["version"]
    first = body["changes"][0]
    assert first["type"] == "Drafted"
    assert (first["actor"], first["reason"], first["source"]) == (OPEN_ACTOR, "first draft", "api")
    assert {c["key"] for c in body["changes"]} >= {"SO1", "SI1.1", "B1", "OC1"}
    listed = client.get(f"{API}/plans").json()
    assert [(p["plan"], p["version"]) for p in listed] == [(PLAN, body["version"])]


def test_import_takes_a_json_body_like_a_yaml_one(client: TestClient, history: PlanHistory) -> None:
    r = client.post(
        f"{API}/plans/import",
        content=json.dumps(plan_data()),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["created"] is True
    # The same plan as the YAML file: importing that one changes nothing.
    again = client.post(f"{API}/plans/import", content=yaml_text(), headers=YAML)
    assert again.status_code == 200
    assert again.json()["events"] == 0


def test_reimporting_the_same_file_is_a_200_no_op(
    client: TestClient, example: dict[str, Any]
) -> None:
    r = client.post(f"{API}/plans/import", content=yaml_text(), headers=YAML)
    assert r.status_code == 200
    body = r.json()
    assert (body["events"], body["changes"], body["created"]) == (0, [], False)
    assert body["version"] == example["version"] == etag(r)
    assert body["revision"] is None
    assert version_of(client) == example["version"]


def test_import_of_a_changed_file_emits_only_the_difference(
    client: TestClient, example: dict[str, Any]
) -> None:
    changed = plan_data()
    changed["initiatives"][1]["owner"] = "Family Engagement Office"
    r = client.post(f"{API}/plans/import", content=yaml_text(changed), headers=YAML)
    assert r.status_code == 200
    body = r.json()
    assert body["events"] == 1
    assert body["version"] == example["version"] + 1
    (change,) = body["changes"]
    assert (change["type"], change["key"]) == ("ElementRevised", "SI2.1")
    assert element(client, "SI2.1")["fields"]["owner"] == "Family Engagement Office"


def test_dry_run_import_shows_the_events_and_saves_nothing(client: TestClient) -> None:
    r = client.post(
        f"{API}/plans/import", content=yaml_text(), headers=YAML, params={"dry_run": True}
    )
    assert r.status_code == 200  # not 201: nothing was created
    body = r.json()
    assert body["dry_run"] is True and body["created"] is True
    assert body["events"] > 20
    problem(client.get(f"{API}/plans/{PLAN}"), 404)
    assert client.get(f"{API}/plans").json() == []


def test_dry_run_of_a_change_leaves_the_plan_as_it_was(
    client: TestClient, example: dict[str, Any]
) -> None:
    changed = plan_data()
    changed["objectives"][1]["title"] = "Belonging and safety"
    r = client.post(
        f"{API}/plans/import", content=yaml_text(changed), headers=YAML, params={"dry_run": "true"}
    )
    assert r.status_code == 200
    assert r.json()["events"] == 1
    assert version_of(client) == example["version"]
    assert element(client, "SO2")["fields"]["title"] == "Belonging"


def test_a_bad_plan_file_is_refused_whole_naming_the_path(client: TestClient) -> None:
    bad = plan_data()
    bad["initiatives"][0]["supports"] = ["SO9"]
    for body, media in (
        (yaml_text(bad), "application/yaml"),
        (json.dumps(bad), "application/json"),
    ):
        r = client.post(f"{API}/plans/import", content=body, headers={"content-type": media})
        doc = problem(r, 422)
        assert paths(doc) == ["initiatives[0].supports[0]"]
        assert "SO9" in doc["detail"]
        assert doc["file"] == "request body"
    assert client.get(f"{API}/plans").json() == []


@pytest.mark.parametrize(
    ("body", "media"),
    [
        ("plan: [", "application/yaml"),
        ('{"format": ', "application/json"),
        ("- just\n- a list\n", "application/yaml"),
        ("", "application/yaml"),
    ],
)
def test_malformed_plan_files_are_422(client: TestClient, body: str, media: str) -> None:
    problem(client.post(f"{API}/plans/import", content=body, headers={"content-type": media}), 422)


def test_import_with_a_stale_if_match_is_a_conflict(
    client: TestClient, example: dict[str, Any]
) -> None:
    changed = plan_data(mission="Every student thrives.")
    r = client.post(
        f"{API}/plans/import",
        content=yaml_text(changed),
        headers={**YAML, "If-Match": f'"{example["version"] - 1}"'},
    )
    assert problem(r, 409)["current_version"] == example["version"]
    ok = client.post(
        f"{API}/plans/import",
        content=yaml_text(changed),
        headers={**YAML, "If-Match": f'"{example["version"]}"'},
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == example["version"] + 1


# -- GET /plans/{id} --------------------------------------------------------------


def test_read_plan_latest_with_etag(client: TestClient, example: dict[str, Any]) -> None:
    r = client.get(f"{API}/plans/{PLAN}")
    assert r.status_code == 200
    body = r.json()
    assert (body["plan"], body["status"]) == (PLAN, "draft")
    assert body["version"] == etag(r) == example["version"]
    assert body["document"]["format"] == "coherence/plan@1"
    assert body["document"]["plan"]["district"] == "Example Public Schools"


def test_the_plan_document_imports_back_as_a_no_op(
    client: TestClient, example: dict[str, Any]
) -> None:
    doc = client.get(f"{API}/plans/{PLAN}").json()["document"]
    r = client.post(
        f"{API}/plans/import", content=json.dumps(doc), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200
    assert r.json()["events"] == 0


def test_read_plan_at_a_version(client: TestClient, example: dict[str, Any]) -> None:
    r = client.get(f"{API}/plans/{PLAN}", params={"version": 3})
    assert r.status_code == 200
    assert r.json()["version"] == etag(r) == 3
    assert "objectives" not in r.json()["document"]  # not added yet at version 3


def test_read_plan_as_of_a_date(demo: TestClient) -> None:
    events = all_events(demo, DEMO)
    day = date(2025, 6, 30)
    expected = max(
        e["version"] for e in events if datetime.fromisoformat(e["timestamp"]).date() <= day
    )
    assert expected < 490
    r = demo.get(f"{API}/plans/{DEMO}", params={"as_of": day.isoformat()})
    assert r.status_code == 200
    assert r.json()["version"] == etag(r) == expected
    at_version = demo.get(f"{API}/plans/{DEMO}", params={"version": expected}).json()
    assert r.json()["document"] == at_version["document"]


def test_unknown_plan_version_or_date_is_404(client: TestClient, example: dict[str, Any]) -> None:
    assert "no-such-plan" in problem(client.get(f"{API}/plans/no-such-plan"), 404)["detail"]
    problem(client.get(f"{API}/plans/{PLAN}", params={"version": 999}), 404)
    problem(client.get(f"{API}/plans/{PLAN}", params={"as_of": "2001-01-01"}), 404)


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"version": 0}, "query.version"),
        ({"version": "latest"}, "query.version"),
        ({"as_of": "June 30"}, "query.as_of"),
    ],
)
def test_bad_read_parameters_are_422_naming_them(
    client: TestClient, example: dict[str, Any], params: dict[str, Any], path: str
) -> None:
    body = problem(client.get(f"{API}/plans/{PLAN}", params=params), 422)
    assert paths(body) == [path]


# -- elements ---------------------------------------------------------------------


def test_read_element_with_line_of_sight_and_history(demo: TestClient) -> None:
    r = demo.get(f"{API}/plans/{DEMO}/elements/SI1.1")
    assert r.status_code == 200
    body = r.json()
    assert (body["key"], body["kind"], body["retired"]) == ("SI1.1", "initiative", False)
    assert body["version"] == etag(r) == 490
    assert body["fields"]["title"]
    assert ["SI1.1", "SO1", "mission"] in body["line_of_sight"]
    assert body["beneath"]  # benchmarks, budget lines ... under it
    assert body["history"][0]["type"] == "ElementAdded"
    assert all(e["version"] <= 490 for e in body["history"])
    old = demo.get(f"{API}/plans/{DEMO}/elements/SI1.1", params={"version": 100})
    assert old.status_code == 200
    assert etag(old) == old.json()["version"] == 100
    assert all(e["version"] <= 100 for e in old.json()["history"])


def test_add_revise_retire_and_restore_an_element(
    client: TestClient, example: dict[str, Any]
) -> None:
    added = client.post(
        f"{API}/plans/{PLAN}/elements",
        json={
            "kind": "initiative",
            "key": "SI1.2",
            "fields": {"title": "Summer reading", "owner": "Director of Curriculum"},
            "reason": "board request",
        },
    )
    assert added.status_code == 201
    assert etag(added) == added.json()["version"] == example["version"] + 1
    (change,) = added.json()["changes"]
    assert (change["type"], change["key"], change["reason"]) == (
        "ElementAdded",
        "SI1.2",
        "board request",
    )
    assert element(client, "SI1.2")["fields"]["title"] == "Summer reading"

    revised = client.patch(
        f"{API}/plans/{PLAN}/elements/SI1.2", json={"fields": {"owner": "Literacy Coach"}}
    )
    assert revised.status_code == 200
    assert revised.json()["changes"][0]["type"] == "ElementRevised"
    assert "owner" in revised.json()["changes"][0]["summary"]
    assert element(client, "SI1.2")["fields"]["owner"] == "Literacy Coach"

    retired = client.delete(f"{API}/plans/{PLAN}/elements/SI1.2", params={"reason": "merged"})
    assert retired.status_code == 200
    assert retired.json()["changes"][-1]["type"] == "ElementRetired"
    gone = element(client, "SI1.2")
    assert gone["retired"] is True
    assert gone["line_of_sight"] == [] and gone["beneath"] == []
    assert "SI1.2" not in json.dumps(client.get(f"{API}/plans/{PLAN}").json()["document"])

    back = client.post(
        f"{API}/plans/{PLAN}/elements",
        json={"kind": "initiative", "key": "SI1.2", "fields": {"title": "Summer reading"}},
    )
    assert back.status_code == 201
    assert back.json()["changes"][0]["type"] == "ElementRestored"
    assert element(client, "SI1.2")["retired"] is False
    types = [e["type"] for e in element(client, "SI1.2")["history"]]
    assert types == ["ElementAdded", "ElementRevised", "ElementRetired", "ElementRestored"]


def test_unknown_element_is_404_on_every_element_route(
    client: TestClient, example: dict[str, Any]
) -> None:
    problem(client.get(f"{API}/plans/{PLAN}/elements/NOPE"), 404)
    problem(client.patch(f"{API}/plans/{PLAN}/elements/NOPE", json={"fields": {"title": "x"}}), 404)
    problem(client.delete(f"{API}/plans/{PLAN}/elements/NOPE"), 404)
    problem(
        client.post(f"{API}/plans/{PLAN}/benchmarks/NOPE/status", json={"status": "complete"}), 404
    )
    problem(
        client.post(
            f"{API}/plans/{PLAN}/outcomes/NOPE/results", json={"as_of": "2026-06-30", "value": 1}
        ),
        404,
    )
    assert version_of(client) == example["version"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (
            {"kind": "initiative", "key": "SI9", "fields": {"title": "x", "owner": 12}},
            "fields.owner",
        ),
        ({"kind": "initiative", "key": "SI9", "fields": {"colour": "red"}}, "fields.colour"),
        ({"kind": "gadget", "key": "G1", "fields": {}}, "kind"),
        ({"key": "SI9", "fields": {}}, "body.kind"),
        ({"kind": "initiative", "key": "SI9", "fields": [1, 2]}, "body.fields"),
        ({"kind": "initiative", "key": "SI9", "owner": "Ana"}, "body.owner"),
    ],
)
def test_add_element_422_names_the_field(
    client: TestClient, example: dict[str, Any], body: dict[str, Any], path: str
) -> None:
    doc = problem(client.post(f"{API}/plans/{PLAN}/elements", json=body), 422)
    assert path in paths(doc)
    assert doc["detail"].startswith(path)
    assert version_of(client) == example["version"]


def test_revise_element_422_names_the_field(client: TestClient, example: dict[str, Any]) -> None:
    doc = problem(
        client.patch(f"{API}/plans/{PLAN}/elements/SI1.1", json={"fields": {"start": "soon"}}),
        422,
    )
    assert paths(doc) == ["fields.start"]
    doc = problem(client.patch(f"{API}/plans/{PLAN}/elements/SI1.1", json={}), 422)
    assert paths(doc) == ["body.fields"]


def test_adding_a_key_that_exists_is_refused(client: TestClient, example: dict[str, Any]) -> None:
    r = client.post(
        f"{API}/plans/{PLAN}/elements",
        json={"kind": "initiative", "key": "SI1.1", "fields": {"title": "Again"}},
    )
    assert r.status_code in (409, 422)
    problem(r, r.status_code)
    r = client.post(
        f"{API}/plans/{PLAN}/elements",
        json={"kind": "objective", "key": "SI1.1", "fields": {"title": "Other kind"}},
    )
    problem(r, 409)  # the key belongs to an initiative


# -- links ------------------------------------------------------------------------


def test_link_and_unlink(client: TestClient, example: dict[str, Any]) -> None:
    r = client.post(
        f"{API}/plans/{PLAN}/links", json={"source": "SI2.1", "target": "SO1", "reason": "both"}
    )
    assert r.status_code == 200
    (change,) = r.json()["changes"]
    assert change["type"] == "Linked"
    assert "SI2.1" in element(client, "SO1")["beneath"]
    assert ["SI2.1", "SO1", "mission"] in element(client, "SI2.1")["line_of_sight"]

    r = client.delete(f"{API}/plans/{PLAN}/links/SI2.1/SO1", params={"reason": "not needed"})
    assert r.status_code == 200
    assert r.json()["changes"][0]["type"] == "Unlinked"
    assert "SI2.1" not in element(client, "SO1")["beneath"]
    # The link is gone now: no such resource.
    problem(client.delete(f"{API}/plans/{PLAN}/links/SI2.1/SO1"), 404)


def test_a_budget_allocation_carries_its_amount(
    client: TestClient, example: dict[str, Any]
) -> None:
    r = client.post(
        f"{API}/plans/{PLAN}/links", json={"source": "BL-1001", "target": "SI2.1", "amount": 2500}
    )
    assert r.status_code == 200
    assert "$2,500" in r.json()["changes"][0]["summary"]
    funds = client.get(f"{API}/plans/{PLAN}").json()["document"]["budget_lines"][0]["funds"]
    assert {"target": "SI2.1", "amount": 2500} in [
        {"target": f["target"], "amount": f["amount"]} for f in funds
    ]
    doc = problem(
        client.post(
            f"{API}/plans/{PLAN}/links", json={"source": "BL-1001", "target": "PL1", "amount": -5}
        ),
        422,
    )
    assert paths(doc) == ["body.amount"]


def test_links_between_the_wrong_kinds_or_unknown_keys_are_refused(
    client: TestClient, example: dict[str, Any]
) -> None:
    doc = problem(
        client.post(f"{API}/plans/{PLAN}/links", json={"source": "SI1.1", "target": "DF1"}), 422
    )
    assert "cannot be linked" in doc["detail"]
    problem(
        client.post(f"{API}/plans/{PLAN}/links", json={"source": "SI1.1", "target": "SO9"}), 404
    )
    doc = problem(client.post(f"{API}/plans/{PLAN}/links", json={"source": "SI1.1"}), 422)
    assert paths(doc) == ["body.target"]
    assert version_of(client) == example["version"]


# -- progress reports -------------------------------------------------------------


def test_benchmark_status_report(client: TestClient, example: dict[str, Any]) -> None:
    r = client.post(
        f"{API}/plans/{PLAN}/benchmarks/B1/status",
        json={"status": "at_risk", "reason": "two tutors short"},
    )
    assert r.status_code == 200
    (change,) = r.json()["changes"]
    assert (change["type"], change["key"], change["reason"]) == (
        "BenchmarkStatusReported",
        "B1",
        "two tutors short",
    )
    assert element(client, "B1")["fields"]["status"] == "at_risk"
    doc = problem(
        client.post(f"{API}/plans/{PLAN}/benchmarks/B1/status", json={"status": "late"}), 422
    )
    assert paths(doc) == ["body.status"]
    doc = problem(
        client.post(f"{API}/plans/{PLAN}/benchmarks/SI1.1/status", json={"status": "complete"}),
        422,
    )
    assert paths(doc) == ["key"]


def test_outcome_result_report(client: TestClient, example: dict[str, Any]) -> None:
    r = client.post(
        f"{API}/plans/{PLAN}/outcomes/OC1/results", json={"as_of": "2027-06-30", "value": 51.5}
    )
    assert r.status_code == 200
    assert r.json()["changes"][0]["type"] == "OutcomeResultReported"
    results = element(client, "OC1")["fields"]["results"]
    assert [(str(x["as_of"]), x["value"]) for x in results] == [
        ("2026-06-30", 47),
        ("2027-06-30", 51.5),
    ]
    doc = problem(
        client.post(
            f"{API}/plans/{PLAN}/outcomes/OC1/results", json={"as_of": "later", "value": 1}
        ),
        422,
    )
    assert paths(doc) == ["body.as_of"]
    doc = problem(
        client.post(f"{API}/plans/{PLAN}/outcomes/OC1/results", json={"as_of": "2027-06-30"}), 422
    )
    assert paths(doc) == ["body.value"]


# -- lifecycle --------------------------------------------------------------------


def test_adopt_redesign_close(client: TestClient, example: dict[str, Any]) -> None:
    def status() -> str:
        value: str = client.get(f"{API}/plans/{PLAN}").json()["status"]
        return value

    problem(client.post(f"{API}/plans/{PLAN}/redesign", json={}), 409)  # a draft
    r = client.post(f"{API}/plans/{PLAN}/adopt", json={"reason": "School Committee vote"})
    assert r.status_code == 200
    assert r.json()["changes"][0]["type"] == "Adopted"
    assert status() == "adopted"
    problem(client.post(f"{API}/plans/{PLAN}/adopt", json={}), 409)

    assert client.post(f"{API}/plans/{PLAN}/redesign", json={}).status_code == 200
    assert status() == "redesign"
    assert client.post(f"{API}/plans/{PLAN}/adopt", json={}).status_code == 200
    assert status() == "adopted"

    r = client.post(f"{API}/plans/{PLAN}/close", json={"reason": "end of cycle"})
    assert r.status_code == 200
    assert r.json()["changes"][0]["type"] == "Closed"
    assert status() == "closed"
    # A closed plan no longer changes.
    before = version_of(client)
    problem(
        client.post(f"{API}/plans/{PLAN}/benchmarks/B1/status", json={"status": "complete"}), 409
    )
    problem(client.post(f"{API}/plans/{PLAN}/close", json={}), 409)
    assert version_of(client) == before


def test_lifecycle_bodies_are_checked(client: TestClient, example: dict[str, Any]) -> None:
    doc = problem(client.post(f"{API}/plans/{PLAN}/adopt", json={"votes": "5-2"}), 422)
    assert paths(doc) == ["body.votes"]
    doc = problem(client.post(f"{API}/plans/{PLAN}/adopt", json={"minutes_url": "file:///x"}), 422)
    assert paths(doc) == ["minutes_url"]
    doc = problem(client.post(f"{API}/plans/{PLAN}/adopt", json={"meeting_date": "June"}), 422)
    assert paths(doc) == ["body.meeting_date"]
    problem(client.post(f"{API}/plans/{PLAN}/adopt"), 422)  # a body is required


# -- history, diff ----------------------------------------------------------------


def test_history_pages_through_every_event(demo: TestClient) -> None:
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        r = demo.get(f"{API}/plans/{DEMO}/history", params={"offset": offset, "limit": 100})
        assert r.status_code == 200
        page = r.json()
        assert (page["plan"], page["total"], page["offset"], page["limit"]) == (
            DEMO,
            490,
            offset,
            100,
        )
        assert etag(r) == 490
        if not page["events"]:
            break
        seen.extend(page["events"])
        offset += 100
    assert [e["version"] for e in seen] == list(range(1, 491))
    first = seen[0]
    assert first["type"] == "Drafted"
    assert set(first) == {
        "version",
        "revision",
        "timestamp",
        "type",
        "actor",
        "reason",
        "source",
        "summary",
        "key",
        "record",
    }
    assert [e["revision"] for e in seen] == sorted(e["revision"] for e in seen)
    small = demo.get(f"{API}/plans/{DEMO}/history", params={"offset": 486, "limit": 10}).json()
    assert [e["version"] for e in small["events"]] == [487, 488, 489, 490]


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 1001}, "query.limit"),
        ({"offset": -1}, "query.offset"),
    ],
)
def test_history_paging_limits(demo: TestClient, params: dict[str, Any], path: str) -> None:
    assert paths(problem(demo.get(f"{API}/plans/{DEMO}/history", params=params), 422)) == [path]


def test_history_records_every_api_change(client: TestClient, example: dict[str, Any]) -> None:
    client.post(
        f"{API}/plans/{PLAN}/benchmarks/B1/status", json={"status": "complete", "reason": "done"}
    )
    last = all_events(client)[-1]
    assert (last["type"], last["actor"], last["reason"], last["source"], last["key"]) == (
        "BenchmarkStatusReported",
        OPEN_ACTOR,
        "done",
        "api",
        "B1",
    )
    assert last["version"] == example["version"] + 1


def test_diff_between_two_versions(client: TestClient, example: dict[str, Any]) -> None:
    v = example["version"]
    client.patch(f"{API}/plans/{PLAN}/elements/SI2.1", json={"fields": {"owner": "Liaison Office"}})
    client.delete(f"{API}/plans/{PLAN}/elements/EG1")
    r = client.get(f"{API}/plans/{PLAN}/diff", params={"from": v, "to": version_of(client)})
    assert r.status_code == 200
    body = r.json()
    assert (body["plan"], body["from"], body["to"]) == (PLAN, v, version_of(client))
    (revised,) = body["revised"]
    assert revised["key"] == "SI2.1"
    assert revised["changes"] == [
        {"field": "owner", "before": "Director of Family Engagement", "after": "Liaison Office"}
    ]
    assert [x["key"] for x in body["retired"]] == ["EG1"]
    assert body["added"] == [] and body["linked"] == []
    assert [(x["source"], x["target"]) for x in body["unlinked"]] == [("EG1", "SO1")]


def test_diff_from_the_first_version_adds_everything(
    client: TestClient, example: dict[str, Any]
) -> None:
    body = client.get(
        f"{API}/plans/{PLAN}/diff", params={"from": 1, "to": example["version"]}
    ).json()
    assert {a["key"] for a in body["added"]} >= {"SO1", "SO2", "SI1.1", "OC1", "BL-1001"}
    assert all(a["restored"] is False for a in body["added"])


def test_diff_errors(client: TestClient, example: dict[str, Any]) -> None:
    problem(client.get(f"{API}/plans/{PLAN}/diff", params={"from": 1, "to": 999}), 404)
    problem(client.get(f"{API}/plans/nope/diff", params={"from": 1, "to": 2}), 404)
    assert paths(problem(client.get(f"{API}/plans/{PLAN}/diff", params={"to": 1}), 422)) == [
        "query.from"
    ]
    assert paths(problem(client.get(f"{API}/plans/{PLAN}/diff?from=first"), 422)) == ["query.from"]


# -- graph ------------------------------------------------------------------------


def active_keys(client: TestClient, plan: str, version: int | None = None) -> set[str]:
    params = {"version": version} if version else {}
    doc = client.get(f"{API}/plans/{plan}", params=params).json()["document"]
    keys = {"mission", "vision", "theory_of_action"} & set(doc)
    for items in doc.values():
        if isinstance(items, list):
            keys |= {i["key"] for i in items if isinstance(i, dict) and "key" in i}
    return keys


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("graphml", "application/graphml+xml"),
        ("gexf", "application/gexf+xml"),
        ("cytoscape", "application/json"),
        ("node-link", "application/json"),
        ("mermaid", "text/vnd.mermaid"),
        ("dot", "text/vnd.graphviz"),
    ],
)
def test_graph_in_every_format(demo: TestClient, fmt: str, media: str) -> None:
    r = demo.get(f"{API}/plans/{DEMO}/graph", params={"format": fmt})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert etag(r) == 490
    keys = active_keys(demo, DEMO)
    if fmt == "graphml":
        graph = nx.parse_graphml(r.text)
        assert keys <= set(graph.nodes)
    elif fmt == "gexf":
        graph = nx.read_gexf(io.BytesIO(r.content))
        assert keys <= set(graph.nodes)
        assert "SI1.3" in graph.nodes  # retired elements stay on the timeline
    elif fmt == "cytoscape":
        nodes = {n["data"]["id"] for n in r.json()["elements"]["nodes"]}
        assert keys <= nodes
        assert "SI1.3" not in nodes  # retired
    elif fmt == "node-link":
        graph = nx.node_link_graph(r.json(), edges="edges" if "edges" in r.json() else "links")
        assert keys <= set(graph.nodes)
        assert graph.has_edge("SI1.1", "SO1")
    elif fmt == "mermaid":
        assert r.text.startswith("flowchart")
        assert "SI1.1" in r.text
    else:
        graphs = pydot.graph_from_dot_data(r.text)
        assert graphs is not None
        (dot,) = graphs
        names = {n.get_name().strip('"') for n in dot.get_nodes()}
        assert keys <= names


def test_graph_at_a_version_or_date(demo: TestClient) -> None:
    r = demo.get(f"{API}/plans/{DEMO}/graph", params={"format": "cytoscape", "version": 100})
    assert r.status_code == 200
    assert etag(r) == 100
    nodes = {n["data"]["id"] for n in r.json()["elements"]["nodes"]}
    assert nodes >= active_keys(demo, DEMO, 100)
    assert nodes != {
        n["data"]["id"] for n in demo.get(f"{API}/plans/{DEMO}/graph").json()["elements"]["nodes"]
    }
    dated = demo.get(f"{API}/plans/{DEMO}/graph", params={"format": "dot", "as_of": "2025-06-30"})
    assert (
        etag(dated)
        == demo.get(f"{API}/plans/{DEMO}", params={"as_of": "2025-06-30"}).json()["version"]
    )


def test_graph_format_is_checked(demo: TestClient) -> None:
    doc = problem(demo.get(f"{API}/plans/{DEMO}/graph", params={"format": "png"}), 422)
    assert paths(doc) == ["query.format"]
    problem(demo.get(f"{API}/plans/{DEMO}/graph", params={"version": 9999}), 404)


# -- audit, timeline, statewide, health -------------------------------------------


def test_audit_finds_the_demos_planted_gaps(demo: TestClient) -> None:
    r = demo.get(f"{API}/plans/{DEMO}/audit")
    assert r.status_code == 200
    body = r.json()
    assert (body["plan"], body["version"], body["fiscal_year"]) == (DEMO, 490, None)
    assert etag(r) == 490
    assert body["as_of"] == datetime.now(UTC).date().isoformat()
    found = {(f["rule"], f["key"]) for f in body["findings"]}
    assert {
        ("orphaned-initiative", "SI4.1"),
        ("unfunded-objective", "SO5"),
        ("objective-without-final-outcome", "SO3"),
        ("initiative-without-benchmark", "SI2.3"),
        ("over-allocated-budget-line", "BL-2702"),
        ("unaligned-school-plan", "SIP-BRK"),
    } <= found
    summary = {
        s: sum(f["severity"] == s for f in body["findings"]) for s in ("error", "warning", "info")
    }
    assert body["summary"] == summary
    assert 0 <= body["score"] < 100


def test_audit_at_a_version_uses_that_versions_date(demo: TestClient) -> None:
    events = {e["version"]: e for e in all_events(demo, DEMO)}
    r = demo.get(f"{API}/plans/{DEMO}/audit", params={"version": 200})
    assert r.status_code == 200
    assert r.json()["version"] == etag(r) == 200
    assert r.json()["as_of"] == datetime.fromisoformat(events[200]["timestamp"]).date().isoformat()


def test_audit_as_of_a_date(demo: TestClient) -> None:
    r = demo.get(f"{API}/plans/{DEMO}/audit", params={"as_of": "2025-06-30"})
    assert r.status_code == 200
    body = r.json()
    assert body["as_of"] == "2025-06-30"
    assert (
        body["version"]
        == etag(r)
        == demo.get(f"{API}/plans/{DEMO}", params={"as_of": "2025-06-30"}).json()["version"]
    )


def test_audit_for_a_fiscal_year(client: TestClient, example: dict[str, Any]) -> None:
    fy26 = client.get(f"{API}/plans/{PLAN}/audit", params={"fiscal_year": "FY26"}).json()
    fy27 = client.get(f"{API}/plans/{PLAN}/audit", params={"fiscal_year": "FY27"}).json()
    assert (fy26["fiscal_year"], fy27["fiscal_year"]) == ("FY26", "FY27")
    unfunded = {f["key"] for f in fy27["findings"] if f["rule"] == "unfunded-objective"}
    assert "SO1" in unfunded  # BL-1001 funds SO1's initiative in FY26 only
    assert "SO1" not in {f["key"] for f in fy26["findings"] if f["rule"] == "unfunded-objective"}


def test_audit_on_neo4j_without_neo4j_is_422(demo: TestClient) -> None:
    doc = problem(demo.get(f"{API}/plans/{DEMO}/audit", params={"engine": "neo4j"}), 422)
    assert paths(doc) == ["engine"]
    assert "Neo4j is not configured" in doc["detail"]
    doc = problem(demo.get(f"{API}/plans/{DEMO}/audit", params={"engine": "oracle"}), 422)
    assert paths(doc) == ["query.engine"]


def test_timeline_has_one_audit_summary_per_revision(demo: TestClient) -> None:
    r = demo.get(f"{API}/plans/{DEMO}/timeline")
    assert r.status_code == 200
    entries = r.json()
    assert [e["revision"] for e in entries] == list(range(1, 46))
    assert entries[-1]["history"]["warning"] > 0  # the history-aware rules count too
    assert entries[-1]["version"] == 490
    assert sum(e["changes"] for e in entries) == 490
    last = demo.get(f"{API}/plans/{DEMO}/audit", params={"version": 490}).json()
    assert (entries[-1]["summary"], entries[-1]["score"]) == (last["summary"], last["score"])
    # The redesign went somewhere: the score moved over the plan's life.
    assert len({e["score"] for e in entries}) > 1


def test_statewide_sums_every_plan(history: PlanHistory, client: TestClient) -> None:
    load_demo(history)
    client.post(f"{API}/plans/import", content=yaml_text(), headers=YAML)
    r = client.get(f"{API}/statewide")
    assert r.status_code == 200
    body = r.json()
    assert body["plans"] == 2
    plans = client.get(f"{API}/plans").json()
    for severity in ("error", "warning", "info"):
        assert body["summary"][severity] == sum(p["audit"][severity] for p in plans)
    scores = [p["score"] for p in body["by_plan"]]
    assert scores == sorted(scores, reverse=True)
    assert {p["plan"] for p in body["by_plan"]} == {PLAN, DEMO}


def test_health(client: TestClient) -> None:
    r = client.get(f"{API}/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert datetime.fromisoformat(r.json()["time"]).tzinfo is not None


def test_answers_like_the_cli(tmp_path: Path) -> None:
    """The same words and shapes over HTTP as ``--format json`` on the command line."""
    store = f"sqlite:///{tmp_path / 'same.db'}"
    history = PlanHistory(Settings(store=store))
    history.import_plan(document(), Author("Dr. Alvarez", "first draft", "cli"))
    client = TestClient(create_app(api_context(history)))

    def run(*args: str) -> Any:
        result = CliRunner().invoke(cli, [*args, "--store", store], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        return json.loads(result.stdout)

    assert client.get(f"{API}/plans/{PLAN}/audit", params={"fiscal_year": "FY26"}).json() == run(
        "audit", PLAN, "--fiscal-year", "FY26", "--format", "json"
    )
    assert client.get(f"{API}/plans/{PLAN}/history").json()["events"] == run(
        "history", PLAN, "--format", "json"
    )
    assert client.get(f"{API}/plans/{PLAN}/diff", params={"from": 3, "to": 9}).json() == run(
        "diff", PLAN, "--from", "3", "--to", "9", "--format", "json"
    )
    exported = yaml.safe_load(CliRunner().invoke(cli, ["export", PLAN, "--store", store]).stdout)
    assert client.get(f"{API}/plans/{PLAN}").json()["document"] == json.loads(
        json.dumps(exported, default=str)
    )


# -- HTTP semantics ---------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "elements", {"kind": "objective", "key": "SO3", "fields": {"title": "Attendance"}}),
    ("PATCH", "elements/SI1.1", {"fields": {"owner": "Someone else"}}),
    ("DELETE", "elements/EG1", None),
    ("POST", "links", {"source": "SI2.1", "target": "SO1"}),
    ("DELETE", "links/SI1.1/SO1", None),
    ("POST", "benchmarks/B1/status", {"status": "complete"}),
    ("POST", "outcomes/OC1/results", {"as_of": "2027-06-30", "value": 55}),
    ("POST", "adopt", {}),
    ("POST", "close", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_writes_with_a_stale_if_match_are_409_and_save_nothing(
    client: TestClient,
    example: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    v = example["version"]
    url = f"{API}/plans/{PLAN}/{path}"
    stale = client.request(method, url, json=body, headers={"If-Match": f'"{v - 1}"'})
    doc = problem(stale, 409)
    assert doc["current_version"] == v
    assert version_of(client) == v
    fresh = client.request(method, url, json=body, headers={"If-Match": f'"{v}"'})
    assert fresh.status_code in (200, 201), fresh.text
    assert etag(fresh) == fresh.json()["version"] == version_of(client) > v


@pytest.mark.parametrize("value", ["{v}", '"{v}"', 'W/"{v}"', "*"])
def test_if_match_forms(client: TestClient, example: dict[str, Any], value: str) -> None:
    r = client.post(
        f"{API}/plans/{PLAN}/benchmarks/B1/status",
        json={"status": "complete"},
        headers={"If-Match": value.format(v=example["version"])},
    )
    assert r.status_code == 200, r.text


def test_a_bad_if_match_is_422(client: TestClient, example: dict[str, Any]) -> None:
    doc = problem(
        client.post(f"{API}/plans/{PLAN}/adopt", json={}, headers={"If-Match": "yesterday"}), 422
    )
    assert paths(doc) == ["If-Match"]


def test_a_read_then_conditional_write_round_trip(
    client: TestClient, example: dict[str, Any]
) -> None:
    """The ETag of a read is the If-Match of the next write; a second writer loses."""
    tag = client.get(f"{API}/plans/{PLAN}").headers["etag"]
    first = client.patch(
        f"{API}/plans/{PLAN}/elements/SO2",
        json={"fields": {"title": "A"}},
        headers={"If-Match": tag},
    )
    assert first.status_code == 200
    second = client.patch(
        f"{API}/plans/{PLAN}/elements/SO2",
        json={"fields": {"title": "B"}},
        headers={"If-Match": tag},
    )
    assert problem(second, 409)["current_version"] == etag(first)
    assert element(client, "SO2")["fields"]["title"] == "A"


READS = [
    "",
    "/elements/SO1",
    "/history",
    "/graph",
    "/audit",
]


@pytest.mark.parametrize("path", READS)
def test_reads_carry_the_version_as_etag(
    client: TestClient, example: dict[str, Any], path: str
) -> None:
    client.post(f"{API}/plans/{PLAN}/benchmarks/B1/status", json={"status": "complete"})
    latest = client.get(f"{API}/plans/{PLAN}{path}")
    assert etag(latest) == example["version"] + 1
    if path != "/history":
        old = client.get(f"{API}/plans/{PLAN}{path}", params={"version": example["version"]})
        assert etag(old) == example["version"]


@pytest.mark.parametrize("path", ["", "/graph", "/graph?format=graphml", "/audit?version=1"])
def test_a_read_whose_etag_is_still_current_is_304_without_a_body(
    client: TestClient, example: dict[str, Any], path: str
) -> None:
    url = f"{API}/plans/{PLAN}{path}"
    first = client.get(url)
    assert first.status_code == 200
    for sent in (
        first.headers["etag"],
        f"W/{first.headers['etag']}",
        f'"999", {first.headers["etag"]}',
    ):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": '"999"'}).content == first.content


@pytest.mark.parametrize("path", ["", "/graph"])
def test_after_a_write_an_old_etag_gets_the_new_version(
    client: TestClient, example: dict[str, Any], path: str
) -> None:
    url = f"{API}/plans/{PLAN}{path}"
    old = client.get(url).headers["etag"]
    client.post(f"{API}/plans/{PLAN}/benchmarks/B1/status", json={"status": "complete"})
    fresh = client.get(url, headers={"If-None-Match": old})
    assert fresh.status_code == 200
    assert etag(fresh) == example["version"] + 1


def test_todays_audit_is_always_answered_in_full(demo: TestClient) -> None:
    """Its ETag is the plan version, but the audit also depends on the day it is run."""
    first = demo.get(f"{API}/plans/{DEMO}/audit")
    again = demo.get(f"{API}/plans/{DEMO}/audit", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
    assert again.content == first.content


PLAN_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "", None),
    ("GET", "/elements/SO1", None),
    ("POST", "/elements", {"kind": "objective", "key": "SO3", "fields": {"title": "x"}}),
    ("PATCH", "/elements/SO1", {"fields": {"title": "x"}}),
    ("DELETE", "/elements/SO1", None),
    ("POST", "/links", {"source": "SI2.1", "target": "SO1"}),
    ("DELETE", "/links/SI1.1/SO1", None),
    ("POST", "/benchmarks/B1/status", {"status": "complete"}),
    ("POST", "/outcomes/OC1/results", {"as_of": "2027-06-30", "value": 1}),
    ("POST", "/adopt", {}),
    ("POST", "/redesign", {}),
    ("POST", "/close", {}),
    ("GET", "/history", None),
    ("GET", "/diff?from=1&to=2", None),
    ("GET", "/graph", None),
    ("GET", "/audit", None),
    ("GET", "/timeline", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), PLAN_ROUTES, ids=[f"{m} {p or '/'}" for m, p, _ in PLAN_ROUTES]
)
def test_unknown_plan_is_404_on_every_plan_route(
    client: TestClient, example: dict[str, Any], method: str, path: str, body: Any
) -> None:
    r = client.request(method, f"{API}/plans/other-plan{path}", json=body)
    assert "other-plan" in problem(r, 404)["detail"]


def test_unknown_routes_and_methods_are_problems_too(client: TestClient) -> None:
    problem(client.get(f"{API}/nothing-here"), 404)
    r = client.put(f"{API}/plans/{PLAN}/elements/SO1", json={})
    problem(r, 405)
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "DELETE"}


@pytest.fixture
def small() -> TestClient:
    """An API that takes bodies of at most 200 bytes."""
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("setup"))
    return TestClient(create_app(api_context(history, max_body=200)))


def test_bodies_over_the_limit_are_413(small: TestClient) -> None:
    big = {"kind": "objective", "key": "SO3", "fields": {"title": "x" * 300}}
    problem(small.post(f"{API}/plans/{PLAN}/elements", json=big), 413)
    problem(small.post(f"{API}/plans/import", content=yaml_text(), headers=YAML), 413)
    # Under the limit the same routes work.
    ok = small.post(
        f"{API}/plans/{PLAN}/elements",
        json={"kind": "objective", "key": "SO3", "fields": {"title": "x"}},
    )
    assert ok.status_code == 201


def test_streamed_bodies_over_the_limit_are_413(small: TestClient) -> None:
    """Without a Content-Length the limit holds while the body arrives."""

    def chunks(text: str) -> Iterator[bytes]:
        data = text.encode()
        for i in range(0, len(data), 64):
            yield data[i : i + 64]

    big = json.dumps({"kind": "objective", "key": "SO3", "fields": {"title": "x" * 300}})
    r = small.post(
        f"{API}/plans/{PLAN}/elements",
        content=chunks(big),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in r.request.headers
    assert "200 bytes" in problem(r, 413)["detail"]
    r = small.post(f"{API}/plans/import", content=chunks(yaml_text()), headers=YAML)
    problem(r, 413)
    assert [p["plan"] for p in small.get(f"{API}/plans").json()] == [PLAN]
    assert (
        small.get(f"{API}/plans/{PLAN}").json()["version"]
        == small.get(f"{API}/plans/{PLAN}/history").json()["total"]
    )


SECRET = "coherence-internal-detail"


def assert_no_leak(r: Response) -> None:
    doc = problem(r, 500)
    assert doc["title"] == "Internal server error"
    assert doc["detail"] == "The server could not handle the request."
    for leak in ("Traceback", 'File "', ".py", "Error", SECRET, "stored_events", "sqlite"):
        assert leak not in r.text


def test_a_server_error_says_nothing_about_its_cause(tmp_path: Path) -> None:
    """The store loses its table under a running server: 500s, with no stack trace."""
    db = tmp_path / "broken.db"
    history = PlanHistory(Settings(store=f"sqlite:///{db}"))
    history.import_plan(document(), Author("setup"))
    client = TestClient(create_app(api_context(history)), raise_server_exceptions=False)
    assert client.get(f"{API}/plans/{PLAN}/history").status_code == 200
    with sqlite3.connect(db) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            conn.execute(f'DROP TABLE "{table}"')
    for url in (f"{API}/plans", f"{API}/plans/{PLAN}/history", f"{API}/statewide"):
        assert_no_leak(client.get(url))
    assert_no_leak(
        client.post(f"{API}/plans/{PLAN}/benchmarks/B1/status", json={"status": "complete"})
    )


def test_an_unreachable_neo4j_is_a_503_that_names_no_address(history: PlanHistory) -> None:
    """Neo4j configured but not answering (nothing listens on its port): a 503 that says
    so, without the driver's message (addresses, ports) and without a stack trace."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    driver = GraphDatabase.driver(
        f"bolt://127.0.0.1:{port}",
        auth=("neo4j", SECRET),
        max_transaction_retry_time=0,
        connection_timeout=1,
    )
    history.import_plan(document(), Author("setup"))
    ctx = api_context(history, neo4j=Neo4jGraphStore(driver, retries=1))
    client = TestClient(create_app(ctx), raise_server_exceptions=False)
    try:
        r = client.get(f"{API}/plans/{PLAN}/audit", params={"engine": "neo4j"})
    finally:
        driver.close()
    doc = problem(r, 503)
    assert "try again later" in doc["detail"]
    for leak in (str(port), "127.0.0.1", "Traceback", SECRET, "ServiceUnavailable"):
        assert leak not in r.text
    # The other engine still answers.
    assert client.get(f"{API}/plans/{PLAN}/audit").status_code == 200


def test_the_openapi_document_describes_problems(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    responses = spec["paths"][f"{API}/plans/{{plan_id}}"]["get"]["responses"]
    assert set(responses["404"]["content"]) == {PROBLEM}
    graph = spec["paths"][f"{API}/plans/{{plan_id}}/graph"]["get"]["responses"]["200"]
    assert set(graph["content"]) == {
        "application/graphml+xml",
        "application/gexf+xml",
        "application/json",
        "text/vnd.mermaid",
        "text/vnd.graphviz",
    }


def test_xml_exports_are_well_formed(demo: TestClient) -> None:
    for fmt in ("graphml", "gexf"):
        ET.fromstring(demo.get(f"{API}/plans/{DEMO}/graph", params={"format": fmt}).content)
