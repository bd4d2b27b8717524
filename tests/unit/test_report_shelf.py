"""The workers' shelf of audits and exports stays small however long the server runs."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

from coherence.queries.audit.model import AuditReport
from coherence.queries.report_shelf import SWEEP_EVERY, ReportShelf


def report(version: int, on: date) -> AuditReport:
    return AuditReport((), {"error": 0}, 100, on, None, "p", version, ())


def test_only_the_latest_versions_are_kept(tmp_path: Path) -> None:
    shelf = ReportShelf(str(tmp_path), keep=4)
    on = date(2026, 12, 6)
    for version in range(1, 11):
        shelf.put(("p", version, None, on), report(version, on))
        shelf.put_export("p", version, "cytoscape", b"{}")
    assert shelf.get(("p", 10, None, on)) == report(10, on)
    assert shelf.get(("p", 6, None, on)) is None
    assert shelf.export("p", 6, "cytoscape") is None
    assert len(list(tmp_path.iterdir())) == 2 * 4


def test_files_of_past_days_and_old_versions_are_swept(tmp_path: Path) -> None:
    shelf = ReportShelf(str(tmp_path), keep=10_000, max_age_s=60)
    yesterday, today = date(2026, 12, 5), date(2026, 12, 6)
    shelf.put(("p", 1, None, yesterday), report(1, yesterday))
    long_ago = time.time() - 3600
    for path in tmp_path.iterdir():
        os.utime(path, (long_ago, long_ago))
    for version in range(SWEEP_EVERY):  # a sweep comes with the puts
        shelf.put(("p", version + 2, None, today), report(version + 2, today))
    assert shelf.get(("p", 1, None, yesterday)) is None
    assert shelf.get(("p", SWEEP_EVERY + 1, None, today)) is not None
