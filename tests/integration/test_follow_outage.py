"""``coherence project neo4j --follow`` rides out an outage of PostgreSQL.

The projector follows the event store into Neo4j as ``docker-compose.yml`` runs it. Every
PostgreSQL process is killed without warning; the projector says it is waiting, keeps
running, and once the server is back it projects what was written after the outage,
without being restarted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from coherence.application.demo import load_demo
from coherence.application.history import PlanHistory
from coherence.application.results import Author
from coherence.application.settings import Settings
from tests.integration.conftest import Database
from tests.processes import kill_tree, stop

PLAN = "riverbend-2024"
TIMEOUT_S = 120.0

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds the server's processes in /proc"
)


def wait_until(what: str, done: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not after {TIMEOUT_S} s\n{log.read_text()[-4000:]}")
        time.sleep(0.2)


@pytest.mark.timeout(400)
def test_the_following_projector_waits_out_a_postgresql_outage(
    database: Database, neo4j_store: Any, neo4j_server: dict[str, str], tmp_path: Path
) -> None:
    history = PlanHistory(Settings(store=database.url))
    load_demo(history)
    plan = history.get_plan(PLAN)
    key = next(k for k, e in plan.elements.items() if e["kind"] == "benchmark" and not e["retired"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHERENCE_")}
    env["COHERENCE_NEO4J_USER"] = neo4j_server["user"]
    env["COHERENCE_NEO4J_PASSWORD"] = neo4j_server["password"]
    command = [sys.executable, "-m", "coherence.cli.main", "project", "neo4j", "--follow"]
    command += ["--interval", "0.2", "--store", database.url, "--neo4j", neo4j_server["uri"]]
    log = tmp_path / "projector.log"
    with log.open("wb") as out:
        projector = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until("the demo in Neo4j", lambda: neo4j_store.plan_version(PLAN) == plan.version, log)

        kill_tree(database.postmaster())
        wait_until("the projector noticed", lambda: "cannot be reached" in log.read_text(), log)
        time.sleep(2)  # a few of its polls fail
        assert projector.poll() is None, log.read_text()

        database.start()
        written = PlanHistory(Settings(store=database.url)).report_benchmark_status(
            PLAN, key, "at_risk", Author("tester", "written after the outage")
        )
        wait_until(
            "the write after the outage in Neo4j",
            lambda: neo4j_store.plan_version(PLAN) == written.version,
            log,
        )
        assert projector.poll() is None, log.read_text()
    finally:
        stop(projector)
    text = log.read_text()
    address = urlsplit(database.url).netloc.rsplit("@", 1)[1]
    assert f"PostgreSQL at {address} cannot be reached" in text, text
    assert "waiting, next try in 1 s" in text, text
    assert "Traceback" not in text, text
