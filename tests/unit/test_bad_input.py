"""Bad input, as a new user gives it: each is refused with a reason, nothing is saved,
and the exit status (CLI) or HTTP status comes from the one table of errors.

CLI through click's ``CliRunner`` on a SQLite store in ``tmp_path``; HTTP through the
FastAPI ``TestClient`` over an in-memory store, as ``test_api.py`` does.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.errors import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_UNREACHABLE,
    OUTCOMES,
    CoherenceError,
    outcome_of,
)
from coherence.projections import neo4j_store
from tests.plans import plan_data, yaml_text

API = "/api/v1"
PLAN = "example-2025"
YAML = {"content-type": "application/yaml"}
PROBLEM = "application/problem+json"
TEXT = yaml_text()

Run = Callable[..., tuple[int, str, str]]


# -- fixtures ----------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def run(store: str) -> Run:
    """``coherence ARGS --store STORE``: (exit status, standard output, standard error)."""

    def invoke(*args: str, with_store: bool = True) -> tuple[int, str, str]:
        extra = ["--store", store] if with_store else []
        result = CliRunner().invoke(cli, [*args, *extra], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def saved_plans(store: str) -> list[str]:
    return [p.plan_id for p in PlanHistory(Settings(store=store)).list_plans()]


@pytest.fixture
def history() -> PlanHistory:
    return PlanHistory(Settings(store="memory://"))


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    """An open API (no token) over an empty in-memory store."""
    return TestClient(create_app(api_context(history)))


def refused(r: Any, status: int, *words: str) -> dict[str, Any]:
    """The problem document of a refusal with ``status`` that mentions every word."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    body: dict[str, Any] = r.json()
    for word in words:
        assert word in body["detail"], body
    return body


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# -- plan files that are not UTF-8 -------------------------------------------------

NOT_UTF8 = {
    "latin-1": (TEXT.replace("Equity", "Équité").encode("latin-1"), "0xc9"),
    "binary": (bytes(range(128, 256)) * 4, "byte 0: "),
    "utf-16 without a byte order mark": (TEXT.encode("utf-16-le"), "byte 1: "),
    "truncated utf-16": (TEXT.encode("utf-16")[:-1], "0x"),
}
BOM_MARKED = {
    "utf-8 with a byte order mark": TEXT.encode("utf-8-sig"),
    "utf-16": TEXT.encode("utf-16"),
    "utf-16-be": b"\xfe\xff" + TEXT.encode("utf-16-be"),
    "utf-32": TEXT.encode("utf-32"),
}


@pytest.mark.parametrize("name", NOT_UTF8)
def test_cli_refuses_a_file_that_is_not_utf8_naming_the_byte(
    run: Run, store: str, tmp_path: Path, name: str
) -> None:
    data, where = NOT_UTF8[name]
    path = tmp_path / "plan.yaml"
    path.write_bytes(data)
    code, _, err = run("import", str(path))
    assert code == EXIT_BAD_INPUT, err
    assert f"{path}: byte " in err and "expected UTF-8 text" in err and where in err, err
    assert "Traceback" not in err
    assert saved_plans(store) == []


