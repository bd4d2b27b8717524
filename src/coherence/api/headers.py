"""Headers on every response: ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: same-origin``; and on every HTML page the Content-Security-Policy
of :data:`coherence.web.CONTENT_SECURITY_POLICY` (scripts only from our own files, no
inline script, no framing, forms only to us), unless the page set its own.

FastAPI's own API documentation (``/docs``, ``/redoc``) loads Swagger UI and ReDoc
with an inline script from a CDN, so those two pages get only ``frame-ancestors
'none'``: they hold no data and no credential.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coherence.web import CONTENT_SECURITY_POLICY

ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
FRAMEWORK_DOCS = ("/docs", "/redoc")
_ALWAYS = [
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in ALWAYS.items()
]
_POLICY = b"content-security-policy"
_PAGE_POLICY = CONTENT_SECURITY_POLICY.encode("latin-1")
_DOCS_POLICY = b"frame-ancestors 'none'"


class SecurityHeaders:
    """ASGI middleware adding the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The raw (name, value) pairs, read once: every response passes here.
                raw = message["headers"] = list(message.get("headers", ()))
                given = {name.lower(): value for name, value in raw}
                raw += [pair for pair in _ALWAYS if pair[0] not in given]
                html = given.get(b"content-type", b"").startswith(b"text/html")
                if html and _POLICY not in given:
                    docs = str(scope.get("path", "")).startswith(FRAMEWORK_DOCS)
                    raw.append((_POLICY, _DOCS_POLICY if docs else _PAGE_POLICY))
            await send(message)

        await self.app(scope, receive, send_with_headers)
