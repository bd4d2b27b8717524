"""Who is asking: the name and role of the request's token, and its scope.

The web page reads it to show editing controls only to those who may edit (the server
refuses a viewer's writes anyway).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import Me
from coherence.api.routes.shared import ERRORS, Ctx, G

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get("/me", response_model=Me, summary="Who the token belongs to, its role and scope")
def me(ctx: Ctx, grant: G) -> dict[str, Any]:
    return {
        "name": grant.owner,
        "role": grant.role,
        "plans": list(grant.plans),
        "districts": list(grant.districts),
        "via": "token" if ctx.tokens_required() else "open",
    }