@pytest.mark.parametrize("name", BOM_MARKED)
def test_cli_reads_a_file_with_a_byte_order_mark(
    run: Run, store: str, tmp_path: Path, name: str
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(BOM_MARKED[name])
    code, _, err = run("import", str(path), "--format", "json")
    assert code == 0, err
    assert saved_plans(store) == [PLAN]


def test_cli_reads_a_json_file_with_a_byte_order_mark(run: Run, store: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(json.dumps(plan_data()).encode("utf-16"))
    code, _, err = run("import", str(path))
    assert code == 0, err
    assert saved_plans(store) == [PLAN]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bulk_import_stops_at_the_file_that_is_not_utf8(
    run: Run, store: str, tmp_path: Path, jobs: str
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(TEXT, encoding="utf-8")
    marked = tmp_path / "marked.yaml"
    marked.write_bytes(TEXT.encode("utf-16"))
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(NOT_UTF8["latin-1"][0])
    after = tmp_path / "after.yaml"
    other = plan_data()
    other["plan"]["id"] = "other-2025"
    after.write_text(yaml_text(other), encoding="utf-8")
    code, _, err = run("import", str(good), str(marked), str(bad), str(after), "--jobs", jobs)
    assert code == EXIT_BAD_INPUT, err
    assert f"{bad}: byte " in err and "Traceback" not in err, err
    assert saved_plans(store) == [PLAN]  # the files before it, not the one after


@pytest.mark.parametrize("name", NOT_UTF8)
def test_api_refuses_a_body_that_is_not_utf8_naming_the_byte(
    client: TestClient, history: PlanHistory, name: str
) -> None:
    data, where = NOT_UTF8[name]
    r = client.post(f"{API}/plans/import", content=data, headers=YAML)
    body = refused(r, 422, "request body: byte ", where)
    assert body["errors"][0]["expected"].startswith("UTF-8 text")
    assert history.list_plans() == []


@pytest.mark.parametrize("name", BOM_MARKED)
def test_api_reads_a_body_with_a_byte_order_mark(
    client: TestClient, history: PlanHistory, name: str
) -> None:
    r = client.post(f"{API}/plans/import", content=BOM_MARKED[name], headers=YAML)
    assert r.status_code == 201, r.text
    assert [p.plan_id for p in history.list_plans()] == [PLAN]


# -- files that are not plan files -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.yaml", b"", "(document): expected a mapping"),
        ("list.yaml", b"- a\n- b\n", "(document): expected a mapping, got ['a', 'b']"),
        ("scalar.yaml", b"hello\n", "(document): expected a mapping, got 'hello'"),
        ("list.json", b"[1, 2]", "(document): expected a mapping, got [1, 2]"),
        ("key.yaml", b"? [a]\n: 1\n", "a list or mapping cannot be a key"),
        ("digits.json", b'{"format": ' + b"9" * 5000 + b"}", "numbers of at most"),
        (
            "escape.yaml",
            TEXT.replace("title: Tutoring", 'title: "\\ud800"').encode(),
            "initiatives[0].title: expected Unicode text",
        ),
        (
            "escape.json",
            json.dumps(plan_data()).replace('"Tutoring"', '"\\udfff"').encode(),
            "initiatives[0].title: expected Unicode text",
        ),
        (
            "amount.yaml",
            TEXT.replace("amount: 80000", "amount: " + "9" * 30).encode(),
            "budget_lines[0].funds[0].amount: expected a number between",
        ),
    ],
)
def test_cli_refuses_what_is_not_a_plan_file(
    run: Run, store: str, tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run("import", str(path))
    assert code == EXIT_BAD_INPUT, err
    assert f"{path}: " in err and words in err, err
    assert saved_plans(store) == []


def test_cli_refuses_a_missing_file_and_a_directory(run: Run, store: str, tmp_path: Path) -> None:
    code, _, err = run("import", str(tmp_path / "missing.yaml"))
    assert code == EXIT_BAD_INPUT and "missing.yaml: (file): expected a readable file" in err
    (tmp_path / "folder.yaml").mkdir()
    code, _, err = run("import", str(tmp_path / "folder.yaml"))
    assert code == EXIT_BAD_INPUT and "is a directory" in err
    assert saved_plans(store) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "expected a mapping"),
        (b"- a\n- b\n", "expected a mapping, got ['a', 'b']"),
        (b"42\n", "expected a mapping, got 42"),
        (b"? {a: 1}\n: 1\n", "a list or mapping cannot be a key"),
        (TEXT.replace("title: Tutoring", 'title: "\\ud800"').encode(), "initiatives[0].title"),
    ],
)
def test_api_refuses_what_is_not_a_plan_file(
    client: TestClient, history: PlanHistory, content: bytes, words: str
) -> None:
    refused(client.post(f"{API}/plans/import", content=content, headers=YAML), 422, words)
    assert history.list_plans() == []


def test_api_reads_a_json_body_sent_as_yaml(client: TestClient, history: PlanHistory) -> None:
    """JSON is YAML: a JSON body under a YAML content type imports the same plan."""
    body = json.dumps(plan_data())
    r = client.post(f"{API}/plans/import", content=body, headers=YAML)
    assert r.status_code == 201, r.text
    assert [p.plan_id for p in history.list_plans()] == [PLAN]


def test_api_refuses_yaml_sent_as_json(client: TestClient, history: PlanHistory) -> None:
    r = client.post(
        f"{API}/plans/import", content=TEXT, headers={"content-type": "application/json"}
    )
    refused(r, 422, "valid JSON")
    assert history.list_plans() == []


@pytest.mark.parametrize(
    ("media", "content"),
    [
        ("text/plain", TEXT.encode()),
        ("application/xml", b"<plan/>"),
        ("application/x-www-form-urlencoded", b"format=coherence%2Fplan%401"),
    ],
)
def test_api_refuses_an_unsupported_content_type(
    client: TestClient, history: PlanHistory, media: str, content: bytes
) -> None:
    r = client.post(f"{API}/plans/import", content=content, headers={"content-type": media})
    refused(r, 415, media)
    assert history.list_plans() == []


