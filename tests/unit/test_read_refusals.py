"""Bad read parameters are refused cleanly by both entry points: the command line with
exit status 2 and a message naming the field, the HTTP API with a problem document
(422 naming the field, or 404). Never a crash, never a 500, never a silent answer.

The store is a SQLite file: its integers are 64-bit, and a version beyond that used to
reach it (an ``OverflowError``, a 500).
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from tests.plans import yaml_text

PLAN = "example-2025"
API = f"/api/v1/plans/{PLAN}"
HUGE = "99999999999999999999"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the example plan at two versions (or more)."""
    folder = tmp_path_factory.mktemp("refusals")
    url = f"sqlite:///{folder / 'coherence.db'}"
    plan = folder / "plan.yaml"
    plan.write_text(yaml_text(), encoding="utf-8")
    done = CliRunner().invoke(cli, ["import", str(plan), "--store", url])
    assert done.exit_code == 0, done.output
    return url


def run(store: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--store", store])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def client(store: str) -> TestClient:
    history = PlanHistory(Settings(store=store))
    return TestClient(create_app(api_context(history)), raise_server_exceptions=False)


def problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    return body


def paths(body: dict[str, Any]) -> list[str]:
    return [e["path"] for e in body.get("errors", [])]


# -- the command line --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("audit", PLAN, "--fiscal-year", "DROP TABLE"), "fiscal_year"),
        (("audit", PLAN, "--fiscal-year", "2026"), "fiscal_year"),
        (("audit", PLAN, "--version", HUGE), "version"),
        (("graph", PLAN, "--format", "cytoscape", "--version", HUGE), "version"),
        (("export", PLAN, "--version", HUGE), "version"),
        (("line-of-sight", PLAN, "SO1", "--version", HUGE), "version"),
        (("diff", PLAN, "--from", "1", "--to", HUGE), "to"),
        (("diff", PLAN, "--from", HUGE, "--to", "1"), "from"),
        (("history", PLAN, "--limit", "-1"), "limit"),
        (("history", PLAN, "--since", "-3"), "since"),
        (("audit", PLAN, "--as-of", "nope"), "--as-of"),
    ],
)
def test_the_cli_refuses_bad_read_parameters_naming_them(
    store: str, args: tuple[str, ...], field: str
) -> None:
    status, err = run(store, *args)
    assert status == 2, err
    assert field in err


@pytest.mark.parametrize("version", ["0", "-2", "-" + HUGE])
def test_the_cli_answers_no_such_version_below_one(store: str, version: str) -> None:
    status, err = run(store, "audit", PLAN, "--version", version)
    assert status == 2
    assert f"has no version {version}" in err


def test_the_cli_accepts_a_fiscal_year_of_four_digits(store: str) -> None:
    assert run(store, "audit", PLAN, "--fiscal-year", "FY2026", "--format", "json")[0] in (0, 1)


def test_a_backwards_diff_is_a_diff_not_an_error(store: str) -> None:
    """``from`` later than ``to`` is the way back (what was retired comes back restored):
    the history answers it, so the entry points do too."""
    status, _ = run(store, "diff", PLAN, "--from", "2", "--to", "1", "--format", "json")
    assert status == 0


# -- HTTP ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/audit?fiscal_year=DROP%20TABLE",
        f"{API}/audit?fiscal_year=FY1&version=1",
        f"{API}/audit?fiscal_year=26&engine=neo4j",
        f"{API}/timeline?fiscal_year=DROP%20TABLE",
    ],
)
def test_http_refuses_a_fiscal_year_that_is_not_one(client: TestClient, url: str) -> None:
    body = problem(client.get(url), 422)
    assert paths(body) == ["fiscal_year"]
    assert body["errors"][0]["expected"] == "a fiscal year such as FY26"


@pytest.mark.parametrize(
    "url",
    [
        f"{API}?version={HUGE}",
        f"{API}/audit?version={HUGE}",
        f"{API}/audit?version={HUGE}&engine=neo4j",
        f"{API}/graph?version={HUGE}",
        f"{API}/graph?version={HUGE}&format=gexf",
        f"{API}/elements/SO1?version={HUGE}",
    ],
)
def test_http_refuses_a_version_no_store_can_hold(client: TestClient, url: str) -> None:
    assert paths(problem(client.get(url), 422)) == ["version"]


@pytest.mark.parametrize(
    ("params", "field"), [({"from": 1, "to": HUGE}, "to"), ({"from": HUGE, "to": 1}, "from")]
)
def test_http_refuses_a_diff_version_no_store_can_hold(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    assert paths(problem(client.get(f"{API}/diff", params=params), 422)) == [field]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (f"{API}?version=0", "query.version"),
        (f"{API}/audit?version=-1", "query.version"),
        (f"{API}/graph?version=0", "query.version"),
        (f"{API}/elements/SO1?version=-5", "query.version"),
        (f"{API}/audit?as_of=yesterday", "query.as_of"),
        (f"{API}/graph?as_of=2026-13-01", "query.as_of"),
        (f"{API}/diff?from=0&to=1", "query.from"),
        (f"{API}/history?offset=-1", "query.offset"),
        (f"{API}/history?limit=-1", "query.limit"),
    ],
)
def test_http_refuses_other_bad_read_parameters(client: TestClient, url: str, path: str) -> None:
    assert paths(problem(client.get(url), 422)) == [path]


def test_http_answers_a_version_that_does_not_exist_yet_with_404(client: TestClient) -> None:
    problem(client.get(f"{API}/audit", params={"version": 2**63 - 1}), 404)
    problem(client.get(f"{API}/graph", params={"as_of": "0001-01-01"}), 404)


def test_http_a_backwards_diff_is_a_diff(client: TestClient) -> None:
    r = client.get(f"{API}/diff", params={"from": 2, "to": 1})
    assert r.status_code == 200, r.text
    assert (r.json()["from"], r.json()["to"]) == (2, 1)


def test_http_accepts_a_well_formed_fiscal_year(client: TestClient) -> None:
    for year in ("FY26", "FY2026"):
        r = client.get(f"{API}/audit", params={"fiscal_year": year})
        assert r.status_code == 200, r.text
        assert r.json()["fiscal_year"] == year


def test_http_documents_the_query_of_the_reads_read_most_often(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()

    def query_of(path: str) -> dict[str, Any]:
        parameters = doc["paths"][f"/api/v1/plans/{{plan_id}}/{path}"]["get"]["parameters"]
        return {p["name"]: p for p in parameters if p["in"] == "query"}

    audit, graph = query_of("audit"), query_of("graph")
    assert list(audit) == ["version", "as_of", "fiscal_year", "engine"]
    assert set(graph) == {"version", "as_of", "format"}
    assert not any(p["required"] for p in (*audit.values(), *graph.values()))
    assert audit["version"]["description"] == "Read the plan at this version."
    assert {"type": "integer", "minimum": 1} in audit["version"]["schema"]["anyOf"]
    assert {"type": "string", "format": "date"} in graph["as_of"]["schema"]["anyOf"]
    assert audit["engine"]["schema"]["pattern"] == "^(networkx|neo4j)$"
    assert "graphml" in graph["format"]["schema"]["pattern"]


def test_http_reads_a_repeated_query_parameter_as_its_last_value_and_ignores_unknown_ones(
    client: TestClient,
) -> None:
    r = client.get(f"{API}/graph?format=graphml&format=cytoscape&colour=blue")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert "elements" in r.json()
    assert paths(problem(client.get(f"{API}/graph?format=cytoscape&format=nope"), 422)) == [
        "query.format"
    ]
