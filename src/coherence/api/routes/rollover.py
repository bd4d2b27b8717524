"""The rollover of a plan to the next school year: one revision, or its preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from coherence.api.models import RolloverBody, RolloverResponse
from coherence.api.routes.shared import ERRORS, W
from coherence.application.history import Author, PlanHistory
from coherence.application.results import CommandResult
from coherence.domain.rollover import Rollover, rollover_choices

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/rollover",
    response_model=RolloverResponse,
    response_model_by_alias=True,
    summary="Roll the plan over to the next school year (or preview it: dry_run)",
    description="For each active initiative: `continue` (its benchmarks of the current "
    "school year copied into the new one under new keys, B12 -> B12-2028, not started, due a "
    "year later), `modify` (copied without a due date: kept for revision) or `discontinue` "
    "(retired with its links; key -> reason). Every active initiative must be given a choice. "
    "One revision, 'Rollover to 2027-2028'; with dry_run the changes and the audit change "
    "are shown and nothing is saved. Editors and admins.",
)
async def rollover(plan_id: str, body: RolloverBody, write: W) -> dict[str, Any]:
    choices = rollover_choices(body.continue_, body.modify, body.discontinue)
    found: list[tuple[CommandResult, Rollover]] = []

    def run(history: PlanHistory, by: Author, at: int | None) -> CommandResult:
        found.append(history.rollover(plan_id, body.to, choices, by, at, dry_run=body.dry_run))
        return found[-1][0]

    answer = await write(plan_id, run, reason=body.reason)
    result, done = found[-1]
    if body.dry_run:
        answer["audit"] = await run_in_threadpool(write.ctx.reader.audit_preview, result)
    answer["rollover"] = done.to_dict()
    return answer
