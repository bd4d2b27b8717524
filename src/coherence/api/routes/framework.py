"""``GET /api/v1/framework``: the catalogue the page and programs build on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import FrameworkResponse
from coherence.queries.framework import framework_document

router = APIRouter(prefix="/api/v1", tags=["framework"])


@router.get(
    "/framework",
    response_model=FrameworkResponse,
    summary="The Framework: element kinds, fields, links, audit rules and severities",
)
def framework() -> dict[str, Any]:
    return framework_document()
