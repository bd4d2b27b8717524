"""Shared fixtures: applications on the library's in-memory store, on a SQLite file,
on a real PostgreSQL server started for the session by ``scripts/postgres``, and a
real OpenID Connect provider process (``oidc-provider-mock``) for sign-in.

Outside CI a test that needs a server it cannot start is skipped with the reason
printed; with CI=true it fails instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


def server_script(name: str, *args: str, timeout: float = 600) -> str:
    """Run ``scripts/NAME ARGS`` and return its last line of output; skip (fail in CI)
    with the script's own error when it cannot start the server."""
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / name), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        stderr = getattr(e, "stderr", "") or ""
        need(f"could not start a server with scripts/{name}: {e}\n{stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def stop_server(name: str, target: str) -> None:
    subprocess.run(
        [str(ROOT / "scripts" / name), "stop", target],
        check=False,
        capture_output=True,
        timeout=180,
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on loopback, for the whole session."""
    url = server_script("postgres", "start")
    try:
        yield url
    finally:
        stop_server("postgres", url)


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
    uri = server_script("neo4j", "start", timeout=900)
    workdir = Path(server_script("neo4j", "dir", uri))
    server = {
        "uri": uri,
        "user": (workdir / "user").read_text().strip(),
        "password": (workdir / "password").read_text().strip(),
        "dir": str(workdir),
    }
    try:
        yield server
    finally:
        stop_server("neo4j", str(workdir))


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


@dataclass
class OidcProvider:
    """A real OpenID provider (the ``oidc-provider-mock`` package) in its own process."""

    issuer: str
    process: subprocess.Popen[bytes]

    def set_user(self, email: str, **claims: Any) -> None:
        """Claims the provider sends for the subject ``email`` once it is typed in."""
        import httpx

        r = httpx.put(f"{self.issuer}/users/{quote(email)}", json={"email": email, **claims})
        r.raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """``python -m oidc_provider_mock`` on a free loopback port, nonce required; skipped
    with the reason outside CI when it cannot start (failed with CI=true)."""
    import importlib.util
    import socket
    import sys
    import time
    import urllib.request

    if importlib.util.find_spec("oidc_provider_mock") is None:
        need("the oidc-provider-mock package is not installed (pip install -e '.[dev]')")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--require-nonce", "true"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    provider = OidcProvider(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                need(f"the OpenID provider exited with {process.returncode}: {log.read_text()}")
            try:
                url = f"{provider.issuer}/.well-known/openid-configuration"
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    need(f"the OpenID provider did not answer in 60 s: {log.read_text()}")
                time.sleep(0.2)
        yield provider
    finally:
        stop(process, timeout=10)
