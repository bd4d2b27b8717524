"""The workers' shelf of graph exports stays small however long the server runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from coherence.queries.export_shelf import SWEEP_EVERY, ExportShelf


def test_only_the_latest_versions_are_kept(tmp_path: Path) -> None:
    shelf = ExportShelf(str(tmp_path), keep=4)
    for version in range(1, 11):
        shelf.put("p", version, "cytoscape", f"v{version}".encode())
        shelf.put("p", version, "dot", b"digraph {}")
    assert shelf.get("p", 10, "cytoscape") == b"v10"
    assert shelf.get("p", 6, "cytoscape") is None
    assert shelf.get("p", 6, "dot") is None
    assert len(list(tmp_path.iterdir())) == 2 * 4


def test_files_of_old_versions_are_swept(tmp_path: Path) -> None:
    shelf = ExportShelf(str(tmp_path), keep=10_000, max_age_s=60)
    shelf.put("p", 1, "cytoscape", b"{}")
    long_ago = time.time() - 3600
    for path in tmp_path.iterdir():
        os.utime(path, (long_ago, long_ago))
    for version in range(SWEEP_EVERY):  # a sweep comes with the puts
        shelf.put("p", version + 2, "cytoscape", b"{}")
    assert shelf.get("p", 1, "cytoscape") is None
    assert shelf.get("p", SWEEP_EVERY + 1, "cytoscape") is not None
