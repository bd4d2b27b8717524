"""Fixtures of the integration tests that need a server of their own."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, need


@dataclass
class Database:
    """A PostgreSQL cluster of ``scripts/postgres`` with durable commits."""

    url: str
    directory: Path

    def postmaster(self) -> int:
        return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])

    def start(self) -> None:
        subprocess.run(
            [str(ROOT / "scripts" / "postgres"), "start", str(self.directory)],
            check=True,
            capture_output=True,
            timeout=180,
        )


@pytest.fixture
def database() -> Iterator[Database]:
    """A cluster of its own (the test kills it), created with durable commits."""
    script = str(ROOT / "scripts" / "postgres")
    env = {**os.environ, "COHERENCE_POSTGRES_DURABLE": "1"}
    try:
        done = subprocess.run(
            [script, "start"], check=True, capture_output=True, text=True, timeout=600, env=env
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        need(f"could not start PostgreSQL with scripts/postgres: {e}")
    url = done.stdout.strip().splitlines()[-1]
    directory = subprocess.run(
        [script, "dir", url], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield Database(url, Path(directory))
    finally:
        subprocess.run([script, "stop", directory], check=False, capture_output=True)
