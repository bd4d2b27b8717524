"""Signing in and out: with the district's accounts (OpenID Connect), or with an API
token typed into the sign-in page; both open the same kind of session
(:mod:`coherence.api.sessions`).

Attempts are limited per client address and per account (10 a minute, then 429 with
``Retry-After``; in memory, per process: :mod:`coherence.api.ratelimit`).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from coherence.api.routes.shared import ERRORS, Ctx
from coherence.api.sessions import check_csrf, end_session, open_session, signed_in
from coherence.application.tokens import token_for
from coherence.application.users import person_grant
from coherence.domain.access import person_actor
from coherence.domain.errors import NotFound, SignInFailed, TooManyRequests, Unauthorized
from coherence.web import render

router = APIRouter(responses=ERRORS)


class TokenSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=512, description="An API token (coh_...).")


def local_path(value: str | None) -> str:
    """Where to go after sign-in: a path on this server only (never another site).

    >>> local_path("/plans/x?version=3"), local_path("//evil.example/"), local_path("https://e/")
    ('/plans/x?version=3', '/', '/')
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n\\"):
        return "/"
    return value


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def notice(title: str, message: str, status_code: int) -> HTMLResponse:
    return render("notice.html", status_code, title=title, message=message)


@router.get("/auth/signin", include_in_schema=False)
def signin_page(ctx: Ctx, next: str | None = None) -> HTMLResponse:
    provider = urlsplit(ctx.signin.issuer or "").hostname or ""
    return render(
        "signin.html",
        oidc="yes" if ctx.oidc is not None else "no",
        provider=provider,
        next=local_path(next),
    )


@router.get("/auth/oidc/start", include_in_schema=False)
async def oidc_start(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    if ctx.oidc is None:
        raise NotFound("Sign-in with an identity provider is not configured on this server")
    try:
        ctx.sign_in_attempts.check(f"address:{client_address(request)}")
        response = await ctx.oidc.start(request)
    except (TooManyRequests, SignInFailed) as e:
        return notice("Sign-in failed", str(e), 429 if isinstance(e, TooManyRequests) else 502)
    request.session["next"] = local_path(next)
    return response


@router.get("/auth/oidc/callback", include_in_schema=False)
async def oidc_callback(request: Request, ctx: Ctx) -> Response:
    if ctx.oidc is None:
        raise NotFound("Sign-in with an identity provider is not configured on this server")
    try:
        ctx.sign_in_attempts.check(f"address:{client_address(request)}")
        identity = await ctx.oidc.finish(request)
        ctx.sign_in_attempts.check(f"account:{identity.email}")
    except TooManyRequests as e:
        return notice("Too many sign-in attempts", str(e), 429)
    except SignInFailed as e:
        return notice("Sign-in failed", f"{e} Try again from the sign-in page.", 400)
    grant = await ctx.on_store(lambda: person_grant(ctx.history, identity.email, identity.name))
    next_path = local_path(request.session.get("next"))
    if grant is None:
        request.session.clear()
        who = person_actor(identity.name, identity.email)
        return notice(
            "Ask your administrator",
            f"You signed in as {who}, but this address has no role in Coherence. "
            "Ask your Coherence administrator to grant you one; then sign in again.",
            403,
        )
    redirect = RedirectResponse(next_path, status_code=303)
    open_session(request, redirect, ctx.signin, name=identity.name or "", email=identity.email)
    return redirect


@router.post("/auth/token", summary="Sign in with an API token (opens a session)")
async def token_signin(
    body: TokenSignIn, request: Request, response: Response, ctx: Ctx
) -> dict[str, Any]:
    secret = body.token.strip()
    account = hashlib.sha256(secret.encode()).hexdigest()[:16]
    ctx.sign_in_attempts.check(f"address:{client_address(request)}", f"token:{account}")
    found = await ctx.on_store(lambda: token_for(ctx.history, secret))
    if found is None:
        raise Unauthorized("Unknown or revoked token")
    uid, grant = found
    open_session(request, response, ctx.signin, name=grant.owner, token=uid.hex)
    return {
        "name": grant.owner,
        "role": grant.role,
        "plans": list(grant.plans),
        "districts": list(grant.districts),
        "via": "session",
    }


@router.post("/auth/signout", status_code=204, summary="Sign out (ends the session)")
def signout(request: Request, ctx: Ctx) -> Response:
    who = signed_in(request, ctx.signin)
    if who is not None:
        check_csrf(request, who)
    response = Response(status_code=204)
    end_session(request, response, ctx.signin)
    return response
