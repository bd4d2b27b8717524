"""Elements: read one (line of sight, history), add, revise (each with its links, in one
revision), retire, restore."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from coherence.api.models import (
    AddElement,
    Body,
    CommandResponse,
    ElementRead,
    ReviseElement,
)
from coherence.api.routes.shared import (
    ERRORS,
    Ctx,
    G,
    Version,
    W,
    check,
    etag,
)

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get(
    "/plans/{plan_id}/elements/{key}",
    response_model=ElementRead,
    summary="An element, its line of sight and history",
)
def read_element(
    plan_id: str, key: str, response: Response, ctx: Ctx, grant: G, version: Version = None
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    body = ctx.reader.element(plan_id, key, version=version)
    etag(response, body["version"])
    return body


@router.post(
    "/plans/{plan_id}/elements",
    response_model=CommandResponse,
    status_code=201,
    summary="Add an element",
)
async def add_element(plan_id: str, body: AddElement, write: W) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.add_element(
            plan_id, body.kind, body.key, body.fields, by, at, links=body.links
        ),
        reason=body.reason,
    )


@router.patch(
    "/plans/{plan_id}/elements/{key}",
    response_model=CommandResponse,
    summary="Revise an element's fields",
)
async def revise_element(plan_id: str, key: str, body: ReviseElement, write: W) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.revise_element(
            plan_id, key, body.fields, by, at, links=body.links
        ),
        reason=body.reason,
    )


@router.delete(
    "/plans/{plan_id}/elements/{key}", response_model=CommandResponse, summary="Retire an element"
)
async def retire_element(
    plan_id: str, key: str, write: W, reason: str | None = None
) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.retire_element(plan_id, key, by, at),
        reason=reason,
    )


@router.post(
    "/plans/{plan_id}/elements/{key}/restore",
    response_model=CommandResponse,
    summary="Restore a retired element (its last fields, not its links)",
)
async def restore_element(
    plan_id: str, key: str, write: W, body: Body | None = None
) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.restore_element(plan_id, key, by, at),
        reason=body.reason if body else None,
    )
