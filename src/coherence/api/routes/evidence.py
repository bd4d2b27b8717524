"""Evidence files of a plan's progress reports: upload one, download one.

An upload is the file itself as the body (``Content-Type`` its media type,
``X-Filename`` its name, percent-encoded UTF-8 if need be), by an editor of the plan;
the answer names its SHA-256, which a status or result report then refers to. A
download is served only to people who may read the plan the file was uploaded to, as
an attachment of the stored media type (``nosniff``, a sandboxing CSP).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Header, Path, Request, Response

from coherence.api.models import EvidenceUploaded
from coherence.api.request_body import read_body
from coherence.api.routes.shared import ERRORS, Ctx, G, check
from coherence.application.evidence import MAX_FILE, MEDIA_TYPES
from coherence.domain.errors import FileTooLarge, PayloadTooLarge

router = APIRouter(prefix="/api/v1", responses=ERRORS)

UPLOAD_PATH = r"^/api/v1/plans/[^/]+/evidence/?$"
"""The upload's path, which the body limit lets through up to the file limit."""

_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/plans/{plan_id}/evidence",
    response_model=EvidenceUploaded,
    status_code=201,
    summary="Upload an evidence file",
    description=f"The file as the body: PDF, PNG, JPEG, GIF, WebP, XLSX, CSV or plain text, "
    f"at most {MAX_FILE // (1024 * 1024)} MB, its media type as Content-Type (checked "
    "against its content) and its name in X-Filename. Editors. Refer to it by its "
    "`sha256` in a benchmark status or outcome result report.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": dict.fromkeys([*MEDIA_TYPES, "application/octet-stream"], _BINARY),
        }
    },
)
async def upload(
    plan_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    grant: G,
    x_filename: Annotated[
        str | None, Header(max_length=1000, description="The file's name (percent-encoded).")
    ] = None,
) -> dict[str, Any]:
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "write"))
    try:
        data = await read_body(request, MAX_FILE)
    except PayloadTooLarge:
        raise FileTooLarge(
            "file", f"a file of at most {MAX_FILE // (1024 * 1024)} MB (10,485,760 bytes)"
        ) from None
    name = unquote(x_filename) if x_filename else None
    kind = request.headers.get("content-type")
    stored = await ctx.on_store(lambda: ctx.evidence.put(plan_id, name, kind, data))
    url = f"/api/v1/plans/{quote(plan_id)}/evidence/{stored.sha256}"
    response.headers["Location"] = url
    return {**stored.to_dict(), "url": url}


@router.get(
    "/plans/{plan_id}/evidence/{sha256}",
    summary="Download an evidence file",
    response_class=Response,
    responses={200: {"description": "The file", "content": {"*/*": _BINARY}}},
)
def download(
    plan_id: str,
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    ctx: Ctx,
    grant: G,
) -> Response:
    check(ctx, grant, plan_id, "read")
    found, data = ctx.evidence.read(plan_id, sha256)
    ascii_name = found.name.encode("ascii", "replace").decode().replace('"', "_")
    return Response(
        data,
        media_type=found.media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.name)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
            "ETag": f'"{found.sha256}"',
        },
    )
