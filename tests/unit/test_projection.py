"""The alignment graph projection: incremental equals rebuilt equals built at the version;
resumable after a crash or a restart; retired elements leave the active graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from networkx.utils import graphs_equal

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.projections.networkx_store import NetworkxGraphStore, active_graph
from coherence.projections.projector import Projector, plan_graph, plan_timeline
from tests.plans import document, plan_data
from tests.strategies import COMMANDS, SETTINGS, random_history


def same_graph(a: Any, b: Any) -> bool:
    """Equal nodes, edges and attributes (networkx's graphs_equal compares all three)."""
    return bool(graphs_equal(a, b))


@SETTINGS
@given(COMMANDS, st.integers(1, 7))
def test_incremental_equals_rebuilt_equals_plan_at_version(
    commands: list[tuple[Any, ...]], batch: int
) -> None:
    app = random_history(commands)
    store = NetworkxGraphStore()
    projector = Projector(app, store, batch_size=batch)
    while projector.step():  # small batches, as a follower would see them
        pass
    rebuilt = NetworkxGraphStore()
    Projector(app, rebuilt, batch_size=10_000).rebuild()
    for plan_id in ("plan-0", "plan-1"):
        assert same_graph(store.graphs[plan_id], rebuilt.graphs[plan_id])
        assert same_graph(store.active_graph(plan_id), plan_graph(app, plan_id))
    assert store.position == rebuilt.position == app.recorder.max_notification_id()


@SETTINGS
@given(COMMANDS, st.data())
def test_graph_of_a_past_version_comes_from_the_same_mapping(
    commands: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    app = random_history(commands, plans=1)
    latest = app.get_plan("plan-0").version
    version = data.draw(st.integers(1, latest))
    graph = plan_graph(app, "plan-0", version=version)
    state = app.plan_state("plan-0", version=version)
    assert set(graph.nodes) == set(state.active())
    stored_links = {(s, t, link.edge) for (s, t), link in state.links.items()}
    drawn = {(s, t, k) for s, t, k in graph.edges(keys=True) if k != "advances"}
    assert drawn == stored_links
    for key, element in state.active().items():
        for name, value in element.fields.items():
            assert graph.nodes[key]["subkind" if name == "kind" else name] == value


@SETTINGS
@given(COMMANDS, st.integers(1, 5), st.data())
def test_a_crash_between_changes_and_position_then_resume_gives_a_clean_graph(
    commands: list[tuple[Any, ...]], batch: int, data: st.DataObject
) -> None:
    app = random_history(commands)
    total = app.recorder.max_notification_id() or 0
    crashed = NetworkxGraphStore()
    projector = Projector(app, crashed, batch_size=batch)
    projector.catch_up(limit=data.draw(st.integers(0, total)))
    # The crash: a batch's changes were applied but its position was never recorded.
    pending = app.recorder.select_notifications(start=crashed.position + 1, limit=batch)
    changes, learnt = projector.map_notifications(pending)
    crashed.apply(changes, position=None, plan_ids=learnt)
    projector.catch_up()  # resume: the batch is applied a second time

    clean = NetworkxGraphStore()
    Projector(app, clean).catch_up()
    assert crashed.position == clean.position
    for plan_id in clean.graphs:
        assert same_graph(crashed.graphs[plan_id], clean.graphs[plan_id])


def test_resume_after_a_restart_from_the_saved_store(tmp_path: Path) -> None:
    app = PlanHistory(Settings(store=f"sqlite:///{tmp_path / 'c.db'}"))
    app.import_plan(document(), Author("a"))
    path = tmp_path / "graph.pickle"
    first = NetworkxGraphStore()
    Projector(app, first).catch_up()
    first.save(path)
    position = first.position

    changed = plan_data()
    changed["initiatives"] = changed["initiatives"][:1]
    app.import_plan(check_document(changed, filename="v2.yaml"), Author("a"))

    restarted = NetworkxGraphStore.load(path)
    assert restarted.position == position
    applied = Projector(app, restarted).catch_up()
    assert applied == (app.recorder.max_notification_id() or 0) - position
    assert "SI2.1" not in restarted.active_graph("example-2025")
    assert same_graph(restarted.active_graph("example-2025"), plan_graph(app, "example-2025"))


def test_retired_elements_leave_the_active_graph_but_keep_their_lifetime() -> None:
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("a"))
    changed = plan_data()
    changed["initiatives"] = changed["initiatives"][:1]
    app.import_plan(check_document(changed, filename="v2.yaml"), Author("a"))
    timeline = plan_timeline(app, "example-2025")
    graph = active_graph(timeline)
    assert "SI2.1" not in graph
    assert timeline.nodes["SI2.1"]["active"] is False
    (spell,) = timeline.nodes["SI2.1"]["spells"]
    assert spell[0] < spell[1]
    assert graph.has_edge("SO1", "mission", key="advances")
    assert graph.edges["BL-1001", "SI1.1", "funds"]["amount"] == 80000
    assert graph.nodes["OC1"]["subkind"] == "final"
    assert graph.graph["plan"] == "example-2025"
