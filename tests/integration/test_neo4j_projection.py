"""The Neo4j projection on a real Neo4j server: the same graph as networkx, resumable,
exactly once after a crash or an outage, and text that round-trips unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from networkx.utils import graphs_equal

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.projections.neo4j_store import Neo4jGraphStore, Neo4jSettings
from coherence.projections.projector import Projector, plan_graph
from tests.conftest import ROOT
from tests.plans import document, plan_data
from tests.strategies import COMMANDS, random_history

pytestmark = pytest.mark.neo4j

TRICKY = "He said \"MATCH (n) DETACH DELETE n\" \\ {braces} $param 'quoted' // not a comment\nRETURN 1; — Señora"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(COMMANDS)
@pytest.mark.parametrize("prefetch", [False, True], ids=["one-by-one", "overlapped"])
def test_neo4j_holds_the_same_graph_as_networkx(
    neo4j_store: Neo4jGraphStore, prefetch: bool, commands: list[tuple[Any, ...]]
) -> None:
    """Overlapped: each batch's new elements are created while the batch before commits
    (``write_next``), and its links to that batch's elements made once it committed."""
    neo4j_store.reset()
    app = random_history(commands)
    Projector(app, neo4j_store, batch_size=7).catch_up(prefetch=prefetch)
    for plan_id in ("plan-0", "plan-1"):
        assert graphs_equal(neo4j_store.active_graph(plan_id), plan_graph(app, plan_id))


def test_text_round_trips_unchanged(neo4j_store: Neo4jGraphStore, app: PlanHistory) -> None:
    data = plan_data()
    data["initiatives"][0]["title"] = TRICKY
    data["initiatives"][0]["owner"] = "{owner}"
    data["mission"] = "CREATE (x) // $mission \\n"
    app.import_plan(check_document(data, filename="tricky.yaml"), Author("tester"))
    Projector(app, neo4j_store).catch_up()
    graph = neo4j_store.active_graph("example-2025")
    assert graph is not None
    assert graph.nodes["SI1.1"]["title"] == TRICKY
    assert graph.nodes["SI1.1"]["owner"] == "{owner}"
    assert graph.nodes["mission"]["text"] == "CREATE (x) // $mission \\n"
    assert graph.nodes["OC1"]["results"] == [{"as_of": "2026-06-30", "value": 47}]


def test_resume_and_replay_change_nothing(
    neo4j_store: Neo4jGraphStore, neo4j_server: dict[str, str]
) -> None:
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("a"))
    projector = Projector(app, neo4j_store, batch_size=5)
    projector.catch_up(limit=10)
    # A crash after a batch's changes, before its position: the next run applies it again.
    pending = app.recorder.select_notifications(start=neo4j_store.max_tracking_id() + 1, limit=5)
    changes, learnt = projector.map_notifications(pending)
    neo4j_store.apply(changes, position=None, plan_ids=learnt)
    changed = plan_data()
    changed["initiatives"] = changed["initiatives"][:1]
    app.import_plan(check_document(changed, filename="v2.yaml"), Author("a"))

    settings = Neo4jSettings(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"])
    restarted = Neo4jGraphStore(settings.driver())  # a new process: state comes from Neo4j
    try:
        assert restarted.max_tracking_id() == 10
        assert restarted.plan_ids == {str(app.get_plan("example-2025").id): "example-2025"}
        Projector(app, restarted).catch_up()
        assert restarted.max_tracking_id() == app.recorder.max_notification_id()
        assert graphs_equal(restarted.active_graph("example-2025"), plan_graph(app, "example-2025"))
    finally:
        restarted.close()


def test_a_batch_the_checkpoint_holds_is_not_written_again(
    neo4j_store: Neo4jGraphStore,
) -> None:
    """A batch written twice (a retry whose first commit's answer was lost, or a second
    projector) is skipped by the checkpoint: its CREATEs would double the elements, and
    links keep no version to tell an old change from a new one."""
    neo4j_store.reset()
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("a"))
    notes = app.recorder.select_notifications(start=1, limit=1_000)
    changes, learnt = Projector(app, neo4j_store).map_notifications(notes)
    batch = neo4j_store.prepare(changes, notes[-1].id, learnt)
    assert batch.nodes, "after a reset the batch CREATEs its elements"

    def counts() -> tuple[int, int]:
        records, _, _ = neo4j_store.driver.execute_query(
            "RETURN COUNT { (:Element) } AS elements, COUNT { ()-[]->() } AS links"
        )
        return records[0]["elements"], records[0]["links"]

    neo4j_store.write(batch)
    written = counts()
    neo4j_store.write(batch)
    assert counts() == written
    # overlapped, the batch's elements are created before the checkpoint is read: they
    # clash with those written, and the batch is written again one at a time, so skipped
    neo4j_store.write_next(batch)
    neo4j_store.flush()
    assert counts() == written
    assert graphs_equal(neo4j_store.active_graph("example-2025"), plan_graph(app, "example-2025"))


def _neo4j(*args: str) -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / "neo4j"), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.stdout.strip()


@pytest.mark.parametrize("prefetch", [False, True], ids=["one-by-one", "overlapped"])
def test_an_outage_mid_projection_is_retried_and_ends_equal_to_a_rebuild(
    tmp_path: Path, prefetch: bool
) -> None:
    """Stop the server in the middle of a projection, start it again: nothing lost or
    doubled (overlapped: a batch that fails is written again one at a time, after the
    batch before it)."""
    workdir = tmp_path / "neo4j"
    try:
        uri = _neo4j("start", str(workdir))
    except (subprocess.CalledProcessError, OSError) as e:
        pytest.fail(f"could not start a dedicated Neo4j: {e}")
    password = (workdir / "password").read_text().strip()
    settings = Neo4jSettings(uri, "neo4j", password)
    retries: list[int] = []
    store = Neo4jGraphStore(
        settings.driver(), retries=30, on_retry=lambda n, _d, _e: retries.append(n)
    )
    try:
        store.create_schema()
        app = PlanHistory(Settings(store="memory://"))
        for i in range(6):
            data = plan_data(plan={"id": f"plan-{i}", "district": f"District {i}"})
            app.import_plan(check_document(data, filename=f"p{i}.yaml"), Author("a"))
        projector = Projector(app, store, batch_size=3)
        projector.catch_up(limit=30)

        pid = int((workdir / "pid").read_text())
        os.kill(pid, signal.SIGKILL)  # the outage: the server dies without warning
        restart_errors: list[BaseException] = []

        def restart_server() -> None:
            try:
                _neo4j("start", str(workdir))  # same data, same port
            except BaseException as e:
                restart_errors.append(e)

        restart = threading.Timer(3.0, restart_server)
        restart.start()
        projector.catch_up(prefetch=prefetch)  # retries with back-off until it is back
        restart.join()
        assert restart_errors == []
        assert retries, "the projector should have reported the outage and retried"
        assert store.max_tracking_id() == app.recorder.max_notification_id()

        clean = Neo4jGraphStore(settings.driver())
        try:
            for i in range(6):
                assert graphs_equal(store.active_graph(f"plan-{i}"), plan_graph(app, f"plan-{i}"))
            Projector(app, clean).rebuild()
            for i in range(6):
                assert graphs_equal(clean.active_graph(f"plan-{i}"), plan_graph(app, f"plan-{i}"))
        finally:
            clean.close()
    finally:
        store.close()
        subprocess.run(
            [str(ROOT / "scripts" / "neo4j"), "stop", str(workdir)], check=False, timeout=120
        )
        time.sleep(0.1)
