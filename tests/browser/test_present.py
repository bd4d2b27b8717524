"""Present mode in a real browser: the demo plan's deck stepped through with the
keyboard at 1920 x 1080, every slide measured (nothing outside its slide, no type under
28px), a screenshot of each in ``artifacts/screenshots/present/``; the notes window
following the slides; the downloads; and a plan built to be hard to lay out.

Set ``UPDATE_DOCS_SCREENSHOT=1`` to rewrite ``docs/present-title.png`` and
``docs/present-objective.png`` (the README's pictures).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import urllib.request
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
from tests.conftest import ROOT
from tests.plans import stress_plan, yaml_text

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "present"
MEASURE = """() => {
  const slide = document.querySelector('#stage .slide');
  const box = slide.getBoundingClientRect();
  const outside = [];
  const small = [];
  for (const el of slide.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
      outside.push(`${el.tagName}.${el.className}: ${(el.textContent || '').slice(0, 40)}`);
    }
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const size = parseFloat(getComputedStyle(el).fontSize) * window.coherence.state.scale;
    if (text && size < 27.5) small.push(`${el.tagName}.${el.className} ${size}px`);
  }
  return {outside, small, fits: slide.dataset.fits, index: Number(slide.dataset.index),
          scale: window.coherence.state.scale, title: slide.querySelector('.slide-title').textContent};
}"""


def deck_of(server: Server, plan: str) -> Any:
    return server.get_json(f"/api/v1/plans/{plan}/deck")


def open_present(page: Page, server: Server, plan: str, query: str = "") -> None:
    page.page.goto(f"{server.url}/plans/{plan}/present{query}")
    page.wait_ready()


def wait_index(page: Page, index: int) -> None:
    deadline = time.monotonic() + 10
    while page.js("() => window.coherence.state.index") != index:
        if time.monotonic() > deadline:
            raise AssertionError(f"not on slide {index + 1}")
        page.page.wait_for_timeout(50)
    page.page.wait_for_timeout(150)  # the graph drawn


def step_through(page: Page, deck: Any, folder: str) -> list[Any]:
    """Every slide, moved to with the keyboard, measured and photographed."""
    (SHOTS / folder).mkdir(parents=True, exist_ok=True)
    keys = ["ArrowRight", "PageDown", " ", "ArrowDown"]
    measured = []
    for index, slide in enumerate(deck["slides"]):
        if index:
            page.page.keyboard.press(keys[index % len(keys)])
        wait_index(page, index)
        found = page.js(MEASURE)
        assert found["title"] == slide["title"]
        assert found["scale"] == pytest.approx(1)
        assert found["outside"] == [], f"slide {index + 1} overflows: {found['outside']}"
        assert found["small"] == [], f"slide {index + 1} has small type: {found['small']}"
        assert found["fits"] == "true", f"slide {index + 1} clips its content"
        page.page.screenshot(path=str(SHOTS / folder / f"slide-{index + 1:02d}.png"))
        measured.append(found)
    return measured


def test_every_slide_of_the_demo_with_the_keyboard(page: Page, demo_server: Server) -> None:
    deck = deck_of(demo_server, DEMO_PLAN)
    open_present(page, demo_server, DEMO_PLAN)
    step_through(page, deck, "demo")
    count = len(deck["slides"])
    page.page.keyboard.press("ArrowRight")  # past the end: stays
    wait_index(page, count - 1)
    page.page.keyboard.press("Home")
    wait_index(page, 0)
    page.page.keyboard.press("End")
    wait_index(page, count - 1)
    page.page.keyboard.press("PageUp")
    wait_index(page, count - 2)
    assert f"slide={count - 1}" in page.page.url
    # Each objective's slide draws its part of the graph: the objective and what is beneath.
    objective = next(i for i, s in enumerate(deck["slides"]) if s["layout"] == "objective")
    page.js(f"() => window.coherence.go({objective})")
    wait_index(page, objective)
    drawn = page.js("() => window.coherence.state.cy.nodes().map(n => n.id())")
    graph = deck["slides"][objective]["graph"]
    assert set(drawn) == set(graph["keys"])
    # Each level in the plan page's order across it (the deck's places; the PDF and
    # PowerPoint draw their bands in the same order).
    levels = {k["name"]: k["level"] for k in demo_server.get_json("/api/v1/framework")["kinds"]}
    across = page.js(
        "() => Object.fromEntries(window.coherence.state.cy.nodes().map(n => [n.id(), n.position('x')]))"
    )
    for level in {levels[n["kind"]] for n in graph["nodes"] if n["key"] != graph["root"]}:
        band = [
            n for n in graph["nodes"] if levels[n["kind"]] == level and n["key"] != graph["root"]
        ]
        assert all(n["x"] is not None for n in band)
        by_page = sorted((n["key"] for n in band), key=lambda k: across[k])
        assert by_page == [n["key"] for n in sorted(band, key=lambda n: n["x"])], level
    # Text from plans is text.
    assert page.page.locator(".slide-title").inner_text() == deck["slides"][objective]["title"]
    assert page.errors == []
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        docs = ROOT / "docs"
        shutil.copy(SHOTS / "demo" / "slide-01.png", docs / "present-title.png")
        shutil.copy(
            SHOTS / "demo" / f"slide-{objective + 2:02d}.png", docs / "present-objective.png"
        )


def test_full_screen_with_f_and_escape(page: Page, demo_server: Server) -> None:
    open_present(page, demo_server, DEMO_PLAN)
    page.page.keyboard.press("f")
    page.page.wait_for_function("() => Boolean(document.fullscreenElement)", timeout=5000)
    page.page.keyboard.press("Escape")
    page.page.wait_for_function("() => !document.fullscreenElement", timeout=5000)
    assert page.errors == []


def test_the_notes_window_follows_the_slides(page: Page, demo_server: Server) -> None:
    deck = deck_of(demo_server, DEMO_PLAN)
    open_present(page, demo_server, DEMO_PLAN, "?slide=2")
    with page.page.context.expect_page() as opened:
        page.page.keyboard.press("n")
    notes = opened.value
    errors: list[str] = []
    notes.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    notes.wait_for_function("() => window.coherence && window.coherence.ready", timeout=30000)
    notes.wait_for_function(
        "() => document.querySelector('#notes-counter').textContent.startsWith('2 /')"
    )
    assert deck["slides"][1]["notes"][0] in notes.locator("#notes-body").inner_text()
    assert notes.locator("#notes-next-title").inner_text() == deck["slides"][2]["title"]
    page.page.bring_to_front()
    page.page.keyboard.press("ArrowRight")
    notes.wait_for_function(
        "() => document.querySelector('#notes-counter').textContent.startsWith('3 /')"
    )
    assert notes.locator("#notes-title").inner_text() == deck["slides"][2]["title"]
    # and moves the slides from its own buttons
    notes.locator("#notes-next").click()
    wait_index(page, 3)
    notes.close()
    assert page.errors == []
    assert errors == []


def test_the_downloads_hold_the_same_slides(page: Page, demo_server: Server) -> None:
    from pptx import Presentation
    from pypdf import PdfReader

    deck = deck_of(demo_server, DEMO_PLAN)
    open_present(page, demo_server, DEMO_PLAN)
    for link, check in (
        ("#download-pdf", lambda data: len(PdfReader(io.BytesIO(data)).pages)),
        ("#download-pptx", lambda data: len(Presentation(io.BytesIO(data)).slides)),
    ):
        with page.page.expect_download() as download:
            page.page.locator(link).click(force=True)
        data = Path(download.value.path()).read_bytes()
        assert check(data) == len(deck["slides"])
        assert download.value.suggested_filename.startswith(f"{DEMO_PLAN}-v{deck['version']}.")
    assert page.errors == []


def test_a_plan_hard_to_lay_out_still_fits(page: Page, tmp_path: Path) -> None:
    server = start_server(tmp_path)  # its own: the demo server keeps its one plan
    try:
        check_hard_plan(page, server)
    finally:
        stop_server(server)


def check_hard_plan(page: Page, demo_server: Server) -> None:
    body = yaml_text(stress_plan()).encode()
    request = urllib.request.Request(
        demo_server.url + "/api/v1/plans/import",
        data=body,
        headers={"Content-Type": "application/yaml"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert json.loads(answer.read())["plan"] == "retreat-stress"
    deck = deck_of(demo_server, "retreat-stress")
    assert sum(1 for s in deck["slides"] if s["layout"] == "objective") == 12
    open_present(page, demo_server, "retreat-stress")
    step_through(page, deck, "stress")
    assert page.errors == []
