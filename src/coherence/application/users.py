"""People who sign in with the district's accounts: grant, list, revoke, look up.

Like API tokens, people are event-sourced in the plans' own store (one aggregate per
email address, its id derived from the address), so every server behind a load
balancer sees the same ones, and looking a person up on a request is one read by id:
a revoke takes effect on the next request. The first person granted turns access
control on, as the first token does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from coherence.application.history import PlanHistory
from coherence.application.tokens import tokens_exist
from coherence.domain.access import (
    AccessControl,
    Grant,
    Person,
    normalize_email,
    person_actor,
    person_uuid,
)
from coherence.domain.errors import InvalidInput, PersonNotFound


@dataclass(frozen=True)
class PersonInfo:
    email: str
    name: str | None
    role: str
    plans: tuple[str, ...]
    districts: tuple[str, ...]
    active: bool
    granted_on: datetime
    granted_by: str | None

    @property
    def actor(self) -> str:
        return person_actor(self.name, self.email)

    def to_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "plans": list(self.plans),
            "districts": list(self.districts),
            "active": self.active,
            "granted_on": self.granted_on.isoformat(),
            "granted_by": self.granted_by,
        }


def _info(person: Person) -> PersonInfo:
    return PersonInfo(
        person.email,
        person.name,
        person.role,
        tuple(person.plans),
        tuple(person.districts),
        person.active,
        person.modified_on,
        person.granted_by,
    )


def _get(app: PlanHistory, email: str) -> Person | None:
    try:
        person: Person = app.repository.get(person_uuid(email))
    except AggregateNotFoundError:
        return None
    return person


def grant_person(
    app: PlanHistory,
    email: str,
    *,
    role: str,
    name: str | None = None,
    plans: list[str] | None = None,
    districts: list[str] | None = None,
    by: str | None = None,
) -> PersonInfo:
    """Grant an email address a role and scope (or change them, or grant again after a
    revoke); ``name`` None keeps the name already recorded."""
    email = normalize_email(email)
    for _ in range(3):
        person = _get(app, email)
        if person is not None:
            person.regrant(role=role, name=name, plans=plans, districts=districts, by=by)
            app.save(person)
            return _info(person)
        person = Person.grant(email, role=role, name=name, plans=plans, districts=districts, by=by)
        try:
            if tokens_exist(app):
                app.save(person)
            else:
                app.save(person, AccessControl.enable())  # the first credential turns it on
        except IntegrityError:  # access control, or this person, was created meanwhile
            if _get(app, email) is None:
                app.save(person)
                return _info(person)
            continue
        return _info(person)
    raise IntegrityError(f"could not grant {email}: it kept changing")  # pragma: no cover


def revoke_person(
    app: PlanHistory, email: str, reason: str | None = None, by: str | None = None
) -> PersonInfo:
    """Revoke a person's role: their next request is refused."""
    email = normalize_email(email)
    person = _get(app, email)
    if person is None:
        raise PersonNotFound(f"No person with email {email!r} was ever granted a role")
    person.revoke(reason, by)
    app.save(person)
    return _info(person)


def get_person(app: PlanHistory, email: str) -> PersonInfo:
    email = normalize_email(email)
    person = _get(app, email)
    if person is None:
        raise PersonNotFound(f"No person with email {email!r} was ever granted a role")
    return _info(person)


def list_people(app: PlanHistory) -> list[PersonInfo]:
    """Everyone ever granted a role, oldest first (revoked ones marked)."""
    return [_info(app.repository.get(uid)) for uid in app.created_ids(Person.Granted)]


def person_grant(app: PlanHistory, email: str, signed_in_name: str | None = None) -> Grant | None:
    """What a signed-in person may do now (None when never granted, or revoked)."""
    try:
        email = normalize_email(email)
    except InvalidInput:
        return None
    person = _get(app, email)
    return None if person is None else person.grant_of(signed_in_name)


def admin_exists(app: PlanHistory) -> bool:
    """Whether an active person may administer every plan (and grant people)."""
    return any(
        p.active and p.role == "admin" and not p.plans and not p.districts for p in list_people(app)
    )
