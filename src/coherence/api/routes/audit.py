"""A plan's alignment findings."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from coherence.api.models import (
    AuditResponse,
)
from coherence.api.query import documented, read_query
from coherence.api.routes.shared import (
    ENGINE_HELP,
    ENGINE_PATTERN,
    ERRORS,
    NOT_MODIFIED,
    ReadQuery,
    ReadsItsRequest,
    check,
    not_modified,
    read_access,
)
from coherence.queries.audit import ENGINES

router = APIRouter(prefix="/api/v1", responses=ERRORS, route_class=ReadsItsRequest)


class AuditQuery(ReadQuery):
    """The audit's query: a version or date, a fiscal year, the engine."""

    fiscal_year: str | None = None
    engine: str = Field(default=ENGINES[0], pattern=ENGINE_PATTERN, description=ENGINE_HELP)


@router.get(
    "/plans/{plan_id}/audit",
    response_model=AuditResponse,
    summary="Alignment findings",
    responses=NOT_MODIFIED,
    openapi_extra=documented(AuditQuery),
)
async def audit(plan_id: str, request: Request) -> Response:
    ctx, grant = await read_access(request)
    asked = read_query(request, AuditQuery)
    version, as_of = asked.version, asked.as_of
    fiscal_year, engine = asked.fiscal_year, asked.engine
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    if version is None and as_of is None and engine == "networkx":  # a ms or two, here
        kept = ctx.audits.kept(latest, fiscal_year)
        if kept is None:
            kept = await ctx.on_store(
                lambda: ctx.audits.body(plan_id, fiscal_year=fiscal_year, latest=latest)
            )
        cached = kept
    else:  # a past version may be rebuilt from its events, Neo4j is a network away
        cached = await run_in_threadpool(
            ctx.audits.body,
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
