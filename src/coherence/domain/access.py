"""API tokens, people, and who may do what.

A token belongs to a person (its *owner*, the actor recorded on every event it
saves), has a role and a scope. Roles, each including the one before:

- ``viewer``: read plans, histories, diffs, graphs, audits;
- ``editor``: also import plan files, change elements and links, report progress;
- ``admin``: also adopt, start a redesign, close.

A scope lists plan ids and/or districts; an empty scope means every plan. A token
scoped to a district sees and changes only that district's plans. Only the hash
of a token's secret is stored.

A *person* is someone who signs in with the district's accounts (OpenID Connect): an
admin grants an email address a role and a scope, the same :class:`Grant` as a
token's, and revokes it. The actor recorded on a person's changes is
``Name <email>``.

>>> person_actor("Ana Ruiz", "ana@riverbend.k12.ma.us")
'Ana Ruiz <ana@riverbend.k12.ma.us>'
>>> normalize_email("  Ana@Riverbend.K12.MA.us ")
'ana@riverbend.k12.ma.us'

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
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from coherence.domain.errors import InvalidValue
from coherence.domain.values import base_plan_id

ROLES = ("viewer", "editor", "admin")
ACTIONS = {"read": "viewer", "write": "editor", "administer": "admin"}
_TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://coherence.invalid/tokens")
_PEOPLE_NAMESPACE = uuid5(NAMESPACE_URL, "https://coherence.invalid/people")
_EMAIL = re.compile(r"^[^@\s<>\"',;()\[\]\\]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_NAME_FORBIDDEN = re.compile(r"[<>\x00-\x1f\x7f]")
MAX_NAME = 120


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
        """Whether the plan is in scope: a scenario (``plan~name``) is when its plan is
        (``district`` is then its plan's)."""
        if not self.plans and not self.districts:
            return True
        plan_id = base_plan_id(plan_id)
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
        _check_role(role)
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


# -- people -------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """An email address as people are keyed by: trimmed, lower case; refused when it
    is not one (:class:`InvalidValue` naming ``email``)."""
    text = email.strip().lower() if isinstance(email, str) else ""
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidValue("email", "an email address such as ana@district.org", email)
    return text


def check_name(name: str | None) -> str | None:
    """A person's full name (None when not given); no angle brackets or control
    characters, since it is recorded as ``Name <email>``."""
    if name is None:
        return None
    text = " ".join(name.split())
    if not text:
        return None
    if len(text) > MAX_NAME or _NAME_FORBIDDEN.search(name):
        raise InvalidValue(
            "name", f"a person's name of at most {MAX_NAME} characters, without < or >", name
        )
    return text


def person_actor(name: str | None, email: str) -> str:
    """The actor recorded on a person's changes: ``Name <email>`` (the email alone
    when no name is known)."""
    return f"{name} <{email}>" if name else email


def person_uuid(email: str) -> UUID:
    """The aggregate id of a person, from their (normalized) email: found without an index."""
    return uuid5(_PEOPLE_NAMESPACE, email)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidValue("role", "one of " + ", ".join(ROLES), role)


class Person(Aggregate):
    """Someone who signs in with the district's accounts: granted a role and a scope
    by an admin, re-granted (changed), revoked, granted again."""

    class Granted(Aggregate.Created):
        email: str
        name: str | None
        role: str
        plans: list[str]
        districts: list[str]
        by: str | None

    class Regranted(Aggregate.Event):
        name: str | None
        role: str
        plans: list[str]
        districts: list[str]
        by: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.role = self.role
            aggregate.plans = list(self.plans)
            aggregate.districts = list(self.districts)
            aggregate.active = True
            aggregate.granted_by = self.by

    class Revoked(Aggregate.Event):
        reason: str | None
        by: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.active = False
            aggregate.revoked_on = self.timestamp
            aggregate.revoked_by = self.by

    def __init__(
        self,
        email: str,
        name: str | None,
        role: str,
        plans: list[str],
        districts: list[str],
        by: str | None,
    ) -> None:
        self.email = email
        self.name = name
        self.role = role
        self.plans = plans
        self.districts = districts
        self.granted_by = by
        self.active = True
        self.revoked_on: datetime | None = None
        self.revoked_by: str | None = None

    @classmethod
    def grant(
        cls,
        email: str,
        *,
        role: str,
        name: str | None = None,
        plans: list[str] | None = None,
        districts: list[str] | None = None,
        by: str | None = None,
    ) -> Person:
        email = normalize_email(email)
        _check_role(role)
        return cls._create(
            cls.Granted,
            id=person_uuid(email),
            email=email,
            name=check_name(name),
            role=role,
            plans=list(plans or []),
            districts=list(districts or []),
            by=by,
        )

    def regrant(
        self,
        *,
        role: str,
        name: str | None = None,
        plans: list[str] | None = None,
        districts: list[str] | None = None,
        by: str | None = None,
    ) -> None:
        """Change the role, scope or name (or grant again after a revoke); a grant
        that changes nothing records nothing."""
        _check_role(role)
        name = check_name(name) or (self.name if name is None else None)
        plans, districts = list(plans or []), list(districts or [])
        current = (self.name, self.role, self.plans, self.districts)
        if self.active and current == (name, role, plans, districts):
            return
        self.trigger_event(
            self.Regranted, name=name, role=role, plans=plans, districts=districts, by=by
        )

    def revoke(self, reason: str | None = None, by: str | None = None) -> None:
        if self.active:
            self.trigger_event(self.Revoked, reason=reason, by=by)

    def grant_of(self, signed_in_name: str | None = None) -> Grant | None:
        """What the person may do (None once revoked); the name the admin gave wins
        over the one the identity provider sent."""
        if not self.active:
            return None
        actor = person_actor(self.name or check_name(signed_in_name), self.email)
        return Grant(actor, self.role, tuple(self.plans), tuple(self.districts))
