"""Shared fixtures: applications on the library's in-memory store, on a SQLite file,
and on a real PostgreSQL server started for the session by ``scripts/postgres``.

Outside CI a test that needs a server it cannot start is skipped with the reason
printed; with CI=true it fails instead.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coherence.application.history import PlanHistory
from coherence.application.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(reason: str) -> None:
    """Skip outside CI, fail in CI: servers must run there."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def app() -> PlanHistory:
    """The application on the library's in-memory persistence."""
    return PlanHistory(Settings(store="memory://"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coherence.db'}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on loopback, for the whole session."""
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "postgres"), "start"],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        stderr = getattr(e, "stderr", "") or ""
        need(f"could not start PostgreSQL with scripts/postgres: {e}\n{stderr[-2000:]}")
        return
    url = done.stdout.strip().splitlines()[-1]
    try:
        yield url
    finally:
        subprocess.run(
            [str(ROOT / "scripts" / "postgres"), "stop", url],
            check=False,
            capture_output=True,
            timeout=120,
        )


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = postgres_server.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[dict[str, str]]:
    """A real Neo4j 5.26 server on loopback for the whole session (``scripts/neo4j``).

    Yields ``{"uri", "user", "password"}``.
    """
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "neo4j"), "start"],
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        stderr = getattr(e, "stderr", "") or ""
        need(f"could not start Neo4j with scripts/neo4j: {e}\n{stderr[-3000:]}")
        return
    uri = done.stdout.strip().splitlines()[-1]
    workdir = Path(
        subprocess.run(
            [str(ROOT / "scripts" / "neo4j"), "dir", uri],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    server = {
        "uri": uri,
        "user": (workdir / "user").read_text().strip(),
        "password": (workdir / "password").read_text().strip(),
        "dir": str(workdir),
    }
    try:
        yield server
    finally:
        subprocess.run(
            [str(ROOT / "scripts" / "neo4j"), "stop", str(workdir)],
            check=False,
            capture_output=True,
            timeout=180,
        )


@pytest.fixture
def neo4j_store(neo4j_server: dict[str, str]) -> Iterator[Any]:
    """A Neo4j graph store on the session's server, emptied before the test."""
    from coherence.projections.neo4j_store import Neo4jGraphStore, Neo4jSettings

    settings = Neo4jSettings(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"])
    store = Neo4jGraphStore(settings.driver())
    store.create_schema()
    store.reset()
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each real store in turn: a SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coherence.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
