"""A plan's revisions: undo one (a new revision that reverses it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from coherence.api.models import CommandResponse, Lifecycle
from coherence.api.routes.shared import ERRORS, W

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/revisions/{revision}/undo",
    response_model=CommandResponse,
    summary="Undo a revision",
    description="A new revision that reverses what the revision changed (elements, fields, "
    "links, details) on the plan as it is now; its reason says which revision it undoes. "
    "409 naming the elements (in `elements`) when a later revision changed the same "
    "elements or fields since: nothing is saved then. Admins only.",
)
async def undo(
    plan_id: str,
    revision: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: Lifecycle,
    write: W,
) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.undo_revision(plan_id, revision, by, at),
        reason=body.reason,
        action="administer",
    )
