"""Editing the plan in place, in a real browser: add, link, fund, revise, retire,
restore; what each save did to the audit; two people editing the same element; a
viewer's page; plan text shown as text; a refused value named beside its field.

The tests share one server of their own (the demo plan, with tokens: two editors and a
viewer), so that their writes leave the other browser tests' demo server untouched.
They run in file order, each on the plan as the ones before left it.

Set ``UPDATE_DOCS_SCREENSHOT=1`` to rewrite the README's pictures of the editing views
(``docs/edit-*.png``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.conftest import DEMO_PLAN, Page, Server, start_server, stop_server
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

PLAN_URL = f"/plans/{DEMO_PLAN}"
XSS = "<script>alert(1)</script>"
DOCS = os.environ.get("UPDATE_DOCS_SCREENSHOT")


class Tokens(dict[str, str]):
    """Secrets by owner."""


@pytest.fixture(scope="module")
def editing_server(
    tmp_path_factory: pytest.TempPathFactory, node_modules: Path
) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("edit"), "--demo")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def tokens(editing_server: Server) -> Tokens:
    store = next(a for a in editing_server.process.args if str(a).startswith("sqlite:///"))  # type: ignore[union-attr]
    out = Tokens()
    for owner, role in [("Ana Ruiz", "editor"), ("Ben Cole", "editor"), ("Vera Viewer", "viewer")]:
        created = subprocess.run(
            [
                str(Path(sys.executable).with_name("coherence")),
                "token",
                "create",
                "--store",
                str(store),
                "--owner",
                owner,
                "--role",
                role,
                "--format",
                "json",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        out[owner] = json.loads(created.stdout)["token"]
    return out


def api(server: Server, token: str, path: str) -> Any:
    request = urllib.request.Request(
        server.url + f"/api/v1/plans/{DEMO_PLAN}{path}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture
def open_as(
    browser: Any, editing_server: Server, tokens: Tokens, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Page]]:
    """Open the demo plan's page in a fresh browser context signed in with someone's token
    (the sign-in page's token form: the page keeps no token, its session is a cookie)."""
    contexts: list[Any] = []
    pages: list[Page] = []

    def opening(owner: str) -> Page:
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        raw = context.new_page()
        raw.goto(editing_server.url + "/auth/signin?next=" + quote(PLAN_URL, safe=""))
        raw.fill("#token", tokens[owner])
        raw.click("#token-form button[type=submit]")
        raw.wait_for_url(editing_server.url + PLAN_URL)
        page = Page(raw)
        raw.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        raw.on("pageerror", lambda e: page.errors.append(f"uncaught: {e}"))
        raw.on("dialog", lambda d: page.errors.append(f"dialog: {d.message}"))
        page.wait_ready()
        until(page, "window.coherence.editing && window.coherence.editing.role")
        contexts.append(context)
        pages.append(page)
        return page

    yield opening
    shots = ROOT / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pages):
        page.page.screenshot(path=str(shots / f"{request.node.name}-{i}.png"))
    for context in contexts:
        context.close()


