"""Progress: a benchmark's status, an outcome's result, each with a note and evidence
(links, and files uploaded first to ``POST /plans/{id}/evidence``, referred to by SHA-256)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coherence.api.models import BenchmarkStatus, CommandResponse, OutcomeResult
from coherence.api.routes.shared import ERRORS, W

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post(
    "/plans/{plan_id}/benchmarks/{key}/status",
    response_model=CommandResponse,
    summary="Report a benchmark's status",
)
async def report_status(plan_id: str, key: str, body: BenchmarkStatus, write: W) -> dict[str, Any]:
    evidence = write.ctx.evidence
    return await write(
        plan_id,
        lambda history, by, at: history.report_benchmark_status(
            plan_id,
            key,
            body.status,
            by,
            at,
            note=body.note,
            evidence=evidence.resolve(plan_id, body.references()),
        ),
        reason=body.reason,
    )


@router.post(
    "/plans/{plan_id}/outcomes/{key}/results",
    response_model=CommandResponse,
    summary="Report an outcome's result",
)
async def report_result(plan_id: str, key: str, body: OutcomeResult, write: W) -> dict[str, Any]:
    evidence = write.ctx.evidence
    return await write(
        plan_id,
        lambda history, by, at: history.report_outcome_result(
            plan_id,
            key,
            body.as_of,
            body.value,
            by,
            at,
            note=body.note,
            evidence=evidence.resolve(plan_id, body.references()),
        ),
        reason=body.reason,
    )
