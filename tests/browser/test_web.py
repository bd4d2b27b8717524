"""The web page in a real browser: the demo plan, its gaps, its history, its exports.

Each test opens the page served by ``coherence serve --demo`` in Debian's chromium
(see conftest.py) and checks what a person would see: no console error, the demo's
elements drawn, its gaps marked, the timeline changing what is shown without moving
anything, and exports that open.

Set ``UPDATE_DOCS_SCREENSHOT=1`` to rewrite ``docs/demo-plan.png`` (the README's
picture) from :func:`test_plan_page_draws_the_demo_and_marks_its_gaps`.
"""

from __future__ import annotations

import io
import json
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PLAN, SCREENSHOTS, Page, Server, start_server, stop_server
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

PLAN_URL = f"/plans/{DEMO_PLAN}"
SHOWN = "n => n.visible() && !n.hasClass('retired')"


def open_plan(page: Page, server: Server, query: str = "") -> None:
    page.page.goto(server.url + PLAN_URL + query)
    page.wait_ready()


def shown_keys(page: Page) -> set[str]:
    """The elements drawn as part of the version shown (not faded, not hidden)."""
    return set(page.js(f"() => window.coherence.cy.nodes().filter({SHOWN}).map(n => n.id())"))


def api_keys(server: Server, version: int | None = None) -> set[str]:
    suffix = f"&version={version}" if version else ""
    data = server.get_json(f"/api/v1/plans/{DEMO_PLAN}/graph?format=cytoscape{suffix}")
    return {node["data"]["id"] for node in data["elements"]["nodes"]}


