"""A plan's workbook through the real LibreOffice (Debian's ``libreoffice-calc-nogui``).

LibreOffice opens the exported workbook and saves it again as XLSX, as a planner's
spreadsheet would: importing it changes nothing, and an edit of the saved file
imports as exactly that edit. The set-up installs LibreOffice with apt-get when it
is missing and the tests run as root; outside CI a test that cannot get it is
skipped with the reason, with CI=true it fails.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from coherence.application.planfile import check_document, state_to_document
from coherence.application.workbook import read_workbook, write_workbook
from coherence.domain.changes import plan_changes
from tests.conftest import need
from tests.plans import document

PACKAGE = "libreoffice-calc-nogui"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice's soffice, installed with apt-get (as root) when missing."""
    path = soffice_path()
    if path is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE],
        ):
            subprocess.run(command, check=False, capture_output=True, timeout=900, env=env)
        path = soffice_path()
    if path is None:
        need(f"LibreOffice is not installed (apt-get install -y {PACKAGE})")
    assert path is not None
    return path


def resave(soffice: str, data: bytes, tmp: Path) -> bytes:
    """The workbook opened and saved again as XLSX by LibreOffice (a fresh profile)."""
    tmp.mkdir(parents=True, exist_ok=True)
    source = tmp / "plan.xlsx"
    source.write_bytes(data)
    out = tmp / "out"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    saved = out / "plan.xlsx"
    assert saved.is_file(), f"LibreOffice did not convert: {done.stdout}\n{done.stderr}"
    return saved.read_bytes()


def test_a_workbook_saved_by_libreoffice_imports_as_no_change(soffice: str, tmp_path: Path) -> None:
    state = document().state
    saved = resave(soffice, write_workbook(state), tmp_path)
    back = read_workbook(saved, filename="plan.xlsx")
    assert back == check_document(state_to_document(state), filename="plan.yaml")


def test_an_edit_of_the_libreoffice_workbook_imports_as_that_edit(
    soffice: str, tmp_path: Path
) -> None:
    state = check_document(state_to_document(document().state), filename="plan.yaml").state
    saved = resave(soffice, write_workbook(state), tmp_path)
    wb = load_workbook(io.BytesIO(saved))
    benchmarks = wb["Benchmarks"]
    status = [c.value for c in benchmarks[1]].index("status") + 1
    assert benchmarks.cell(2, status).value == "on_track"
    benchmarks.cell(2, status).value = "at_risk"
    wb["Initiatives"].append(["SI3.1", "Summer reading", None, "Librarian", None, None, None])
    edited = io.BytesIO()
    wb.save(edited)
    # Saved by LibreOffice once more, as a planner's spreadsheet would after the edit.
    again = resave(soffice, edited.getvalue(), tmp_path / "again")
    after = read_workbook(again, filename="plan.xlsx").state
    changes = plan_changes(state, after)
    assert sorted((c.op, c.key or "") for c in changes) == [("add", "SI3.1"), ("revise", "B1")]
    revise = next(c for c in changes if c.op == "revise")
    assert revise.changes == {"status": ("on_track", "at_risk")}
    add = next(c for c in changes if c.op == "add")
    assert add.fields is not None
    assert add.fields["title"] == "Summer reading" and add.fields["owner"] == "Librarian"
