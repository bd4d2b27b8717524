"""The Cypher files of the project, shipped with the package.

``projections`` holds the statements the Neo4j projection runs (schema, graph
changes, checkpoints); ``graph_queries`` one file per audit rule or query. In a
checkout they live at the top of the repository; a built package carries them as
``coherence.cypher.projections`` and ``coherence.cypher.graph_queries`` (see
``package-dir`` in pyproject.toml). An editable install reads the checkout's.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

FOLDERS = ("projections", "graph_queries")


@cache
def cypher(folder: str, name: str) -> str:
    """The text of ``<folder>/<name>.cypher`` (folder: projections or graph_queries)."""
    if folder not in FOLDERS:
        raise ValueError(f"no Cypher folder {folder!r}")
    try:
        root = resources.files(f"coherence.cypher.{folder}")
    except ModuleNotFoundError:  # editable install: the checkout's top-level folder
        return (Path(__file__).resolve().parents[3] / folder / f"{name}.cypher").read_text("utf-8")
    return root.joinpath(f"{name}.cypher").read_text("utf-8")


def statements(folder: str, name: str) -> list[str]:
    """The statements of a file that holds several, each ending with ``;`` at a line end."""
    lines = [
        line for line in cypher(folder, name).splitlines() if not line.lstrip().startswith("//")
    ]
    parts = ("\n".join(lines) + "\n").split(";\n")
    return [p.strip() for p in parts if p.strip()]
