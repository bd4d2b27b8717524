"""Where a plan's money and staff go (read-only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from coherence.api.models import FundingResponse
from coherence.api.routes.shared import (
    ERRORS,
    NOT_MODIFIED,
    AsOf,
    Ctx,
    G,
    Version,
    check,
    not_modified,
)

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get(
    "/plans/{plan_id}/funding",
    response_model=FundingResponse,
    summary="Funding and staff by objective, initiative, fund and fiscal year",
    responses=NOT_MODIFIED,
)
async def funding(
    plan_id: str,
    request: Request,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
    fiscal_year: str | None = None,
) -> Response:
    """Money and FTE by objective (``amount``: every allocation reaching it; ``share``:
    each allocation split equally between the objectives it reaches), by initiative,
    fund and fiscal year, and what reaches no objective. The answer depends only on the
    version and the fiscal year, so ``If-None-Match`` with its ETag answers 304."""
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))

    def read() -> tuple[bytes | None, int]:
        at = ctx.reader.at(plan_id, version=version, as_of=as_of, latest=latest)
        if not_modified(request, at.version) is not None:
            return None, at.version
        summary = ctx.reader.funding(plan_id, version=at.version, fiscal_year=fiscal_year)
        return bytes(JSONResponse(summary.to_dict()).body), at.version

    if version is None and as_of is None:  # the latest version: a few ms, on the loop
        body, read_version = await ctx.on_store(read)
    else:  # a past version may be rebuilt from its events: not on the event loop
        body, read_version = await run_in_threadpool(read)
    etag = {"ETag": f'"{read_version}"'}
    if body is None:
        return Response(status_code=304, headers=etag)
    return Response(body, media_type="application/json", headers=etag)
