"""Links between elements: link a supporter to what it supports, remove a link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from coherence.api.models import (
    CommandResponse,
    LinkBody,
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
from coherence.domain.errors import InvalidLink, NotFound

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/links",
    response_model=CommandResponse,
    summary="Link a supporter to what it supports",
)
async def link(
    plan_id: str, body: LinkBody, response: Response, ctx: Ctx, grant: G, if_match: IfMatch = None
) -> dict[str, Any]:
    attributes = {"amount": body.amount} if body.amount is not None else None
    return await command(
        ctx,
        grant,
        plan_id,
        "write",
        response,
        lambda: ctx.history.link(
            plan_id,
            body.source,
            body.target,
            author(grant, body.reason),
            attributes,
            expected(if_match),
        ),
    )


@router.delete(
    "/plans/{plan_id}/links/{source}/{target}",
    response_model=CommandResponse,
    summary="Remove a link",
)
async def unlink(
    plan_id: str,
    source: str,
    target: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
    reason: str | None = None,
) -> dict[str, Any]:
    try:
        return await command(
            ctx,
            grant,
            plan_id,
            "write",
            response,
            lambda: ctx.history.unlink(
                plan_id, source, target, author(grant, reason), expected(if_match)
            ),
        )
    except InvalidLink as e:  # the only reason: no such link, so no such resource
        raise NotFound(str(e)) from None
