"""What the plan page's first draw gets from the server: the layered drawing's places
(computed once per version, in graph/timeline), that answer gzipped, and the page's
head asking for the timeline and the graph library while its scripts load."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
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
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context
from coherence.domain.framework import KINDS
from coherence.queries.graph_layout import GAP_X, SPACING, layered_x

PLAN = "/api/v1/plans/riverbend-2024"


def fake_assets(path: Path) -> Path:
    """A directory with the graph libraries' files (empty modules: nothing is drawn)."""
    for package, file in web.VENDOR.values():
        (path / package / file).parent.mkdir(parents=True, exist_ok=True)
        (path / package / file).write_text("export default {};")
    return path


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    ctx = api_context(history)
    ctx.web_assets = str(fake_assets(tmp_path))
    return TestClient(create_app(ctx))


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
    app = FastAPI()
    web.install(app, fake_assets(tmp_path))
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


def test_every_element_has_a_box_in_its_level_band_without_overlaps(client: TestClient) -> None:
    answer = client.get(f"{PLAN}/graph/timeline").json()
    boxes = {n["data"]["id"]: n["box"] for n in answer["nodes"]}
    assert len(boxes) == len(answer["nodes"]) and all(boxes.values())
    bands: dict[int, list[dict[str, float]]] = defaultdict(list)
    for node in answer["nodes"]:
        bands[KINDS[node["data"]["kind"]].level].append(node["box"])
    levels = sorted(bands)
    for upper, lower in pairwise(levels):
        assert max(b["y"] for b in bands[upper]) < min(b["y"] for b in bands[lower])
    rows: dict[float, list[dict[str, float]]] = defaultdict(list)
    for box in boxes.values():
        rows[box["y"]].append(box)
    for row in rows.values():
        row.sort(key=lambda b: b["x"])
        for a, b in pairwise(row):
            assert b["x"] - a["x"] >= (a["w"] + b["w"]) / 2 + GAP_X - 0.2


def picture_boxes(page: str) -> dict[str, tuple[float, float]]:
    """The picture's boxes by element id: their centres, from the SVG in the page."""
    svg = page[page.index('<svg id="graph-picture"') : page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        rect = group.find("{http://www.w3.org/2000/svg}rect")
        if "data-id" in group.attrib and rect is not None:
            w, h = float(rect.attrib["width"]), float(rect.attrib["height"])
            found[group.attrib["data-id"]] = (
                float(rect.attrib["x"]) + w / 2,
                float(rect.attrib["y"]) + h / 2,
            )
    return found


def test_the_plan_page_carries_a_picture_of_the_version_it_shows(client: TestClient) -> None:
    answer = client.get(f"{PLAN}/graph/timeline").json()
    page = client.get("/plans/riverbend-2024")
    assert page.headers["content-security-policy"].count("script-src 'self'") == 1
    pictured = picture_boxes(page.text)
    latest = answer["revisions"][-1]["revision"]
    shown = {n["data"]["id"]: n for n in answer["nodes"] if n["active"][0][0] <= latest}
    assert set(pictured) == set(shown)
    for ident, (x, y) in pictured.items():
        assert abs(x - shown[ident]["box"]["x"]) < 0.2 and abs(y - shown[ident]["box"]["y"]) < 0.2
    first = answer["revisions"][0]
    earlier = picture_boxes(client.get(f"/plans/riverbend-2024?version={first['version']}").text)
    born = {n["data"]["id"] for n in answer["nodes"] if n["active"][0][0] <= first["revision"]}
    assert set(earlier) == born and len(earlier) < len(pictured)


def test_plan_text_in_the_picture_is_text(client: TestClient) -> None:
    hostile = "<script>alert('x')</script> & <b>Co</b>"
    client.patch(PLAN, json={"title": hostile})
    client.patch(f"{PLAN}/elements/SO1", json={"fields": {"title": hostile}})
    page = client.get("/plans/riverbend-2024").text
    svg = page[page.index('<svg id="graph-picture"') : page.index("</svg>") + 6]
    assert "<script" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)
    assert hostile in root.attrib["aria-label"]
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(hostile in (t or "") for t in titles)


def test_no_picture_for_a_plan_that_is_not_there(client: TestClient) -> None:
    page = client.get("/plans/no-such-plan")
    assert page.status_code == 200
    assert "graph-picture" not in page.text


def test_the_plan_page_with_its_picture_is_gzipped_for_a_client_that_accepts_it(
    client: TestClient,
) -> None:
    plain = client.get("/plans/riverbend-2024", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with client.stream("GET", "/plans/riverbend-2024", headers={"Accept-Encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["content-security-policy"] == plain.headers["content-security-policy"]
    assert len(wire) * 4 < len(plain.content)
    assert gzip.decompress(wire) == plain.content


def test_no_picture_for_someone_who_may_not_read_the_plan(tmp_path: Path) -> None:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    secret, _ = issue_token(history, owner="Other district", role="viewer", districts=["Elsewhere"])
    ctx = api_context(history)
    ctx.web_assets = str(fake_assets(tmp_path))
    client = TestClient(create_app(ctx))
    assert "graph-picture" not in client.get("/plans/riverbend-2024").text
    outsider = {"Authorization": f"Bearer {secret}"}
    assert "graph-picture" not in client.get("/plans/riverbend-2024", headers=outsider).text
    reader, _ = issue_token(history, owner="Board member", role="viewer")
    seen = client.get("/plans/riverbend-2024", headers={"Authorization": f"Bearer {reader}"})
    assert "graph-picture" in seen.text


def test_the_plan_page_sends_its_head_before_its_picture(client: TestClient) -> None:
    with client.stream(
        "GET", "/plans/riverbend-2024", headers={"Accept-Encoding": "identity"}
    ) as r:
        chunks = [chunk.decode() for chunk in r.iter_raw()]
    assert len(chunks) >= 2
    assert "modulepreload" in chunks[0] and "graph-picture" not in chunks[0]
    assert "graph-picture" in "".join(chunks[1:])
