"""Links between elements: link a supporter to what it supports, remove a link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import CommandResponse, LinkBody
from coherence.api.routes.shared import ERRORS, W
from coherence.domain.errors import InvalidLink, NotFound

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/links",
    response_model=CommandResponse,
    summary="Link a supporter to what it supports",
)
async def link(plan_id: str, body: LinkBody, write: W) -> dict[str, Any]:
    attributes = {"amount": body.amount} if body.amount is not None else None
    return await write(
        plan_id,
        lambda history, by, at: history.link(plan_id, body.source, body.target, by, attributes, at),
        reason=body.reason,
    )


@router.delete(
    "/plans/{plan_id}/links/{source}/{target}",
    response_model=CommandResponse,
    summary="Remove a link",
)
async def unlink(
    plan_id: str, source: str, target: str, write: W, reason: str | None = None
) -> dict[str, Any]:
    try:
        return await write(
            plan_id,
            lambda history, by, at: history.unlink(plan_id, source, target, by, at),
            reason=reason,
        )
    except InvalidLink as e:  # the only reason: no such link, so no such resource
        raise NotFound(str(e)) from None
