"""The plan page's Report menu (the version shown as HTML in a new tab, PDF and DOCX
downloads) and the admin's Publish control, then the public page in a browser with no
session. A server of its own: these tests write (open server: the open actor is admin)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import DEMO_PLAN, Page, Server, start_server, stop_server

pytestmark = pytest.mark.browser

PLAN_URL = f"/plans/{DEMO_PLAN}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("reports-web"), "--demo")
    yield started
    stop_server(started)


def status(server: Server, path: str) -> int:
    try:
        with urllib.request.urlopen(server.url + path, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


def test_report_menu_opens_the_version_shown_and_downloads(
    server: Server, page: Page, tmp_path: Path
) -> None:
    page.page.goto(server.url + PLAN_URL)
    page.wait_ready()
    page.page.keyboard.press("ArrowLeft")  # one version back
    shown = page.js(
        "() => window.coherence.state.data.revisions[window.coherence.state.index].version"
    )
    page.page.click("#report-open")
    assert page.page.is_visible("#report-menu")
    href = page.page.get_attribute("#report-html", "href")
    assert href is not None and href.endswith(f"format=html&version={shown}")
    with page.page.context.expect_page() as opened:
        page.page.click("#report-html")
    report = opened.value
    report.wait_for_load_state()
    assert report.locator("h1").inner_text() == "District Plan 2024-2027"
    assert report.locator("#changes h2").inner_text() == "Changes since the last adoption"
    report.close()
    for fmt, magic in [("pdf", b"%PDF"), ("docx", b"PK")]:
        page.page.click("#report-open")
        with page.page.expect_download(timeout=120_000) as download:
            page.page.click(f"#report-{fmt}")
        saved = tmp_path / f"report.{fmt}"
        download.value.save_as(saved)
        assert download.value.suggested_filename == f"{DEMO_PLAN}-v{shown}-report.{fmt}"
        assert saved.read_bytes().startswith(magic)
    assert page.errors == []


def test_publish_then_the_public_page_without_a_session(
    server: Server, page: Page, browser: object
) -> None:
    assert status(server, f"/public/{DEMO_PLAN}") == 404
    page.page.goto(server.url + PLAN_URL)
    page.wait_ready()
    page.page.wait_for_selector("#publish-toggle")
    assert page.page.inner_text("#publish-toggle") == "Publish"
    page.page.click("#publish-toggle")
    page.page.wait_for_selector("#publish-link")
    assert page.page.inner_text("#publish-toggle") == "Unpublish"
    total = server.get_json(f"/api/v1/plans/{DEMO_PLAN}/history?limit=1")["total"]
    last = server.get_json(f"/api/v1/plans/{DEMO_PLAN}/history?offset={total - 1}")
    assert last["events"][-1]["type"] == "Published"

    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        public = context.new_page()
        public.goto(server.url + f"/public/{DEMO_PLAN}")
        assert public.locator(".district").text_content() == "Riverbend Public Schools"
        assert public.locator("#resources h2").inner_text() == "Resources"
        assert public.locator("script").count() == 0
    finally:
        context.close()

    page.page.click("#publish-toggle")
    page.page.wait_for_selector("#publish-toggle[aria-pressed='false']")
    assert status(server, f"/public/{DEMO_PLAN}") == 404
    assert page.errors == []
