"""Progress: a benchmark's status, an outcome's result, each with a note and evidence
(links, and files uploaded first to ``POST /plans/{id}/evidence``, referred to by SHA-256),
and an outcome's trajectory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.models import BenchmarkStatus, CommandResponse, OutcomeProgress, OutcomeResult
from coherence.api.routes.shared import ERRORS, AsOf, Ctx, G, Version, W, check, etag

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


@router.get(
    "/plans/{plan_id}/outcomes/{key}/progress",
    response_model=OutcomeProgress,
    summary="An outcome's trajectory, results and whether it is on track",
)
async def outcome_progress(
    plan_id: str,
    key: str,
    response: Response,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    latest = await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    body: dict[str, Any] = await run_in_threadpool(
        ctx.reader.outcome_progress, plan_id, key, version=version, as_of=as_of, latest=latest
    )
    etag(response, body["version"])
    return body
