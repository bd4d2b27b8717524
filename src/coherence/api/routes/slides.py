"""The plan as slides: the deck model (JSON) for the present page, and the same deck as
a PDF or a PowerPoint file to take away (read-only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.models import DeckResponse
from coherence.api.routes.shared import ERRORS, AsOf, Ctx, G, Version, attachment, check
from coherence.queries.deck import build_deck
from coherence.queries.graph_cache import Memo
from coherence.reports.slides import SLIDE_FORMATS, render_slides

router = APIRouter(prefix="/api/v1", responses=ERRORS)

_RENDERED: Memo[tuple[str, int, date, str], bytes] = Memo(8)
"""Decks already rendered, by plan, version, audit date and format (a deck takes a
second or two to draw; a retreat downloads the same one many times)."""


@router.get(
    "/plans/{plan_id}/deck",
    response_model=DeckResponse,
    summary="The plan as slides: title, one slide per objective, changes, findings",
)
async def deck(
    plan_id: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The slides the present page shows and the PDF and PowerPoint files hold, built
    once from the plan at ``version``, as of ``as_of``, or now."""
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    built = await run_in_threadpool(
        lambda: build_deck(ctx.reader, plan_id, version=version, as_of=as_of)
    )
    response.headers["ETag"] = f'"{built.version}"'
    return built.to_dict()


@router.get(
    "/plans/{plan_id}/slides",
    summary="The plan as slides to take away: a PDF or a PowerPoint file",
    response_class=Response,
    responses={
        200: {
            "description": "The deck as a file (an attachment)",
            "content": {
                media: {"schema": {"type": "string"}} for media, _ in SLIDE_FORMATS.values()
            },
        }
    },
)
async def slides(
    plan_id: str,
    ctx: Ctx,
    grant: G,
    format: Annotated[str, Query(pattern="^(pdf|pptx)$", description="pdf or pptx")] = "pdf",
    version: Version = None,
    as_of: AsOf = None,
) -> Response:
    """The same slides as the present page, one page (or slide) each, drawn on the
    server (no browser needed): text and tables as text, each objective's graph as a
    picture, the speaker notes in the PowerPoint file."""
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))

    def render() -> tuple[bytes, int]:
        built = build_deck(ctx.reader, plan_id, version=version, as_of=as_of)
        key = (plan_id, built.version, built.as_of, format)
        return _RENDERED.get(key, lambda: render_slides(built, format)), built.version

    body, read_version = await run_in_threadpool(render)
    media, extension = SLIDE_FORMATS[format]
    return attachment(body, media, f"{plan_id}-v{read_version}.{extension}", read_version)
