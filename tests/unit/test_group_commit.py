"""Writes to one plan that wait for its turn are saved together (group commit): each is
still its own revision with its own answer, a refused one changes nothing of the others,
and a write by another program in between sends each back to run on its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.results import CommandResult
from coherence.application.revisions import WriteOutsideGroup
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.domain.errors import UnknownElement, VersionConflict
from coherence.queries.reader import PlanReader

DEMO = "riverbend-2024"
PLAN = f"/api/v1/plans/{DEMO}"
_T = TypeVar("_T")


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(main)`` in a thread of its own (a test session's browser driver may
    hold this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main).result()


@pytest.fixture
def history() -> PlanHistory:
    app = PlanHistory(Settings(store="memory://"))
    load_demo(app)
    return app


def benchmarks(history: PlanHistory) -> list[str]:
    return [b["key"] for b in history.export_plan(DEMO)["benchmarks"]]


def reasons_by_revision(history: PlanHistory, since: int) -> dict[int, set[str | None]]:
    revisions: dict[int, set[str | None]] = {}
    for entry in history.history(DEMO, since=since):
        revisions.setdefault(entry.revision, set()).add(entry.reason)
    return revisions


def test_writes_sent_at_once_each_get_their_own_revision_and_audit_change(
    history: PlanHistory,
) -> None:
    """Six initiatives added at once, one link to a missing element among them: each
    added one is a revision of its own, whose answer names its own new finding only."""
    start = history.get_plan(DEMO).version
    keys = [f"SI5.9{n}" for n in range(1, 7)]

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(api_context(history)))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            adds = [
                client.post(
                    f"{PLAN}/elements",
                    json={
                        "kind": "initiative",
                        "key": key,
                        "fields": {"title": f"Pathway {key}", "owner": "CTE office"},
                        "links": {"supports": ["SO5"]},
                        "reason": f"add {key}",
                    },
                )
                for key in keys
            ]
            refused = client.post(
                f"{PLAN}/links",
                json={"source": "SI5.91", "target": "SO99", "reason": "bad"},
            )
            return await asyncio.gather(*adds[:3], refused, *adds[3:])

    answers = run(main())
    refused = answers.pop(3)
    assert refused.status_code in (404, 422), refused.text
    assert "SO99" in refused.text
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert sorted(b["version"] for b in bodies) == [start + 2 * n for n in range(1, 7)]
    assert len({b["revision"] for b in bodies}) == 6
    for key, body in zip(keys, bodies, strict=True):
        added = {(f["rule"], f["key"]) for f in body["audit"]["added"]}
        assert ("unfunded-initiative", key) in added
        assert not {k for _, k in added} & (set(keys) - {key})
    saved = reasons_by_revision(history, start)
    assert sorted(r for reasons in saved.values() for r in reasons if r) == sorted(
        f"add {key}" for key in keys
    )
    assert all(len(reasons) == 1 for reasons in saved.values())


def test_a_refused_or_conflicting_command_leaves_the_others_of_its_group(
    history: PlanHistory,
) -> None:
    first, second = benchmarks(history)[:2]
    start = history.get_plan(DEMO).version

    def status(key: str, value: str, reason: str, expected: int | None = None) -> Any:
        by = Author("owner", reason)
        return lambda: history.report_benchmark_status(DEMO, key, value, by, expected)

    outcomes = history.run_together(
        DEMO,
        [
            status(first, "at_risk", "one"),
            status("B-none", "at_risk", "missing"),
            status(second, "off_track", "two", expected=start),  # the plan moved on
            status(second, "off_track", "three", expected=start + 1),
        ],
    )
    assert isinstance(outcomes[0], CommandResult) and outcomes[0].version == start + 1
    assert isinstance(outcomes[1], UnknownElement)
    assert isinstance(outcomes[2], VersionConflict)
    assert isinstance(outcomes[3], CommandResult) and outcomes[3].version == start + 2
    assert history.get_plan(DEMO).version == start + 2
    saved = reasons_by_revision(history, start)
    assert sorted(str(r) for reasons in saved.values() for r in reasons) == ["one", "three"]
    plan = history.export_plan(DEMO)
    statuses = {b["key"]: b.get("status") for b in plan["benchmarks"]}
    assert statuses[first] == "at_risk" and statuses[second] == "off_track"


def test_a_write_by_another_program_in_between_sends_each_command_back_alone(
    tmp_path: Path,
) -> None:
    """Two applications on one SQLite file: the other writes after the group read the
    plan and before it is written; every command is then saved after that write."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    ours = PlanHistory(Settings(store=url))
    load_demo(ours)
    theirs = PlanHistory(Settings(store=url))
    first, second = benchmarks(ours)[:2]
    start = ours.get_plan(DEMO).version
    interrupted = False

    def ours_then_theirs() -> CommandResult:
        nonlocal interrupted
        result = ours.report_benchmark_status(DEMO, first, "at_risk", Author("a", "ours 1"))
        if not interrupted:
            interrupted = True
            theirs.report_benchmark_status(DEMO, second, "complete", Author("b", "theirs"))
        return result

    outcomes = ours.run_together(
        DEMO,
        [
            ours_then_theirs,
            lambda: ours.report_benchmark_status(DEMO, second, "off_track", Author("a", "ours 2")),
        ],
    )
    assert [o.version for o in outcomes if isinstance(o, CommandResult)] == [
        start + 2,
        start + 3,
    ]
    entries = ours.history(DEMO, since=start)
    assert [e.reason for e in entries] == ["theirs", "ours 1", "ours 2"]
    statuses = {b["key"]: b.get("status") for b in ours.export_plan(DEMO)["benchmarks"]}
    assert statuses[second] == "off_track"  # ours 2 came last


