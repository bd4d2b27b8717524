"""API tokens: issue, list, revoke, authenticate. Tokens are event-sourced in the
plans' own store, so every server behind a load balancer sees the same ones.

A token's secret is shown once, when it is issued; only its SHA-256 hash is
stored, and the token's aggregate id is derived from that hash, so checking a
request's token is one read by id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from coherence.application.history import PlanHistory
from coherence.domain.access import (
    ACCESS_CONTROL_ID,
    AccessControl,
    ApiToken,
    Grant,
    Person,
    token_hash,
    token_uuid,
)
from coherence.domain.errors import InvalidValue, TokenNotFound

SECRET_PREFIX = "coh_"  # noqa: S105 - a marker, not a secret


@dataclass(frozen=True)
class TokenInfo:
    id: str
    owner: str
    role: str
    plans: tuple[str, ...]
    districts: tuple[str, ...]
    label: str | None
    issued_on: datetime
    revoked: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "role": self.role,
            "plans": list(self.plans),
            "districts": list(self.districts),
            "label": self.label,
            "issued_on": self.issued_on.isoformat(),
            "revoked": self.revoked,
        }


def _info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        token.id.hex[:12],
        token.owner,
        token.role,
        tuple(token.plans),
        tuple(token.districts),
        token.label,
        token.created_on,
        token.revoked,
    )


def issue_token(
    app: PlanHistory,
    *,
    owner: str,
    role: str,
    plans: list[str] | None = None,
    districts: list[str] | None = None,
    label: str | None = None,
) -> tuple[str, TokenInfo]:
    """A new token: its secret (shown once) and what it allows."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.issue(
        token_hash(secret), owner=owner, role=role, plans=plans, districts=districts, label=label
    )
    if tokens_exist(app):
        app.save(token)
    else:
        try:
            app.save(token, AccessControl.enable())  # atomically: the first token turns it on
        except IntegrityError:  # another first token won the race; access control is on
            app.save(token)
    return secret, _info(token)


BOOTSTRAP_OWNER = "Administrator (bootstrap token)"
BOOTSTRAP_SECRET_LENGTH = 32
"""The fewest characters after ``coh_`` a bootstrap secret may have."""


def bootstrap_admin_token(
    app: PlanHistory, secret: str, *, owner: str = BOOTSTRAP_OWNER
) -> TokenInfo | None:
    """Make sure the admin token whose secret is ``secret`` was issued; idempotent.

    For a deployment that must start serving beyond loopback on its own (a container):
    its operator chooses the secret (``coh_`` and at least 32 more characters, e.g.
    ``coh_$(openssl rand -hex 24)``) and passes it in ``COHERENCE_ADMIN_TOKEN``. Returns
    the token issued now, or None when one with this secret was issued before (also when
    it was revoked since: a revoked bootstrap token stays revoked). The token's id comes
    from the secret's hash, so two processes starting at once issue it once.
    """
    if not secret.startswith(SECRET_PREFIX) or len(secret) < (
        len(SECRET_PREFIX) + BOOTSTRAP_SECRET_LENGTH
    ):
        raise InvalidValue(
            "COHERENCE_ADMIN_TOKEN",
            f"'{SECRET_PREFIX}' and at least {BOOTSTRAP_SECRET_LENGTH} more characters "
            f"(e.g. {SECRET_PREFIX}$(openssl rand -hex 24))",
            f"{len(secret)} characters" + ("" if secret.startswith(SECRET_PREFIX) else ", no coh_"),
        )
    try:
        app.repository.get(token_uuid(token_hash(secret)))
    except AggregateNotFoundError:
        pass
    else:
        return None
    token = ApiToken.issue(token_hash(secret), owner=owner, role="admin", label="bootstrap")
    try:
        if tokens_exist(app):
            app.save(token)
        else:
            try:
                app.save(token, AccessControl.enable())
            except IntegrityError:  # another first token won the race
                app.save(token)
    except IntegrityError:  # another process issued this very token meanwhile
        return None
    return _info(token)


def _tokens(app: PlanHistory) -> list[ApiToken]:
    return [app.repository.get(uid) for uid in app.created_ids(ApiToken.Issued)]


def list_tokens(app: PlanHistory) -> list[TokenInfo]:
    """Every token ever issued, oldest first (revoked ones marked)."""
    return [_info(token) for token in _tokens(app)]


def revoke_token(app: PlanHistory, token_id: str, reason: str | None = None) -> TokenInfo:
    """Revoke the token whose id starts with ``token_id`` (at least 4 characters)."""
    wanted = token_id.lower()
    matches = [t for t in _tokens(app) if len(wanted) >= 4 and t.id.hex.startswith(wanted)]
    if len(matches) != 1:
        raise TokenNotFound(f"No single token with id {token_id!r} ({len(matches)} match)")
    token = matches[0]
    token.revoke(reason)
    app.save(token)
    return _info(token)


def authenticate(app: PlanHistory, secret: str) -> Grant | None:
    """The grant of a valid, unrevoked token, or None."""
    found = token_for(app, secret)
    return None if found is None else found[1]


def token_for(app: PlanHistory, secret: str) -> tuple[UUID, Grant] | None:
    """The id and grant of a valid, unrevoked token, or None (signing in with a token:
    the session keeps the id, never the secret)."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    uid = token_uuid(token_hash(secret))
    grant = grant_by_id(app, uid)
    return None if grant is None else (uid, grant)


def grant_by_id(app: PlanHistory, token_id: UUID) -> Grant | None:
    """The grant of an unrevoked token by its aggregate id (a session opened with it)."""
    try:
        token: ApiToken = app.repository.get(token_id)
    except AggregateNotFoundError:
        return None
    if not isinstance(token, ApiToken) or token.revoked:
        return None
    return token.grant()


def credentials_changed(app: PlanHistory) -> int | None:
    """A number that moves whenever a token, a person or access control changes, by
    this process or another (the command line revoking a token): a grant read while it
    stays is still the grant. None where the store cannot tell."""
    return app.changes_of(AccessControl, ApiToken, Person)


def tokens_exist(app: PlanHistory) -> bool:
    """Whether any token or person was ever granted (then every request needs a
    credential): one read by id."""
    return bool(app.recorder.select_events(ACCESS_CONTROL_ID, limit=1))


def token_issued(app: PlanHistory) -> bool:
    """Whether a token was ever issued (``serve`` may then listen beyond loopback)."""
    return bool(app.created_ids(ApiToken.Issued))
