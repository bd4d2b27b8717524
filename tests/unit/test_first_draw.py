"""What the plan page's first draw gets from the server: the layered drawing's places
(computed once per version, in graph/timeline), that answer gzipped, and the page's
head asking for the timeline and the graph library while its scripts load."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from coherence import web
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


def test_the_timeline_is_gzipped_for_a_client_that_accepts_it(client: TestClient) -> None:
    plain = client.get(f"{PLAN}/graph/timeline", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    # Read as it comes over the wire (httpx would unzip it).
    with client.stream("GET", f"{PLAN}/graph/timeline", headers={"Accept-Encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["etag"] == plain.headers["etag"]
    assert len(wire) * 5 < len(plain.content)
    assert json.loads(gzip.decompress(wire)) == plain.json()


def test_the_plan_page_asks_for_its_timeline_and_the_graph_library_first(
    tmp_path: Path,
) -> None:
    for package, file in web.VENDOR.values():
        (tmp_path / package / file).parent.mkdir(parents=True)
        (tmp_path / package / file).write_text("export default {};")
    app = FastAPI()
    web.install(app, tmp_path)
    page = TestClient(app).get('/plans/a"b<script>').text
    assert '<link rel="modulepreload" href="/web/vendor/cytoscape.mjs">' in page
    timeline = "/api/v1/plans/a%22b%3Cscript%3E/graph/timeline"
    assert f'<link rel="preload" as="fetch" crossorigin href="{timeline}">' in page
    assert '<link rel="preload" as="fetch" crossorigin href="/api/v1/framework">' in page
    assert '<link rel="modulepreload" href="/web/layout.js">' in page
    assert "<script>" not in page
    # Without the libraries the page only says how to install them: nothing to fetch.
    bare = FastAPI()
    web.install(bare, tmp_path / "none")
    assert "preload" not in TestClient(bare).get("/plans/p").text
