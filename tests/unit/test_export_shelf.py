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


def test_two_workers_putting_versions_with_gaps_keep_only_their_latest(tmp_path: Path) -> None:
    """Under a stream of writes each worker exports only the versions its readers ask
    for, so the versions it puts skip; what stays on the shelf is still bounded."""
    first, second = ExportShelf(str(tmp_path), keep=4), ExportShelf(str(tmp_path), keep=4)
    for version in range(1, 1000, 3):
        (first if version % 2 else second).put("p", version, "cytoscape", b"{}")
        second.put("p", version + 1, "cytoscape", b"{}")
    assert len(list(tmp_path.iterdir())) <= 2 * 4
    assert first.get("p", 997, "cytoscape") == b"{}"
    assert second.get("p", 998, "cytoscape") == b"{}"
    assert first.get("p", 901, "cytoscape") is None


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
