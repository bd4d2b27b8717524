"""Publishing a plan (admins): while it is published anyone may read its report at
``/public/{plan}`` (see :mod:`.public`). Kept in the history as ``Published`` and
``Unpublished`` events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import CommandResponse, Lifecycle
from coherence.api.routes.shared import ERRORS, W

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/publish",
    response_model=CommandResponse,
    summary="Publish the plan's report at /public/{plan} (admins)",
)
async def publish(plan_id: str, write: W, body: Lifecycle | None = None) -> dict[str, Any]:
    """Anyone may then read the report of its latest version at ``/public/{plan}``, with
    no credential, and nothing else of it. Publishing a published plan saves nothing."""
    return await write(
        plan_id,
        lambda history, by, at: history.publish(plan_id, by, at),
        reason=body.reason if body else None,
        action="administer",
    )


@router.delete(
    "/plans/{plan_id}/publish",
    response_model=CommandResponse,
    summary="Unpublish the plan: /public/{plan} answers 404 again (admins)",
)
async def unpublish(plan_id: str, write: W, body: Lifecycle | None = None) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.unpublish(plan_id, by, at),
        reason=body.reason if body else None,
        action="administer",
    )
