"""The routes of ``/api/v1``: thin calls into the application and the queries.

Reads answer with an ``ETag`` holding the plan's version; writes take ``If-Match``
with the version the client expects and answer 409 with the current version when
the plan moved on. The actor recorded on events is the token's owner.

How the work is spread, for a server process to use its core well: the frequent
requests, the audit and graph of a plan's latest version and the small writes, run on
the event loop. A cached read costs a fraction of a millisecond (the body is kept
serialized, by plan version), an uncached audit a millisecond or two, an uncached
graph export several (one at a time, after the requests already waiting: see
``ApiContext.heavy``), and a write a millisecond or two once it holds its plan's write
lock (writes to one plan are made one at a time: ``ApiContext.writing``). Running that
work in worker threads instead made them and the event loop take turns at Python's
global lock, in slices of up to 5 ms each time one of them did I/O, so everything
waited. What can take long (imports, past versions, Neo4j) and the other routes run
in worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.context import ApiContext, context
from coherence.api.errors import DOCUMENTED, PROBLEM
from coherence.api.models import (
    AddElement,
    AuditResponse,
    BenchmarkStatus,
    CommandResponse,
    DiffResponse,
    ElementRead,
    HistoryPage,
    Lifecycle,
    LinkBody,
    OutcomeResult,
    PlanListItem,
    PlanRead,
    ReviseElement,
    StatewideSummary,
    TimelineEntry,
)
from coherence.application.history import Author, CommandResult
from coherence.application.planfile import read_document, state_to_document
from coherence.domain.access import Grant
from coherence.domain.changes import PlanState
from coherence.domain.errors import Forbidden, InvalidLink, InvalidValue, NotFound
from coherence.domain.plan import DistrictPlan
from coherence.queries.exports import FORMATS, MEDIA_TYPES
from coherence.queries.line_of_sight import beneath, paths_up
from coherence.queries.timeline import audit_timeline

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, text in DOCUMENTED.items()
}
"""Every error is ``application/problem+json`` (``Problem`` is added to the schemas by
``create_app``: a ``model`` here would document it as ``application/json``)."""
router = APIRouter(prefix="/api/v1", responses=ERRORS)

Ctx = Annotated[ApiContext, Depends(context)]
Version = Annotated[int | None, Query(ge=1, description="Read the plan at this version.")]
AsOf = Annotated[date | None, Query(description="Read the plan as it was on this date.")]
IF_MATCH = r'^\s*(\*|(W/)?"?[0-9]+"?)\s*$'
"""What :func:`expected` accepts: ``12``, ``"12"``, ``W/"12"`` or ``*``."""
IfMatch = Annotated[
    str | None,
    Header(
        description="The plan version you expect (from an ETag); 409 if it moved on.",
        json_schema_extra={"pattern": IF_MATCH},
    ),
]


async def grant_of(request: Request, ctx: Ctx) -> Grant:
    """Who is asking (a dependency; ``async`` so that it runs on the event loop)."""
    authorization = request.headers.get("authorization")
    return await ctx.on_store(lambda: ctx.grant(authorization))


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

    Returns the plan at its latest version, as read from the store for the check."""
    plan = ctx.latest(plan_id)
    if not grant.in_scope(plan_id, plan.district):
        raise NotFound(f"No plan with id {plan_id!r}")
    if not grant.allows(action, plan_id, plan.district):
        raise Forbidden(f"A {grant.role} token cannot {action} plan {plan_id}")
    return plan


def author(grant: Grant, reason: str | None) -> Author:
    return Author(grant.owner, reason, "api")


def command_response(response: Response, result: CommandResult) -> dict[str, Any]:
    etag(response, result.version)
    return result.to_dict()


async def command(
    ctx: ApiContext,
    grant: Grant,
    plan_id: str,
    action: str,
    response: Response,
    run: Callable[[], CommandResult],
) -> dict[str, Any]:
    """A write to a plan: check scope and role, then ``run`` it on the plan's turn."""
    await ctx.on_store(lambda: check(ctx, grant, plan_id, action))
    async with ctx.writing_async(plan_id):
        result = await ctx.on_store(run)
    return command_response(response, result)


# -- plans ---------------------------------------------------------------------


