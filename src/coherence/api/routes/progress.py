"""Progress: a benchmark's status, an outcome's result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from coherence.api.models import (
    BenchmarkStatus,
    CommandResponse,
    OutcomeResult,
)
from coherence.api.routes.shared import (
    ERRORS,
    Ctx,
    G,
    IfMatch,
    author,
    command,
    expected,
)

router = APIRouter(prefix="/api/v1", responses=ERRORS)


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
