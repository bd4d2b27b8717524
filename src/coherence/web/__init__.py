"""The web page for leadership retreats: plain HTML, CSS and JavaScript modules.

:func:`install` adds to an application:

* ``/`` the plans page, ``/plans/{plan_id}`` the plan page (``.../present`` its slides
  for a retreat, ``.../present/notes`` their speaker notes), ``/people`` the people
  page and ``/my-work`` what the person owns that needs them, with a progress report
  form each (HTML, no data in it: the pages read the HTTP API, signed in when the
  server needs it; ``/auth/signin`` is served by the API's sign-in routes with
  :func:`render`);
* ``/web/...`` our own scripts and styles (``static/`` beside this file);
* ``/web/vendor/...`` the graph library (Cytoscape.js), served
  from ``node_modules`` as ``npm ci`` installed it from our ``package.json`` and lock
  file. It is never committed. When it is missing the page says how to install it
  instead of drawing.

The libraries' directory is, in order: the ``assets_dir`` given (``$COHERENCE_WEB_ASSETS``,
read by ``coherence.bootstrap``),
or the ``node_modules`` of the checkout this package runs from (else of the current
directory).
"""

from __future__ import annotations

import html
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles

LOG = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
CHECKOUT = Path(__file__).resolve().parents[3]

VENDOR: dict[str, tuple[str, str]] = {
    "cytoscape.mjs": ("cytoscape", "dist/cytoscape.esm.min.mjs"),
}
"""What ``/web/vendor/<name>`` serves: a package of ``node_modules`` and its file."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
"""No inline script anywhere (``script-src 'self'``); inline *styles* are allowed, for
the colours and widths the pages compute."""
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


GZIP_LEVEL = 5
"""Fast, and within a few per cent of the smallest."""
PRELOAD = "<!--__PRELOAD__-->"
"""Where a page's ``<head>`` gets what it asks for first (:func:`plan_preload`)."""
PICTURE = "<!--__PICTURE__-->"
"""Where the plan page's graph area gets the server's picture of the graph (SVG)."""
Picture = Callable[[Request, str], Awaitable[str]]
"""The picture of a plan's graph for a request of its page (empty when there is none)."""
URI_SAFE = "!~*'()"
"""What JavaScript's ``encodeURIComponent`` leaves as it is, besides letters, digits and ``-_.``."""


def plan_preload(plan_id: str) -> str:
    """What the plan page needs for its first draw, fetched while its scripts load: the
    graph library, the modules ``plan.js`` imports, the catalogue and the plan's timeline
    (the same requests as ``getJSON`` makes, so the page's own ``fetch`` gets these
    answers)."""
    path = f"/api/v1/plans/{quote(plan_id, safe=URI_SAFE)}/graph/timeline"
    modules = (
        "vendor/cytoscape.mjs",
        *("api.js", "framework.js", "layout.js", "chart.js", "exports.js", "menu.js", "picture.js"),
    )
    links = [f'<link rel="modulepreload" href="/web/{name}">' for name in modules]
    links += [
        f'<link rel="preload" as="fetch" crossorigin href="{html.escape(href)}">'
        for href in ("/api/v1/framework", path)
    ]
    return "\n  ".join(links)


def encoded(out: zlib._Compress | None, text: str, last: bool = False) -> bytes:
    """``text`` as UTF-8, through the gzip stream ``out`` if there is one (flushed, so
    the browser reads it now)."""
    data = text.encode()
    if out is None:
        return data
    return out.compress(data) + out.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


async def drawn(picture: Picture, request: Request, plan_id: str) -> str:
    """The picture for the plan page, or nothing if it could not be drawn (the page then
    draws the interactive graph alone: a picture never breaks the page)."""
    try:
        return await picture(request, plan_id)
    except Exception:  # the page's head is already sent: it must be finished
        LOG.exception("The picture of %s's graph could not be drawn", plan_id)
        return ""


