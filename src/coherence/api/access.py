"""Who is asking: the grant of a request's bearer token, of its signed-in session, or
the open actor while no credential (token or person) exists.

A session holds only who signed in (a person's name and email, or the id of the token
they signed in with); the role and scope are looked up in the store on every request,
so a revoke takes effect on the next one. A grant once looked up is kept while
:func:`~coherence.application.tokens.credentials_changed` stays where it was (no token,
person or access control changed since, so nothing was revoked): a token's requests
then cost no read (an aggregate read was half of a cached audit's answer), also while
plans are written.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from coherence.application.history import PlanHistory
from coherence.application.tokens import (
    authenticate,
    credentials_changed,
    grant_by_id,
    tokens_exist,
)
from coherence.application.users import person_grant
from coherence.domain.access import Grant, token_hash
from coherence.domain.errors import Unauthorized

OPEN_ACTOR = "local user (no token)"
GRANTS_KEPT: Final = 1024
"""The most grants :class:`Access` keeps between two changes to credentials (then it
forgets them all and looks them up again)."""


@dataclass(frozen=True)
class SignedIn:
    """Who a session belongs to: a person (``email``) or a token's owner (``token``)."""

    name: str
    email: str | None = None
    token: str | None = None
    """The aggregate id (hex) of the token signed in with; never its secret."""
    since: int = 0
    """When they signed in (Unix time): the session's absolute expiry counts from it."""
    csrf: str = ""


@dataclass(frozen=True)
class Caller:
    """Who is asking and how: ``via`` is ``token``, ``session`` or ``open``."""

    grant: Grant
    via: str
    email: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.grant.owner,
            "email": self.email,
            "role": self.grant.role,
            "plans": list(self.grant.plans),
            "districts": list(self.grant.districts),
            "via": self.via,
            "admin": self.grant.role == "admin" and self.grant.unscoped,
        }


class Access:
    """Grants by ``Authorization`` header or session, over the credentials of one history."""

    def __init__(self, history: PlanHistory, open_actor: str = OPEN_ACTOR) -> None:
        self.history = history
        self.open_actor = open_actor
        self._tokens_required = False
        self._tokens_checked: int | None = None
        """:func:`credentials_changed` when no credential existed yet: until it moves,
        none was granted since (no read needed)."""
        self._grants: dict[Hashable, tuple[int, Grant]] = {}
        """Grants by credential (a token's hash or id, a person's email and name), each
        with :func:`credentials_changed` when it was read."""

    def _kept(self, credential: Hashable, read: Callable[[], Grant | None]) -> Grant | None:
        """The grant of ``credential``: as read before, while no credential changed since,
        else ``read()`` (a credential without a grant is read every time)."""
        seen = credentials_changed(self.history)  # before the read: a later change moves it
        if seen is not None:
            kept = self._grants.get(credential)
            if kept is not None and kept[0] == seen:
                return kept[1]
        grant = read()
        if seen is not None and grant is not None:
            if len(self._grants) >= GRANTS_KEPT:
                self._grants.clear()
            self._grants[credential] = (seen, grant)
        return grant

    def tokens_required(self) -> bool:
        """Once a token or a person exists, every request needs a credential (a read by
        id until then, when a credential changed since the last)."""
        if not self._tokens_required:
            seen = credentials_changed(self.history)  # before the read: a change moves it
            if seen is None or seen != self._tokens_checked:
                self._tokens_required = tokens_exist(self.history)
                self._tokens_checked = seen
        return self._tokens_required

    def grant(self, authorization: str | None) -> Grant:
        """The grant of a ``Bearer`` token (admin for everyone while no token exists)."""
        return self.caller(authorization, None).grant

    def caller(self, authorization: str | None, signed_in: SignedIn | None) -> Caller:
        """Who asks: the bearer token when one is sent, else the session's person or
        token, else (while no credential exists) the open actor."""
        if not self.tokens_required():
            return Caller(Grant(self.open_actor, "admin"), "open")
        if authorization is None and signed_in is not None:
            return self._session(signed_in)
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("Sign in, or send a token: Authorization: Bearer <token>")
        secret = authorization[7:].strip()
        grant = self._kept(
            ("bearer", token_hash(secret)), lambda: authenticate(self.history, secret)
        )
        if grant is None:
            raise Unauthorized("Unknown or revoked token")
        return Caller(grant, "token")

    def _session(self, signed_in: SignedIn) -> Caller:
        if signed_in.token is not None:
            try:
                token = UUID(hex=signed_in.token)
            except ValueError:
                grant = None
            else:
                grant = self._kept(("token", token), lambda: grant_by_id(self.history, token))
            if grant is None:
                raise Unauthorized("The token you signed in with was revoked: sign in again")
            return Caller(grant, "session")
        email, name = signed_in.email or "", signed_in.name
        grant = self._kept(("person", email, name), lambda: person_grant(self.history, email, name))
        if grant is None:
            raise Unauthorized("Your access was revoked: ask your administrator")
        return Caller(grant, "session", signed_in.email)
