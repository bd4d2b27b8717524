"""The server's picture of the graph: shown from the plan page's first paint, at the
places and fit of the interactive graph, gone once that is drawn; plan text in it is
text, never markup; it shows the version the page shows.

A server of its own (these tests write to the demo plan). The graph library's module
is held back while the picture is looked at, so the picture is seen alone; screenshots
of both (1600 x 1000) go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import (
    DEMO_PLAN,
    SCREENSHOTS,
    Page,
    Server,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.browser

PLAN_URL = f"/plans/{DEMO_PLAN}"
API = f"/api/v1/plans/{DEMO_PLAN}"
HOSTILE = "<script>alert('x')</script> Reading & <b>writing</b>"
PICTURED = """() => Object.fromEntries([...document.querySelectorAll('#graph-picture g[data-id]')]
  .map(g => { const r = g.querySelector('rect:last-of-type').getBoundingClientRect();
              return [g.dataset.id, [r.x + r.width / 2, r.y + r.height / 2, r.width, r.height]]; }))"""
DRAWN = """() => { const cy = window.coherence.cy, at = cy.container().getBoundingClientRect();
  return Object.fromEntries(cy.nodes().filter(n => !n.hasClass('future')).map(n => {
    const p = n.renderedPosition(), z = cy.zoom();
    return [n.id(), [at.x + p.x, at.y + p.y, n.data('w') * z, n.data('h') * z]]; })); }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("picture"), "--demo")
    yield started
    stop_server(started)


def send(server: Server, method: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture
def held(page: Page) -> Iterator[list[Any]]:
    """The graph library's request, held back until the test lets it go."""
    waiting: list[Any] = []
    page.page.set_viewport_size({"width": 1600, "height": 1000})
    page.page.route("**/web/vendor/cytoscape.mjs", lambda route: waiting.append(route))
    yield waiting
    for route in waiting:
        route.continue_()


def picture_alone(page: Page, server: Server, held: list[Any], query: str = "") -> Any:
    """Open the plan page with the graph library held back: only the picture is drawn."""
    page.page.goto(server.url + PLAN_URL + query, wait_until="domcontentloaded")
    page.page.wait_for_selector("#graph-picture g[data-id]")
    page.page.wait_for_timeout(200)
    assert page.page.locator("#cy canvas").count() == 0
    return page.js(PICTURED)


def interactive(page: Page, held: list[Any]) -> Any:
    """Let the graph library in and wait until the interactive graph is drawn."""
    while not held:
        page.page.wait_for_timeout(50)
    while held:
        held.pop().continue_()
    page.page.unroute("**/web/vendor/cytoscape.mjs")
    page.wait_ready()
    assert page.errors == [], page.errors
    assert page.js("() => Boolean(window.coherence.cy)"), page.page.locator(
        "#graph-message"
    ).inner_text()
    return page.js(DRAWN)


def moved(pictured: dict[str, Any], drawn: dict[str, Any]) -> dict[str, Any]:
    """The elements whose box (centre and size on the screen) differs by over 2 pixels."""
    return {
        key: (box, drawn[key])
        for key, box in pictured.items()
        if max(abs(p - q) for p, q in zip(box, drawn[key], strict=True)) > 2
    }


def test_the_picture_comes_first_and_the_graph_takes_its_place_where_it_was(
    page: Page, server: Server, held: list[Any]
) -> None:
    pictured = picture_alone(page, server, held)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOTS / "picture-alone.png"))
    assert len(pictured) > 100
    drawn = interactive(page, held)
    page.page.wait_for_timeout(300)
    page.page.screenshot(path=str(SCREENSHOTS / "picture-replaced-by-cytoscape.png"))
    assert page.page.locator("#graph-picture").count() == 0
    marks = page.js(
        "() => ['picture-drawn', 'first-draw'].map(n => "
        "performance.getEntriesByName('coherence:' + n)[0].startTime)"
    )
    assert 0 < marks[0] < marks[1]
    assert set(pictured) == set(drawn)
    assert moved(pictured, drawn) == {}
    assert page.errors == []


