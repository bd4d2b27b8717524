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
from coherence.api.context import ApiContext
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.cli.main import cli
from coherence.domain.errors import (
    EXIT_BAD_INPUT,
)
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
    return TestClient(create_app(ApiContext(history)))


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
