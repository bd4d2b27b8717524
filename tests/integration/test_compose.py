"""docker-compose.yml: it parses, and the configuration it describes (PostgreSQL event
store + Neo4j graph + the app) works when the same servers run outside containers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.neo4j]


def test_the_compose_file_describes_postgres_neo4j_and_the_app() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "neo4j", "app"}
    assert services["neo4j"]["image"].startswith("neo4j:5.26")
    for name in ("postgres", "neo4j"):
        assert services[name]["healthcheck"]["test"]
        assert services["app"]["depends_on"][name] == {"condition": "service_healthy"}
    env = services["app"]["environment"]
    assert env["COHERENCE_STORE"].startswith("postgresql://")
    assert env["COHERENCE_NEO4J_URI"].startswith("bolt://neo4j:")
    neo4j_auth = services["neo4j"]["environment"]["NEO4J_AUTH"]
    assert neo4j_auth == f"{env['COHERENCE_NEO4J_USER']}/{env['COHERENCE_NEO4J_PASSWORD']}"
    assert (ROOT / services["app"]["build"] / "Dockerfile").exists()


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
