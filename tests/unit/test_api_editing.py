"""Editing a plan in place through the API, as the web page does: an element with its
links in one revision, restore, the plan's details, what each write did to the audit,
only the new revisions of the graph timeline, and who is asking (``/me``).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context

API = "/api/v1"
DEMO = "riverbend-2024"
PLAN = f"{API}/plans/{DEMO}"


@pytest.fixture
def history() -> PlanHistory:
    app = PlanHistory(Settings(store="memory://"))
    load_demo(app)
    return app


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(history)))


def version(client: TestClient) -> int:
    r = client.get(PLAN)
    return int(r.headers["etag"].strip('"'))


def keyed(findings: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(f["rule"], f["key"]) for f in findings}


def test_an_element_and_its_links_are_one_revision_with_the_audit_change(
    client: TestClient,
) -> None:
    before = version(client)
    r = client.post(
        f"{PLAN}/elements",
        json={
            "kind": "initiative",
            "key": "SI5.9",
            "fields": {"title": "Career pathways", "owner": "CTE office"},
            "links": {"supports": ["SO5"]},
            "reason": "Pathways for SO5",
        },
        headers={"If-Match": f'"{before}"'},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["events"] == 2 and body["version"] == before + 2
    assert {c["revision"] for c in body["changes"]} == {body["revision"]}
    assert {c["type"] for c in body["changes"]} == {"ElementAdded", "Linked"}
    assert ("unfunded-initiative", "SI5.9") in keyed(body["audit"]["added"])
    assert body["audit"]["resolved"] == []
    # A budget line funding it with an amount, in one request, resolves SO5's gap.
    r = client.post(
        f"{PLAN}/elements",
        json={
            "kind": "budget_line",
            "key": "BL-2799",
            "fields": {"fiscal_year": "FY27", "amount": 50000, "description": "Pathways"},
            "links": {"funds": [{"target": "SI5.9", "amount": 40000}]},
        },
    )
    assert r.status_code == 201, r.text
    resolved = keyed(r.json()["audit"]["resolved"])
    assert {("unfunded-objective", "SO5"), ("unfunded-initiative", "SI5.9")} <= resolved
    link = client.get(f"{PLAN}/graph?format=cytoscape").json()["elements"]["edges"]
    assert any(
        e["data"]["id"] == "BL-2799|funds|SI5.9" and e["data"]["amount"] == 40000 for e in link
    )


def test_a_refused_link_saves_nothing_and_names_the_item(client: TestClient) -> None:
    before = version(client)
    r = client.post(
        f"{PLAN}/elements",
        json={"kind": "initiative", "key": "SI5.9", "links": {"supports": ["SO5", "BL-2702"]}},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "links.supports[1]"
    assert version(client) == before
    assert client.get(f"{PLAN}/elements/SI5.9").status_code == 404
    r = client.patch(
        f"{PLAN}/elements/BL-2702",
        json={"fields": {}, "links": {"funds": [{"target": "SI1.1", "amount": "x"}]}},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "links.funds[0].amount"
    assert version(client) == before


def test_revising_links_replaces_the_field_and_keeps_the_others(client: TestClient) -> None:
    element = client.get(f"{PLAN}/elements/SI1.1").json()
    r = client.patch(
        f"{PLAN}/elements/SI1.1",
        json={"fields": {"owner": "Literacy office"}, "links": {"supports": ["SO2"]}},
    )
    assert r.status_code == 200, r.text
    types = [c["type"] for c in r.json()["changes"]]
    assert types.count("ElementRevised") == 1 and "Linked" in types and "Unlinked" in types
    after = client.get(f"{PLAN}/elements/SI1.1").json()
    assert [p[1] for p in after["line_of_sight"]] == ["SO2"] * len(after["line_of_sight"])
    assert after["fields"]["owner"] == "Literacy office"
    assert element["fields"]["title"] == after["fields"]["title"]


def test_retire_then_restore_keeps_the_key_and_fields(client: TestClient) -> None:
    fields = client.get(f"{PLAN}/elements/SI2.1").json()["fields"]
    assert client.delete(f"{PLAN}/elements/SI2.1?reason=Paused").status_code == 200
    r = client.post(f"{PLAN}/elements/SI2.1/restore", json={"reason": "Funded again"})
    assert r.status_code == 200, r.text
    (change,) = r.json()["changes"]
    assert change["type"] == "ElementRestored" and change["reason"] == "Funded again"
    assert ("orphaned-initiative", "SI2.1") in keyed(r.json()["audit"]["added"])
    element = client.get(f"{PLAN}/elements/SI2.1").json()
    assert element["retired"] is False and element["fields"] == fields
    # Restoring an active element, or one that never existed, is refused.
    assert client.post(f"{PLAN}/elements/SI2.1/restore").status_code == 422
    assert client.post(f"{PLAN}/elements/NOPE/restore").status_code == 404


def test_plan_details_are_revised_and_bad_dates_name_the_field(client: TestClient) -> None:
    r = client.patch(PLAN, json={"title": "District Plan 2024-2028", "period_end": "2028-06-30"})
    assert r.status_code == 200, r.text
    assert r.json()["changes"][0]["type"] == "DetailsRevised"
    assert r.json()["audit"] == {"resolved": [], "added": []}
    document = client.get(PLAN).json()["document"]["plan"]
    assert document["title"] == "District Plan 2024-2028"
    assert document["period"]["end"] == "2028-06-30"
    r = client.patch(PLAN, json={"period_start": "not a date"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"path": "period_start", "expected": "an ISO date (YYYY-MM-DD)"}]


def test_a_no_op_write_has_an_empty_audit_change(client: TestClient) -> None:
    title = client.get(f"{PLAN}/elements/SO1").json()["fields"]["title"]
    r = client.patch(f"{PLAN}/elements/SO1", json={"fields": {"title": title}})
    assert r.status_code == 200
    assert r.json()["events"] == 0
    assert r.json()["audit"] == {"resolved": [], "added": []}


def test_a_stale_if_match_is_409_with_the_current_version(client: TestClient) -> None:
    stale = version(client)
    client.patch(f"{PLAN}/elements/SO1", json={"fields": {"title": "First"}})
    r = client.patch(
        f"{PLAN}/elements/SO1",
        json={"fields": {"title": "Second"}},
        headers={"If-Match": f'"{stale}"'},
    )
    assert r.status_code == 409
    assert r.json()["current_version"] == stale + 1
    # Re-applied on the version named, both edits are in the history.
    r = client.patch(
        f"{PLAN}/elements/SO1",
        json={"fields": {"title": "Second"}},
        headers={"If-Match": f'"{stale + 1}"'},
    )
    assert r.status_code == 200
    summaries = [
        e["summary"] for e in client.get(f"{PLAN}/history?offset={stale}").json()["events"]
    ]
    assert len(summaries) == 2


def test_the_graph_timeline_since_a_version_adds_up_to_the_whole(
    client: TestClient,
) -> None:
    whole = client.get(f"{PLAN}/graph/timeline").json()
    since = whole["version"]
    client.patch(f"{PLAN}/elements/SO1", json={"fields": {"title": "Retitled"}})
    client.delete(f"{PLAN}/elements/SI4.1")
    r = client.get(f"{PLAN}/graph/timeline?since={since}")
    assert r.status_code == 200
    delta = r.json()
    after = client.get(f"{PLAN}/graph/timeline").json()
    assert delta["version"] == after["version"] == int(r.headers["etag"].strip('"'))
    assert delta["revisions"] == after["revisions"][-2:]
    assert delta["details"] == after["details"]
    last = whole["revisions"][-1]["revision"]
    full = {n["data"]["id"]: n for n in after["nodes"]}
    for node in delta["nodes"]:
        assert node["data"] == full[node["data"]["id"]]["data"]
        spans = full[node["data"]["id"]]["active"]
        clipped = [[max(a, last + 1), b] for a, b in spans if b > last]
        assert node["active"] == clipped
    # Retired by the second revision: active in the first one only.
    (retired,) = [n for n in delta["nodes"] if n["data"]["id"] == "SI4.1"]
    assert retired["active"] == [[last + 1, last + 1]]
    assert client.get(f"{PLAN}/graph/timeline?since={after['version']}").json()["revisions"] == []


def test_me_names_the_token_and_its_role(history: PlanHistory, client: TestClient) -> None:
    assert client.get(f"{API}/me").json()["via"] == "open"
    secret, _ = issue_token(history, owner="Vera Viewer", role="viewer", plans=[DEMO])
    viewer = {"Authorization": f"Bearer {secret}"}
    r = client.get(f"{API}/me", headers=viewer)
    assert {
        "name": "Vera Viewer",
        "role": "viewer",
        "plans": [DEMO],
        "districts": [],
        "via": "token",
    }.items() <= r.json().items()
    assert client.get(f"{API}/me").status_code == 401
    # The server refuses a viewer's writes, whatever the page shows.
    before = history.get_plan(DEMO).version
    for method, path, body in [
        ("PATCH", f"{PLAN}/elements/SO1", {"fields": {"title": "x"}}),
        ("PATCH", PLAN, {"title": "x"}),
        ("POST", f"{PLAN}/elements/SI4.1/restore", {}),
    ]:
        assert client.request(method, path, json=body, headers=viewer).status_code == 403
    assert history.get_plan(DEMO).version == before


def test_the_history_records_restore_as_a_sentence(history: PlanHistory) -> None:
    history.retire_element(DEMO, "EG1", Author("Ana"))
    history.restore_element(DEMO, "EG1", Author("Ana", "Back on"))
    last = history.history(DEMO)[-1]
    assert last.type == "ElementRestored" and "restored" in last.summary


def test_the_server_that_wrote_answers_the_same_audit_as_any_other(
    history: PlanHistory,
) -> None:
    """A write's answer audits the version before and after it; a read of the plan then
    gets the whole audit (the history-aware findings too), as from a server that never
    wrote."""
    writer = TestClient(create_app(api_context(history)))
    key = a_benchmark(writer)
    r = writer.post(f"{PLAN}/benchmarks/{key}/status", json={"status": "off_track"})
    assert r.status_code == 200
    mine = writer.get(f"{PLAN}/audit").json()
    other = TestClient(create_app(api_context(history))).get(f"{PLAN}/audit").json()
    assert mine == other
    history_rules = {"stale-benchmark", "outcome-without-recent-result"}
    assert history_rules & {f["rule"] for f in mine["findings"]}


def a_benchmark(client: TestClient) -> str:
    """A benchmark of the demo plan."""
    return str(client.get(PLAN).json()["document"]["benchmarks"][0]["key"])
