"""Spreadsheets: a blank workbook, one section of a plan as CSV both ways, and a budget
from a finance system (CSV or XLSX) through a column mapping.

A plan's whole workbook is read and imported by the plans' routes (``GET
/plans/{id}?format=xlsx``, ``POST /plans/import`` with the XLSX media type). The
imports here reconcile only their part of the plan (the section, or the budget lines
and their allocations) and take ``If-Match``, ``reason`` and ``dry_run`` like every
write; a dry run also says what it would do to today's audit.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from coherence.api.models import BudgetImportResponse, ImportResponse
from coherence.api.routes.shared import (
    ERRORS,
    NOT_MODIFIED,
    AsOf,
    Ctx,
    G,
    Version,
    W,
    Write,
    attachment,
    check,
    not_modified,
    with_audit_preview,
)
from coherence.application.history import Author, PlanHistory
from coherence.application.results import CommandResult
from coherence.application.workbook import (
    XLSX_MEDIA,
    BudgetImport,
    merge_budget,
    merge_section,
    read_budget,
    read_mapping,
    read_section_csv,
    section_to_csv,
    table,
    write_template,
)
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidValue, UnsupportedMediaType

router = APIRouter(prefix="/api/v1", responses=ERRORS)

CSV_MEDIA = "text/csv"
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
BINARY = {"schema": {"type": "string", "format": "binary"}}


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


@router.get(
    "/template",
    summary="A blank plan workbook to fill in (then POST /plans/import)",
    response_class=Response,
    responses={200: {"description": "The workbook", "content": {XLSX_MEDIA: BINARY}}},
)
def template(
    grant: G,
    format: Annotated[Literal["xlsx"], Query(description="xlsx (the only one).")] = "xlsx",
) -> Response:
    return attachment(write_template(), XLSX_MEDIA, "coherence-plan-template.xlsx", None)


@router.get(
    "/plans/{plan_id}/sections/{section}",
    summary="One section of a plan as CSV (budget_lines, initiatives, outcome_results, ...)",
    response_class=Response,
    responses={
        200: {"description": "The section", "content": {CSV_MEDIA: {"schema": {"type": "string"}}}},
        **NOT_MODIFIED,
    },
)
def read_section(
    plan_id: str,
    section: str,
    request: Request,
    ctx: Ctx,
    grant: G,
    version: Version = None,
    as_of: AsOf = None,
    format: Annotated[Literal["csv"], Query(description="csv (the only one).")] = "csv",
) -> Response:
    check(ctx, grant, plan_id, "read")
    name = table(section).name
    plan = ctx.reader.plan(plan_id, version=version, as_of=as_of)
    if (unchanged := not_modified(request, plan.version)) is not None:
        return unchanged
    text = section_to_csv(PlanState.of(plan), name)
    filename = f"{plan_id}-v{plan.version}-{name}.csv"
    return attachment(text.encode("utf-8"), f"{CSV_MEDIA}; charset=utf-8", filename, plan.version)


async def _reconcile(
    write: Write,
    plan_id: str,
    merge: Any,
    *,
    dry_run: bool,
    reason: str | None,
) -> dict[str, Any]:
    """Reconcile the plan with ``merge(plan)`` as a write (scope, role, If-Match, lock)."""
    done: list[CommandResult] = []

    def run(history: PlanHistory, by: Author, at: int | None) -> CommandResult:
        result = history.import_merged(plan_id, merge, by, dry_run=dry_run, expected_version=at)
        done.append(result)
        return result

    await write(plan_id, run, reason=reason)
    return await with_audit_preview(write.ctx, done[0])


@router.post(
    "/plans/{plan_id}/sections/{section}",
    response_model=ImportResponse,
    summary="Import one section from CSV: only that section is reconciled",
    openapi_extra={
        "requestBody": {"required": True, "content": {CSV_MEDIA: {"schema": {"type": "string"}}}}
    },
)
async def import_section(
    plan_id: str,
    section: str,
    request: Request,
    write: W,
    dry_run: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    ctx = write.ctx
    name = table(section).name
    await ctx.on_store(lambda: check(ctx, write.grant, plan_id, "write"))  # before the body
    media = _media(request.headers.get("content-type")) or CSV_MEDIA
    if media not in CSV_TYPES:
        raise UnsupportedMediaType(f"A section is sent as {CSV_MEDIA}, not {media}")
    body = await ctx.read_body(request)
    rows = await run_in_threadpool(read_section_csv, body, name, filename=f"{name}.csv")
    return await _reconcile(
        write,
        plan_id,
        lambda state: merge_section(state, rows),
        dry_run=dry_run,
        reason=reason,
    )


@router.post(
    "/plans/{plan_id}/budget-import",
    response_model=BudgetImportResponse,
    summary="Import a budget from a finance system (CSV or XLSX) through a column mapping",
    description="Replaces the plan's budget lines and their allocations, keeping everything "
    "else. Send multipart/form-data with a `file` part and a `mapping` part (YAML or JSON: "
    "field: column), or the file itself as the body (text/csv or the XLSX type) with the "
    "mapping as JSON in `mapping` or as `map=field=column` (repeated). Rows whose target "
    "is not in the plan are left out and listed in unknown_targets.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "mapping": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                },
                CSV_MEDIA: {"schema": {"type": "string"}},
                XLSX_MEDIA: BINARY,
            },
        }
    },
)
async def budget_import(
    plan_id: str,
    request: Request,
    write: W,
    mapping: Annotated[
        str | None, Query(description='JSON: {"key": "Line No", "amount": "Total Budget"}')
    ] = None,
    map: Annotated[
        list[str] | None, Query(description="field=column, repeated (added to mapping)")
    ] = None,
    filename: Annotated[
        str | None, Query(max_length=200, description="The file's name (in messages).")
    ] = None,
    dry_run: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    ctx = write.ctx
    await ctx.on_store(lambda: check(ctx, write.grant, plan_id, "write"))  # before the body
    content_type = request.headers.get("content-type")
    media = _media(content_type)
    body = await ctx.read_body(request)
    pairs: dict[str, str] = {}
    if mapping is not None:
        pairs.update(_json_mapping(mapping))
    if media == "multipart/form-data":
        parts = form_parts(body, content_type or "")
        if "file" not in parts:
            raise InvalidValue("file", "a part named file holding the finance system's export")
        part_name, data = parts["file"]
        name = filename or part_name or "budget"
        if "mapping" in parts:
            pairs.update(read_mapping(parts["mapping"][1], filename="mapping"))
    elif media in CSV_TYPES:
        data, name = body, filename or "budget.csv"
    elif media == XLSX_MEDIA:
        data, name = body, filename or "budget.xlsx"
    else:
        raise UnsupportedMediaType(
            f"A budget is sent as multipart/form-data, {CSV_MEDIA} or {XLSX_MEDIA}, not {media}"
        )
    for pair in map or []:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise InvalidValue("map", "field=column, e.g. amount=Total Budget", pair)
        pairs[ours.strip()] = theirs.strip()
    if not pairs:
        raise InvalidValue("mapping", "the columns of the file: a mapping or map=field=column")

    def read() -> BudgetImport:
        state = ctx.history.plan_state(plan_id)
        return read_budget(data, filename=name, mapping=pairs, plan=state)

    found = await run_in_threadpool(read)
    answer = await _reconcile(
        write,
        plan_id,
        lambda state: merge_budget(state, found),
        dry_run=dry_run,
        reason=reason,
    )
    answer["unknown_targets"] = [
        {"row": u.row, "cell": u.cell, "budget_line": u.budget_line, "target": u.target}
        for u in found.unknown_targets
    ]
    return answer


def _json_mapping(text: str) -> dict[str, str]:
    try:
        parsed = json.loads(text)
    except ValueError:
        raise InvalidValue("mapping", 'JSON such as {"key": "Line No"}', text) from None
    if not isinstance(parsed, Mapping):
        raise InvalidValue("mapping", 'a JSON object such as {"key": "Line No"}', text)
    return read_mapping(parsed, filename="mapping")


def form_parts(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body by name: (file name, bytes).

    >>> body = (b'--b\\r\\nContent-Disposition: form-data; name="file"; filename="f.csv"'
    ...         b'\\r\\n\\r\\nkey\\r\\nBL-1\\r\\n--b--\\r\\n')
    >>> form_parts(body, "multipart/form-data; boundary=b")
    {'file': ('f.csv', b'key\\r\\nBL-1')}
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise InvalidValue("body", "a multipart/form-data body with its boundary")
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            parts[name] = (part.get_filename(), data)
    return parts
