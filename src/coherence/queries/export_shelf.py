"""Graph exports shared by the worker processes of one server, through files.

The first worker to export a version's graph puts it here and the others read it,
rather than export the version again. An export is determined by its plan, version and
format, so a file once written never goes stale; files are written whole under a
temporary name, then renamed, so a reader sees all of one or none.

Audits are not shared this way: each worker audits a version from its own audit of an
earlier one (:func:`~coherence.queries.audit.incremental.audit_since`, a fraction of a
millisecond), and one taken from here would break that chain. Sharing them cost the
two workers of ``bench/bench_api.py`` a tenth to a quarter of their throughput.

The shelf is in memory (``/dev/shm``) and the server may run for months, so it is kept
small: each worker removes what it put of a plan in a format beyond its last ``keep``
puts (a worker puts only the versions it exported, so its versions skip: removing
"version ``v - keep``" on each put left most files behind, 11 MB a second under
``bench/bench_api.py``), and every :data:`SWEEP_EVERY` puts, files not written for
:data:`MAX_AGE_S` go (those of a worker that stopped): what a worker needs again after
that, it makes again.

>>> import tempfile
>>> shelf = ExportShelf(tempfile.mkdtemp())
>>> shelf.put("p", 7, "dot", b"digraph {}")
>>> shelf.get("p", 7, "dot"), shelf.get("p", 7, "mermaid"), shelf.get("p", 6, "dot")
(b'digraph {}', None, None)
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from pathlib import Path

SWEEP_EVERY = 256
"""Puts between two sweeps of files older than :data:`MAX_AGE_S`."""
MAX_AGE_S = 600.0


class ExportShelf:
    """Graph exports by plan, version and format, in a directory that only the server's
    processes use."""

    def __init__(self, directory: str, keep: int = 16, max_age_s: float = MAX_AGE_S) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        """Exports of a plan in a format kept by each worker: its last ``keep`` puts."""
        self.max_age_s = max_age_s
        self._puts = 0
        self._mine: dict[tuple[str, str], deque[Path]] = {}
        """This worker's files by plan and format, oldest first."""

    def _path(self, plan_id: str, version: int, fmt: str) -> Path:
        return self.directory / hashlib.sha256(repr((plan_id, version, fmt)).encode()).hexdigest()

    def get(self, plan_id: str, version: int, fmt: str) -> bytes | None:
        """The export a worker put, if any (never waits, never computes)."""
        try:
            return self._path(plan_id, version, fmt).read_bytes()
        except OSError:
            return None

    def put(self, plan_id: str, version: int, fmt: str, body: bytes) -> None:
        """Share an export (best effort: a shelf that cannot be written only costs time)."""
        path = self._path(plan_id, version, fmt)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        mine = self._mine.setdefault((plan_id, fmt), deque())
        try:
            temporary.write_bytes(body)
            os.replace(temporary, path)
            if path not in mine:
                mine.append(path)
            while len(mine) > self.keep:
                mine.popleft().unlink(missing_ok=True)
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