def test_plan_text_in_the_picture_is_text(page: Page, server: Server, held: list[Any]) -> None:
    send(server, "PATCH", f"{API}/elements/SO1", {"fields": {"title": HOSTILE}})
    send(server, "PATCH", API, {"title": HOSTILE})
    picture_alone(page, server, held)
    picture = page.page.locator("#graph-picture")
    assert HOSTILE in (picture.get_attribute("aria-label") or "")
    assert HOSTILE in page.js(
        "() => document.querySelector('#graph-picture g[data-id=\"SO1\"] title').textContent"
    )
    assert page.page.locator("#graph-picture script, #graph-picture b").count() == 0
    interactive(page, held)
    assert page.errors == []


def test_the_picture_shows_the_version_the_page_shows(
    page: Page, server: Server, held: list[Any]
) -> None:
    revisions = server.get_json(f"{API}/graph/timeline")["revisions"]
    first = revisions[0]
    pictured = picture_alone(page, server, held, f"?version={first['version']}")
    revision = page.page.locator("#graph-picture").get_attribute("data-revision")
    assert revision == str(first["revision"])
    drawn = interactive(page, held)
    assert page.js("() => window.coherence.state.index") == 0
    assert set(pictured) == set(drawn)
    assert moved(pictured, drawn) == {}
    assert len(pictured) < len(server.get_json(f"{API}/graph/timeline")["nodes"])


def rgb(colour: str) -> str:
    """``#86c29b`` as the browser reports it: ``rgb(134,194,155)``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red},{green},{blue})"


def test_the_picture_and_the_graph_draw_links_and_borders_as_served(
    page: Page, server: Server, held: list[Any]
) -> None:
    look = server.get_json("/api/v1/framework")["graph"]
    picture_alone(page, server, held)
    strokes = page.js(
        """() => [...document.querySelectorAll('#graph-picture [stroke]')]
                   .map(e => e.getAttribute('stroke'))"""
    )
    for colour in (look["border"]["colour"], look["link"]["colour"]):
        assert colour in strokes
    assert look["links"]["funds"]["colour"] in strokes
    interactive(page, held)
    drawn = page.js(
        """() => {
          const cy = window.coherence.cy;
          const funds = cy.edges('[edge = "funds"]').not('.retired')[0];
          const plain = cy.nodes('.finding-error, .finding-warning, .finding-info, .retired, .new')
            .absoluteComplement().nodes()[0];
          return {funds: funds.style('line-color'), border: plain.style('border-color')};
        }"""
    )
    assert drawn["funds"].replace(" ", "") == rgb(look["links"]["funds"]["colour"])
    assert drawn["border"].replace(" ", "") == rgb(look["border"]["colour"])


LABELS = """() => Object.fromEntries([...document.querySelectorAll('#graph-picture g[data-id]')]
  .map(g => [g.dataset.id, [...g.querySelectorAll('text')]
    .filter(t => getComputedStyle(t).display !== 'none')
    .map(t => (t.children.length ? [...t.children].map(l => l.textContent).join(' ')
                                  : t.textContent).replace(/\\s+/g, ' ').trim())]))"""
SAID = """() => Object.fromEntries(window.coherence.cy.nodes().filter(n => !n.hasClass('future'))
  .map(n => [n.id(), n.hasClass('detailed') ? n.data('long') : n.data('short')]))"""


def test_the_picture_says_what_the_graph_says_at_its_fit(
    page: Page, server: Server, held: list[Any]
) -> None:
    """A small plan is fitted large enough for the boxes to say their titles: the picture
    says them too (one label a box, the graph's), and the demo's boxes say their keys."""
    from tests.plans import yaml_text

    request = urllib.request.Request(
        server.url + "/api/v1/plans/import",
        data=yaml_text().encode(),
        headers={"Content-Type": "application/yaml"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        small = json.loads(answer.read())["plan"]
    titled: dict[str, bool] = {}
    for plan in (small, DEMO_PLAN):
        page.page.goto(f"{server.url}/plans/{plan}", wait_until="domcontentloaded")
        page.page.wait_for_selector("#graph-picture g[data-id]")
        pictured = page.js(LABELS)
        assert all(len(shown) == 1 for shown in pictured.values()), pictured
        interactive(page, held)
        said = page.js(SAID)
        assert {key: shown[0] for key, shown in pictured.items()} == said
        titled[plan] = all(" · " in label for key, label in said.items() if key[0] == "S")
        page.page.route("**/web/vendor/cytoscape.mjs", lambda route: held.append(route))
    assert titled == {small: True, DEMO_PLAN: False}
