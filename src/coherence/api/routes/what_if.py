"""What if budget lines were retired or funds cut or scaled: nothing is saved, so a
viewer may ask."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.models import WhatIfBody, WhatIfResponse
from coherence.api.routes.shared import ERRORS, AsOf, Ctx, G, Version, check, etag
from coherence.queries.whatif import what_if_request

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/what-if",
    response_model=WhatIfResponse,
    summary="What if budget lines were retired or funds cut or scaled (nothing is saved)",
)
async def what_if(
    plan_id: str,
    body: WhatIfBody,
    response: Response,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
    fiscal_year: str | None = None,
) -> dict[str, Any]:
    """The plan with the lines retired, the funds' lines retired (``cut_funds``) or
    scaled (``scale_funds``: amounts, allocations and FTE times the factor, rounded to
    the cent and the hundredth), audited and summed against the plan as it is. 422
    names an unknown line or fund, a factor below 0, or a request asking nothing."""
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    request = what_if_request(body.retire, body.cut_funds, body.scale_funds)
    result = await run_in_threadpool(
        ctx.reader.what_if,
        plan_id,
        request,
        version=version,
        as_of=as_of,
        fiscal_year=fiscal_year,
        latest=latest,
    )
    etag(response, result["version"])
    return result
