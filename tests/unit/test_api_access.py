"""Who may do what over HTTP, on every route.

With no token issued the API is open (and only listens on loopback); once a token
exists every request needs a valid one. Roles: viewer reads, editor also writes
content, admin also adopts, redesigns and closes. A token scoped to a district (or to
plans) sees nothing else: other plans are 404 on every route, and are left out of
lists. The actor recorded on a change is always the token's owner.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from httpx import Response
from starlette.routing import compile_path

from coherence.api.access import OPEN_ACTOR
from coherence.api.app import check_binding, create_app
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token, revoke_token
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.errors import RefusedToStart
from tests.plans import document, plan_data, yaml_text

API = "/api/v1"
PROBLEM = "application/problem+json"
YAML = {"content-type": "application/yaml"}

A, DISTRICT_A = "example-2025", "Example Public Schools"
B, DISTRICT_B = "other-2025", "Other Public Schools"


def plan_b_data(**changes: Any) -> dict[str, Any]:
    """Plan B: the example plan's content, in another district."""
    data = plan_data(
        plan={
            "id": B,
            "district": DISTRICT_B,
            "title": "Strategic Plan 2025-2028",
            "period": {"start": "2025-07-01", "end": "2028-06-30"},
        }
    )
    data.update(changes)
    return data


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # below /api/v1/plans/{plan}
    action: str  # read, write or administer
    body: Any = None
    ok: int = 200
    adopted: bool = False  # the plan must be adopted first
    media: str | None = None  # a body sent as it is (the body then), not as JSON
    retired: str | None = None  # an element to retire first
    revised: bool = False  # the plan must have a revision 2 that can be undone
    raw: bytes | None = None  # a body that is a file (text/plain), not JSON
    uploaded: bool = False  # EVIDENCE must be uploaded to the plans first
    scenario: bool = False  # the plans must have a scenario "cuts" with a change
    published: bool = False  # the plans must be published first

    @property
    def id(self) -> str:
        return f"{self.method} {self.path or '/'}"


EVIDENCE = b"Sign-in sheets of the family nights"
EVIDENCE_SHA256 = hashlib.sha256(EVIDENCE).hexdigest()
CHANGES = ("write", "administer")
"""The actions that change a plan (an upload keeps a file, the plan does not change; a
"draft" writes to a scenario of the plan, with the plan's access rule for a write)."""

PLAN_ROUTES = [
    Route("GET", "", "read"),
    Route("GET", "/elements/SO1", "read"),
    Route("GET", "/history", "read"),
    Route("GET", "/diff?from=1&to=5", "read"),
    Route("GET", "/graph?format=graphml", "read"),
    Route("GET", "/audit", "read"),
    Route("GET", "/timeline", "read"),
    Route("GET", "/graph/timeline", "read"),
    Route("GET", "/funding?fiscal_year=FY26", "read"),
    Route("GET", "/deck", "read"),
    Route("GET", "/slides?format=pptx", "read"),
    Route("POST", "/what-if", "read", {"retire": ["BL-1001"]}),  # saves nothing
    Route(
        "POST",
        "/elements",
        "write",
        {"kind": "objective", "key": "SO3", "fields": {"title": "Attendance"}},
        ok=201,
    ),
    Route("PATCH", "/elements/SI1.1", "write", {"fields": {"owner": "Literacy Office"}}),
    Route("DELETE", "/elements/EG1", "write"),
    Route("POST", "/elements/EG1/restore", "write", {}, retired="EG1"),
    Route("PATCH", "", "write", {"title": "District Plan, revised"}),
    Route("POST", "/links", "write", {"source": "SI2.1", "target": "SO1"}),
    Route("DELETE", "/links/SI1.1/SO1", "write"),
    Route("POST", "/benchmarks/B1/status", "write", {"status": "at_risk"}),
    Route("POST", "/outcomes/OC1/results", "write", {"as_of": "2027-06-30", "value": 52}),
    Route("GET", "/sections/budget_lines?format=csv", "read"),
    Route(
        "POST",
        "/sections/benchmarks",
        "write",
        "key,description,kind,school_year,owner,due,status,tracks\n"
        "B1,Tutors hired,process,2025-2026,HR,2025-10-01,at_risk,SI1.1\n",
        media="text/csv",
    ),
    Route(
        "POST",
        "/budget-import?map=key=Line&map=amount=Amount",
        "write",
        "Line,Amount\nBL-1001,125000\n",
        media="text/csv",
    ),
    Route("GET", "/outcomes/OC1/progress", "read"),
    Route("POST", "/adopt", "administer", {}),
    Route("POST", "/redesign", "administer", {}, adopted=True),
    Route("POST", "/close", "administer", {}),
    Route("POST", "/revisions/2/undo", "administer", {}, revised=True),
    Route("GET", "/report?format=html", "read"),
    Route("POST", "/publish", "administer", {}),
    Route("DELETE", "/publish", "administer", {}, published=True),
    Route("POST", "/evidence", "upload", raw=b"Attendance up 3 points", ok=201),
    Route("GET", f"/evidence/{EVIDENCE_SHA256}", "read", uploaded=True),
    Route("GET", "/scenarios", "read", scenario=True),
    Route("POST", "/scenarios", "draft", {"name": "next"}, ok=201),
    Route("GET", "/scenarios/cuts/compare", "read", scenario=True),
    Route("POST", "/scenarios/cuts/merge", "write", {}, scenario=True),
    Route("DELETE", "/scenarios/cuts", "draft", scenario=True),
    Route(
        "POST",
        "/rollover",
        "write",
        {"to": "2026-2027", "continue": ["SI1.1"], "modify": ["SI2.1"]},
    ),
]
IDS = [r.id for r in PLAN_ROUTES]

