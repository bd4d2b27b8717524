"""docker-compose.yml: it parses, and the configuration it describes (PostgreSQL event
store + Neo4j graph + the app + the projector) works when the same servers run outside
containers: the start script the containers run, run here the same way, with the
environment the compose file sets."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import ROOT, free_port
from tests.plans import yaml_text

pytestmark = [pytest.mark.postgres, pytest.mark.neo4j]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_the_compose_file_describes_postgres_neo4j_the_app_and_the_projector() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "neo4j", "app", "projector"}
    assert services["neo4j"]["image"].startswith("neo4j:5.26")
    for name in ("postgres", "neo4j", "app"):
        assert services[name]["healthcheck"]["test"]
    assert "/api/v1/health" in " ".join(services["app"]["healthcheck"]["test"])
    assert "cypher-shell" in " ".join(services["neo4j"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for name in ("postgres", "neo4j"):
        assert services["app"]["depends_on"][name] == {"condition": "service_healthy"}
    assert services["projector"]["depends_on"]["app"] == {"condition": "service_healthy"}
    assert services["app"]["command"] == ["scripts/start", "app"]
    assert services["projector"]["command"] == ["scripts/start", "projector"]
    for name in ("app", "projector"):
        env = services[name]["environment"]
        assert env["COHERENCE_STORE"].startswith("postgresql://")
        assert env["COHERENCE_NEO4J_URI"].startswith("bolt://neo4j:")
        neo4j_auth = services["neo4j"]["environment"]["NEO4J_AUTH"]
        assert neo4j_auth == f"{env['COHERENCE_NEO4J_USER']}/{env['COHERENCE_NEO4J_PASSWORD']}"
        assert (ROOT / services[name]["build"] / "Dockerfile").exists()
    # the app must be given its bootstrap admin secret: compose refuses to start without
    assert services["app"]["environment"]["COHERENCE_ADMIN_TOKEN"].startswith(
        "${COHERENCE_ADMIN_TOKEN:?"
    )
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY scripts/start ./scripts/start" in dockerfile
    assert 'CMD ["scripts/start", "app"]' in dockerfile


def coherence(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coherence.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_the_same_configuration_outside_containers(
    postgres_url: str, neo4j_store: object, neo4j_server: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "COHERENCE_STORE": postgres_url,
        "COHERENCE_NEO4J_URI": neo4j_server["uri"],
        "COHERENCE_NEO4J_USER": neo4j_server["user"],
        "COHERENCE_NEO4J_PASSWORD": neo4j_server["password"],
    }
    loaded = coherence("demo", "--no-history", env=env)
    assert loaded.returncode == 0, loaded.stderr
    projected = coherence("project", "neo4j", env=env)
    assert projected.returncode == 0, projected.stderr
    assert "Applied 490 events" in projected.stdout
    plans = coherence("plans", "--format", "json", env=env)
    assert json.loads(plans.stdout)[0]["plan"] == "riverbend-2024"
    audit = coherence("audit", "riverbend-2024", "--format", "json", env=env)
    assert audit.returncode == 1  # the demo's planted error findings
    assert json.loads(audit.stdout)["summary"]["error"] == 2
    in_neo4j = coherence(
        "audit", "riverbend-2024", "--engine", "neo4j", "--format", "json", env=env
    )
    assert in_neo4j.returncode == 1, in_neo4j.stderr
    assert json.loads(in_neo4j.stdout) == json.loads(audit.stdout)
    past = ("--version", "200", "--format", "json")
    assert json.loads(
        coherence("audit", "riverbend-2024", "--engine", "neo4j", *past, env=env).stdout
    ) == (json.loads(coherence("audit", "riverbend-2024", *past, env=env).stdout))


# ------------------------------------------- the start script, as the containers run it

VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def service_environment(service: str, given: dict[str, str]) -> dict[str, str]:
    """The environment compose gives ``service``, ``${VAR...}`` taken from ``given``."""
    env = compose()["services"][service]["environment"]
    return {k: VARIABLE.sub(lambda m: given[m[1]], str(v)) for k, v in env.items()}


def wait_for(what: str, check: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Run ``scripts/start ROLE`` as the container does; stopped (SIGTERM) at the end."""
    running: list[subprocess.Popen[bytes]] = []

    def start(role: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{role}.log").open("wb")
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "start"), role],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        running.append(process)
        return process

    yield start
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_the_start_script_serves_with_the_bootstrap_token_and_the_projector_follows(
    postgres_url: str,
    neo4j_store: Any,
    neo4j_server: dict[str, str],
    tmp_path: Path,
    started: Callable[..., subprocess.Popen[bytes]],
) -> None:
    admin = "coh_" + secrets.token_hex(24)
    port = free_port()
    # The compose file's environment, with the servers of this machine for the services'
    # host names and a free port for the app's 8000.
    here = {
        "COHERENCE_STORE": postgres_url,
        "COHERENCE_NEO4J_URI": neo4j_server["uri"],
        "COHERENCE_NEO4J_USER": neo4j_server["user"],
        "COHERENCE_NEO4J_PASSWORD": neo4j_server["password"],
        "COHERENCE_EVIDENCE_DIR": str(tmp_path / "evidence"),  # the compose file's volume
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("COHERENCE_")}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    app_env = {**service_environment("app", {"COHERENCE_ADMIN_TOKEN": admin}), **here}
    app_env["COHERENCE_PORT"] = str(port)
    assert app_env["COHERENCE_HOST"] == "0.0.0.0"  # beyond loopback: a token is required

    app = started("app", {**base, **app_env})
    health = compose()["services"]["app"]["healthcheck"]["test"]
    assert health[:2] == ["CMD", "python"]
    check = [sys.executable, *[a.replace("8000", str(port)) for a in health[2:]]]

    def healthy() -> bool:
        assert app.poll() is None, (tmp_path / "app.log").read_text()
        return subprocess.run(check, capture_output=True, timeout=30).returncode == 0

    wait_for("the app's health check", healthy)

    api = f"http://127.0.0.1:{port}/api/v1"
    with httpx.Client(base_url=api, timeout=60) as client:
        assert client.get("/plans").status_code == 401  # tokens are required
        bearer = {"Authorization": f"Bearer {admin}"}
        plans = client.get("/plans", headers=bearer)
        assert plans.status_code == 200, plans.text
        assert [p["plan"] for p in plans.json()] == ["riverbend-2024"]  # COHERENCE_DEMO=1
        imported = client.post(
            "/plans/import",
            content=yaml_text(),
            headers={**bearer, "Content-Type": "application/yaml"},
        )
        assert imported.status_code == 201, imported.text
        version = imported.json()["version"]

    projector_env = {**service_environment("projector", {}), **here}
    projector = started("projector", {**base, **projector_env})

    def projected() -> bool:
        assert projector.poll() is None, (tmp_path / "projector.log").read_text()
        return bool(neo4j_store.plan_version("example-2025") == version)

    wait_for("the imported plan in Neo4j", projected)
    assert neo4j_store.plan_version("riverbend-2024") is not None
    log = (tmp_path / "projector.log").read_text()
    assert "Following new events" in log
    assert "warning" not in log.lower(), log  # no driver notifications on the console

    # The bootstrap is idempotent: a second start (here, its first step) issues nothing.
    again = coherence("token", "bootstrap", env={**base, **app_env})
    assert again.returncode == 0, again.stderr
    assert "issued before" in again.stderr + again.stdout
    tokens = coherence("token", "list", "--format", "json", env={**base, **app_env})
    assert [t["role"] for t in json.loads(tokens.stdout)] == ["admin"]
