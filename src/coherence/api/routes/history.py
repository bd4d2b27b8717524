"""A plan's history: its events, the diff of two versions, the audit after every revision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from coherence.api.models import (
    DiffResponse,
    HistoryPage,
    TimelineEntry,
)
from coherence.api.routes.shared import (
    ERRORS,
    Ctx,
    G,
    check,
    etag,
)

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get(
    "/plans/{plan_id}/history",
    response_model=HistoryPage,
    summary="The plan's events, oldest first",
)
def history(
    plan_id: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    entries = ctx.reader.history_of(plan_id)
    etag(response, entries[-1].version)
    return {
        "plan": plan_id,
        "total": len(entries),
        "offset": offset,
        "limit": limit,
        "events": [e.to_dict() for e in entries[offset : offset + limit]],
    }


@router.get(
    "/plans/{plan_id}/diff", response_model=DiffResponse, summary="Changes between two versions"
)
def diff(
    plan_id: str,
    ctx: Ctx,
    grant: G,
    from_: Annotated[
        str,
        Query(
            alias="from",
            pattern=r"^([1-9][0-9]*|adopted|latest)$",
            description="A version, 'adopted' (the version last adopted) or 'latest'.",
        ),
    ],
    to: Annotated[
        str | None,
        Query(
            pattern=r"^([1-9][0-9]*|adopted|latest)$",
            description="A version, 'adopted' or 'latest' (the default).",
        ),
    ] = None,
) -> dict[str, Any]:
    check(ctx, grant, plan_id, "read")
    return ctx.reader.diff(plan_id, from_, to).to_dict()


@router.get(
    "/plans/{plan_id}/timeline",
    response_model=list[TimelineEntry],
    summary="Audit summary after every revision",
)
def timeline(
    plan_id: str, ctx: Ctx, grant: G, fiscal_year: str | None = None
) -> list[dict[str, Any]]:
    check(ctx, grant, plan_id, "read")
    return ctx.reader.audit_timeline(plan_id, fiscal_year=fiscal_year)