OTHER_ROUTES = {
    ("GET", "/api/v1/plans"),
    ("POST", "/api/v1/plans/import"),
    ("GET", "/api/v1/statewide"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/framework"),
    ("GET", "/api/v1/me"),  # any credential (tests/unit/test_signin.py)
    ("POST", "/auth/token"),  # open: signs in (rate-limited)
    ("POST", "/auth/signout"),  # open: ends the request's own session
    ("GET", "/api/v1/template"),
    ("GET", "/api/v1/my-work"),  # the asker's own, in their scope: tests/unit/test_my_work.py
    # open: a published plan's report only, the same 404 otherwise (tests/unit/test_reports.py)
    ("GET", "/public/{plan_id}"),
}

PEOPLE_ROUTES = [
    ("GET", "/api/v1/people", None),
    ("GET", "/api/v1/people/{email}", None),
    ("PUT", "/api/v1/people/{email}", {"role": "viewer"}),
    ("DELETE", "/api/v1/people/{email}", None),
]
"""Only an admin of every plan manages people (``test_people_routes_need_an_unscoped_admin``)."""


# -- helpers ----------------------------------------------------------------------


@pytest.fixture
def history() -> PlanHistory:
    """Two plans in two districts: A (example-2025) and B (other-2025)."""
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("setup", source="cli"))
    app.import_plan(document(plan_b_data()), Author("setup", source="cli"))
    return app


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(history)))


def token(
    history: PlanHistory, role: str, owner: str | None = None, **scope: Any
) -> dict[str, str]:
    """The Authorization header of a new token."""
    secret, _ = issue_token(history, owner=owner or f"{role} person", role=role, **scope)
    return {"Authorization": f"Bearer {secret}"}


def prepare(history: PlanHistory, route: Route) -> None:
    """Put both plans in the state the route needs."""
    if route.adopted:
        for plan in (A, B):
            history.adopt(plan, Author("setup", source="cli"))
    if route.retired:
        for plan in (A, B):
            history.retire_element(plan, route.retired, Author("setup", source="cli"))
    if route.revised:
        for plan in (A, B):
            history.revise_element(plan, "SO2", {"title": "Belonging!"}, Author("setup"))
    if route.scenario:
        for plan in (A, B):
            history.create_scenario(plan, "cuts", Author("setup"))
            history.revise_element(f"{plan}~cuts", "SO2", {"title": "Belonging!"}, Author("s"))
    if route.published:
        for plan in (A, B):
            history.publish(plan, Author("setup", source="cli"))


