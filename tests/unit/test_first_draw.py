"""The layered drawing's places, computed on the server once per version (graph/timeline)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.domain.framework import KINDS
from coherence.queries.graph_layout import SPACING, layered_x

PLAN = "/api/v1/plans/riverbend-2024"


@pytest.fixture
def client() -> TestClient:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return TestClient(create_app(api_context(history)))


def test_each_objective_has_its_initiatives_beneath_it_without_crossings() -> None:
    # Keys interleave the two objectives' initiatives: sorting by key would cross links.
    levels = {"SO1": 1, "SO2": 1, **{f"SI{i}": 2 for i in range(1, 7)}}
    links = [(f"SI{i}", "SO1" if i % 2 else "SO2") for i in range(1, 7)]
    xs = layered_x(levels, links)
    below = defaultdict(list)
    for initiative, objective in links:
        below[objective].append(xs[initiative])
    ones, twos = below["SO1"], below["SO2"]
    assert max(ones) < min(twos) or max(twos) < min(ones)
    for objective, places in below.items():
        assert min(places) <= xs[objective] <= max(places)
    assert xs == layered_x(levels, list(reversed(links)))


def test_the_timeline_gives_each_linked_element_its_place_in_its_level(
    client: TestClient,
) -> None:
    answer = client.get(f"{PLAN}/graph/timeline").json()
    linked = {e["data"][end] for e in answer["edges"] for end in ("source", "target")}
    bands: dict[int, list[float]] = defaultdict(list)
    for node in answer["nodes"]:
        ident, kind = node["data"]["id"], node["data"]["kind"]
        assert (node["x"] is not None) == (ident in linked), ident
        if node["x"] is not None:
            bands[KINDS[kind].level].append(node["x"])
    assert len(bands) >= 5
    for places in bands.values():
        places.sort()
        assert all(b - a >= SPACING - 0.1 for a, b in pairwise(places))
    assert client.get(f"{PLAN}/graph/timeline").json()["nodes"] == answer["nodes"]
    # An answer with ``since`` carries no places: the page places what it adds.
    client.patch(f"{PLAN}/elements/SO1", json={"fields": {"title": "Retitled"}})
    delta = client.get(f"{PLAN}/graph/timeline?since={answer['version']}").json()
    assert all(node["x"] is None for node in delta["nodes"])
