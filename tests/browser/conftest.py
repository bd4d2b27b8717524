"""Browser tests: the real server (``coherence serve``) driven by Debian's chromium.

The server runs as a subprocess on a free loopback port with a SQLite store in a
temporary directory; Playwright drives the system chromium (``/usr/bin/chromium``,
or ``$CHROMIUM``), headless with a fresh profile. Each test's page records its console
errors and leaves a screenshot in ``artifacts/screenshots/``.

Outside CI a test is skipped, with the reason, when chromium, Playwright or the
graph libraries (``node_modules``, from ``npm ci``) are missing; with CI=true it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, free_port, need

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_PLAN = "riverbend-2024"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real browser (Debian's chromium)")


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            return json.loads(response.read())


def start_server(
    tmp: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None
) -> Server:
    """``coherence serve`` on a free loopback port (or ``port``), once it answers
    /api/v1/health; its store is ``tmp/coherence-PORT.db``."""
    port = port or free_port()
    log = tmp / f"serve-{port}.log"
    command = [
        str(Path(sys.executable).with_name("coherence")),
        "serve",
        "--store",
        f"sqlite:///{tmp / f'coherence-{port}.db'}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"coherence serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            server.get_json("/api/v1/health")
            return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    pytest.fail(f"coherence serve did not answer within 120 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        need("Debian's chromium is not installed (apt-get install -y chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def node_modules() -> Path:
    path = ROOT / "node_modules"
    for package in ("cytoscape",):
        if not (path / package / "package.json").is_file():
            need(f"{path} has no {package}: run `npm ci` in the checkout")
    return path


@pytest.fixture(scope="session")
def browser(chromium: str, node_modules: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Iterator[Server]:
    """The real server with the demo plan loaded (``coherence serve --demo``)."""
    server = start_server(tmp_path_factory.mktemp("web"), "--demo")
    yield server
    stop_server(server)


@dataclass
class Page:
    """A browser page that remembers its console errors."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the page says it has drawn (``window.coherence.ready``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.page.evaluate("() => Boolean(window.coherence && window.coherence.ready)"):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the page did not finish drawing in {timeout} s: {self.errors}")

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, accept_downloads=True, device_scale_factor=1
    )
    raw = context.new_page()
    wrapped = Page(raw)
    raw.on(
        "console",
        lambda message: wrapped.errors.append(message.text) if message.type == "error" else None,
    )
    raw.on("pageerror", lambda error: wrapped.errors.append(f"uncaught: {error}"))
    yield wrapped
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        raw.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
    finally:
        context.close()