def call(
    client: TestClient,
    history: PlanHistory,
    route: Route,
    plan: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Response:
    if route.uploaded:
        for each in (A, B):
            client.app.state.ctx.evidence.put(each, "sheets.txt", "text/plain", EVIDENCE)  # type: ignore[attr-defined]
    if route.raw is not None:
        kwargs["content"] = route.raw
        headers = {"content-type": "text/plain", "x-filename": "notes.txt", **(headers or {})}
    elif route.media is not None:
        kwargs["content"] = route.body
        headers = {"content-type": route.media, **(headers or {})}
    else:
        kwargs["json"] = route.body
    path = route.path
    if "params" in kwargs and "?" in path:  # params would replace the path's query
        path, _, query = path.partition("?")
        kwargs["params"] = [*parse_qsl(query), *kwargs["params"].items()]
    response: Response = client.request(
        route.method, f"{API}/plans/{plan}{path}", headers=headers or {}, **kwargs
    )
    return response


def problem(r: Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def versions(history: PlanHistory) -> dict[str, int]:
    return {p: history.get_plan(p).version for p in (A, B)}


def last_actor(history: PlanHistory, plan: str) -> str:
    return history.history(plan)[-1].actor


def test_the_table_covers_every_route(client: TestClient) -> None:
    """A route added to the API must be added here, with its access rule."""
    spec = client.get("/openapi.json").json()
    for template, operations in spec["paths"].items():
        for method in (m.upper() for m in operations):
            if (method, template) in OTHER_ROUTES:
                continue
            if any((method, template) == (m, t) for m, t, _ in PEOPLE_ROUTES):
                continue
            regex = compile_path(template)[0]
            assert any(
                r.method == method and regex.match(f"{API}/plans/{A}{r.path.split('?')[0]}")
                for r in PLAN_ROUTES
            ), f"{method} {template} has no access rule in PLAN_ROUTES"


# -- no token configured ----------------------------------------------------------


@pytest.mark.parametrize("route", PLAN_ROUTES, ids=IDS)
@pytest.mark.parametrize("plan", [A, B])
def test_open_without_any_token(
    client: TestClient, history: PlanHistory, route: Route, plan: str
) -> None:
    prepare(history, route)
    before = versions(history)[plan]
    r = call(client, history, route, plan)
    assert r.status_code == route.ok, r.text
    if route.action in CHANGES:
        assert versions(history)[plan] > before
        assert last_actor(history, plan) == OPEN_ACTOR


def test_open_lists_import_and_statewide(client: TestClient, history: PlanHistory) -> None:
    assert {p["plan"] for p in client.get(f"{API}/plans").json()} == {A, B}
    assert client.get(f"{API}/statewide").json()["plans"] == 2
    r = client.post(
        f"{API}/plans/import",
        content=yaml_text(plan_data(vision="Every student belongs.")),
        headers=YAML,
    )
    assert r.status_code == 200
    assert r.json()["changes"][0]["actor"] == OPEN_ACTOR


# -- once a token exists: who are you? --------------------------------------------


@pytest.fixture
def guarded(history: PlanHistory, client: TestClient) -> dict[str, dict[str, str]]:
    """Tokens issued after the server started (it notices without a restart)."""
    assert client.get(f"{API}/plans").status_code == 200  # still open
    revoked_secret, info = issue_token(history, owner="Former staff", role="admin")
    revoke_token(history, info.id, "left the district")
    return {
        "admin": token(history, "admin", "Dr. Alvarez"),
        "revoked": {"Authorization": f"Bearer {revoked_secret}"},
    }


BAD_CREDENTIALS = {
    "none": {},
    "empty bearer": {"Authorization": "Bearer "},
    "unknown token": {"Authorization": "Bearer coh_not-a-token-anyone-was-given"},
    "not our token": {"Authorization": "Bearer abc123"},
    "basic auth": {"Authorization": "Basic YWRtaW46YWRtaW4="},
}


@pytest.mark.parametrize("route", PLAN_ROUTES, ids=IDS)
def test_every_plan_route_needs_a_valid_token(
    client: TestClient,
    history: PlanHistory,
    guarded: dict[str, dict[str, str]],
    route: Route,
) -> None:
    prepare(history, route)
    before = versions(history)
    for headers in [*BAD_CREDENTIALS.values(), guarded["revoked"]]:
        r = call(client, history, route, A, headers)
        problem(r, 401)
        assert r.headers["www-authenticate"] == "Bearer"
    assert versions(history) == before
    assert call(client, history, route, A, guarded["admin"]).status_code == route.ok


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/plans"), ("POST", "/plans/import"), ("GET", "/statewide")],
)
@pytest.mark.parametrize("credentials", [*BAD_CREDENTIALS, "revoked"])
def test_the_other_routes_need_a_valid_token(
    client: TestClient,
    history: PlanHistory,
    guarded: dict[str, dict[str, str]],
    method: str,
    path: str,
    credentials: str,
) -> None:
    headers = guarded["revoked"] if credentials == "revoked" else BAD_CREDENTIALS[credentials]
    r = client.request(method, f"{API}{path}", content=yaml_text(), headers={**YAML, **headers})
    problem(r, 401)


def test_health_stays_open(client: TestClient, guarded: dict[str, dict[str, str]]) -> None:
    assert client.get(f"{API}/health").status_code == 200


def test_the_framework_catalogue_is_open(
    client: TestClient, guarded: dict[str, dict[str, str]]
) -> None:
    """It holds no plan's data: the page reads it before asking for a token."""
    r = client.get(f"{API}/framework")
    assert r.status_code == 200
    assert "plans" not in r.json()


def test_revoking_a_token_takes_effect_at_once(client: TestClient, history: PlanHistory) -> None:
    secret, info = issue_token(history, owner="Ana", role="viewer")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/plans/{A}", headers=headers).status_code == 200
    revoke_token(history, info.id)
    problem(client.get(f"{API}/plans/{A}", headers=headers), 401)


def test_a_server_on_sqlite_sees_at_once_what_another_program_writes(tmp_path: Path) -> None:
    """The server asks the store for news only when something was committed since it
    last asked (SQLite's data version): a change and a token made by another program
    (the command line, another worker) count from the next request."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    served = PlanHistory(Settings(store=url))
    served.import_plan(document(), Author("setup", source="cli"))
    client = TestClient(create_app(api_context(served)))
    first = client.get(f"{API}/plans/{A}")
    assert client.get(f"{API}/plans/{A}").headers["etag"] == first.headers["etag"]
    other = PlanHistory(Settings(store=url))
    other.revise_details(A, {"title": "Renamed by the command line"}, Author("cli", source="cli"))
    second = client.get(f"{API}/plans/{A}")
    assert int(second.headers["etag"].strip('"')) == int(first.headers["etag"].strip('"')) + 1
    assert second.json()["document"]["plan"]["title"] == "Renamed by the command line"
    # The server's own write, then another program's: the next read has both.
    status = f"{API}/plans/{A}/benchmarks/B1/status"
    mine = client.post(status, json={"status": "at_risk", "reason": "server"}).json()
    assert client.get(f"{API}/plans/{A}").headers["etag"] == f'"{mine["version"]}"'
    other.report_benchmark_status(A, "B1", "complete", Author("cli", source="cli"))
    third = client.get(f"{API}/plans/{A}")
    assert third.headers["etag"] == f'"{mine["version"] + 1}"'
    benchmark = next(b for b in third.json()["document"]["benchmarks"] if b["key"] == "B1")
    assert benchmark["status"] == "complete"
    issue_token(other, owner="Admin", role="admin")
    problem(client.get(f"{API}/plans/{A}"), 401)


def test_the_servers_look_at_the_store_seeks_only_what_was_committed_since(
    tmp_path: Path,
) -> None:
    """When something was committed, the server reads the rows after the last one it read,
    found by row id, so a look costs the same on a long history as on a short one (it
    used to walk every event ever stored: a millisecond a look at 20,000 events)."""
    from coherence.application.store import _RECORDED_SINCE

    path = tmp_path / "plans.db"
    PlanHistory(Settings(store=f"sqlite:///{path}")).import_plan(
        document(), Author("setup", source="cli")
    )
    with closing(sqlite3.connect(path)) as connection:
        steps = [
            row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {_RECORDED_SINCE}", (0,))
        ]
    assert any("USING INTEGER PRIMARY KEY (rowid>?)" in step for step in steps), steps
    assert not any(step.startswith("SCAN") for step in steps), steps


def test_a_token_revoked_by_another_program_is_refused_on_the_next_request(
    tmp_path: Path,
) -> None:
    """The server keeps a token's grant from one request to the next while no credential
    changes, plan writes by others included; a revoke by another program (the command
    line, another worker) changes one, so the request after it is refused."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    served = PlanHistory(Settings(store=url))
    served.import_plan(document(), Author("setup", source="cli"))
    other = PlanHistory(Settings(store=url))
    secret, info = issue_token(other, owner="Clerk", role="viewer")
    client = TestClient(create_app(api_context(served)))
    headers = {"Authorization": f"Bearer {secret}"}
    for status in ("on_track", "at_risk", "complete"):
        assert client.get(f"{API}/plans/{A}/audit", headers=headers).status_code == 200
        other.report_benchmark_status(A, "B1", status, Author("Clerk", source="cli"))
    revoke_token(other, info.id, "left the district")
    assert (
        "revoked" in problem(client.get(f"{API}/plans/{A}/audit", headers=headers), 401)["detail"]
    )


@pytest.mark.parametrize(("method", "template", "body"), PEOPLE_ROUTES)
def test_people_routes_need_an_unscoped_admin(
    client: TestClient, history: PlanHistory, method: str, template: str, body: Any
) -> None:
    from coherence.application.users import grant_person

    grant_person(history, "ana@example.org", role="editor")
    path = template.replace("{email}", "ana@example.org")
    problem(client.request(method, path, json=body), 401)
    for role, scope in [("viewer", {}), ("editor", {}), ("admin", SCOPES["district"])]:
        r = client.request(method, path, json=body, headers=token(history, role, **scope))
        assert "manages people" in problem(r, 403)["detail"]
    r = client.request(method, path, json=body, headers=token(history, "admin"))
    assert r.status_code == 200, r.text


# -- roles --------------------------------------------------------------------------

ALLOWED = {
    "viewer": {"read"},
    "editor": {"read", "write", "upload", "draft"},
    "admin": {"read", "write", "upload", "draft", "administer"},
}


@pytest.mark.parametrize("route", PLAN_ROUTES, ids=IDS)
@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_roles(client: TestClient, history: PlanHistory, route: Route, role: str) -> None:
    prepare(history, route)
    headers = token(history, role, "Ana Ruiz")
    before = versions(history)
    r = call(client, history, route, A, headers)
    if route.action in ALLOWED[role]:
        assert r.status_code == route.ok, r.text
        if route.action in CHANGES:
            assert last_actor(history, A) == "Ana Ruiz"
    else:
        assert role in problem(r, 403)["detail"]
        assert versions(history) == before


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_import_needs_an_editor(client: TestClient, history: PlanHistory, role: str) -> None:
    headers = {**YAML, **token(history, role)}
    changed = yaml_text(plan_data(vision="Every student belongs."))
    r = client.post(f"{API}/plans/import", content=changed, headers=headers)
    if role == "viewer":
        problem(r, 403)
        # Refused before the body is even read: a viewer learns nothing about files.
        problem(client.post(f"{API}/plans/import", content="plan: [", headers=headers), 403)
        dry = client.post(
            f"{API}/plans/import", content=changed, headers=headers, params={"dry_run": True}
        )
        problem(dry, 403)
    else:
        assert r.status_code == 200, r.text
        assert r.json()["events"] == 1


# -- scope ----------------------------------------------------------------------------

SCOPES: dict[str, dict[str, Any]] = {
    "district": {"districts": [DISTRICT_A]},
    "plan": {"plans": [A]},
}


@pytest.mark.parametrize("route", PLAN_ROUTES, ids=IDS)
@pytest.mark.parametrize("scope", SCOPES)
def test_a_scoped_token_cannot_see_other_plans(
    client: TestClient, history: PlanHistory, route: Route, scope: str
) -> None:
    prepare(history, route)
    headers = token(history, "admin", "Ana Ruiz", **SCOPES[scope])
    before = versions(history)
    r = call(client, history, route, B, headers)
    doc = problem(r, 404)  # as if it did not exist: not even a 403
    assert doc["detail"] == f"No plan with id {B!r}"
    assert versions(history) == before
    # Its own plan works.
    assert call(client, history, route, A, headers).status_code == route.ok


@pytest.mark.parametrize("scope", SCOPES)
def test_a_scoped_token_lists_only_its_plans(
    client: TestClient, history: PlanHistory, scope: str
) -> None:
    headers = token(history, "viewer", **SCOPES[scope])
    assert [p["plan"] for p in client.get(f"{API}/plans", headers=headers).json()] == [A]
    statewide = client.get(f"{API}/statewide", headers=headers).json()
    assert statewide["plans"] == 1
    assert [p["plan"] for p in statewide["by_plan"]] == [A]
    mine = client.get(f"{API}/plans/{A}/audit", headers=headers).json()["summary"]
    assert statewide["summary"] == mine
    # An unscoped token sees both.
    everyone = token(history, "viewer")
    assert client.get(f"{API}/statewide", headers=everyone).json()["plans"] == 2


@pytest.mark.parametrize("scope", SCOPES)
def test_a_scoped_token_cannot_import_into_another_district(
    client: TestClient, history: PlanHistory, scope: str
) -> None:
    headers = {**YAML, **token(history, "admin", **SCOPES[scope])}
    before = versions(history)

    def imported(data: dict[str, Any], **params: Any) -> Response:
        response: Response = client.post(
            f"{API}/plans/import", content=yaml_text(data), headers=headers, params=params
        )
        return response

    # A change to a plan of district B.
    problem(imported(plan_b_data(vision="Changed from A")), 403)
    problem(imported(plan_b_data(vision="Changed from A"), dry_run=True), 403)
    # A file that claims district A but carries plan B's id.
    hijack = plan_b_data()
    hijack["plan"]["district"] = DISTRICT_A
    problem(imported(hijack), 403)
    # Moving plan A into district B.
    moved = plan_data()
    moved["plan"]["district"] = DISTRICT_B
    problem(imported(moved), 403)
    # A new plan of district B.
    new_b = plan_b_data()
    new_b["plan"]["id"] = "new-2026"
    problem(imported(new_b), 403)
    assert versions(history) == before
    assert "new-2026" not in {p.plan_id for p in history.list_plans()}
    # Its own plan imports.
    r = imported(plan_data(vision="Changed from A"))
    assert r.status_code == 200
    assert r.json()["events"] == 1


def test_a_district_token_may_create_a_plan_in_its_district(
    client: TestClient, history: PlanHistory
) -> None:
    headers = {**YAML, **token(history, "editor", "Ana Ruiz", districts=[DISTRICT_A])}
    new = plan_data()
    new["plan"]["id"] = "example-2028"
    r = client.post(f"{API}/plans/import", content=yaml_text(new), headers=headers)
    assert r.status_code == 201
    assert history.get_plan("example-2028").district == DISTRICT_A
    listed = client.get(f"{API}/plans", headers=headers).json()
    assert [p["plan"] for p in listed] == [A, "example-2028"]
    # A plan-scoped token may not create another plan, even in its district.
    plan_scoped = {**YAML, **token(history, "editor", plans=[A])}
    new["plan"]["id"] = "example-2029"
    problem(client.post(f"{API}/plans/import", content=yaml_text(new), headers=plan_scoped), 403)


# -- the actor is the token's owner -------------------------------------------------

SPOOFED_HEADERS = {
    "X-Actor": "Mallory",
    "X-User": "Mallory",
    "X-Forwarded-User": "Mallory",
    "X-Remote-User": "Mallory",
    "Remote-User": "Mallory",
    "From": "mallory@example.org",
}
WRITES = [r for r in PLAN_ROUTES if r.action in CHANGES]


@pytest.mark.parametrize("route", WRITES, ids=[r.id for r in WRITES])
def test_the_recorded_actor_is_the_tokens_owner(
    client: TestClient, history: PlanHistory, route: Route
) -> None:
    prepare(history, route)
    headers = {**SPOOFED_HEADERS, **token(history, "admin", "Dr. Maria Alvarez")}
    r = call(client, history, route, A, headers, params={"actor": "Mallory", "source": "cli"})
    assert r.status_code == route.ok, r.text
    entries = history.history(A)[-r.json()["events"] :]
    assert {e.actor for e in entries} == {"Dr. Maria Alvarez"}
    assert {e.source for e in entries} == {"api"}
    assert {c["actor"] for c in r.json()["changes"]} == {"Dr. Maria Alvarez"}
    if isinstance(route.body, dict):
        # An actor in the body is refused, not recorded.
        spoof = {**route.body, "actor": "Mallory"}
        r = client.request(
            route.method, f"{API}/plans/{A}{route.path}", json=spoof, headers=headers
        )
        assert "body.actor" in [e["path"] for e in problem(r, 422)["errors"]]
    assert "Mallory" not in json.dumps([e.to_dict() for e in history.history(A)])


def test_an_import_records_the_tokens_owner(client: TestClient, history: PlanHistory) -> None:
    headers = {**YAML, **SPOOFED_HEADERS, **token(history, "editor", "Ana Ruiz")}
    new = plan_data()
    new["plan"]["id"] = "example-2028"
    r = client.post(
        f"{API}/plans/import",
        content=yaml_text(new),
        headers=headers,
        params={"actor": "Mallory", "reason": "new cycle"},
    )
    assert r.status_code == 201
    drafted = history.history("example-2028")[0]
    assert (drafted.type, drafted.actor, drafted.reason) == ("Drafted", "Ana Ruiz", "new cycle")
    assert {e.actor for e in history.history("example-2028")} == {"Ana Ruiz"}


# -- binding: never open to the network without a token -----------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_check_binding_refuses_the_network_without_a_token(host: str) -> None:
    with pytest.raises(RefusedToStart, match="token"):
        check_binding(host, configured=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_check_binding_allows_loopback_without_a_token(host: str) -> None:
    check_binding(host, configured=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_check_binding_allows_the_network_once_a_token_exists(host: str) -> None:
    check_binding(host, configured=True)


def test_api_context_knows_when_tokens_exist(history: PlanHistory) -> None:
    ctx = api_context(history)
    assert ctx.tokens_required() is False
    issue_token(history, owner="Ana", role="viewer")
    assert ctx.tokens_required() is True


@pytest.mark.timeout(60)  # a server that started anyway would hang here
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serve_refuses_the_network_without_a_token(tmp_path: Path, host: str, workers: str) -> None:
    store = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(
        cli, ["serve", "--host", host, "--port", "1", "--workers", workers, "--store", store]
    )
    assert result.exit_code == 2, result.output
    assert f"Refusing to listen on {host}" in result.stderr
    assert "coherence token create" in result.stderr


# -- token commands -------------------------------------------------------------------


def test_token_create_list_revoke_round_trip(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'x.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--store", store])
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run(
        "token",
        "create",
        "--owner",
        "Ana Ruiz",
        "--role",
        "editor",
        "--district",
        DISTRICT_A,
        "--label",
        "retreat laptop",
        "--format",
        "json",
    )
    assert code == 0
    created = json.loads(out)
    assert (created["owner"], created["role"], created["districts"], created["revoked"]) == (
        "Ana Ruiz",
        "editor",
        [DISTRICT_A],
        False,
    )
    secret = created["token"]
    assert secret.startswith("coh_")

    code, out, _ = run("token", "create", "--owner", "Dr. Alvarez", "--role", "admin")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("coh_")

    code, out, _ = run("token", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [(t["owner"], t["role"], t["revoked"]) for t in listed] == [
        ("Ana Ruiz", "editor", False),
        ("Dr. Alvarez", "admin", False),
    ]
    assert secret not in out  # only shown once
    code, out, _ = run("token", "list")
    assert code == 0 and "Ana Ruiz" in out and secret not in out

    # The token works against the API on that store, for its district only.
    history = PlanHistory(Settings(store=store))
    history.import_plan(document(), Author("setup", source="cli"))
    history.import_plan(document(plan_b_data()), Author("setup", source="cli"))
    client = TestClient(create_app(api_context(history)))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/plans/{A}", headers=headers).status_code == 200
    problem(client.get(f"{API}/plans/{B}", headers=headers), 404)
    r = client.post(
        f"{API}/plans/{A}/benchmarks/B1/status", json={"status": "complete"}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["changes"][0]["actor"] == "Ana Ruiz"

    code, out, err = run("token", "revoke", created["id"], "--reason", "laptop lost")
    assert code == 0, err
    assert "revoked" in out + err
    code, out, _ = run("token", "list", "--format", "json")
    assert [t["revoked"] for t in json.loads(out)] == [True, False]
    problem(client.get(f"{API}/plans/{A}", headers=headers), 401)

    code, _, err = run("token", "revoke", "ffffffffffff")
    assert code == 2
    assert "No single token" in err
    code, _, err = run("token", "create", "--owner", " ", "--role", "admin")
    assert code == 2
    assert "owner" in err