def eventually(check: Callable[[], bool], timeout: float = 5) -> None:
    """Until ``check()`` holds (a click is handled a moment after Playwright returns)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout} s")
        time.sleep(0.05)


def tap(page: Page, key: str) -> None:
    """Tap an element of the graph, as a click on it does. Nothing is handed back: a
    Cytoscape collection would be serialised whole (the graph with it), which ran the
    page out of memory."""
    page.js("(key) => { window.coherence.cy.getElementById(key).emit('tap'); }", key)


def set_slider(page: Page, index: int) -> None:
    page.page.locator("#slider").fill(str(index))
    eventually(lambda: page.js("() => window.coherence.state.index") == index)


def test_plans_page_lists_every_plan_with_its_audit(page: Page, demo_server: Server) -> None:
    page.page.goto(demo_server.url + "/")
    row = page.page.locator(f'tr[data-plan="{DEMO_PLAN}"]')
    row.wait_for()
    (summary,) = demo_server.get_json("/api/v1/plans")
    text = row.inner_text()
    assert "Riverbend Public Schools" in text
    assert summary["status"] in text.lower()
    assert str(summary["version"]) in text
    assert f"{summary['audit']['error']} errors" in text
    assert f"{summary['audit']['warning']} warnings" in text
    assert str(summary["score"]) in text
    row.locator("a.plan-link").click()
    page.page.wait_for_url(f"**{PLAN_URL}")
    page.wait_ready()
    assert page.errors == []


def test_plan_page_draws_the_demo_and_marks_its_gaps(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    latest = api_keys(demo_server)
    assert len(latest) > 100
    assert shown_keys(page) == latest
    # The planted gaps (README, "The demo plan") are marked on their elements...
    marked = page.js(
        "() => Object.fromEntries(['error', 'warning', 'info'].map(s => "
        "[s, window.coherence.cy.nodes('.finding-' + s).map(n => n.id())]))"
    )
    assert {"SI4.1", "SO5"} <= set(marked["error"])
    assert {"SI5.1", "SO3", "OC13", "SI2.3", "B39", "BL-2705", "BL-2702", "SIP-BRK"} <= set(
        marked["warning"]
    )
    # ... and listed beside the graph, as the audit has them.
    audit = demo_server.get_json(f"/api/v1/plans/{DEMO_PLAN}/audit")
    listed = page.page.locator("#panel-findings .finding")
    assert listed.count() == len(audit["findings"])
    assert (
        "supports no active objective"
        in page.page.locator('#panel-findings .finding[data-key="SI4.1"]').inner_text()
    )
    assert page.page.locator("#findings-count").inner_text() == str(len(audit["findings"]))
    assert page.errors == []
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        save_docs_screenshot(page.page.screenshot())


def test_the_legend_lists_the_kinds_of_the_served_catalogue(
    page: Page, demo_server: Server
) -> None:
    requested: list[str] = []
    page.page.on("request", lambda request: requested.append(request.url))
    open_plan(page, demo_server)
    catalogue = demo_server.get_json("/api/v1/framework")
    ordered = sorted(enumerate(catalogue["kinds"]), key=lambda pair: (pair[1]["level"], pair[0]))
    kinds = [kind for _, kind in ordered]
    # The foundations (level 0) together, then every other kind by level, with the
    # catalogue's labels and colours.
    expected = [("foundations", "Foundations", kinds[0]["colour"])] + [
        (k["name"], k["plural"], k["colour"]) for k in kinds if k["level"] > 0
    ]
    legend = page.js(
        """() => [...document.querySelectorAll('#kinds .kind-toggle')].map(b => [
          b.dataset.kind,
          b.firstChild.nextSibling.textContent.trim(),
          b.style.getPropertyValue('--chip').trim(),
        ])"""
    )
    assert [tuple(entry) for entry in legend] == expected
    # Every kind in view on a wide screen: none scrolled out of the legend's row.
    cut = page.js(
        """() => {
          const row = document.getElementById('kinds').getBoundingClientRect();
          return [...document.querySelectorAll('#kinds .kind-toggle')]
            .filter(b => { const r = b.getBoundingClientRect();
                           return r.left < row.left || r.right > row.right; })
            .map(b => b.dataset.kind);
        }"""
    )
    assert cut == []
    assert any(url.endswith("/api/v1/framework") for url in requested)
    assert not [url for url in requested if url.endswith("/kinds.js")]
    assert page.errors == []


def focused_on(page: Page, key: str) -> dict[str, Any]:
    """How far the element's middle is from the view's, and how it is drawn."""
    return page.js(  # type: ignore[no-any-return]
        f"""() => {{
          const cy = window.coherence.cy;
          const node = cy.getElementById({json.dumps(key)});
          const box = node.renderedBoundingBox();
          const x = (box.x1 + box.x2) / 2, y = (box.y1 + box.y2) / 2;
          return {{dx: Math.abs(x - cy.width() / 2), dy: Math.abs(y - cy.height() / 2),
                   zoom: cy.zoom(), detailed: node.hasClass('detailed')}};
        }}"""
    )


def focus_from_findings(page: Page, key: str) -> None:
    page.page.locator(f'#panel-findings .finding[data-key="{key}"]').click()
    eventually(
        lambda: page.js(
            "() => window.coherence.cy.$(':selected').length === 1 && !window.coherence.cy.animated()"
        )
    )


def test_clicking_a_finding_focuses_its_element(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    focus_from_findings(page, "SI4.1")
    assert page.js("() => window.coherence.cy.$(':selected').map(n => n.id())") == ["SI4.1"]
    # Centred on the element, close enough to read its title.
    centred = focused_on(page, "SI4.1")
    assert centred["dx"] < 5
    assert centred["dy"] < 5
    assert centred["zoom"] >= 1
    assert centred["detailed"]
    assert page.page.locator("#tab-element").inner_text() == "Element · SI4.1"
    assert page.errors == []


def test_a_focused_element_stays_in_the_middle_when_the_window_changes_size(
    page: Page, demo_server: Server
) -> None:
    open_plan(page, demo_server)
    focus_from_findings(page, "SI4.1")
    zoom = focused_on(page, "SI4.1")["zoom"]
    page.page.set_viewport_size({"width": 1500, "height": 900})
    # Not fitted back to the whole plan: the same element, as large, in the new middle.
    eventually(lambda: focused_on(page, "SI4.1")["dy"] < 5)
    after = focused_on(page, "SI4.1")
    assert after["dx"] < 5
    assert after["zoom"] == zoom
    assert page.errors == []


def test_clicking_an_element_shows_fields_line_of_sight_and_history(
    page: Page, demo_server: Server
) -> None:
    open_plan(page, demo_server)
    tap(page, "BL-2702")
    panel = page.page.locator("#panel-element")
    panel.locator(".los-paths").wait_for()
    element = demo_server.get_json(f"/api/v1/plans/{DEMO_PLAN}/elements/BL-2702")
    text = panel.inner_text()
    assert "BL-2702" in text
    assert element["fields"]["description"] in text
    assert panel.locator(".los-paths > li").count() == len(element["line_of_sight"])
    for path in element["line_of_sight"]:
        assert path[-1] == "mission"
    assert "Mission" in panel.locator(".los-paths").inner_text()
    assert panel.locator(".history > li").count() == len(element["history"])
    assert "Over allocated budget line" in text
    # The line of sight is drawn on the graph too.
    highlighted = set(page.js("() => window.coherence.cy.nodes('.los').map(n => n.id())"))
    assert highlighted == {key for path in element["line_of_sight"] for key in path}
    # An orphaned initiative has none: the panel says so.
    tap(page, "SI4.1")
    panel.locator(".gap-note").wait_for()
    assert "No line of sight" in panel.locator(".gap-note").inner_text()
    assert page.errors == []


def test_the_slider_shows_each_version_without_moving_anything(
    page: Page, demo_server: Server
) -> None:
    open_plan(page, demo_server)
    revisions = page.js("() => window.coherence.state.data.revisions")
    timeline = demo_server.get_json(f"/api/v1/plans/{DEMO_PLAN}/timeline")
    assert [(r["version"], r["summary"]) for r in revisions] == [
        (t["version"], t["summary"]) for t in timeline
    ]
    before = page.js("() => window.coherence.cy.nodes().map(n => [n.id(), n.position()])")
    latest = shown_keys(page)

    set_slider(page, 0)
    first = revisions[0]
    assert shown_keys(page) == api_keys(demo_server, first["version"])
    assert shown_keys(page) != latest
    assert first["reason"][:40] in page.page.locator("#rev-reason").inner_text()
    assert page.page.locator("#panel-findings .finding").count() == len(first["findings"])

    middle = len(revisions) // 2
    set_slider(page, middle)
    assert shown_keys(page) == api_keys(demo_server, revisions[middle]["version"])
    assert f"version={revisions[middle]['version']}" in page.page.url

    # Laid out once: nothing moved.
    after = page.js("() => window.coherence.cy.nodes().map(n => [n.id(), n.position()])")
    assert after == before

    # Retired elements are faded, elements added by a revision are marked new.
    set_slider(page, len(revisions) - 1)
    retired = set(page.js("() => window.coherence.cy.nodes('.retired').map(n => n.id())"))
    ever = set(page.js("() => window.coherence.cy.nodes().map(n => n.id())"))
    assert retired == ever - latest
    assert retired
    # The latest revision (a narrative's change) neither added nor retired an element,
    # and the findings panel says so in words.
    assert api_keys(demo_server, revisions[-1]["version"]) == api_keys(
        demo_server, revisions[-2]["version"]
    )
    changes = page.page.locator("#panel-findings .changes")
    assert changes.inner_text() == "No element added or retired in this revision."
    redesign = next(
        i
        for i in range(1, len(revisions))
        if len(api_keys(demo_server, revisions[i]["version"]))
        > len(api_keys(demo_server, revisions[i - 1]["version"]))
    )
    set_slider(page, redesign)
    new = set(page.js("() => window.coherence.cy.nodes('.new').map(n => n.id())"))
    assert new == api_keys(demo_server, revisions[redesign]["version"]) - api_keys(
        demo_server, revisions[redesign - 1]["version"]
    )
    assert changes.inner_text().startswith(f"{len(new)} new")
    chips = set(changes.locator(".key-chip").evaluate_all("cs => cs.map(c => c.dataset.key)"))
    assert new <= chips
    assert page.errors == []


def test_focus_filter_and_search(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    page.page.select_option("#focus", "SO1")
    beneath = demo_server.get_json(f"/api/v1/plans/{DEMO_PLAN}/elements/SO1")["beneath"]
    eventually(lambda: shown_keys(page) == {"SO1", *beneath})
    assert page.page.locator("#panel-findings .focus-note").is_visible()
    page.page.click("#reset")
    latest = api_keys(demo_server)
    eventually(lambda: shown_keys(page) == latest)

    page.page.click('.kind-toggle[data-kind="benchmark"]')
    shown_kinds = f"() => window.coherence.cy.nodes().filter({SHOWN}).map(n => n.data('kind'))"
    eventually(lambda: "benchmark" not in page.js(shown_kinds))
    assert {"initiative", "budget_line", "objective"} <= set(page.js(shown_kinds))
    page.page.click('.kind-toggle[data-kind="benchmark"]')
    eventually(lambda: "benchmark" in page.js(shown_kinds))

    page.page.fill("#search", "family")
    eventually(lambda: page.js("() => window.coherence.state.matches.length") > 0)
    matches = set(page.js("() => window.coherence.cy.nodes('.match').map(n => n.id())"))
    assert "SI4.1" in matches
    assert all(
        "family" in (title or "").lower()
        for title in page.js(
            "() => window.coherence.cy.nodes('.match').map(n => "
            "[n.data('key'), n.data('title'), n.data('statement'), n.data('description'), "
            "n.data('name'), n.data('educator'), n.data('school'), n.data('text')].join(' '))"
        )
    )
    page.page.fill("#search", "bl-27")
    eventually(lambda: "BL-2701" in page.js("() => window.coherence.state.matches"))
    assert page.page.locator("#search-count").inner_text().endswith("found")
    assert all(
        key.startswith("BL-27")
        for key in page.js("() => window.coherence.cy.nodes('.match').map(n => n.id())")
    )
    assert page.errors == []


TOP_BAR_ROWS = """() => {
  const bar = document.querySelector('.topbar');
  const tops = [...bar.children].filter(c => c.offsetParent !== null)
    .map(c => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2));
  return {rows: new Set(tops.map(t => Math.round(t / 8))).size,
          height: bar.getBoundingClientRect().height,
          account: document.querySelector('#account .account-name')?.textContent || null,
          publish: !document.getElementById('publish-box').hidden};
}"""


@pytest.mark.parametrize("width", [1280, 1600])
def test_the_top_bar_keeps_one_row_once_the_account_and_publish_are_shown(
    page: Page, demo_server: Server, width: int
) -> None:
    """The graph is fitted to the area under the top bar: a bar that took a second row
    once the scripts added the signed-in account and Publish moved the graph after its
    first draw."""
    page.page.set_viewport_size({"width": width, "height": 900})
    with_scripts: list[dict[str, object]] = []
    open_plan(page, demo_server)
    # The demo's open actor may publish: the button shows, once the page's later module
    # has loaded.
    eventually(lambda: page.js(TOP_BAR_ROWS)["account"] is not None, timeout=30)
    eventually(lambda: page.js(TOP_BAR_ROWS)["publish"], timeout=30)
    with_scripts.append(page.js(TOP_BAR_ROWS))
    assert with_scripts[0]["rows"] == 1, with_scripts
    page.page.route("**/*.js", lambda route: route.abort())
    page.page.goto(demo_server.url + PLAN_URL, wait_until="load")
    before = page.js(TOP_BAR_ROWS)
    page.page.unroute("**/*.js")
    assert before["account"] is None
    assert abs(before["height"] - with_scripts[0]["height"]) <= 1, (before, with_scripts)


def test_png_export_is_an_image_at_twice_the_scale_on_white(
    page: Page, demo_server: Server
) -> None:
    from PIL import Image, ImageChops

    open_plan(page, demo_server)
    box = page.js("() => window.coherence.cy.elements().filter(e => e.visible()).boundingBox()")
    page.page.click("#export-open")
    version = page.js("() => window.coherence.state.data.version")
    assert page.page.locator("#export-version").inner_text() == f"version {version}"
    with page.page.expect_download() as download:
        page.page.click("#export-png")
    assert not page.page.is_visible("#export-menu")  # chosen: the menu closes
    saved = SCREENSHOTS / download.value.suggested_filename
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(saved)
    assert saved.name == f"{DEMO_PLAN}-v{page.js('() => window.coherence.state.data.version')}.png"
    image = Image.open(saved)
    assert image.format == "PNG"
    width, height = image.size
    assert width >= 1.9 * box["w"]
    assert height >= 1.9 * box["h"]
    rgb = image.convert("RGB")
    assert rgb.getpixel((0, height - 1)) == (255, 255, 255)  # on white
    ink = rgb.convert("L").point(lambda v: 255 if v < 245 else 0)
    assert ink.histogram()[255] > 0.1 * width * height  # not blank
    r, g, b = rgb.split()
    red = ImageChops.multiply(
        ImageChops.multiply(
            r.point(lambda v: 255 if v > 180 else 0), g.point(lambda v: 255 if v < 90 else 0)
        ),
        b.point(lambda v: 255 if v < 90 else 0),
    )
    assert red.getbbox() is not None  # an error's red mark
    assert page.errors == []


def test_graphml_and_gexf_downloads(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    set_slider(page, 5)
    version = page.js("() => window.coherence.state.data.revisions[5].version")
    for fmt, root in (("graphml", "graphml"), ("gexf", "gexf")):
        page.page.click("#export-open")
        assert page.page.locator("#export-version").inner_text() == f"version {version}"
        with page.page.expect_download() as download:
            page.page.click(f"#export-{fmt}")
        assert not page.page.is_visible("#export-menu")  # chosen: the menu closes
        assert download.value.suggested_filename == f"{DEMO_PLAN}-v{version}.{fmt}"
        path = Path(download.value.path())
        tree = ET.parse(path)
        assert tree.getroot().tag.endswith(root)
        nodes = [e for e in tree.iter() if e.tag.endswith("}node")]
        assert len(nodes) >= len(api_keys(demo_server, version))
    page.page.click("#export-open")
    page.page.keyboard.press("Escape")
    assert not page.page.is_visible("#export-menu")
    assert page.errors == []


def test_without_the_libraries_the_page_says_to_run_npm_ci(page: Page, tmp_path: Path) -> None:
    empty = tmp_path / "no-node-modules"
    empty.mkdir()
    server = start_server(tmp_path, env={"COHERENCE_WEB_ASSETS": str(empty)})
    try:
        page.page.goto(server.url + "/plans/anything")
        page.wait_ready()
        message = page.page.locator("#graph-message")
        assert message.is_visible()
        assert "npm ci" in message.inner_text()
        assert "npm ci" in page.page.locator(".assets-missing").inner_text()
        assert page.errors == []
    finally:
        stop_server(server)


def test_the_first_draw_is_measured(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    marks = page.js(
        "() => performance.getEntriesByName('coherence:first-draw').map(e => e.startTime)"
    )
    assert len(marks) == 1
    assert 0 < marks[0] < 30000


def save_docs_screenshot(png: bytes) -> None:
    """The README's picture: the screenshot as it is, or in 256 colours, under 500 KB."""
    from PIL import Image

    target = ROOT / "docs" / "demo-plan.png"
    target.parent.mkdir(exist_ok=True)
    image: Any = Image.open(io.BytesIO(png)).convert("RGB")
    image.save(target, optimize=True)
    if target.stat().st_size >= 500_000:
        image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(target, optimize=True)
    assert target.stat().st_size < 500_000, f"{target} is over 500 KB"


