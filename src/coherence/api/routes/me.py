"""Who is asking: the page shows the person and hides what their role cannot do."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from coherence.api.routes.shared import ERRORS, C, Ctx
from coherence.api.sessions import CSRF_COOKIE, set_csrf_cookie, signed_in

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class Me(BaseModel):
    name: str = Field(description="The person's name (`Name <email>`), or the token's owner.")
    email: str | None = Field(description="The signed-in person's email (none for a token).")
    role: Literal["viewer", "editor", "admin"]
    plans: list[str] = Field(description="The plans in scope (none: every plan).")
    districts: list[str] = Field(description="The districts in scope (none: every district).")
    via: Literal["session", "token", "open"] = Field(
        description="How: a signed-in session, an Authorization: Bearer token, or open "
        "(no credential exists yet; on loopback only)."
    )
    admin: bool = Field(description="Whether the caller may manage people (an unscoped admin).")


@router.get("/me", response_model=Me, summary="Who is asking")
def me(request: Request, response: Response, ctx: Ctx, caller: C) -> dict[str, object]:
    if caller.via == "session" and CSRF_COOKIE not in request.cookies:
        who = signed_in(request, ctx.signin)  # the page lost its CSRF cookie: hand it again
        if who is not None and who.csrf:
            set_csrf_cookie(response, ctx.signin, who.csrf)
    return caller.to_dict()