@router.get("/plans", response_model=list[PlanListItem], summary="Plans with their audit summary")
def list_plans(ctx: Ctx, grant: G) -> list[dict[str, Any]]:
    return [p for p in ctx.plan_summaries() if grant.in_scope(p["plan"], p["district"])]


@router.post(
    "/plans/import",
    response_model=CommandResponse,
    summary="Import a plan file (YAML or JSON body)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def import_plan(
    request: Request,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
    dry_run: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    if not grant.allows("write"):  # before reading the body: a viewer learns nothing of it
        raise Forbidden(f"A {grant.role} token cannot import plans")
    body = await ctx.read_body(request)
    media = "json" if "json" in request.headers.get("content-type", "") else "yaml"
    document = read_document(body, filename="request body", media=media)
    district = document.state.details.get("district")
    existing = ctx.district_of(document.plan_id, missing_ok=True)
    for scope_district in {district, existing} if existing is not None else {district}:
        if not grant.allows("write", document.plan_id, scope_district):
            raise Forbidden(f"This token cannot import plan {document.plan_id} of {scope_district}")
    moved = existing is not None and district != existing
    if moved and not grant.unscoped and not {district, existing} <= set(grant.districts):
        # A token scoped to the plan itself must not carry it into another district.
        raise Forbidden(
            f"This token cannot move plan {document.plan_id} from {existing} to {district}"
        )

    def save() -> CommandResult:
        with ctx.writing(document.plan_id):
            return ctx.history.import_plan(
                document,
                author(grant, reason),
                dry_run=dry_run,
                expected_version=expected(if_match),
            )

    result = await run_in_threadpool(save)
    if result.created and not dry_run:
        response.status_code = 201
    return command_response(response, result)


@router.get(
    "/plans/{plan_id}",
    response_model=PlanRead,
    summary="A plan at a version or date",
    responses=NOT_MODIFIED,
)
def read_plan(
    plan_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
) -> dict[str, Any] | Response:
    check(ctx, grant, plan_id, "read")
    plan = ctx.history.get_plan(plan_id, version=version, as_of=as_of)
    if (unchanged := not_modified(request, plan.version)) is not None:
        return unchanged
    etag(response, plan.version)
    return {
        "plan": plan_id,
        "version": plan.version,
        "status": plan.status,
        "document": state_to_document(PlanState.of(plan)),
    }


@router.get(
    "/plans/{plan_id}/elements/{key}",
    response_model=ElementRead,
    summary="An element, its line of sight and history",
)
def read_element(
    plan_id: str, key: str, response: Response, ctx: Ctx, grant: G, version: Version = None
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    plan = ctx.history.get_plan(plan_id, version=version)
    element = plan.element(key)
    graph = ctx.graphs.active(ctx.history, plan_id, plan.version)
    etag(response, plan.version)
    active = key in graph
    return {
        "plan": plan_id,
        "version": plan.version,
        "key": key,
        "kind": element["kind"],
        "retired": element["retired"],
        "fields": element["fields"],
        "line_of_sight": paths_up(graph, key) if active else [],
        "beneath": sorted(n for n in beneath(graph, key).nodes if n != key) if active else [],
        "history": [
            e.to_dict()
            for e in ctx.history.history(plan_id)
            if e.version <= plan.version and key in (e.key, *e.keys)
        ],
    }


@router.post(
    "/plans/{plan_id}/elements",
    response_model=CommandResponse,
    status_code=201,
    summary="Add an element",
)
async def add_element(
    plan_id: str, body: AddElement, response: Response, ctx: Ctx, grant: G, if_match: IfMatch = None
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.add_element(
            plan_id,
            body.kind,
            body.key,
            body.fields,
            author(grant, body.reason),
            expected(if_match),
        ),
    )


@router.patch(
    "/plans/{plan_id}/elements/{key}",
    response_model=CommandResponse,
    summary="Revise an element's fields",
)
async def revise_element(
    plan_id: str,
    key: str,
    body: ReviseElement,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.revise_element(
            plan_id, key, body.fields, author(grant, body.reason), expected(if_match)
        ),
    )


@router.delete(
    "/plans/{plan_id}/elements/{key}", response_model=CommandResponse, summary="Retire an element"
)
async def retire_element(
    plan_id: str,
    key: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.retire_element(plan_id, key, author(grant, reason), expected(if_match)),
    )


@router.post(
    "/plans/{plan_id}/links",
    response_model=CommandResponse,
    summary="Link a supporter to what it supports",
)
async def link(
    plan_id: str, body: LinkBody, response: Response, ctx: Ctx, grant: G, if_match: IfMatch = None
) -> dict[str, Any]:
    attributes = {"amount": body.amount} if body.amount is not None else None
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.link(
            plan_id,
            body.source,
            body.target,
            author(grant, body.reason),
            attributes,
            expected(if_match),
        ),
    )


@router.delete(
    "/plans/{plan_id}/links/{source}/{target}",
    response_model=CommandResponse,
    summary="Remove a link",
)
async def unlink(
    plan_id: str,
    source: str,
    target: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
    reason: str | None = None,
) -> dict[str, Any]:
    try:
        return await command(
            ctx,
            grant,
            plan_id,
            "write",
            response,
            lambda: ctx.history.unlink(
                plan_id, source, target, author(grant, reason), expected(if_match)
            ),
        )
    except InvalidLink as e:  # the only reason: no such link, so no such resource
        raise NotFound(str(e)) from None


@router.post(
    "/plans/{plan_id}/benchmarks/{key}/status",
    response_model=CommandResponse,
    summary="Report a benchmark's status",
)
async def report_status(
    plan_id: str,
    key: str,
    body: BenchmarkStatus,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.report_benchmark_status(
            plan_id, key, body.status, author(grant, body.reason), expected(if_match)
        ),
    )


@router.post(
    "/plans/{plan_id}/outcomes/{key}/results",
    response_model=CommandResponse,
    summary="Report an outcome's result",
)
async def report_result(
    plan_id: str,
    key: str,
    body: OutcomeResult,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.report_outcome_result(
            plan_id, key, body.as_of, body.value, author(grant, body.reason), expected(if_match)
        ),
    )


@router.post("/plans/{plan_id}/adopt", response_model=CommandResponse, summary="Adopt the plan")
async def adopt(
    plan_id: str, body: Lifecycle, response: Response, ctx: Ctx, grant: G, if_match: IfMatch = None
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "administer",
        response,
        lambda: ctx.history.adopt(plan_id, author(grant, body.reason), expected(if_match)),
    )


@router.post(
    "/plans/{plan_id}/redesign", response_model=CommandResponse, summary="Start a redesign"
)
async def start_redesign(
    plan_id: str, body: Lifecycle, response: Response, ctx: Ctx, grant: G, if_match: IfMatch = None
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "administer",
        response,
        lambda: ctx.history.start_redesign(plan_id, author(grant, body.reason), expected(if_match)),
    )


@router.post("/plans/{plan_id}/close", response_model=CommandResponse, summary="Close the plan")
async def close(
    plan_id: str, body: Lifecycle, response: Response, ctx: Ctx, grant: G, if_match: IfMatch = None
) -> dict[str, Any]:
    return await command(
        ctx,
        grant,
        plan_id,
        "administer",
        response,
        lambda: ctx.history.close_plan(plan_id, author(grant, body.reason), expected(if_match)),
    )


@router.get(
    "/plans/{plan_id}/history",
    response_model=HistoryPage,
    summary="The plan's events, oldest first",
)
def history(
    plan_id: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    entries = ctx.history.history(plan_id)
    etag(response, entries[-1].version)
    return {
        "plan": plan_id,
        "total": len(entries),
        "offset": offset,
        "limit": limit,
        "events": [e.to_dict() for e in entries[offset : offset + limit]],
    }


@router.get(
    "/plans/{plan_id}/diff", response_model=DiffResponse, summary="Changes between two versions"
)
def diff(
    plan_id: str,
    ctx: Ctx,
    grant: G,
    from_: Annotated[int, Query(alias="from", ge=1)],
    to: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    return ctx.history.diff(plan_id, from_, to).to_dict()


@router.get(
    "/plans/{plan_id}/graph",
    summary="The alignment graph in an export format",
    response_class=Response,
    responses={
        200: {
            "description": "The graph; the media type depends on the format",
            "content": {
                media: {"schema": {"type": "object" if media.endswith("json") else "string"}}
                for media in sorted(set(MEDIA_TYPES.values()))
            },
        },
        **NOT_MODIFIED,
    },
)
async def graph(
    plan_id: str,
    request: Request,
    ctx: Ctx,
    grant: G,
    format: Annotated[str, Query(pattern="^(" + "|".join(FORMATS) + ")$")] = "cytoscape",
    version: Version = None,
    as_of: AsOf = None,
) -> Response:
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    if version is None and as_of is None:  # the latest version: a few ms, on the loop
        arrived = latest.version  # the plan object moves on with the store: keep the number

        def newest() -> tuple[bytes, int]:
            """What another read made since this one arrived, else the export of the
            version latest now (which the reads queued behind this one can share)."""
            return ctx.graphs.newest(plan_id, format, arrived) or ctx.graphs.export(
                ctx.history, plan_id, format, latest=ctx.latest(plan_id)
            )

        if (unchanged := not_modified(request, arrived)) is not None:
            return unchanged
        found = ctx.graphs.newest(plan_id, format, arrived)
        body, resolved = found if found is not None else await ctx.heavy(newest)
    else:  # a past version may be rebuilt from its events: not on the event loop
        body, resolved = await run_in_threadpool(
            ctx.graphs.export,
            ctx.history,
            plan_id,
            format,
            version=version,
            as_of=as_of,
            latest=latest,
        )
    if (unchanged := not_modified(request, resolved)) is not None:
        return unchanged
    return Response(body, media_type=MEDIA_TYPES[format], headers={"ETag": f'"{resolved}"'})


@router.get(
    "/plans/{plan_id}/audit",
    response_model=AuditResponse,
    summary="Alignment findings",
    responses=NOT_MODIFIED,
)
async def audit(
    plan_id: str,
    request: Request,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
    fiscal_year: str | None = None,
    engine: Annotated[str, Query(pattern="^(networkx|neo4j)$")] = "networkx",
) -> Response:
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    if version is None and as_of is None and engine == "networkx":  # a ms or two, here
        kept = ctx.cached_audit_body(latest, fiscal_year)
        if kept is None:
            kept = await ctx.on_store(
                lambda: ctx.audit_body(plan_id, fiscal_year=fiscal_year, latest=latest)
            )
        cached = kept
    else:  # a past version may be rebuilt from its events, Neo4j is a network away
        cached = await run_in_threadpool(
            ctx.audit_body,
            plan_id,
            version=version,
            as_of=as_of,
            fiscal_year=fiscal_year,
            engine=engine,
            latest=latest,
        )
    body, audited = cached
    # An audit of "now" also depends on today's date, which its ETag does not hold, so
    # only one of a given version or date can be answered "not modified".
    pinned = version is not None or as_of is not None
    if pinned and audited is not None and (unchanged := not_modified(request, audited)):
        return unchanged
    headers = {"ETag": f'"{audited}"'} if audited is not None else None
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/plans/{plan_id}/timeline",
    response_model=list[TimelineEntry],
    summary="Audit summary after every revision",
)
def timeline(
    plan_id: str, ctx: Ctx, grant: G, fiscal_year: str | None = None
) -> list[dict[str, Any]]:
    check(ctx, grant, plan_id, "read")
    return audit_timeline(ctx.history, plan_id, fiscal_year=fiscal_year)


@router.get(
    "/statewide",
    response_model=StatewideSummary,
    summary="Audit summary across every plan you can see",
)
def statewide(ctx: Ctx, grant: G) -> dict[str, Any]:
    plans = [p for p in ctx.plan_summaries() if grant.in_scope(p["plan"], p["district"])]
    totals = {s: sum(p["audit"][s] for p in plans) for s in ("error", "warning", "info")}
    ranked = sorted(plans, key=lambda p: (-p["score"], p["plan"]))
    return {"plans": len(plans), "summary": totals, "by_plan": ranked}


@router.get("/health", summary="Liveness", responses={})
def health() -> dict[str, str]:
    return {"status": "ok", "time": datetime.now().astimezone().isoformat()}
