"""A plan's lifecycle: adopt, start a redesign, close."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from coherence.api.models import (
    CommandResponse,
    Lifecycle,
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
