"""What the routes share: the context and grant dependencies, the query parameters of a
read, ``If-Match`` and ``ETag`` (and 304s), the scope and role check, and a write's
course (check, the plan's write lock, the command, its answer).

Reads answer with an ``ETag`` holding the plan's version; writes take ``If-Match``
with the version the client expects and answer 409 with the current version when
the plan moved on. The actor recorded on events is the token's owner, or the
signed-in person (``Name <email>``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from coherence.api import query
from coherence.api.access import Caller
from coherence.api.context import ApiContext, context
from coherence.api.errors import DOCUMENTED, PROBLEM
from coherence.api.group_commit import audit_change_of
from coherence.application.history import Author, PlanHistory
from coherence.application.results import CommandResult
from coherence.domain.access import Grant
from coherence.domain.errors import Forbidden, InvalidValue, NotFound
from coherence.domain.plan import DistrictPlan
from coherence.domain.values import base_plan_id, is_scenario_id
from coherence.queries.audit import ENGINES

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, text in DOCUMENTED.items()
}
"""Every error is ``application/problem+json`` (``Problem`` is added to the schemas by
``create_app``: a ``model`` here would document it as ``application/json``)."""


Ctx = Annotated[ApiContext, Depends(context)]
VERSION_HELP = "Read the plan at this version."
AS_OF_HELP = "Read the plan as it was on this date."
ENGINE_PATTERN = f"^({'|'.join(ENGINES)})$"
ENGINE_HELP = "Run the rules in process (networkx) or as Cypher in Neo4j: the same answer."
Version = Annotated[int | None, Query(ge=1, description=VERSION_HELP)]
AsOf = Annotated[date | None, Query(description=AS_OF_HELP)]
Engine = Annotated[str, Query(pattern=ENGINE_PATTERN, description=ENGINE_HELP)]


class ReadQuery(query.Query):
    """The query of a read of the plan at a version, or as of a date (the latest by
    default), for the routes read most often (see :mod:`coherence.api.query`)."""

    version: int | None = Field(default=None, ge=1, description=VERSION_HELP)
    as_of: date | None = Field(default=None, description=AS_OF_HELP)


IF_MATCH = r'^\s*(\*|(W/)?"?[0-9]+"?)\s*$'
"""What :func:`expected` accepts: ``12``, ``"12"``, ``W/"12"`` or ``*``."""
IfMatch = Annotated[
    str | None,
    Header(
        description="The plan version you expect (from an ETag); 409 if it moved on.",
        json_schema_extra={"pattern": IF_MATCH},
    ),
]


async def caller_of(request: Request, ctx: Ctx) -> Caller:
    """Who is asking and how: bearer token, signed-in session (whose writes must send
    the CSRF token) or open (a dependency; ``async`` so that it runs on the event loop)."""
    return await ctx.on_store(lambda: ctx.caller(request))


C = Annotated[Caller, Depends(caller_of)]


async def read_access(request: Request) -> tuple[ApiContext, Grant]:
    """The context and the caller's grant, as :data:`Ctx` and :data:`G` give them, taken
    by the route itself: for the reads answered most often (the audit, the graph), where
    FastAPI's solving of those two dependencies was a third of a cached answer (see
    ``bench/bench_cached_read.py``). The same errors, answered the same way."""
    ctx = await context(request)
    return ctx, (await caller_of(request, ctx)).grant


class ReadsItsRequest(APIRoute):
    """A route whose endpoint takes only its path's parameters (text) and the request,
    and reads the rest itself (:func:`read_access`, :func:`~coherence.api.query.read_query`):
    called straight, without FastAPI's solving of parameters, which had nothing to do and
    cost a fifth of a cached read. Any other endpoint is handled as FastAPI does; the
    OpenAPI document is the same either way."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        d, endpoint = self.dependant, self.endpoint
        takes_more = (
            d.query_params
            or d.header_params
            or d.cookie_params
            or d.body_params
            or d.dependencies
            or d.response_param_name
            or d.background_tasks_param_name
        )
        text_path = all(field.field_info.annotation is str for field in d.path_params)
        if takes_more or not text_path or d.request_param_name is None:
            return super().get_route_handler()
        name = d.request_param_name

        async def handler(request: Request) -> Any:
            return await endpoint(**request.path_params, **{name: request})

        return handler


async def grant_of(request: Request) -> Grant:
    """What the caller may do (a dependency of its own rather than one on :data:`C`:
    FastAPI's work for each dependency is a good part of a cached read's)."""
    return (await read_access(request))[1]


