"""A plan's lifecycle: adopt (with the vote's record), start a redesign, close."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import Adoption, CommandResponse, Lifecycle
from coherence.api.routes.shared import ERRORS, W

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post("/plans/{plan_id}/adopt", response_model=CommandResponse, summary="Adopt the plan")
async def adopt(plan_id: str, body: Adoption, write: W) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.adopt(plan_id, by, at, record=body.record()),
        reason=body.reason,
        action="administer",
    )


@router.post(
    "/plans/{plan_id}/redesign", response_model=CommandResponse, summary="Start a redesign"
)
async def start_redesign(plan_id: str, body: Lifecycle, write: W) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.start_redesign(plan_id, by, at),
        reason=body.reason,
        action="administer",
    )


@router.post("/plans/{plan_id}/close", response_model=CommandResponse, summary="Close the plan")
async def close(plan_id: str, body: Lifecycle, write: W) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.close_plan(plan_id, by, at),
        reason=body.reason,
        action="administer",
    )
