"""The alignment graph in an export format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from coherence.api.query import documented, read_query
from coherence.api.routes.shared import (
    ERRORS,
    NOT_MODIFIED,
    ReadQuery,
    ReadsItsRequest,
    check,
    not_modified,
    read_access,
)
from coherence.queries.exports import FORMATS, MEDIA_TYPES

router = APIRouter(prefix="/api/v1", responses=ERRORS, route_class=ReadsItsRequest)


class GraphQuery(ReadQuery):
    """The graph's query: an export format, and a version or date."""

    format: str = Field(default="cytoscape", pattern="^(" + "|".join(FORMATS) + ")$")


@router.get(
    "/plans/{plan_id}/graph",
    summary="The alignment graph in an export format",
    response_class=Response,
    responses={
        200: {
            "description": "The graph; the media type depends on the format",
            "content": {
                media: {"schema": {"type": "object" if media.endswith("json") else "string"}}
                for media in sorted(set(MEDIA_TYPES.values()))
            },
        },
        **NOT_MODIFIED,
    },
    openapi_extra=documented(GraphQuery),
)
async def graph(plan_id: str, request: Request) -> Response:
    ctx, grant = await read_access(request)
    asked = read_query(request, GraphQuery)
    format, version, as_of = asked.format, asked.version, asked.as_of
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    if version is None and as_of is None:  # the latest version: a ms or two, on the loop
        arrived = latest.version  # the plan object moves on with the store: keep the number
        if (unchanged := not_modified(request, arrived)) is not None:
            return unchanged
        found = ctx.reader.newest_export(plan_id, format, arrived)
        if found is None:
            found = await ctx.on_store(
                lambda: ctx.reader.export_graph(plan_id, format, latest=latest)
            )
        body, resolved = found
    else:  # a past version may be rebuilt from its events: not on the event loop
        body, resolved = await run_in_threadpool(
            ctx.reader.export_graph,
            plan_id,
            format,
            version=version,
            as_of=as_of,
            latest=latest,
        )
    if (unchanged := not_modified(request, resolved)) is not None:
        return unchanged
    return Response(body, media_type=MEDIA_TYPES[format], headers={"ETag": f'"{resolved}"'})
