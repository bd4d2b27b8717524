"""Audit reports and graph exports shared by the worker processes of one server,
through files.

Each new plan version is audited by the worker that wrote it (its answer says which
findings the write resolved and added): the other workers then read that report from
the shelf rather than audit the version again; the first worker to export a version's
graph shares it the same way. A report is determined by its key (plan, version, fiscal
year, audit date), an export by its plan, version and format, so a file once written
never goes stale; files are written whole under a temporary name, then renamed, so a
reader sees all of one or none.

The shelf is in memory (``/dev/shm``) and the server may run for months, so it is kept
small: putting version ``v`` removes version ``v - keep``'s file, and every
:data:`SWEEP_EVERY` puts, files not written for :data:`MAX_AGE_S` go (a report of an
older day, a pinned read of an old version): what a worker needs again after that, it
makes again.

>>> import tempfile
>>> from datetime import date
>>> from coherence.queries.audit.model import Finding, Severity
>>> shelf = ReportShelf(tempfile.mkdtemp())
>>> found = Finding("unfunded-objective", Severity.ERROR, "objective", "SO5", "SO5 is unfunded")
>>> report = AuditReport((found,), {"error": 1}, 90, date(2026, 1, 5), None, "p", 7, ("r",))
>>> key = ("p", 7, None, date(2026, 1, 5))
>>> shelf.get(key) is None
True
>>> shelf.put(key, report)
>>> shelf.get(key) == report
True
>>> shelf.put_export("p", 7, "dot", b"digraph {}")
>>> shelf.export("p", 7, "dot"), shelf.export("p", 7, "mermaid")
(b'digraph {}', None)
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from coherence.queries.audit.model import AuditReport, Finding, Severity

ReportKey = tuple[str, int, str | None, date]
"""A report's plan, version, fiscal year and audit date."""


SWEEP_EVERY = 256
"""Puts between two sweeps of files older than :data:`MAX_AGE_S`."""
MAX_AGE_S = 600.0


class ReportShelf:
    """Reports by key in a directory that only the server's processes use."""

    def __init__(self, directory: str, keep: int = 16, max_age_s: float = MAX_AGE_S) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        """Versions kept per plan: putting version ``v`` removes ``v - keep``'s report."""
        self.max_age_s = max_age_s
        self._puts = 0

    def _path(self, key: tuple[Any, ...]) -> Path:
        return self.directory / hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: ReportKey) -> AuditReport | None:
        """The report of ``key`` if a worker put it (never waits, never computes)."""
        try:
            return _report(orjson.loads(self._path(key).read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: ReportKey, report: AuditReport) -> None:
        """Share ``report`` (best effort: a shelf that cannot be written only costs time)."""
        plan_id, version, fiscal_year, on = key
        old = (plan_id, version - self.keep, fiscal_year, on)
        self._write(key, orjson.dumps(_fields(report)), old)

    def export(self, plan_id: str, version: int, fmt: str) -> bytes | None:
        """The graph export a worker put, if any."""
        try:
            return self._path(("export", plan_id, version, fmt)).read_bytes()
        except OSError:
            return None

    def put_export(self, plan_id: str, version: int, fmt: str, body: bytes) -> None:
        """Share a graph export (best effort)."""
        old = ("export", plan_id, version - self.keep, fmt)
        self._write(("export", plan_id, version, fmt), body, old)

    def _write(self, key: tuple[Any, ...], body: bytes, old: tuple[Any, ...]) -> None:
        path = self._path(key)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(body)
            os.replace(temporary, path)
            self._path(old).unlink(missing_ok=True)
        except OSError:
            temporary.unlink(missing_ok=True)
        self._puts += 1
        if self._puts % SWEEP_EVERY == 0:
            self.sweep()

    def sweep(self) -> int:
        """Remove the files not written for ``max_age_s`` seconds; how many went."""
        oldest = time.time() - self.max_age_s
        removed = 0
        for path in self.directory.iterdir():
            try:
                if path.stat().st_mtime < oldest:
                    path.unlink()
                    removed += 1
            except OSError:  # another worker swept it first
                continue
        return removed


def _fields(report: AuditReport) -> dict[str, Any]:
    return {
        "findings": [[f.rule, f.severity.value, f.kind, f.key, f.message] for f in report.findings],
        "summary": report.summary,
        "score": report.score,
        "as_of": report.as_of.isoformat(),
        "fiscal_year": report.fiscal_year,
        "plan": report.plan,
        "version": report.version,
        "rules_applied": report.rules_applied,
    }


def _report(fields: dict[str, Any]) -> AuditReport:
    return AuditReport(
        findings=tuple(
            Finding(rule, Severity(severity), kind, key, message)
            for rule, severity, kind, key, message in fields["findings"]
        ),
        summary=dict(fields["summary"]),
        score=fields["score"],
        as_of=date.fromisoformat(fields["as_of"]),
        fiscal_year=fields["fiscal_year"],
        plan=fields["plan"],
        version=fields["version"],
        rules_applied=tuple(fields["rules_applied"]),
    )