def test_a_write_that_is_not_a_plain_command_is_refused_in_a_group(
    history: PlanHistory,
) -> None:
    key = benchmarks(history)[0]
    history.create_scenario(DEMO, "lean", Author("planner", "try"))
    scenario = f"{DEMO}~lean"
    history.retire_element(scenario, key, Author("planner", "in it"))
    start = history.get_plan(DEMO).version
    outcomes = history.run_together(
        DEMO,
        [
            lambda: history.report_benchmark_status(DEMO, key, "at_risk", Author("o", "kept")),
            lambda: history.merge_scenario(DEMO, "lean", Author("planner", "merge")),
        ],
    )
    assert isinstance(outcomes[0], CommandResult)
    assert isinstance(outcomes[1], WriteOutsideGroup)
    assert [e.reason for e in history.history(DEMO, since=start)] == ["kept"]
    assert history.get_plan(scenario).status == "draft"  # not marked merged


def test_after_grouped_writes_the_graph_and_audit_are_those_of_the_saved_plan(
    tmp_path: Path,
) -> None:
    """The server moves its graph of the plan on with the events it just saved, without
    reading them back; another program's write in between is read from the store. Each
    round's graph (the timeline's GEXF too) and audit are those a fresh reader of the
    file makes."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    ours = PlanHistory(Settings(store=url))
    load_demo(ours)
    theirs = PlanHistory(Settings(store=url))
    keys = benchmarks(ours)
    statuses = ["at_risk", "off_track", "on_track", "complete"]

    async def main() -> list[tuple[Any, ...]]:
        transport = httpx.ASGITransport(app=create_app(api_context(ours)))
        seen = []
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for round_ in range(3):
                await client.get(f"{PLAN}/graph")  # the server's live graph of the plan
                writes = [
                    client.post(
                        f"{PLAN}/benchmarks/{key}/status",
                        json={"status": statuses[(n + round_) % 4], "reason": f"{round_}{n}"},
                    )
                    for n, key in enumerate(keys[:5])
                ]
                answers = await asyncio.gather(*writes)
                assert [a.status_code for a in answers] == [200] * 5, answers[0].text
                if round_ == 1:
                    theirs.report_benchmark_status(DEMO, keys[0], "complete", Author("b"))
                graph = await client.get(f"{PLAN}/graph")
                timeline = await client.get(f"{PLAN}/graph", params={"format": "gexf"})
                audit = await client.get(f"{PLAN}/audit")
                seen.append((graph.json(), timeline.text, audit.json()))
        return seen

    for graph, timeline, audit in run(main()):
        fresh = PlanReader(PlanHistory(Settings(store=url)))
        version = audit["version"]
        assert graph == json.loads(fresh.export_graph(DEMO, "cytoscape", version=version)[0])
        assert timeline == fresh.export_graph(DEMO, "gexf", version=version)[0].decode()
        assert audit["findings"] == fresh.audit(DEMO, version=version).to_dict()["findings"]