def until(page: Page, expression: str, timeout: float = 20) -> Any:
    """Until ``expression`` is truthy in the page (no eval: the page's CSP forbids it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.js(f"() => {{ try {{ return {expression}; }} catch (e) {{ return null; }} }}")
        if value:
            return value
        page.page.wait_for_timeout(50)
    raise AssertionError(f"not so after {timeout} s: {expression}; errors {page.errors}")


def saves(page: Page) -> int:
    return int(page.js("() => window.coherence.editing.saves"))


def save(page: Page) -> None:
    before = saves(page)
    page.page.click("#panel-element button[data-action=save]")
    until(page, f"window.coherence.editing.saves > {before}")


def select(page: Page, key: str) -> None:
    page.js("(key) => window.coherence.select(key)", key)
    until(
        page,
        f"document.querySelector('#panel-element .edit-actions') && "
        f"document.querySelector('#panel-element h2').textContent.includes({json.dumps(key)})",
    )


def banner(page: Page) -> str:
    return str(page.page.inner_text("#edit-banner"))


def findings_keys(page: Page) -> set[tuple[str, str]]:
    return {
        (f["rule"], f["key"])
        for f in page.js("() => window.coherence.state.data.revisions.at(-1).findings")
    }


POSITIONS = """() => Object.fromEntries(window.coherence.cy.nodes().map(n =>
  [n.id(), [Math.round(n.position('x')), Math.round(n.position('y'))]]))"""


def screenshot(page: Page, name: str) -> None:
    if DOCS:
        page.page.screenshot(path=str(ROOT / "docs" / name))


def test_add_an_initiative_link_it_fund_it_and_see_the_findings_change(
    open_as: Callable[[str], Page], editing_server: Server, tokens: Tokens
) -> None:
    page = open_as("Ana Ruiz")
    assert ("unfunded-objective", "SO5") in findings_keys(page)
    page.page.select_option("#add-element", "initiative")
    form = page.page.locator("#panel-element form.edit-form")
    form.locator("input[name=key]").fill("SI5.9")
    form.locator("input[name=title]").fill(f"{XSS} Career pathways")
    form.locator("li[data-option='SO5'] input[type=checkbox]").check()
    form.locator("input[name=reason]").fill("Pathways for SO5")
    save(page)
    text = banner(page)
    assert "Saved: Add initiative SI5.9" in text
    assert "New: SI5.9 unfunded initiative" in text
    assert ("unfunded-initiative", "SI5.9") in findings_keys(page)
    assert page.js("() => window.coherence.cy.getElementById('SI5.9').nonempty()")
    listed = page.page.locator('#panel-findings .finding[data-key="SI5.9"]')
    assert listed.count() >= 1
    # Text from the plan is shown as text: in the panel, the graph's labels, the form.
    select(page, "SI5.9")
    assert page.page.inner_text("#panel-element .element-title") == f"{XSS} Career pathways"
    assert XSS in page.js("() => window.coherence.cy.getElementById('SI5.9').data('long')")
    assert page.page.locator("script:not([src])").count() == 0

    # Fund it from a budget line, with an amount: SO5 is no longer unfunded.
    select(page, "BL-2702")
    page.page.click("#panel-element button[data-action=edit]")
    row = page.page.locator("#panel-element li[data-option='SI5.9']")
    row.locator("input[type=checkbox]").check()
    row.locator("input.link-amount").fill("40000")
    screenshot(page, "edit-form.png")
    save(page)
    text = banner(page)
    assert "Resolved:" in text and "SO5 unfunded objective" in text
    assert "SI5.9 unfunded initiative" in text
    assert ("unfunded-objective", "SO5") not in findings_keys(page)
    assert page.page.locator('#panel-findings .finding[data-key="SO5"]').count() == 0
    edge = "BL-2702|funds|SI5.9"
    assert page.js(f"() => window.coherence.cy.getElementById('{edge}').data('amount')") == 40000
    screenshot(page, "edit-saved.png")
    # The form opens again with what was saved; the history shows the title as text.
    page.page.click("#panel-element button[data-action=edit]")
    assert (
        page.page.locator("#panel-element li[data-option='SI5.9'] input.link-amount").input_value()
        == "40000"
    )
    page.page.click("#tab-history")
    until(page, "document.querySelector('#panel-history .history')")
    assert f"{XSS} Career pathways" in page.page.inner_text("#panel-history")
    # The page placed the new element as the server does: a reload moves nothing.
    placed = page.js(POSITIONS)
    assert "SI5.9" in placed
    page.page.reload()
    page.wait_ready()
    assert page.js(POSITIONS) == placed
    assert page.errors == []


def test_revise_retire_and_restore_an_element(
    open_as: Callable[[str], Page], editing_server: Server, tokens: Tokens
) -> None:
    page = open_as("Ana Ruiz")
    select(page, "SI2.1")
    page.page.click("#panel-element button[data-action=edit]")
    page.page.fill("#panel-element input[name=owner]", "Director of Attendance")
    page.page.fill("#panel-element input[name=reason]", "New owner")
    save(page)
    assert "Saved: Edit Initiative SI2.1" in banner(page)
    until(page, "document.querySelector('#panel-element .fields')")
    assert "Director of Attendance" in page.page.inner_text("#panel-element .fields")

    page.page.click("#panel-element button[data-action=retire]")
    page.page.fill("#panel-element .confirm-box input[name=reason]", "Paused for a year")
    before = saves(page)
    page.page.click("#panel-element button[data-action=confirm-retire]")
    until(page, f"window.coherence.editing.saves > {before}")
    assert page.js("() => window.coherence.cy.getElementById('SI2.1').hasClass('retired')")
    assert "SI2.1" in banner(page)
    until(page, "document.querySelector('#panel-element button[data-action=restore]')")
    page.page.click("#panel-element button[data-action=restore]")
    before = saves(page)
    page.page.click("#panel-element button[data-action=confirm-restore]")
    until(page, f"window.coherence.editing.saves > {before}")
    assert not page.js("() => window.coherence.cy.getElementById('SI2.1').hasClass('retired')")
    assert ("orphaned-initiative", "SI2.1") in findings_keys(page)
    events = api(editing_server, tokens["Ana Ruiz"], "/history?offset=0&limit=1000")["events"]
    mine = [(e["type"], e["reason"]) for e in events if e["key"] == "SI2.1"][-3:]
    assert mine == [
        ("ElementRevised", "New owner"),
        ("ElementRetired", "Paused for a year"),
        ("ElementRestored", None),
    ]
    assert page.errors == []


def test_the_second_editor_gets_the_conflict_view_and_reapplies(
    open_as: Callable[[str], Page], editing_server: Server, tokens: Tokens
) -> None:
    ana, ben = open_as("Ana Ruiz"), open_as("Ben Cole")
    for page in (ana, ben):
        select(page, "SO1")
        page.page.click("#panel-element button[data-action=edit]")
    ana.page.fill("#panel-element input[name=title]", "Literacy and mathematics for every student")
    ana.page.fill("#panel-element input[name=reason]", "Shorter title")
    save(ana)
    ben.page.fill("#panel-element textarea[name=description]", "Grade-level reading by grade 3.")
    ben.page.fill("#panel-element input[name=reason]", "Sharper description")
    ben.page.click("#panel-element button[data-action=save]")
    until(ben, "document.querySelector('#panel-element .conflict')")
    conflict = ben.page.inner_text("#panel-element .conflict")
    assert "Someone else saved first" in conflict
    assert "Ana Ruiz" in conflict and "Shorter title" in conflict
    screenshot(ben, "edit-conflict.png")
    before = saves(ben)
    ben.page.click("#panel-element button[data-action=reapply]")
    until(ben, f"window.coherence.editing.saves > {before}")
    events = api(editing_server, tokens["Ben Cole"], "/history?offset=0&limit=1000")["events"]
    last_two = [(e["actor"], e["reason"]) for e in events[-2:]]
    assert last_two == [("Ana Ruiz", "Shorter title"), ("Ben Cole", "Sharper description")]
    so1 = api(editing_server, tokens["Ben Cole"], "/elements/SO1")["fields"]
    assert so1["title"] == "Literacy and mathematics for every student"
    assert so1["description"] == "Grade-level reading by grade 3."
    assert ana.errors == []
    assert [e for e in ben.errors if "409 (Conflict)" not in e] == []  # the refused save


def test_a_viewer_sees_no_edit_controls(
    open_as: Callable[[str], Page], editing_server: Server, tokens: Tokens
) -> None:
    page = open_as("Vera Viewer")
    assert page.js("() => window.coherence.editing.role") == "viewer"
    assert not page.page.locator("#edit-tools").is_visible()
    assert page.page.locator("#add-element").count() == 0
    page.js("() => window.coherence.select('SO2')")
    until(page, "document.querySelector('#panel-element .fields')")
    assert (
        page.page.locator(
            "#panel-element .edit-actions, #panel-element button[data-action]"
        ).count()
        == 0
    )
    # The server refuses a viewer's write anyway.
    request = urllib.request.Request(
        editing_server.url + f"/api/v1/plans/{DEMO_PLAN}/elements/SO2",
        data=json.dumps({"fields": {"title": "x"}}).encode(),
        method="PATCH",
        headers={
            "Authorization": f"Bearer {tokens['Vera Viewer']}",
            "Content-Type": "application/json",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 403
    assert page.errors == []


def test_a_refused_value_is_named_beside_its_field(
    open_as: Callable[[str], Page], editing_server: Server, tokens: Tokens
) -> None:
    page = open_as("Ana Ruiz")
    version = page.js("() => window.coherence.state.data.version")
    page.page.select_option("#add-element", "budget_line")
    page.page.fill("#panel-element input[name=key]", "BL-2799")
    page.page.fill("#panel-element input[name=fiscal_year]", "2027")
    page.page.click("#panel-element button[data-action=save]")
    error = page.page.locator("#panel-element .form-row[data-field=fiscal_year] .field-error")
    error.wait_for(state="visible")
    assert "fiscal year such as FY26" in error.inner_text()
    assert (
        page.page.locator("#panel-element [aria-invalid=true]").get_attribute("name")
        == "fiscal_year"
    )
    screenshot(page, "edit-refused.png")
    # A benchmark's due date typed as text (as an old browser would let one).
    page.page.select_option("#add-element", "benchmark")
    page.page.fill("#panel-element input[name=key]", "B99")
    page.js("() => { document.querySelector('#panel-element input[name=due]').type = 'text'; }")
    page.page.fill("#panel-element input[name=due]", "not a date")
    page.page.click("#panel-element button[data-action=save]")
    error = page.page.locator("#panel-element .form-row[data-field=due] .field-error")
    error.wait_for(state="visible")
    assert "ISO date" in error.inner_text()
    # Nothing was saved.
    assert api(editing_server, tokens["Ana Ruiz"], "")["version"] == version
    assert [e for e in page.errors if "422" not in e] == []  # the refused saves
