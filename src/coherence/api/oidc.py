"""Sign-in with the district's accounts: OpenID Connect's authorization code flow.

Why Authlib: it is a maintained, widely used implementation of the client side of
OAuth 2 and OpenID Connect with a Starlette integration. It reads the provider's
discovery document, sends PKCE (S256), ``state`` and ``nonce`` and keeps them in the
signed session until the provider sends the browser back, exchanges the code over a
back channel, and checks the ID token's signature against the provider's published
keys (JWKS), its issuer, audience, expiry and nonce. Writing that by hand is where
sign-in flaws come from. The same code serves Google Workspace, Microsoft Entra ID or
any provider with a discovery document.

What we check on top: the discovery document's issuer is the one configured; the ID
token carries an email the provider does not call unverified; with a hosted domain
configured, the account belongs to it (Google's ``hd`` claim). Whether that email may
do anything is then the people's grants' business (:mod:`coherence.application.users`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from fastapi import Request
from starlette.responses import RedirectResponse

from coherence.application.settings import SignInSettings
from coherence.domain.errors import SignInFailed

SCOPES = "openid email profile"
TIMEOUT = 10.0
"""Seconds to wait for the provider on the back channel (discovery, token, keys)."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    email: str
    name: str | None


class OidcClient:
    """The service's client of one OpenID provider."""

    def __init__(self, settings: SignInSettings) -> None:
        self.settings = settings
        self.oauth = OAuth()
        self.client: Any = self.oauth.register(
            "district",
            server_metadata_url=settings.discovery_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": TIMEOUT},
        )

    async def start(self, request: Request) -> RedirectResponse:
        """The redirect to the provider's sign-in page (``state``, ``nonce`` and the PKCE
        verifier are kept in the session)."""
        extra: dict[str, str] = {}
        if self.settings.hosted_domain:
            extra["hd"] = self.settings.hosted_domain  # Google: offer only that domain
        try:
            await self._metadata()
            response: RedirectResponse = await self.client.authorize_redirect(
                request, self.settings.redirect_uri, **extra
            )
        except (OAuthError, OSError, ValueError, httpx2.HTTPError) as e:
            raise SignInFailed(f"The identity provider could not be reached: {e}") from e
        return response

    async def finish(self, request: Request) -> Identity:
        """Who signed in, from the provider's answer on the callback; every check done."""
        try:
            await self._metadata()
            token = await self.client.authorize_access_token(request)
        except OAuthError as e:
            why = e.description or e.error
            raise SignInFailed(f"The identity provider's answer was refused: {why}") from e
        except (OSError, ValueError, KeyError, httpx2.HTTPError) as e:
            raise SignInFailed(f"The identity provider's answer was refused: {e}") from e
        claims = token.get("userinfo")
        if not claims:
            raise SignInFailed("The identity provider sent no ID token")
        return self.identity(dict(claims))

    def identity(self, claims: dict[str, Any]) -> Identity:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise SignInFailed(
                "The identity provider sent no email address: allow the 'email' scope"
            )
        if claims.get("email_verified") in (False, "false"):
            raise SignInFailed(f"The provider has not verified the address {email}")
        domain = self.settings.hosted_domain
        if domain and str(claims.get("hd", "")).lower() != domain:
            raise SignInFailed(f"Only accounts of {domain} may sign in here")
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip():
            given = " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name"))
            name = given.strip() or None
        return Identity(email.strip().lower(), name)

    async def _metadata(self) -> None:
        """Load the discovery document once, refusing one for another issuer."""
        metadata = await self.client.load_server_metadata()
        issuer = str(metadata.get("issuer", "")).rstrip("/")
        if issuer != (self.settings.issuer or "").rstrip("/"):
            self.client.server_metadata = {}
            raise SignInFailed(
                f"The discovery document names issuer {issuer!r}, "
                f"not the configured {self.settings.issuer!r}"
            )
