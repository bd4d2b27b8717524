"""Signed-in sessions in a cookie, and what protects the writes made with one.

After sign-in (OpenID Connect, or an API token typed into the sign-in page) the
session cookie ``coherence_session`` holds who signed in: a person's name and email,
or the id of the token (never its secret), when, and a CSRF token. It is signed with
the service's session secret (Starlette's ``SessionMiddleware``, itsdangerous),
``HttpOnly``, ``SameSite=Lax``, ``Secure`` when the public URL is https, and ends
after 8 hours without a request or 7 days after sign-in. The role and scope are
not in it: they are looked up on every request (:mod:`coherence.api.access`).

Writes made with the cookie are protected from other sites twice:

* every request that is not a read (not GET, HEAD, OPTIONS) and carries no
  ``Authorization`` header is refused when the browser says it comes from another
  site (``Sec-Fetch-Site: cross-site``) or its ``Origin`` is not ours
  (:class:`CrossSiteGuard`);
* a write authenticated by the session must send ``X-CSRF-Token`` equal to the
  session's CSRF token, which the page reads from the ``coherence_csrf`` cookie
  (not ``HttpOnly``; a double-submit token bound to the signed session)
  (:func:`check_csrf`).

Programs that send ``Authorization: Bearer`` need neither: a browser never adds that
header to another site's request.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from coherence.api.access import SignedIn
from coherence.api.errors import problem
from coherence.application.settings import SignInSettings
from coherence.domain.errors import Forbidden

SESSION_COOKIE = "coherence_session"
CSRF_COOKIE = "coherence_csrf"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_PATHS = "/auth/"
"""Where sessions are opened, read and ended whatever the request carries."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_EVERY = 300
"""Seconds between rewrites of a busy session's cookie (each rewrite restarts its idle
time), so that not every response carries a ``Set-Cookie``."""


def session_middleware_options(settings: SignInSettings) -> dict[str, Any]:
    """The options of Starlette's ``SessionMiddleware`` for these settings."""
    return {
        "secret_key": settings.session_secret,
        "session_cookie": SESSION_COOKIE,
        "max_age": settings.session_idle,
        "same_site": "lax",
        "https_only": settings.secure,
    }


class BrowserSessions:
    """ASGI middleware: Starlette's ``SessionMiddleware`` for the requests a session
    may serve. A request with its own credential (an ``Authorization`` header) is
    passed on without one: the caller is then the credential's, and the session is
    neither read nor written (:meth:`~coherence.api.context.ApiContext.caller`), so
    checking and decoding its signed cookie was wasted (programs send a token on every
    request). Sign-in (``/auth/...``) always has its session."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.sessions = SessionMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not str(scope.get("path", "")).startswith(SIGN_IN_PATHS)
            and any(name == b"authorization" for name, _ in scope.get("headers") or ())
        ):
            await self.app(scope, receive, send)
            return
        await self.sessions(scope, receive, send)


def signed_in(request: Request, settings: SignInSettings) -> SignedIn | None:
    """Who the request's session belongs to; None without one, or once it is too old
    (7 days after sign-in: it is then cleared)."""
    if "session" not in request.scope:
        return None
    session = request.session
    who = session.get("who")
    if not isinstance(who, dict):
        return None
    now = int(time.time())
    since = int(who.get("since", 0))
    if now - since > settings.session_absolute or since > now + 60:
        session.clear()
        return None
    if now - int(session.get("seen", 0)) > TOUCH_EVERY:
        session["seen"] = now  # a rewrite restarts the idle time
    return SignedIn(
        name=str(who.get("name") or ""),
        email=who.get("email"),
        token=who.get("token"),
        since=since,
        csrf=str(session.get("csrf", "")),
    )


def open_session(
    request: Request,
    response: Response,
    settings: SignInSettings,
    *,
    name: str,
    email: str | None = None,
    token: str | None = None,
) -> None:
    """Start a new session (never the one before: no session fixation) and hand the
    page its CSRF token in the ``coherence_csrf`` cookie."""
    now = int(time.time())
    csrf = secrets.token_urlsafe(32)
    request.session.clear()
    request.session.update(
        {
            "who": {"name": name, "email": email, "token": token, "since": now},
            "seen": now,
            "csrf": csrf,
        }
    )
    set_csrf_cookie(response, settings, csrf)


def set_csrf_cookie(response: Response, settings: SignInSettings, csrf: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=settings.session_absolute,
        path="/",
        secure=settings.secure,
        httponly=False,  # the page reads it and sends it back in X-CSRF-Token
        samesite="lax",
    )


def end_session(request: Request, response: Response, settings: SignInSettings) -> None:
    if "session" in request.scope:
        request.session.clear()
    response.delete_cookie(CSRF_COOKIE, path="/", secure=settings.secure, samesite="lax")


def check_csrf(request: Request, who: SignedIn) -> None:
    """403 unless a write made with the session sends its CSRF token in ``X-CSRF-Token``."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not who.csrf or not sent or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
        raise Forbidden(
            f"A change made with a signed-in session must send the {CSRF_HEADER} header "
            f"(the value of the {CSRF_COOKIE} cookie); reload the page"
        )


def cross_site_refusal(
    method: str, headers: dict[bytes, bytes], host_origins: set[str]
) -> str | None:
    """Why a request must be refused as coming from another site, or None.

    Only writes without an ``Authorization`` header are judged: a browser sends no
    such header to another site by itself.

    >>> ours = {"https://plans.example"}
    >>> cross_site_refusal("POST", {b"sec-fetch-site": b"cross-site"}, ours) is not None
    True
    >>> cross_site_refusal("POST", {b"origin": b"https://evil.example"}, ours) is not None
    True
    >>> cross_site_refusal("POST", {b"origin": b"https://plans.example"}, ours) is None
    True
    >>> cross_site_refusal("GET", {b"sec-fetch-site": b"cross-site"}, ours) is None
    True
    """
    if method in SAFE_METHODS or b"authorization" in headers:
        return None
    if headers.get(b"sec-fetch-site", b"").lower() == b"cross-site":
        return "The browser says this request comes from another site"
    origin = headers.get(b"origin")
    if origin is not None:
        text = origin.decode("latin-1").strip().lower().rstrip("/")
        if text not in host_origins:
            return f"A request from {text} cannot change anything here"
    return None


class CrossSiteGuard:
    """ASGI middleware: 403 for a write without ``Authorization`` that a browser says
    comes from another site, or whose ``Origin`` is neither the public URL's nor the
    request's own host's."""

    def __init__(self, app: ASGIApp, public_url: str | None) -> None:
        self.app = app
        self.public = None if public_url is None else _origin(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)  # reads are never judged
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1").lower()
        scheme = scope.get("scheme", "http")
        origins = {self.public} if self.public else {f"{scheme}://{host}"}
        reason = cross_site_refusal(scope["method"], headers, origins)
        if reason is None:
            await self.app(scope, receive, send)
            return
        await problem(403, "Forbidden", reason)(scope, receive, send)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
