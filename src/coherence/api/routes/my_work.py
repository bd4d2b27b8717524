"""My work: the benchmarks and outcomes the person asking owns, across their plans."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from coherence.api.models import MyWork
from coherence.api.routes.shared import ERRORS, Ctx, G
from coherence.domain.errors import Forbidden
from coherence.domain.values import normalize_date
from coherence.queries.my_work import my_work
from coherence.queries.read_at import today

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get(
    "/my-work",
    response_model=MyWork,
    summary="What you own that needs you",
    description="The benchmarks and outcomes you own in the plans you may read: due in the "
    "next 30 days, overdue, and not reported for more than 90 days (and the rest you own). "
    "Ownership: an owner field equal (any case) to your token's owner, one of its "
    "comma-separated parts, or your e-mail; a benchmark without an owner is its "
    "initiative's, an outcome is the owners' of the initiatives supporting its objective. "
    "Admins may ask for someone else's (`owner`).",
)
def read_my_work(
    ctx: Ctx,
    grant: G,
    owner: Annotated[
        str | None, Query(max_length=200, description="Someone else's (admins).")
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            description="As of this day, YYYY-MM-DD (default today).",
        ),
    ] = None,
) -> dict[str, Any]:
    if owner is not None and owner != grant.owner and not grant.allows("administer"):
        raise Forbidden(f"A {grant.role} token sees only its own work")
    plans = [p for p in ctx.history.list_plans() if grant.in_scope(p.plan_id, p.district)]
    emails = [e for e in (getattr(grant, "email", None),) if isinstance(e, str)]
    day = today() if as_of is None else date.fromisoformat(normalize_date(as_of, "as_of"))
    return my_work(ctx.history, plans, owner or grant.owner, day, emails)
