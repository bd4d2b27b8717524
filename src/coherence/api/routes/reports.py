"""The progress report of a plan for the school committee: HTML (opened in the
browser), PDF or DOCX (downloads), at a version or date (read access)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.routes.shared import ERRORS, AsOf, Ctx, G, Version, check
from coherence.reports import FORMATS, build_report, render

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get(
    "/plans/{plan_id}/report",
    summary="The progress report for the school committee (HTML, PDF or DOCX)",
    response_class=Response,
    responses={
        200: {
            "description": "The report: HTML shown in the browser, PDF or DOCX downloaded",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string"}} for media, _ in FORMATS.values()
            },
        }
    },
)
async def report(
    plan_id: str,
    ctx: Ctx,
    grant: G,
    format: Annotated[
        Literal["html", "pdf", "docx"], Query(description="html (the default), pdf or docx.")
    ] = "html",
    version: Version = None,
    as_of: AsOf = None,
    fiscal_year: Annotated[
        str | None,
        Query(description="The resources' fiscal year (default: that of the report's date)."),
    ] = None,
) -> Response:
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))

    def make() -> tuple[bytes, int]:
        built = build_report(
            ctx.reader, plan_id, version=version, as_of=as_of, fiscal_year=fiscal_year
        )
        return render(built, format), built.version

    body, read_version = await run_in_threadpool(make)  # seconds of CPU: off the event loop
    media, extension = FORMATS[format]
    headers = {"ETag": f'"{read_version}"'}
    name = f"{plan_id}-v{read_version}-report.{extension}"
    disposition = "inline" if format == "html" else "attachment"
    headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return Response(body, media_type=media, headers=headers)
