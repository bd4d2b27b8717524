"""The FastAPI application: ``create_app`` wires the context, the routes and the errors.

No work happens at import time: ``coherence serve`` reads the settings once and
passes them to :func:`create_app`. With ``--workers N`` uvicorn starts N worker
processes, each of which builds its own application with
:func:`create_app_from_environment`, from the :class:`ServeSettings` the parent parsed
and put in their environment.
"""

from __future__ import annotations

import gc
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coherence import web
from coherence.api import errors, web_routes
from coherence.api.context import ApiContext, WriteLocks
from coherence.api.errors import problem
from coherence.api.models import Problem
from coherence.api.routes import router
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.domain.errors import RefusedToStart
from coherence.projections.neo4j_store import Neo4jGraphStore, Neo4jSettings

GC_YOUNG_THRESHOLD = 10_000
"""Allocations between collections of the garbage collector's youngest generation
(Python's default is 700): every new plan version builds a graph of a few thousand
objects, and collecting every 700 of them made a server spend about a tenth of its
time in the collector."""
SERVE_SETTINGS = "COHERENCE_SERVE_SETTINGS"
"""The environment variable through which ``coherence serve`` hands its parsed settings
to its worker processes (JSON)."""


class BodyLimit:
    """ASGI middleware: 413 for a body over the limit, before a route reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = problem(413, "Payload too large", f"The body is over {self.limit} bytes")
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise errors.BodyTooLarge(self.limit)
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
    app.include_router(router)
    app.include_router(web_routes.router)
    web.install(app)
    errors.install(app)
    app.add_middleware(BodyLimit, limit=ctx.max_body)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema()
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def check_binding(host: str, tokens_required: bool) -> None:
    """Refuse to serve beyond loopback with no token configured."""
    if tokens_required:
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise RefusedToStart(
            f"Refusing to listen on {host} with no API token configured: anyone on the "
            "network could read and change plans. Create one first "
            "(coherence token create --owner NAME --role admin), or listen on 127.0.0.1."
        )


@dataclass(frozen=True)
class ServeSettings:
    """What a server process needs, parsed once by ``coherence serve``: the store, the
    body limit and Neo4j (for ``engine=neo4j``), if configured."""

    store: str
    max_body: int = 8 * 1024 * 1024
    neo4j: Neo4jSettings | None = None
    write_lock: str | None = None
    """A file the worker processes of one server lock to write one at a time."""

    def context(self, history: PlanHistory | None = None) -> ApiContext:
        """A fresh application context (its own store connection and caches)."""
        ctx = ApiContext(
            history or PlanHistory(Settings(store=self.store)),
            max_body=self.max_body,
            write_locks=WriteLocks(self.write_lock),
        )
        if self.neo4j is not None:
            ctx.neo4j = Neo4jGraphStore(self.neo4j.driver(), database=self.neo4j.database)
        return ctx

    def to_environment(self) -> dict[str, str]:
        """The environment that hands these settings to worker processes."""
        neo4j = None if self.neo4j is None else vars(self.neo4j)
        value = {
            "store": self.store,
            "max_body": self.max_body,
            "neo4j": neo4j,
            "write_lock": self.write_lock,
        }
        return {SERVE_SETTINGS: json.dumps(value)}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ServeSettings:
        """The settings :meth:`to_environment` handed down."""
        if SERVE_SETTINGS not in environ:
            raise RefusedToStart(
                f"${SERVE_SETTINGS} is not set: worker processes are started by coherence serve"
            )
        value = json.loads(environ[SERVE_SETTINGS])
        neo4j = None if value["neo4j"] is None else Neo4jSettings(**value["neo4j"])
        return cls(
            store=value["store"],
            max_body=int(value["max_body"]),
            neo4j=neo4j,
            write_lock=value["write_lock"],
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


def create_app_from_environment() -> FastAPI:
    """The application of one worker process of ``coherence serve --workers N``.

    uvicorn calls it (``factory=True``) once in each worker it starts; the settings come
    from the environment the parent process set (:meth:`ServeSettings.to_environment`),
    read once here. Each worker has its own caches: they are keyed by plan version and
    every read resolves the latest version from the store, so a read in one worker sees
    a write another worker acknowledged.
    """
    app = create_app(ServeSettings.from_environment(os.environ).context())
    settle_process()
    return app
