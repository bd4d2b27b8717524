"""API tokens and who may do what.

A token belongs to a person (its *owner*, the actor recorded on every event it
saves), has a role and a scope. Roles, each including the one before:

- ``viewer``: read plans, histories, diffs, graphs, audits;
- ``editor``: also import plan files, change elements and links, report progress;
- ``admin``: also adopt, start a redesign, close.

A scope lists plan ids and/or districts; an empty scope means every plan. A token
scoped to a district sees and changes only that district's plans. Only the hash
of a token's secret is stored.

>>> grant = Grant("Ana", "editor", districts=("Riverbend Public Schools",))
>>> grant.allows("write", "riverbend-2024", "Riverbend Public Schools")
True
>>> grant.allows("write", "other-2025", "Other District")
False
>>> grant.allows("administer", "riverbend-2024", "Riverbend Public Schools")
False
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from coherence.domain.errors import InvalidValue

ROLES = ("viewer", "editor", "admin")
ACTIONS = {"read": "viewer", "write": "editor", "administer": "admin"}
_TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://coherence.invalid/tokens")


def token_hash(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_uuid(secret_hash: str) -> UUID:
    """The aggregate id of a token, from its hash: found without an index."""
    return uuid5(_TOKEN_NAMESPACE, secret_hash)


@dataclass(frozen=True)
class Grant:
    """What a token allows: its owner acts with a role within a scope."""

    owner: str
    role: str
    plans: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()

    def in_scope(self, plan_id: str, district: str | None) -> bool:
        if not self.plans and not self.districts:
            return True
        return plan_id in self.plans or (district is not None and district in self.districts)

    def allows(self, action: str, plan_id: str | None = None, district: str | None = None) -> bool:
        """May the owner do ``action`` (read, write, administer) on that plan?"""
        if ROLES.index(self.role) < ROLES.index(ACTIONS[action]):
            return False
        return plan_id is None or self.in_scope(plan_id, district)

    @property
    def unscoped(self) -> bool:
        return not self.plans and not self.districts


ACCESS_CONTROL_ID = uuid5(_TOKEN_NAMESPACE, "access-control")


class AccessControl(Aggregate):
    """Exists once the first token is issued: from then on every request needs one.

    Saved with the first token, it lets a server ask "are tokens required?" with one
    read by id instead of a search through the log.
    """

    class Enabled(Aggregate.Created):
        """The first API token was issued."""

    @classmethod
    def enable(cls) -> AccessControl:
        return cls._create(cls.Enabled, id=ACCESS_CONTROL_ID)


class ApiToken(Aggregate):
    """An API token: issued to an owner with a role and scope, revoked at the latest."""

    class Issued(Aggregate.Created):
        owner: str
        role: str
        plans: list[str]
        districts: list[str]
        label: str | None
        secret_hash: str

    class Revoked(Aggregate.Event):
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked = True
            aggregate.revoked_on = self.timestamp

    def __init__(
        self,
        owner: str,
        role: str,
        plans: list[str],
        districts: list[str],
        label: str | None,
        secret_hash: str,
    ) -> None:
        self.owner = owner
        self.role = role
        self.plans = plans
        self.districts = districts
        self.label = label
        self.secret_hash = secret_hash
        self.revoked = False
        self.revoked_on: datetime | None = None

    @classmethod
    def issue(
        cls,
        secret_hash: str,
        *,
        owner: str,
        role: str,
        plans: list[str] | None = None,
        districts: list[str] | None = None,
        label: str | None = None,
    ) -> ApiToken:
        if not owner.strip():
            raise InvalidValue("owner", "the name of the person the token is for", owner)
        if role not in ROLES:
            raise InvalidValue("role", "one of " + ", ".join(ROLES), role)
        return cls._create(
            cls.Issued,
            id=token_uuid(secret_hash),
            owner=owner,
            role=role,
            plans=list(plans or []),
            districts=list(districts or []),
            label=label,
            secret_hash=secret_hash,
        )

    def revoke(self, reason: str | None = None) -> None:
        if not self.revoked:
            self.trigger_event(self.Revoked, reason=reason)

    def grant(self) -> Grant:
        return Grant(self.owner, self.role, tuple(self.plans), tuple(self.districts))
