"""Headers on every response: ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: same-origin``; and on every HTML page the Content-Security-Policy
of :data:`coherence.web.CONTENT_SECURITY_POLICY` (scripts only from our own files, no
inline script, no framing, forms only to us), unless the page set its own.

FastAPI's own API documentation (``/docs``, ``/redoc``) loads Swagger UI and ReDoc
with an inline script from a CDN, so those two pages get only ``frame-ancestors
'none'``: they hold no data and no credential.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coherence.web import CONTENT_SECURITY_POLICY

ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
FRAMEWORK_DOCS = ("/docs", "/redoc")


class SecurityHeaders:
    """ASGI middleware adding the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(FRAMEWORK_DOCS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    policy = "frame-ancestors 'none'" if docs else CONTENT_SECURITY_POLICY
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
