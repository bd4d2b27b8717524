"""The read-only route the web page's timeline needs: the plan across all its revisions.

``GET /api/v1/plans/{plan_id}/graph/timeline`` folds the plan's events once through the
graph mapping and, after the last event of each revision, records which elements and
links were active and what the audit found (as of that revision's date, like
``/timeline``). The answer holds every element and link that ever existed (the union
the page lays out once), each with the revisions it was active in, so moving the
slider needs no further request and nothing jumps. Each element linked to anything has
its place across its level (``x``, laid out once per version on the server), so the
page runs no layout when it loads. The answer is gzipped for a client that accepts it
(a tenth of the size: the page's first request).
"""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from coherence.api.context import ApiContext, context
from coherence.api.models import AuditSummary, Finding
from coherence.api.routes.shared import ERRORS, G, check, etag
from coherence.domain.errors import CoherenceError

router = APIRouter(prefix="/api/v1", responses=ERRORS)
GZIP_LEVEL = 5
"""Fast, and within a few per cent of the smallest."""
Ctx = Annotated[ApiContext, Depends(context)]


class RevisionState(BaseModel):
    revision: int
    version: int = Field(description="The plan version after the revision's last event.")
    timestamp: str
    actor: str
    reason: str | None
    changes: int = Field(description="How many events the revision holds.")
    summary: AuditSummary
    history: AuditSummary = Field(
        description="How many of the findings are the history-aware rules', per severity."
    )
    score: int
    findings: list[Finding] = Field(description="The audit as of the revision's date.")


class Box(BaseModel):
    x: float = Field(description="The centre, across (page units).")
    y: float = Field(description="The centre, down (page units).")
    w: float
    h: float


class Lifetime(BaseModel):
    data: dict[str, Any] = Field(
        description="Cytoscape element data: for an element id, kind, key, label and its "
        "fields as last active; for a link id, source, target, edge (and amount)."
    )
    active: list[list[int]] = Field(
        description="The revisions it was active in, as [first, last] ranges (inclusive)."
    )
    x: float | None = Field(
        default=None,
        description="An element's place across its level in the page's layered drawing of "
        "the union (the order and rough place; the page wraps each level onto rows). None "
        "for links, elements linked to nothing, and in an answer with ``since``.",
    )
    box: Box | None = Field(
        default=None,
        description="An element's box in the page's drawing of the union: each level a "
        "band, wrapped onto rows (what the page and the server's picture of the graph draw). "
        "None for links and in an answer with ``since``.",
    )


class GraphTimeline(BaseModel):
    plan: str
    version: int
    details: dict[str, Any] = Field(description="District, title, period and status, latest.")
    revisions: list[RevisionState]
    nodes: list[Lifetime]
    edges: list[Lifetime]
    area: list[float] | None = Field(
        default=None,
        description="The graph area (width, height) the boxes' rows were chosen for. None "
        "in an answer with ``since`` (whose elements have no boxes: a page that gets new "
        "elements or links reads the boxes of the whole plan again).",
    )


@router.get(
    "/plans/{plan_id}/graph/timeline",
    response_model=GraphTimeline,
    summary="Every element and link that ever existed, the revisions each was active in, "
    "and each revision's audit",
)
def graph_timeline(
    plan_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    grant: G,
    since: Annotated[
        int | None,
        Query(
            ge=0,
            description="Only the revisions after this version, with the elements and links "
            "active in them (what a page that has this version adds after a save).",
        ),
    ] = None,
) -> Any:
    check(ctx, grant, plan_id, "read")
    if since is not None:
        found, version = ctx.reader.graph_timeline_since(plan_id, since)
    else:
        found, version = ctx.reader.graph_timeline(plan_id)
    etag(response, version)
    if "gzip" not in request.headers.get("accept-encoding", ""):
        return found
    body = GraphTimeline.model_validate(found).model_dump_json().encode()
    return Response(
        gzip.compress(body, compresslevel=GZIP_LEVEL),
        media_type="application/json",
        headers={**response.headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
    )


def plan_picture(ctx: ApiContext) -> Callable[[Request, str], Awaitable[str]]:
    """What the plan page's HTML carries in the graph's place: the picture of the plan's
    graph (SVG) at the ``?version=`` the page shows, for a caller who may read the plan;
    nothing for anyone else, or when the plan cannot be read (the page then says why)."""

    async def picture(request: Request, plan_id: str) -> str:
        wanted = request.query_params.get("version", "")
        shown = int(wanted) if wanted.isdigit() else None
        try:
            caller = await ctx.on_store(lambda: ctx.caller(request))

            def draw() -> str:
                check(ctx, caller.grant, plan_id, "read")
                return ctx.reader.graph_picture(plan_id, shown)

            return await ctx.on_store(draw)
        except CoherenceError:
            return ""

    return picture