G = Annotated[Grant, Depends(grant_of)]


def expected(if_match: str | None) -> int | None:
    """The version in an ``If-Match`` header (``"12"``, ``12``, ``W/"12"``; ``*`` means any)."""
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidValue("If-Match", 'a plan version such as "12" (from an ETag)', if_match)
    return int(text)


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag sent in If-None-Match is still current"}
}


def not_modified(request: Request, version: int) -> Response | None:
    """304 when ``If-None-Match`` holds the version about to be answered (``"12"``,
    ``W/"12"`` or ``*``): the client's copy is current, so no body is sent.

    Only for answers that the plan version (and the query) fully determine."""
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in tags or f'"{version}"' in tags:
        return Response(status_code=304, headers={"ETag": f'"{version}"'})
    return None


def check(ctx: ApiContext, grant: Grant, plan_id: str, action: str) -> DistrictPlan:
    """404 unless the plan exists in the token's scope; 403 unless the role allows ``action``.

    A scenario (``plan~name``) has its plan's access rules: its plan's scope and district.
    Returns the plan at its latest version, as read from the store for the check."""
    district = None
    if is_scenario_id(plan_id):  # its plan's scope first: nothing is said of the scenario
        district = ctx.latest(base_plan_id(plan_id)).district
        if not grant.in_scope(plan_id, district):
            raise NotFound(f"No plan with id {plan_id!r}")
    plan = ctx.latest(plan_id)
    district = district if is_scenario_id(plan_id) else plan.district
    if not grant.in_scope(plan_id, district):
        raise NotFound(f"No plan with id {plan_id!r}")
    if not grant.allows(action, plan_id, district):
        raise Forbidden(f"A {grant.role} token cannot {action} plan {plan_id}")
    return plan


def author(grant: Grant, reason: str | None) -> Author:
    return Author(grant.owner, reason, "api")


def command_response(response: Response, result: CommandResult) -> dict[str, Any]:
    etag(response, result.version)
    return result.to_dict()


Command = Callable[[PlanHistory, Author, int | None], CommandResult]
"""A use case of the history, given who makes the change and the version expected."""


@dataclass(frozen=True)
class Write:
    """One write request: who asks, the version they expect and the answer to fill."""

    ctx: ApiContext
    grant: Grant
    response: Response
    if_match: str | None

    async def __call__(
        self,
        plan_id: str,
        run: Command,
        *,
        reason: str | None,
        action: str = "write",
        together: bool = True,
    ) -> dict[str, Any]:
        """Run a command on the plan by the grant's owner: check scope and role, then run
        it on the plan's turn (its write lock), saved together with the writes to the
        plan that wait for it (``together``: a plain command on ``plan_id`` only). The
        answer's ``audit`` says which findings of today's audit of the plan it resolved
        and which it added."""
        by, at = author(self.grant, reason), expected(self.if_match)
        history = self.ctx.history
        ctx = self.ctx
        await ctx.on_store(lambda: check(ctx, self.grant, plan_id, action))
        if together:
            result, change = await ctx.write_together(plan_id, lambda: run(history, by, at))
        else:
            async with ctx.writing_async(plan_id):
                result = await ctx.on_store(lambda: run(history, by, at))
            change = await ctx.on_store(lambda: audit_change_of(ctx.reader, plan_id, result))
        body = command_response(self.response, result)
        if change is not None:
            body["audit"] = change
        return body


async def write_of(request: Request, response: Response, if_match: IfMatch = None) -> Write:
    """The write of a request (a dependency). It takes the context and the grant itself,
    as :func:`read_access` does, rather than as two dependencies of its own: no route
    takes :data:`W` with :data:`Ctx` or :data:`G`, so FastAPI had nothing to share and
    solving them was a part of every write's time."""
    ctx, grant = await read_access(request)
    return Write(ctx, grant, response, if_match)


W = Annotated[Write, Depends(write_of)]


def attachment(body: bytes, media_type: str, filename: str, version: int | None) -> Response:
    """A download: the body with its type, a file name to save it under and, for a
    plan's, its version as the ETag."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if version is not None:
        headers["ETag"] = f'"{version}"'
    return Response(body, media_type=media_type, headers=headers)


async def with_audit_preview(ctx: ApiContext, result: CommandResult) -> dict[str, Any]:
    """A command's answer; a dry run's with what it would do to today's audit."""
    body = result.to_dict()
    if result.dry_run:
        body["audit"] = await run_in_threadpool(ctx.reader.audit_preview, result)
    return body
