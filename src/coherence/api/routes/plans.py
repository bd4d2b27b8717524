"""Plans: the list with their audit summary, a plan file or workbook import, a plan at a
version or date (as its plan file, or as an XLSX workbook)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.models import (
    CommandResponse,
    ImportResponse,
    PlanListItem,
    PlanRead,
    ReviseDetails,
)
from coherence.api.routes.shared import (
    ERRORS,
    NOT_MODIFIED,
    AsOf,
    Ctx,
    Engine,
    G,
    IfMatch,
    Version,
    W,
    attachment,
    author,
    check,
    etag,
    expected,
    not_modified,
    with_audit_preview,
)
from coherence.application.planfile import state_to_document
from coherence.application.results import CommandResult
from coherence.application.workbook import XLSX_MEDIA, read_plan_input, write_workbook
from coherence.domain.changes import PlanState
from coherence.domain.errors import Forbidden, InvalidInput, UnsupportedMediaType
from coherence.queries.audit import ENGINES

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


def plan_file_media(content_type: str | None) -> str:
    """``json``, ``yaml`` or ``xlsx``, by a request's Content-Type (YAML when none is given).

    >>> plan_file_media("application/json; charset=utf-8"), plan_file_media(None)
    ('json', 'yaml')
    >>> plan_file_media("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    'xlsx'
    """
    media = (content_type or "application/yaml").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in YAML_TYPES:
        return "yaml"
    if media == XLSX_MEDIA:
        return "xlsx"
    raise UnsupportedMediaType(
        "A plan file is sent as application/yaml or application/json, a workbook as "
        f"{XLSX_MEDIA}, not {media}"
    )


router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get("/plans", response_model=list[PlanListItem], summary="Plans with their audit summary")
def list_plans(ctx: Ctx, grant: G, engine: Engine = ENGINES[0]) -> list[dict[str, Any]]:
    summaries = ctx.reader.plan_summaries(engine)
    return [p for p in summaries if grant.in_scope(p["plan"], p["district"])]


@router.post(
    "/plans/import",
    response_model=ImportResponse,
    summary="Import a plan file (YAML or JSON body) or an XLSX workbook",
    description="The same reconciliation for each: only the events that turn the stored plan "
    "into the file's. With dry_run=true nothing is saved and the answer also says which "
    "findings of today's audit the import would resolve and add (audit).",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                XLSX_MEDIA: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_plan(
    request: Request,
    response: Response,
    ctx: Ctx,
    grant: G,
    if_match: IfMatch = None,
    dry_run: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    if not grant.allows("write"):  # before reading the body: a viewer learns nothing of it
        raise Forbidden(f"A {grant.role} token cannot import plans")
    media = plan_file_media(request.headers.get("content-type"))
    body = await ctx.read_body(request)
    name = "workbook" if media == "xlsx" else "request body"
    document = await run_in_threadpool(read_plan_input, body, filename=name, media=media)
    district = document.state.details.get("district")
    existing = ctx.district_of(document.plan_id, missing_ok=True)
    for scope_district in {district, existing} if existing is not None else {district}:
        if not grant.allows("write", document.plan_id, scope_district):
            raise Forbidden(f"This token cannot import plan {document.plan_id} of {scope_district}")
    moved = existing is not None and district != existing
    if moved and not grant.unscoped and not {district, existing} <= set(grant.districts):
        # A token scoped to the plan itself must not carry it into another district.
        raise Forbidden(
            f"This token cannot move plan {document.plan_id} from {existing} to {district}"
        )

    def save() -> CommandResult:
        with ctx.writing(document.plan_id):
            return ctx.history.import_plan(
                document,
                author(grant, reason),
                dry_run=dry_run,
                expected_version=expected(if_match),
            )

    result = await run_in_threadpool(save)
    if result.created and not dry_run:
        response.status_code = 201
    etag(response, result.version)
    return await with_audit_preview(ctx, result)


@router.get(
    "/plans/{plan_id}",
    response_model=PlanRead,
    summary="A plan at a version or date (format=xlsx: as a workbook)",
    responses={
        200: {
            "description": "The plan file in JSON, or (format=xlsx) the plan's workbook",
            "content": {XLSX_MEDIA: {"schema": {"type": "string", "format": "binary"}}},
        },
        **NOT_MODIFIED,
    },
)
def read_plan(
    plan_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
    format: Annotated[
        Literal["json", "xlsx"], Query(description="json (the default) or xlsx (a workbook).")
    ] = "json",
) -> dict[str, Any] | Response:
    check(ctx, grant, plan_id, "read")
    plan = ctx.reader.plan(plan_id, version=version, as_of=as_of)
    if (unchanged := not_modified(request, plan.version)) is not None:
        return unchanged
    if format == "xlsx":
        data = write_workbook(PlanState.of(plan))
        return attachment(data, XLSX_MEDIA, f"{plan_id}-v{plan.version}.xlsx", plan.version)
    etag(response, plan.version)
    return {
        "plan": plan_id,
        "version": plan.version,
        "status": plan.status,
        "published": plan.published,
        "document": state_to_document(PlanState.of(plan)),
    }


DETAIL_PATHS = {
    "plan.district": "district",
    "plan.title": "title",
    "plan.period.start": "period_start",
    "plan.period.end": "period_end",
}
"""The plan file's paths of the details (in the domain's errors), as this body names them."""


@router.patch(
    "/plans/{plan_id}", response_model=CommandResponse, summary="Revise the plan's details"
)
async def revise_details(plan_id: str, body: ReviseDetails, write: W) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    try:
        return await write(
            plan_id,
            lambda history, by, at: history.revise_details(plan_id, changes, by, at),
            reason=body.reason,
        )
    except InvalidInput as e:
        raise type(e)(DETAIL_PATHS.get(e.path, e.path), e.expected, e.got) from None
