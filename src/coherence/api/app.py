"""The FastAPI application: ``create_app`` wires a context, the routes and the errors.

No work happens at import time: :mod:`coherence.bootstrap` reads the settings once,
builds the context and passes it to :func:`create_app` (in ``coherence serve``, and in
each worker process of ``coherence serve --workers N``).
"""

from __future__ import annotations

import gc
import ipaddress
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coherence import web
from coherence.api import errors
from coherence.api.context import ApiContext
from coherence.api.errors import problem
from coherence.api.headers import SecurityHeaders
from coherence.api.models import Problem
from coherence.api.routes import ROUTERS, evidence
from coherence.api.routes.graph_timeline import plan_picture
from coherence.api.sessions import BrowserSessions, CrossSiteGuard, session_middleware_options
from coherence.application.evidence import MAX_FILE
from coherence.domain.errors import RefusedToStart

GC_YOUNG_THRESHOLD = 10_000
"""Allocations between collections of the garbage collector's youngest generation
(Python's default is 700): every new plan version builds a graph of a few thousand
objects, and collecting every 700 of them made a server spend about a tenth of its
time in the collector."""


class BodyLimit:
    """ASGI middleware: 413 for a body over the limit, before a route reads it."""

    def __init__(self, app: ASGIApp, limit: int, larger: tuple[tuple[str, int], ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.larger = tuple((re.compile(path), size) for path, size in larger)
        """Paths (regular expressions) whose route takes larger bodies, and their limit:
        the route refuses what is over its own limit itself."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for path, size in self.larger:
            if path.match(scope.get("path", "")):
                limit = max(limit, size)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = problem(413, "Payload too large", f"The body is over {limit} bytes")
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise errors.BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


def create_app(ctx: ApiContext, **fastapi_options: Any) -> FastAPI:
    """The HTTP API over one application context."""
    app = FastAPI(
        title="Coherence",
        version="1",
        summary="District plan history and alignment",
        description="Every change to a district plan is an event; read any version, "
        "diff versions, and audit the plan's alignment. Errors are application/problem+json.",
        **fastapi_options,
    )
    app.state.ctx = ctx
    for router in ROUTERS:
        app.include_router(router)
    web.install(app, Path(ctx.web_assets) if ctx.web_assets else None, picture=plan_picture(ctx))
    errors.install(app)
    app.add_middleware(BrowserSessions, **session_middleware_options(ctx.signin))
    app.add_middleware(CrossSiteGuard, public_url=ctx.signin.public_url)
    app.add_middleware(SecurityHeaders)
    # an evidence upload refuses a file over its limit itself, naming the limit (413)
    upload = (evidence.UPLOAD_PATH, 2 * MAX_FILE)
    app.add_middleware(BodyLimit, limit=ctx.max_body, larger=(upload,))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema()
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def check_binding(host: str, configured: bool) -> None:
    """Refuse to serve beyond loopback with no credential configured: ``configured`` is
    whether a token exists, or OpenID Connect sign-in with at least one admin person
    (:meth:`ApiContext.credentials_configured`)."""
    if configured:
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise RefusedToStart(
            f"Refusing to listen on {host} with no API token configured: anyone on the "
            "network could read and change plans. Create one first "
            "(coherence token create --owner NAME --role admin), or configure sign-in "
            "(COHERENCE_OIDC_ISSUER and the rest) and grant an admin "
            "(coherence user grant EMAIL --role admin), or listen on 127.0.0.1."
        )


def settle_process() -> None:
    """Tune the garbage collector of a server process once its application is built.

    Everything alive by then (modules, the plans read at start-up) lives as long as the
    process, so it is frozen out of the collector's scans (``gc.freeze``), and the
    youngest generation is collected less often (:data:`GC_YOUNG_THRESHOLD`). Without
    this a full collection scanned every object the server held, a pause of tens of
    milliseconds for every request in flight.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