def test_the_funding_and_what_if_panels(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    page.page.locator("#tab-funding").click()
    panel = page.page.locator("#panel-funding")
    panel.locator("table.data").wait_for()
    assert panel.locator(".funding-chart g").count() == 4  # SO1, SO2, SO3, SO5
    panel.locator("select[data-fiscal-year]").select_option("FY27")
    eventually(lambda: "$1,053,500" in panel.inner_text())
    assert "unfunded" in panel.inner_text()  # SO5
    panel.locator("[data-view=nowhere]").click()
    eventually(lambda: "BL-2710" in panel.locator(".funding-table").inner_text())

    page.page.locator("#tab-whatif").click()
    whatif = page.page.locator("#panel-whatif")
    whatif.locator("form").wait_for()
    whatif.locator("select[name=fiscal_year]").select_option("FY27")
    # The form is drawn again for the year: tick a line only once that is done.
    page.page.locator("#panel-whatif[data-fiscal-year=FY27] input[value='BL-2702']").wait_for()
    whatif.locator("input[value='BL-2702']").check()
    whatif.locator("button[type=submit]").click()
    whatif.locator(".whatif-result h3").first.wait_for()
    result = whatif.locator(".whatif-result").inner_text()
    assert "SI3.1" in result and "unfunded-initiative" in result


def test_an_outcome_shows_its_progress_chart(page: Page, demo_server: Server) -> None:
    open_plan(page, demo_server)
    tap(page, "OC5")
    panel = page.page.locator("#panel-element")
    panel.locator(".progress-chart .progress-trajectory").wait_for()
    progress = demo_server.get_json(f"/api/v1/plans/{DEMO_PLAN}/outcomes/OC5/progress")
    assert panel.locator(".progress-result").count() == len(progress["results"])
    assert panel.locator(".progress-result.short").count() == sum(
        1 for r in progress["results"] if r["short"]
    )
    labels = panel.locator(".progress-chart text").all_text_contents()
    assert f"target {progress['target']['value']}" in labels  # text as text, not drawn
    assert "Off trajectory" in panel.locator(".progress-note").inner_text()
    # The timeline chart marks the history findings of each revision.
    assert page.page.locator("#chart .history-mark").count() > 0
    panel.screenshot(path=str(SCREENSHOTS / "outcome-progress.png"))
    assert page.errors == []
