"""The audit summary across every plan a token can see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import (
    StatewideSummary,
)
from coherence.api.routes.shared import (
    ERRORS,
    Ctx,
    Engine,
    G,
)
from coherence.queries.audit import ENGINES

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get(
    "/statewide",
    response_model=StatewideSummary,
    summary="Audit summary across every plan you can see",
)
def statewide(
    ctx: Ctx,
    grant: G,
    engine: Engine = ENGINES[0],
) -> dict[str, Any]:
    """Every plan's audit today, on either engine (the same answer; ``neo4j`` audits
    every plan in one state-wide run on the graph database)."""
    summaries = ctx.reader.plan_summaries(engine)
    plans = [p for p in summaries if grant.in_scope(p["plan"], p["district"])]
    totals = {s: sum(p["audit"][s] for p in plans) for s in ("error", "warning", "info")}
    ranked = sorted(plans, key=lambda p: (-p["score"], p["plan"]))
    return {"plans": len(plans), "summary": totals, "by_plan": ranked}
