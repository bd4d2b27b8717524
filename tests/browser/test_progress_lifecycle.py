"""Progress, evidence and the lifecycle in a real browser, on a server of its own (these
tests write: the shared demo server stays as the demo loaded it).

Report a benchmark off track with a file attached and download the file back; adopt
with the record of the vote and see it in the revisions; undo a revision.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PLAN, Page, Server, start_server, stop_server

pytestmark = pytest.mark.browser

PLAN_URL = f"/plans/{DEMO_PLAN}"
API = f"/api/v1/plans/{DEMO_PLAN}"
PDF = b"%PDF-1.4\n% Coherence test: sign-in sheets of the family nights\n%%EOF\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("progress"), "--demo")
    yield started
    stop_server(started)


def post(server: Server, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def events(server: Server) -> list[dict[str, Any]]:
    total = server.get_json(f"{API}/history?limit=1")["total"]
    page = server.get_json(f"{API}/history?offset={max(0, total - 50)}&limit=50")
    found: list[dict[str, Any]] = page["events"]
    return found


def test_report_a_benchmark_off_track_with_a_file_and_download_it(
    page: Page, server: Server
) -> None:
    page.page.goto(server.url + PLAN_URL + "?element=B39")
    page.wait_ready()
    form = page.page.locator("#panel-element form.progress-form")
    form.wait_for()
    form.locator("select[name=status]").select_option("off_track")
    form.locator("textarea[name=note]").fill("Two schools <script>alert(1)</script> late")
    form.locator("textarea[name=links]").fill("https://example.org/board/minutes")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "sign-in sheets.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_ready()
    evidence = page.page.locator("#panel-element .evidence")
    evidence.wait_for()
    assert "reported off track with 1 file and 1 link" in evidence.inner_text()
    assert "<script>alert(1)</script>" in evidence.locator(".evidence-note").first.inner_text()
    last = events(server)[-1]
    assert last["type"] == "BenchmarkStatusReported" and last["record"]["status"] == "off_track"
    with page.page.expect_download() as download:
        evidence.locator("button.evidence-download").first.click()
    assert download.value.suggested_filename == "sign-in sheets.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    assert page.errors == []


def test_adopt_with_a_vote_and_see_it_in_the_revisions(page: Page, server: Server) -> None:
    if server.get_json(API)["status"] == "adopted":
        post(server, f"{API}/redesign", {"reason": "Year three redesign"})
    page.page.goto(server.url + PLAN_URL + "?tab=lifecycle")
    page.wait_ready()
    panel = page.page.locator("#panel-lifecycle")
    adopt = panel.locator("form.lifecycle-form", has_text="Adopt the plan")
    adopt.wait_for()
    adopt.locator("input[name=body]").fill("School Committee")
    adopt.locator("input[name=meeting_date]").fill("2026-06-12")
    adopt.locator("input[name=vote]").fill("7-0")
    adopt.locator("input[name=minutes_url]").fill("https://example.org/minutes/2026-06-12")
    adopt.locator("input[name=reason]").fill("Annual vote")
    with page.page.expect_navigation():
        adopt.locator("button[type=submit]").click()
    page.wait_ready()
    newest = page.page.locator("#panel-lifecycle .revision").first
    newest.wait_for()
    assert "Plan adopted by the School Committee on 2026-06-12 (7-0): Annual vote" in (
        newest.inner_text()
    )
    assert page.page.locator("#plan-status").inner_text().lower() == "adopted"
    assert events(server)[-1]["record"]["vote"] == "7-0"
    assert page.errors == []


def test_undo_a_revision_from_the_list(page: Page, server: Server) -> None:
    before = server.get_json(f"{API}/elements/B1")["fields"]["status"]
    changed = post(server, f"{API}/benchmarks/B1/status", {"status": "at_risk"})
    revision = changed["revision"]
    page.page.goto(server.url + PLAN_URL + "?tab=lifecycle")
    page.wait_ready()
    panel = page.page.locator("#panel-lifecycle")
    panel.locator(f'.revision[data-revision="{revision}"]').wait_for()
    panel.locator("input[name=undo-reason]").fill("reported on the wrong benchmark")
    with page.page.expect_navigation():
        panel.locator(f'button.undo-button[data-revision="{revision}"]').click()
    page.wait_ready()
    assert server.get_json(f"{API}/elements/B1")["fields"]["status"] == before
    last = events(server)[-1]
    assert last["reason"] == f"Undo of revision {revision}: reported on the wrong benchmark"
    newest = page.page.locator("#panel-lifecycle .revision").first
    newest.wait_for()
    assert f"Undo of revision {revision}" in newest.inner_text()
    # undoing it again is refused, naming what changed since
    panel.locator(f'button.undo-button[data-revision="{revision}"]').click()
    message = page.page.locator("#panel-lifecycle .form-message.error")
    message.wait_for()
    assert "B1 (status)" in message.inner_text()
    # the browser logs the refused request itself; nothing else went wrong
    assert [e for e in page.errors if "status of 409" not in e] == []


def test_my_work_lists_what_is_owned_and_reports_from_it(page: Page, server: Server) -> None:
    owner = "Director of Student Services"
    page.page.goto(server.url + "/my-work?owner=" + owner.replace(" ", "%20"))
    page.wait_ready()
    work = server.get_json("/api/v1/my-work?owner=" + owner.replace(" ", "%20"))
    for bucket in ("overdue", "due_soon", "stale", "other"):
        shown = page.page.locator(f'[data-bucket="{bucket}"] .work-item')
        assert shown.count() == len(work[bucket])
    # B39 (due 2026-10-30) is in a bucket that depends on today's date
    bucket = next(b for b in ("overdue", "due_soon", "stale", "other")
                  if "B39" in {i["key"] for i in work[b]})  # fmt: skip
    item = page.page.locator(f'[data-bucket="{bucket}"] .work-item[data-element="B39"]')
    assert "Attendance teams" in item.inner_text()
    item.locator("button.report-toggle").click()
    form = item.locator("form.progress-form")
    form.locator("select[name=status]").select_option("complete")
    form.locator("textarea[name=note]").fill("All flagged students reviewed")
    with page.page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_ready()
    assert server.get_json(f"{API}/elements/B39")["fields"]["status"] == "complete"
    if bucket != "other":  # done: no longer needs them
        assert page.page.locator(f'[data-bucket="{bucket}"] [data-element="B39"]').count() == 0
    assert page.errors == []
