"""Spreadsheets over HTTP: a plan's workbook out and in, a blank template, one section
as CSV both ways, a budget from a finance system, and a dry run's audit preview."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook, load_workbook

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.application.workbook import XLSX_MEDIA, read_plan_input, write_workbook
from coherence.bootstrap import api_context
from tests.plans import document, plan_data

API = "/api/v1"
PLAN = "example-2025"
DEMO = "riverbend-2024"
XLSX = {"content-type": XLSX_MEDIA}
CSV = {"content-type": "text/csv"}
PROBLEM = "application/problem+json"


@pytest.fixture
def history() -> PlanHistory:
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("setup", source="cli"))
    return app


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(history)))


@pytest.fixture(scope="module")
def demo() -> tuple[PlanHistory, TestClient]:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return history, TestClient(create_app(api_context(history)))


def problem(r: Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    return body


def version(history: PlanHistory, plan: str = PLAN) -> int:
    return history.get_plan(plan).version


# -- the plan's workbook -------------------------------------------------------------------


def test_a_plan_as_a_workbook_with_its_name_and_etag(demo: tuple[PlanHistory, TestClient]) -> None:
    history, client = demo
    r = client.get(f"{API}/plans/{DEMO}", params={"format": "xlsx", "version": 120})
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX_MEDIA
    assert r.headers["content-disposition"] == 'attachment; filename="riverbend-2024-v120.xlsx"'
    assert r.headers["etag"] == '"120"'
    doc = read_plan_input(r.content, filename="v120.xlsx")
    assert (
        doc.state
        == read_plan_input(
            write_workbook(history.plan_state(DEMO, version=120)), filename="x.xlsx"
        ).state
    )
    r = client.get(f"{API}/plans/{DEMO}?format=xlsx", headers={"if-none-match": r.headers["etag"]})
    assert r.status_code == 200  # the latest version is not 120
    latest = client.get(f"{API}/plans/{DEMO}?format=xlsx")
    r = client.get(
        f"{API}/plans/{DEMO}?format=xlsx", headers={"if-none-match": latest.headers["etag"]}
    )
    assert r.status_code == 304
    problem(client.get(f"{API}/plans/{DEMO}?format=ods"), 422)


def test_the_demo_workbook_imports_back_as_a_no_op(demo: tuple[PlanHistory, TestClient]) -> None:
    history, client = demo
    data = client.get(f"{API}/plans/{DEMO}?format=xlsx").content
    before = version(history, DEMO)
    r = client.post(f"{API}/plans/import", content=data, headers=XLSX, params={"dry_run": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["events"] == 0
    assert body["audit"]["resolved"] == [] and body["audit"]["added"] == []
    assert body["audit"]["before"] == body["audit"]["after"]
    assert version(history, DEMO) == before


def test_a_workbook_import_creates_and_changes_a_plan(client: TestClient) -> None:
    data = plan_data()
    data["plan"]["id"] = "new-2026"
    xlsx = write_workbook(document(data).state)
    r = client.post(f"{API}/plans/import", content=xlsx, headers=XLSX)
    assert r.status_code == 201, r.text
    assert r.json()["created"] is True and r.headers["etag"] == f'"{r.json()["version"]}"'
    r = client.post(f"{API}/plans/import", content=xlsx, headers=XLSX)
    assert r.status_code == 200 and r.json()["events"] == 0


def test_a_dry_run_says_which_findings_it_would_resolve_and_add(
    client: TestClient, history: PlanHistory
) -> None:
    state = history.plan_state(PLAN)
    wb = load_workbook(io.BytesIO(write_workbook(state)))
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    owner = header.index("owner") + 1
    ws.cell(row=2, column=owner).value = None  # SI1.1 loses its owner: a new finding
    out = io.BytesIO()
    wb.save(out)
    before = version(history)
    r = client.post(
        f"{API}/plans/import", content=out.getvalue(), headers=XLSX, params={"dry_run": True}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True and body["events"] == 1
    assert body["changes"][0]["summary"].startswith("Initiative SI1.1 'Tutoring' revised (owner)")
    added = [(f["rule"], f["key"]) for f in body["audit"]["added"]]
    assert added == [("initiative-without-owner", "SI1.1")]
    assert body["audit"]["resolved"] == []
    assert body["audit"]["after"]["summary"]["warning"] == (
        body["audit"]["before"]["summary"]["warning"] + 1
    )
    assert version(history) == before  # nothing saved
    # Confirmed with the previewed version: saved, and the audit has the finding.
    r = client.post(
        f"{API}/plans/import", content=out.getvalue(), headers={**XLSX, "if-match": f'"{before}"'}
    )
    assert r.status_code == 200 and r.json()["audit"] is None
    assert version(history) == before + 1
    findings = client.get(f"{API}/plans/{PLAN}/audit").json()["findings"]
    assert ("initiative-without-owner", "SI1.1") in [(f["rule"], f["key"]) for f in findings]
    # The same confirmation again is stale: 409, nothing saved.
    r = client.post(
        f"{API}/plans/import", content=out.getvalue(), headers={**XLSX, "if-match": f'"{before}"'}
    )
    assert problem(r, 409)["current_version"] == before + 1


def test_a_dry_run_of_a_yaml_import_resolves_findings_too(
    client: TestClient, history: PlanHistory
) -> None:
    data = plan_data()
    data["initiatives"][0]["owner"] = None
    history.import_plan(document(data), Author("setup", source="cli"))
    data["initiatives"][0]["owner"] = "Director"
    r = client.post(
        f"{API}/plans/import",
        content=json.dumps(data),
        headers={"content-type": "application/json"},
        params={"dry_run": True},
    )
    resolved = [(f["rule"], f["key"]) for f in r.json()["audit"]["resolved"]]
    assert resolved == [("initiative-without-owner", "SI1.1")]


def test_a_bad_workbook_is_422_naming_sheet_and_cell(
    client: TestClient, history: PlanHistory
) -> None:
    wb = load_workbook(io.BytesIO(write_workbook(history.plan_state(PLAN))))
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("supports") + 1, value="SO9")
    out = io.BytesIO()
    wb.save(out)
    before = version(history)
    body = problem(client.post(f"{API}/plans/import", content=out.getvalue(), headers=XLSX), 422)
    assert body["detail"].startswith(
        f"workbook: Initiatives!{cell.coordinate} (supports): expected the key of an objective"
    )
    assert "'SO9'" in body["detail"]
    problem(client.post(f"{API}/plans/import", content=b"not a zip", headers=XLSX), 422)
    problem(client.post(f"{API}/plans/import", content=b"x", headers={"content-type": "a/b"}), 415)
    assert version(history) == before


def test_the_body_limit_applies_to_workbooks(history: PlanHistory) -> None:
    client = TestClient(create_app(api_context(history, max_body=1000)))
    xlsx = write_workbook(history.plan_state(PLAN))
    problem(client.post(f"{API}/plans/import", content=xlsx, headers=XLSX), 413)


def test_a_blank_template(client: TestClient) -> None:
    r = client.get(f"{API}/template", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX_MEDIA
    assert "coherence-plan-template.xlsx" in r.headers["content-disposition"]
    assert "Plan" in load_workbook(io.BytesIO(r.content)).sheetnames
    problem(client.get(f"{API}/template?format=csv"), 422)


# -- one section as CSV ---------------------------------------------------------------------


def test_a_section_as_csv_both_ways(client: TestClient, history: PlanHistory) -> None:
    r = client.get(f"{API}/plans/{PLAN}/sections/benchmarks", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    v = version(history)
    assert r.headers["etag"] == f'"{v}"'
    assert r.headers["content-disposition"] == (
        f'attachment; filename="{PLAN}-v{v}-benchmarks.csv"'
    )
    edited = r.text.replace("on_track", "at_risk")
    url = f"{API}/plans/{PLAN}/sections/benchmarks"
    r = client.post(url, content=edited, headers=CSV, params={"dry_run": True, "reason": "x"})
    assert r.status_code == 200, r.text
    assert r.json()["events"] == 1 and r.json()["audit"] is not None
    assert version(history) == v
    r = client.post(url, content=edited, headers={**CSV, "if-match": f'"{v - 1}"'})
    assert problem(r, 409)["current_version"] == v
    r = client.post(
        url, content=edited, headers={**CSV, "if-match": f'"{v}"'}, params={"reason": "late"}
    )
    assert r.status_code == 200, r.text
    assert version(history) == v + 1
    last = history.history(PLAN)[-1]
    assert (last.reason, last.source) == ("late", "api")
    assert history.plan_state(PLAN).elements["B1"].fields["status"] == "at_risk"


def test_section_refusals(client: TestClient, history: PlanHistory) -> None:
    before = version(history)
    body = problem(client.get(f"{API}/plans/{PLAN}/sections/colours"), 422)
    assert "section" in body["detail"]
    url = f"{API}/plans/{PLAN}/sections/benchmarks"
    bad = "key,description,kind,school_year,owner,due,status,tracks\nB1,x,,,,soon,,SI1.1\n"
    body = problem(client.post(url, content=bad, headers=CSV), 422)
    assert body["detail"].startswith("benchmarks.csv: F2 (due): expected an ISO date")
    dangling = "key,description,kind,school_year,owner,due,status,tracks\nB1,x,,,,,,SI9\n"
    body = problem(client.post(url, content=dangling, headers=CSV), 422)
    assert "H2 (tracks)" in body["detail"] and "'SI9'" in body["detail"]
    problem(client.post(url, content=b"{}", headers={"content-type": "application/json"}), 415)
    problem(client.get(f"{API}/plans/nope/sections/benchmarks"), 404)
    assert version(history) == before


def test_a_viewer_cannot_import_a_section(client: TestClient, history: PlanHistory) -> None:
    secret, _ = issue_token(history, owner="Viewer", role="viewer")
    r = client.post(
        f"{API}/plans/{PLAN}/sections/benchmarks",
        content="key\n",
        headers={**CSV, "authorization": f"Bearer {secret}"},
    )
    problem(r, 403)


# -- a budget from a finance system ----------------------------------------------------------

FINANCE = (
    "Line,Year,Total Budget,Program,Alloc\n"
    "BL-1001,FY26,130000,SI1.1,90000\n"
    "BL-1001,FY26,130000,PL1,40000\n"
    "BL-2001,FY26,5000,SI9.9,5000\n"
)
MAPPING = {
    "key": "Line",
    "fiscal_year": "Year",
    "amount": "Total Budget",
    "funds.target": "Program",
    "funds.amount": "Alloc",
}
UNKNOWN = [{"row": 4, "cell": "D4", "budget_line": "BL-2001", "target": "SI9.9"}]


def test_budget_import_as_multipart(client: TestClient, history: PlanHistory) -> None:
    before = version(history)
    url = f"{API}/plans/{PLAN}/budget-import"
    files = {"file": ("finance.csv", FINANCE.encode(), "text/csv")}
    r = client.post(url, files=files, data={"mapping": json.dumps(MAPPING)}, params={"dry_run": 1})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unknown_targets"] == UNKNOWN and body["dry_run"] is True
    assert body["audit"] is not None and version(history) == before
    r = client.post(url, files=files, data={"mapping": "key: Line\namount: Total Budget"})
    assert r.status_code == 200, r.text
    state = history.plan_state(PLAN)
    assert state.elements["BL-1001"].fields["amount"] == 130000
    assert not any(source == "BL-1001" for source, _ in state.links)  # no allocation column


def test_budget_import_as_an_xlsx_body_with_the_mapping_in_the_query(
    client: TestClient, history: PlanHistory
) -> None:
    wb = Workbook()
    ws = wb.active
    for line in FINANCE.splitlines():
        ws.append([int(v) if v.isdigit() else v for v in line.split(",")])
    out = io.BytesIO()
    wb.save(out)
    v = version(history)
    r = client.post(
        f"{API}/plans/{PLAN}/budget-import",
        content=out.getvalue(),
        headers={**XLSX, "if-match": f'"{v}"'},
        params={"mapping": json.dumps(MAPPING), "reason": "FY26 budget"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["unknown_targets"] == UNKNOWN
    links = history.plan_state(PLAN).links
    assert links[("BL-1001", "SI1.1")].attributes == {"amount": 90000}
    assert history.history(PLAN)[-1].reason == "FY26 budget"


def test_budget_import_refusals(client: TestClient, history: PlanHistory) -> None:
    before = version(history)
    url = f"{API}/plans/{PLAN}/budget-import"
    r = client.post(url, content=FINANCE, headers=CSV, params={"map": ["key=Line", "colour=Year"]})
    body = problem(r, 422)
    assert "mapping: expected one of key, fiscal_year" in body["detail"]
    assert "'colour'" in body["detail"]
    body = problem(client.post(url, content=FINANCE, headers=CSV, params={"map": "key=No"}), 422)
    assert "a column named 'No'" in body["detail"]
    problem(client.post(url, content=FINANCE, headers=CSV), 422)
    problem(client.post(url, content=FINANCE, headers=CSV, params={"mapping": "[1"}), 422)
    r = client.post(url, files={"other": ("f.csv", b"x")}, data={"mapping": "key: Line"})
    assert "file" in problem(r, 422)["detail"]
    r = client.post(url, content=FINANCE, headers={"content-type": "application/json"})
    problem(r, 415)
    assert version(history) == before
