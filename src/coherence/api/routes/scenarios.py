"""A plan's scenarios: draft copies with a history of their own, addressed as plan
``{plan}~{name}`` by every plan route. Create, list, compare with the plan, merge into
it (``If-Match`` on the live plan) and discard. A scenario has its plan's access rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.models import (
    CommandResponse,
    Lifecycle,
    ScenarioCompare,
    ScenarioCreate,
    ScenarioItem,
)
from coherence.api.routes.shared import ERRORS, Ctx, G, W, author, check, command_response
from coherence.application.results import CommandResult
from coherence.domain.values import scenario_id

router = APIRouter(prefix="/api/v1", responses=ERRORS)

Name = Annotated[str, Path(description="The scenario's name (a lower-case slug).")]


@router.get(
    "/plans/{plan_id}/scenarios",
    response_model=list[ScenarioItem],
    summary="The plan's scenarios (draft, merged and discarded)",
)
async def list_scenarios(plan_id: str, ctx: Ctx, grant: G) -> list[dict[str, Any]]:
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    return await run_in_threadpool(ctx.reader.scenarios, plan_id)


@router.post(
    "/plans/{plan_id}/scenarios",
    response_model=CommandResponse,
    status_code=201,
    summary="Create a scenario: a draft copy of the plan at a version, plan~name",
    description="Its first revision copies every element and link of the plan at `version` "
    "(the latest by default). Every plan route then takes `{plan}~{name}`. 409 when the plan "
    "has a scenario of that name already; 422 for a name that is not a slug, or a scenario "
    "of a scenario.",
)
async def create_scenario(
    plan_id: str, body: ScenarioCreate, response: Response, ctx: Ctx, grant: G
) -> dict[str, Any]:
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "write"))
    by = author(grant, body.reason)

    def create() -> CommandResult:
        with ctx.writing(scenario_id(plan_id, body.name)):
            return ctx.history.create_scenario(plan_id, body.name, by, version=body.version)

    result = await run_in_threadpool(create)
    return command_response(response, result)


@router.get(
    "/plans/{plan_id}/scenarios/{name}/compare",
    response_model=ScenarioCompare,
    summary="A scenario against its plan as it is now (the what-if's shape)",
    description="`before` is the plan now, `after` the plan as merging the scenario would "
    "leave it: the diff, the findings it adds and resolves, funding before and after, and "
    "what loses all its funding; `conflicts` names what a merge would refuse.",
)
async def compare_scenario(
    plan_id: str,
    name: Name,
    ctx: Ctx,
    grant: G,
    fiscal_year: str | None = None,
) -> dict[str, Any]:
    await ctx.on_store(lambda: check(ctx, grant, plan_id, "read"))
    return await run_in_threadpool(
        ctx.reader.compare_scenario, plan_id, name, fiscal_year=fiscal_year
    )


@router.post(
    "/plans/{plan_id}/scenarios/{name}/merge",
    response_model=CommandResponse,
    summary="Merge a scenario into its plan, as one revision",
    description="The scenario's changes since its fork, applied to the plan as it is now "
    "(If-Match: the plan's version), as one revision whose reason names the scenario. 409 "
    "naming the elements (in `elements`) changed on both sides since the fork, nothing "
    "saved; 409 for a discarded or merged scenario.",
)
async def merge_scenario(plan_id: str, name: Name, body: Lifecycle, write: W) -> dict[str, Any]:
    return await write(
        plan_id,
        lambda history, by, at: history.merge_scenario(plan_id, name, by, at),
        reason=body.reason,
        together=False,  # it writes the scenario too
    )


@router.delete(
    "/plans/{plan_id}/scenarios/{name}",
    response_model=CommandResponse,
    summary="Discard a scenario",
    description="An event of the scenario's own history, which stays: a discarded scenario "
    "can no longer change nor be merged. If-Match: the scenario's version.",
)
async def discard_scenario(
    plan_id: str, name: Name, write: W, reason: str | None = None
) -> dict[str, Any]:
    ctx = write.ctx
    await ctx.on_store(lambda: check(ctx, write.grant, plan_id, "write"))
    sid = await ctx.on_store(lambda: ctx.history.scenario_of(plan_id, name))
    return await write(
        sid,
        lambda history, by, at: history.discard_scenario(plan_id, name, by, at),
        reason=reason,
    )
