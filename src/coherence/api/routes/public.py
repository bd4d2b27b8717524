"""The public view: ``/public/{plan}`` shows the report of a published plan's latest
version to anyone, with no token and no session, and nothing else of it.

It asks for no credential and reads only the plan's report; every other route of a
published plan still needs one. An unpublished plan and an unknown one answer the same
404, so the page tells nobody which plans exist.
"""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from coherence.api.routes.shared import Ctx
from coherence.domain.errors import PlanNotFound
from coherence.reports import build_report
from coherence.reports.to_html import render_html
from coherence.web import PAGE_HEADERS

router = APIRouter()


def _not_public(plan_id: str) -> HTMLResponse:
    text = html.escape(plan_id)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Not found</title></head><body><h1>Not found</h1>"
        f"<p>There is no public report of a plan {text}.</p></body></html>"
    )
    return HTMLResponse(page, status_code=404, headers=PAGE_HEADERS)


@router.get(
    "/public/{plan_id}",
    response_class=HTMLResponse,
    summary="The public report of a published plan (open: no credential)",
    responses={404: {"description": "No such plan, or it is not published (the same answer)"}},
)
async def public_report(plan_id: str, ctx: Ctx) -> HTMLResponse:
    def published() -> int | None:
        try:
            plan = ctx.latest(plan_id)
        except PlanNotFound:
            return None
        return plan.version if plan.published else None

    version = await ctx.on_store(published)
    if version is None:
        return _not_public(plan_id)
    page = await run_in_threadpool(
        lambda: render_html(build_report(ctx.reader, plan_id, version=version))
    )
    return HTMLResponse(page, headers={**PAGE_HEADERS, "ETag": f'"{version}"'})