# -- stores that cannot be opened --------------------------------------------------


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda t: f"sqlite:///{t}/no-such-dir/x.db", "no-such-dir does not exist"),
        (lambda t: f"sqlite:///{t}", "is a directory"),
        (lambda t: f"sqlite:///{t}/plan.yaml", "is some other file"),
        (lambda t: "mysql://localhost/x", "expected sqlite:///file.db"),
        (lambda t: "sqlite:///", "expected sqlite:///path/to/file.db"),
    ],
)
def test_cli_refuses_a_store_that_cannot_be_opened(
    run: Run, tmp_path: Path, make: Callable[[Path], str], words: str
) -> None:
    (tmp_path / "plan.yaml").write_text(TEXT, encoding="utf-8")
    code, _, err = run("plans", "--store", make(tmp_path), with_store=False)
    assert code == EXIT_BAD_INPUT, err
    assert err.startswith("error: store: ") and words in err, err
    assert (tmp_path / "plan.yaml").read_text(encoding="utf-8") == TEXT  # not overwritten


def test_cli_answers_an_unreachable_postgresql_with_its_own_status(run: Run) -> None:
    url = f"postgresql://user:secret@127.0.0.1:{closed_port()}/x"
    code, _, err = run("plans", "--store", url, with_store=False)
    assert code == EXIT_UNREACHABLE == 3, err
    assert "PostgreSQL at 127.0.0.1:" in err and "cannot be reached" in err
    assert "scripts/postgres start" in err and "--store" in err
    assert "secret" not in err


# -- options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "at", ["yesterday", "2025-13-45T00:00:00Z", "2025-02-30", "2025-08-01T09:00:00"]
)
def test_cli_refuses_an_at_that_is_not_a_date_time(
    run: Run, store: str, tmp_path: Path, at: str
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(TEXT, encoding="utf-8")
    code, _, err = run("import", str(path), "--at", at)
    assert code == EXIT_BAD_INPUT and "--at" in err, err
    assert saved_plans(store) == []


@pytest.fixture
def imported(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert run("import", str(path))[0] == 0


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("history", "nope"), "No plan with id 'nope'"),
        (("export", PLAN, "--version", "0"), "has no version 0"),
        (("export", PLAN, "--version", "99999999999999999999999"), "version: expected a plan"),
        (("audit", PLAN, "--version", "99999999999999999999999"), "version: expected a plan"),
        (("diff", PLAN, "--from", "1", "--to", "99999999999999999999999"), "to: expected a plan"),
        (("graph", PLAN, "--format", "gexf", "--version", "-3"), "has no version -3"),
        (("export", PLAN, "--as-of", "1900-01-01"), "did not exist yet"),
        (("audit", PLAN, "--as-of", "2025-02-30"), "--as-of"),
        (("audit", PLAN, "--version", "1", "--as-of", "2025-01-01"), "not both"),
        (("line-of-sight", PLAN, "NOPE"), "NOPE"),
        (("token", "revoke", "abcd"), "No single token with id 'abcd'"),
        (("token", "revoke", "ab"), "No single token with id 'ab'"),
        (("token", "create", "--owner", "", "--role", "admin"), "owner"),
        (("token", "create", "--owner", "x", "--role", "root"), "--role"),
        (("audit", PLAN, "--engine", "neo4j", "--neo4j", "http://localhost:7474"), "neo4j:"),
        (("audit", PLAN, "--engine", "neo4j", "--neo4j", "not a uri"), "neo4j:"),
        (("plans", "--engine", "neo4j", "--neo4j", "not a uri"), "neo4j:"),
        (("plans", "--engine", "neo4j", "--neo4j", "http://localhost:7474"), "neo4j:"),
        (("project", "neo4j", "--neo4j", "ftp://x"), "neo4j:"),
    ],
)
def test_cli_refuses_bad_input_with_status_2(run: Run, args: tuple[str, ...], words: str) -> None:
    code, _, err = run(*args)
    assert code == EXIT_BAD_INPUT, err
    assert words in err and "Traceback" not in err, err


