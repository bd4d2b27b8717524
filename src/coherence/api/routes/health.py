"""Liveness."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from coherence.api.routes.shared import (
    ERRORS,
)

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get("/health", summary="Liveness", responses={})
def health() -> dict[str, str]:
    return {"status": "ok", "time": datetime.now().astimezone().isoformat()}
