"""The plan page's workbook: download it, upload an edited one, see its changes in words
and the findings they would resolve and add, then cancel (nothing saved) or confirm
(a new version, the findings updated). A server of its own: these tests write."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import DEMO_PLAN, Page, Server, start_server, stop_server

pytestmark = pytest.mark.browser

PLAN_URL = f"/plans/{DEMO_PLAN}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("workbook-web"), "--demo")
    yield started
    stop_server(started)


def get_bytes(server: Server, path: str) -> bytes:
    with urllib.request.urlopen(server.url + path, timeout=60) as response:
        data: bytes = response.read()
        return data


def latest_version(server: Server) -> int:
    (summary,) = server.get_json("/api/v1/plans")
    return int(summary["version"])


def findings(server: Server) -> set[tuple[str, Any]]:
    report = server.get_json(f"/api/v1/plans/{DEMO_PLAN}/audit")
    return {(f["rule"], f["key"]) for f in report["findings"]}


def edited_workbook(server: Server, tmp_path: Path) -> Path:
    """The demo's workbook with budget line BL-2705 (unaligned: a finding) removed and
    initiative SI1.1's owner cleared (a new finding)."""
    wb = load_workbook(io.BytesIO(get_bytes(server, f"/api/v1/plans/{DEMO_PLAN}?format=xlsx")))
    lines = wb["Budget lines"]
    (row,) = [c.row for c in lines["A"] if c.value == "BL-2705"]
    lines.delete_rows(row)
    initiatives = wb["Initiatives"]
    header = [c.value for c in initiatives[1]]
    (row,) = [c.row for c in initiatives["A"] if c.value == "SI1.1"]
    initiatives.cell(row=row, column=header.index("owner") + 1).value = None
    path = tmp_path / "riverbend edited.xlsx"
    wb.save(path)
    return path


def open_plan(page: Page, server: Server) -> None:
    page.page.goto(server.url + PLAN_URL)
    page.wait_ready()


def upload(page: Page, path: Path) -> Any:
    page.page.set_input_files("#upload-xlsx-file", str(path))
    dialog = page.page.locator("#workbook-dialog")
    dialog.wait_for()
    page.page.locator("#workbook-confirm").wait_for()
    return dialog


def test_download_the_workbook_of_the_version_shown(page: Page, server: Server) -> None:
    open_plan(page, server)
    page.page.click("#export-open")
    with page.page.expect_download() as info:
        page.page.click("#export-xlsx")
    download = info.value
    version = latest_version(server)
    assert download.suggested_filename == f"{DEMO_PLAN}-v{version}.xlsx"
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert "Budget lines" in wb.sheetnames
    assert page.errors == []


def test_upload_preview_then_cancel_saves_nothing(
    page: Page, server: Server, tmp_path: Path
) -> None:
    before = latest_version(server)
    open_plan(page, server)
    dialog = upload(page, edited_workbook(server, tmp_path))
    text = dialog.inner_text()
    assert "Importing it would save" in text
    assert "Budget line BL-2705" in text and "retired" in text
    assert "Initiative SI1.1" in text and "revised (owner)" in text
    resolved = dialog.locator(".workbook-resolved").inner_text()
    added = dialog.locator(".workbook-added").inner_text()
    assert "BL-2705" in resolved and "funds no active initiative" in resolved
    assert "SI1.1" in added and "no owner" in added
    preview = page.js("() => window.coherence.workbook.preview")
    assert preview["dry_run"] is True and preview["version"] - preview["events"] == before
    page.page.click("#workbook-cancel")
    page.page.locator("#workbook-dialog").wait_for(state="detached")
    assert latest_version(server) == before
    assert ("unaligned-budget-line", "BL-2705") in findings(server)
    assert page.errors == []


def test_upload_preview_then_confirm_saves_a_new_version(
    page: Page, server: Server, tmp_path: Path
) -> None:
    before = latest_version(server)
    path = edited_workbook(server, tmp_path)
    open_plan(page, server)
    dialog = upload(page, path)
    events = page.js("() => window.coherence.workbook.preview.events")
    assert events == 2  # BL-2705 retired, SI1.1 revised
    assert "Confirm" in dialog.locator("#workbook-confirm").inner_text()
    with page.page.expect_navigation():
        page.page.click("#workbook-confirm")
    page.wait_ready()
    after = latest_version(server)
    assert after == before + events
    found = findings(server)
    assert ("unaligned-budget-line", "BL-2705") not in found
    assert ("initiative-without-owner", "SI1.1") in found
    # The page shows the new version and its findings.
    shown = page.js("() => window.coherence.state.data.revisions.at(-1).version")
    assert shown == after
    panel = page.page.locator("#panel-findings").inner_text()
    assert "Initiative SI1.1" in panel and "has no owner" in panel
    assert "funds no active initiative" not in panel  # BL-2705's finding is gone
    assert "retired BL-2705" in panel  # the version's changes
    assert page.errors == []


def test_a_bad_workbook_says_why_and_saves_nothing(
    page: Page, server: Server, tmp_path: Path
) -> None:
    before = latest_version(server)
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    open_plan(page, server)
    page.page.set_input_files("#upload-xlsx-file", str(path))
    status = page.page.locator("#workbook-dialog .workbook-status.error")
    status.wait_for()
    assert "not a zip archive" in status.inner_text()
    assert latest_version(server) == before
    assert [e for e in page.errors if "422" not in e] == []