@pytest.mark.usefixtures("imported")
def test_cli_writing_into_a_missing_directory_is_bad_input(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "plan.yaml"
    for args in (("export", PLAN), ("graph", PLAN, "--format", "gexf")):
        code, _, err = run(*args, "-o", str(target))
        assert code == EXIT_BAD_INPUT, err
        assert err == f"error: {target}: No such file or directory\n"


@pytest.mark.usefixtures("imported")
def test_cli_refuses_a_fiscal_year_that_is_not_one(run: Run) -> None:
    code, _, err = run("audit", PLAN, "--fiscal-year", "banana")
    assert code == EXIT_BAD_INPUT and "fiscal" in err, err


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("command", ["audit", "project", "plans"])
def test_cli_answers_neo4j_on_a_closed_port_with_its_own_status(
    run: Run, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    store_init = neo4j_store.Neo4jGraphStore.__init__

    def one_attempt(self: neo4j_store.Neo4jGraphStore, *args: Any, **kwargs: Any) -> None:
        store_init(self, *args, **{**kwargs, "retries": 1})

    monkeypatch.setattr(neo4j_store.Neo4jGraphStore, "__init__", one_attempt)
    uri = f"bolt://127.0.0.1:{closed_port()}"
    args = {
        "audit": ("audit", PLAN, "--engine", "neo4j"),
        "project": ("project", "neo4j"),
        "plans": ("plans", "--engine", "neo4j"),
    }[command]
    code, _, err = run(*args, "--neo4j", uri)
    assert code == EXIT_UNREACHABLE, err
    assert "Neo4j at 127.0.0.1:" in err and "cannot be reached" in err, err
    assert "scripts/neo4j start" in err and "--neo4j" in err, err


# -- the HTTP side of the same families ----------------------------------------------


@pytest.fixture
def example(client: TestClient) -> None:
    assert client.post(f"{API}/plans/import", content=TEXT, headers=YAML).status_code == 201


@pytest.mark.usefixtures("example")
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("version=99999999999999999999999", 422),
        ("version=abc", 422),
        ("version=0", 422),
        ("as_of=notadate", 422),
        ("as_of=2025-02-30", 422),
        ("as_of=1900-01-01", 404),
    ],
)
def test_api_refuses_bad_plan_queries(client: TestClient, query: str, status: int) -> None:
    for path in (f"/plans/{PLAN}", f"/plans/{PLAN}/audit", f"/plans/{PLAN}/graph"):
        assert client.get(f"{API}{path}?{query}").status_code == status, (path, query)


def test_api_refuses_a_huge_version_on_sqlite_with_422(tmp_path: Path) -> None:
    """SQLite's INTEGER is 64-bit: a larger version is refused by name, not an overflow."""
    history = PlanHistory(Settings(store=f"sqlite:///{tmp_path / 'api.db'}"))
    client = TestClient(create_app(api_context(history)))
    assert client.post(f"{API}/plans/import", content=TEXT, headers=YAML).status_code == 201
    huge = "99999999999999999999999"
    refused(client.get(f"{API}/plans/{PLAN}?version={huge}"), 422, "expected a plan version")
    r = client.get(f"{API}/plans/{PLAN}/diff?from=1&to={huge}")
    refused(r, 422, "expected a plan version")
    biggest = str(2**63 - 1)
    refused(client.get(f"{API}/plans/{PLAN}?version={biggest}"), 404, "has no version")


@pytest.mark.usefixtures("example")
def test_api_refuses_a_fiscal_year_that_is_not_one(client: TestClient) -> None:
    refused(client.get(f"{API}/plans/{PLAN}/audit?fiscal_year=garbage"), 422, "fiscal")


# -- the one table -------------------------------------------------------------------


def test_every_error_class_has_a_row_and_subclasses_come_first() -> None:
    kinds = [kind for kind, _ in OUTCOMES]
    for i, kind in enumerate(kinds):
        for later in kinds[i + 1 :]:
            assert not issubclass(later, kind), f"{later.__name__} is shadowed by {kind.__name__}"
    for error in _subclasses(CoherenceError):
        assert outcome_of(error.__new__(error)).exit != EXIT_BUG, error


def _subclasses(kind: type[CoherenceError]) -> list[type[CoherenceError]]:
    out = [kind]
    for sub in kind.__subclasses__():
        out.extend(_subclasses(sub))
    return out


@pytest.mark.usefixtures("imported")
def test_a_bug_is_one_line_naming_the_saved_traceback(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coherence.cli import render

    def broken(*_: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(render, "plans_table", broken)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.delenv("COHERENCE_TRACEBACK", raising=False)
    code, _, err = run("plans")
    assert code == EXIT_BUG == 70
    assert err.count("\n") == 1 and "This is a bug in Coherence" in err, err
    saved = next(tmp_path.glob("coherence-bug-*.txt"))
    assert str(saved) in err and "ZeroDivisionError: boom" in saved.read_text()

    monkeypatch.setenv("COHERENCE_TRACEBACK", "1")
    code, _, err = run("plans")
    assert code == EXIT_BUG and "Traceback (most recent call last)" in err