def render(name: str, status_code: int = 200, **values: str) -> HTMLResponse:
    """A page of ``static/`` with ``__NAME__`` replaced by each value, as text (escaped)."""
    text = (STATIC / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"__{key.upper()}__", html.escape(value))
    return HTMLResponse(text, status_code=status_code, headers=PAGE_HEADERS)


def default_assets_dir() -> Path:
    """The checkout's ``node_modules``, else ``./node_modules``."""
    if (CHECKOUT / "package.json").is_file():
        return CHECKOUT / "node_modules"
    return Path.cwd() / "node_modules"


def missing_assets(assets_dir: Path) -> list[str]:
    """The library files that are not in ``assets_dir`` (empty when all are there)."""
    return [
        f"{package}/{file}"
        for package, file in VENDOR.values()
        if not (assets_dir / package / file).is_file()
    ]


def install(app: FastAPI, assets_dir: Path | None = None, picture: Picture | None = None) -> None:
    """Serve the plans page, the plan page and their assets on ``app``; the plan page
    carries ``picture``'s SVG of the graph (drawn by the caller's layer, which knows
    who may read the plan), shown until the interactive graph is drawn."""
    assets = (assets_dir or default_assets_dir()).resolve()

    def page_text(name: str, preload: str = "", drawn: str = "") -> str:
        missing = missing_assets(assets)
        text = (STATIC / name).read_text(encoding="utf-8")
        text = text.replace("__ASSETS__", "missing" if missing else "ready")
        text = text.replace("__ASSETS_DIR__", html.escape(str(assets)))
        text = text.replace(PRELOAD, "" if missing else preload)
        return text.replace(PICTURE, "" if missing else drawn)

    def page(name: str) -> HTMLResponse:
        return HTMLResponse(page_text(name), headers=PAGE_HEADERS)

    @app.get("/", include_in_schema=False)
    def plans_page() -> HTMLResponse:
        return page("plans.html")

    @app.get("/my-work", include_in_schema=False)
    def my_work_page() -> HTMLResponse:
        return page("mywork.html")

    @app.get("/plans/{plan_id}", include_in_schema=False)
    async def plan_page(plan_id: str, request: Request) -> Response:
        text = page_text("plan.html", plan_preload(plan_id), PICTURE)
        head, _, rest = text.partition(PICTURE)
        zipped = "gzip" in request.headers.get("accept-encoding", "")
        headers = {**PAGE_HEADERS, "Vary": "Accept-Encoding"}
        if zipped:
            headers["Content-Encoding"] = "gzip"

        async def body() -> AsyncIterator[bytes]:
            # The head (what the page fetches first) goes out while the picture is drawn.
            out = zlib.compressobj(GZIP_LEVEL, wbits=31) if zipped else None
            parts: list[str] = [head]
            if picture is not None and rest:
                yield encoded(out, head)
                parts = [await drawn(picture, request, plan_id)]
            yield encoded(out, "".join(parts) + rest, last=True)

        return StreamingResponse(body(), media_type="text/html; charset=utf-8", headers=headers)

    @app.get("/plans/{plan_id}/present", include_in_schema=False)
    def present_page(plan_id: str) -> HTMLResponse:
        return page("present.html")

    @app.get("/plans/{plan_id}/present/notes", include_in_schema=False)
    def present_notes_page(plan_id: str) -> HTMLResponse:
        return page("present-notes.html")

    @app.get("/people", include_in_schema=False)
    def people_page() -> HTMLResponse:
        return render("people.html")

    @app.get("/web/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> Response:
        if name not in VENDOR:
            return PlainTextResponse("Not found", status_code=404)
        package, file = VENDOR[name]
        path = assets / package / file
        if not path.is_file():
            return PlainTextResponse(
                f"{package} is not installed in {assets}: run `npm ci` (or `make run`).",
                status_code=404,
            )
        return FileResponse(
            path, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
        )

    app.mount("/web", StaticFiles(directory=STATIC), name="web")
