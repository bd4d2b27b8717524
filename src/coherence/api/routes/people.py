"""People who sign in with the district's accounts, and their roles (admins only).

Only an admin whose scope is every plan may list, grant or revoke: an admin scoped to
a district could otherwise grant themselves more. The admin's name is recorded on the
grant.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from coherence.api.routes.shared import ERRORS, Ctx, G
from coherence.application.users import get_person, grant_person, list_people, revoke_person
from coherence.domain.access import Grant
from coherence.domain.errors import Forbidden

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class PersonRead(BaseModel):
    email: str
    name: str | None
    role: Literal["viewer", "editor", "admin"]
    plans: list[str]
    districts: list[str]
    active: bool = Field(description="False once revoked.")
    granted_on: str
    granted_by: str | None


class PersonGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["viewer", "editor", "admin"]
    name: str | None = Field(default=None, description="Full name (kept when not given).")
    plans: list[str] = Field(default_factory=list, description="Limit to these plans.")
    districts: list[str] = Field(default_factory=list, description="Limit to these districts.")


class Revoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = None


def administers_people(grant: Grant) -> None:
    if grant.role != "admin" or not grant.unscoped:
        raise Forbidden(f"Only an admin of every plan manages people, not a {grant.role}")


@router.get("/people", response_model=list[PersonRead], summary="People and their roles")
def list_people_route(ctx: Ctx, grant: G) -> list[dict[str, Any]]:
    administers_people(grant)
    return [p.to_dict() for p in list_people(ctx.history)]


@router.get("/people/{email}", response_model=PersonRead, summary="A person and their role")
def read_person(email: str, ctx: Ctx, grant: G) -> dict[str, Any]:
    administers_people(grant)
    return get_person(ctx.history, email).to_dict()


@router.put("/people/{email}", response_model=PersonRead, summary="Grant a person a role")
def grant_role(email: str, body: PersonGrant, ctx: Ctx, grant: G) -> dict[str, Any]:
    administers_people(grant)
    info = grant_person(
        ctx.history,
        email,
        role=body.role,
        name=body.name,
        plans=body.plans,
        districts=body.districts,
        by=grant.owner,
    )
    return info.to_dict()


@router.delete("/people/{email}", response_model=PersonRead, summary="Revoke a person's role")
def revoke_role(email: str, ctx: Ctx, grant: G, body: Revoke | None = None) -> dict[str, Any]:
    administers_people(grant)
    reason = body.reason if body else None
    return revoke_person(ctx.history, email, reason, by=grant.owner).to_dict()
