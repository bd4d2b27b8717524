"""Errors as ``application/problem+json`` (RFC 9457), from one table.

Every error Coherence raises on purpose has its status and title in
:data:`coherence.domain.errors.OUTCOMES` (the tree of every error class is drawn
there); anything else is a 500 whose body says only that something went wrong (never
a stack trace). A 5xx says what the table's ``detail`` says, never the error itself.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from coherence.application.postgres_store import STORE_ERRORS, unavailable_store
from coherence.domain.errors import (
    ApiError,
    CoherenceError,
    Forbidden,
    InvalidInput,
    MergeConflict,
    NotFound,
    PayloadTooLarge,
    PlanFileError,
    TooManyRequests,
    Unauthorized,
    UndoConflict,
    UnsupportedMediaType,
    VersionConflict,
    outcome_of,
)

__all__ = [  # the HTTP layer's errors, still importable from here
    "ApiError",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "Unauthorized",
    "UnsupportedMediaType",
]

PROBLEM = "application/problem+json"
RETRY_AFTER_S = 5
"""Told to clients of a 503: a server the request needs is restarting or away."""
log = logging.getLogger("coherence.api")


class BodyTooLarge(StarletteHTTPException):
    """413 raised while a route's body is being received (see ``app.BodyLimit``).

    An ``HTTPException`` on purpose: FastAPI lets those through its body parsing,
    where any other error (our :class:`PayloadTooLarge` included) becomes a 400.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body is over {limit} bytes")


DOCUMENTED = {
    400: "Bad request",
    401: "No token or session, or an unknown or revoked one",
    403: "The role or scope does not allow this, or a write from another site or without "
    "X-CSRF-Token",
    404: "Unknown plan, element, version or token",
    409: "Version conflict (the current version is in the body), or not allowed now",
    413: "Body over the size limit",
    415: "Unsupported media type",
    429: "Too many sign-in attempts: try again after Retry-After seconds",
    422: "Invalid input: the body names the field and what was expected",
    503: "A database the request needs did not answer: try again later",
}


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers or None)


def problem_for(raised: Exception) -> JSONResponse:
    """The problem document of an error, from its row of the one table."""
    error = unavailable_store(raised)
    outcome = outcome_of(error)
    if outcome.status >= 500:
        if isinstance(error, CoherenceError):
            log.error("%s: %s", outcome.title, error)
        else:
            log.exception("unexpected error", exc_info=error)
        detail = outcome.detail or "The server could not handle the request."
        retry = {"Retry-After": str(RETRY_AFTER_S)} if outcome.status == 503 else None
        return problem(outcome.status, outcome.title, detail, retry)
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidInput):
        extra["errors"] = [{"path": error.path, "expected": error.expected}]
        if isinstance(error, PlanFileError):
            extra["file"] = error.file
    if isinstance(error, VersionConflict):
        extra["current_version"] = error.current
    headers = None
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    if isinstance(error, UndoConflict | MergeConflict):
        extra["elements"] = list(error.keys)
    return problem(outcome.status, outcome.title, str(error), headers, **extra)


HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}


def allowed_methods(request: Request, allow: str | None) -> str:
    """The methods the API documents on the request's path (Starlette's ``allow`` if none).

    Starlette's 405 names only the methods of the first route matching the path,
    though several routes share a path here (GET, PATCH and DELETE of an element).
    When several documented paths match (``/plans/import`` and ``/plans/{plan_id}``),
    the one with the fewest parameters is the resource.
    """
    matches: list[tuple[int, set[str]]] = []
    for template, operations in request.app.openapi().get("paths", {}).items():
        regex, _, params = compile_path(template)
        if regex.match(request.url.path):
            matches.append((len(params), {m.upper() for m in operations} & HTTP_METHODS))
    if not matches:
        return allow or ""
    fewest = min(n for n, _ in matches)
    return ", ".join(sorted(set().union(*(m for n, m in matches if n == fewest))))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(CoherenceError)
    async def coherence_error(_: Request, error: CoherenceError) -> JSONResponse:
        return problem_for(error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"path": ".".join(str(p) for p in e.get("loc", ())), "expected": e.get("msg", "")}
            for e in error.errors()
        ]
        first = errors[0] if errors else {"path": "", "expected": ""}
        return problem(422, "Invalid input", f"{first['path']}: {first['expected']}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # Keep the exception's headers (e.g. ``Allow`` on a 405).
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request, headers.get("Allow"))
        title = (
            outcome_of(PayloadTooLarge()).title
            if isinstance(error, BodyTooLarge)
            else str(error.detail)
        )
        return problem(error.status_code, title, str(error.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        return problem_for(error)

    # The store's errors by class too: Starlette re-raises what the catch-all answers,
    # and uvicorn then logs a traceback for every request of an outage.
    for library_error in STORE_ERRORS:
        app.add_exception_handler(library_error, unexpected)
