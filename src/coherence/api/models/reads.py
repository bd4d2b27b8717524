"""What the reads of the API answer: plans, audits, history, diffs, elements, timelines,
progress, the catalogue, my work, the deck, and problems."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coherence.api.models.commands import AuditChange, ChangeEntry, CommandResponse, Finding


class AuditSummary(BaseModel):
    error: int
    warning: int
    info: int


class PlanListItem(BaseModel):
    plan: str
    district: str | None
    title: str | None
    status: str
    version: int
    revision: int
    modified_on: str
    audit: AuditSummary
    score: int


class PlanRead(BaseModel):
    plan: str
    version: int
    status: str
    published: bool = Field(
        default=False, description="Whether its report is public at /public/{plan}."
    )
    document: dict[str, Any] = Field(
        description="The plan file (format coherence/plan@1) at that version."
    )


class AuditResponse(BaseModel):
    plan: str | None
    version: int | None
    as_of: str
    fiscal_year: str | None
    score: int
    summary: AuditSummary
    findings: list[Finding]


class AuditSide(BaseModel):
    summary: AuditSummary
    score: int


class AuditPreview(AuditChange):
    """What a dry run would do to today's audit of the plan (nothing is saved): the
    findings it would resolve and add, and each side's summary and score."""

    as_of: str
    before: AuditSide
    after: AuditSide


class ImportResponse(CommandResponse):
    audit: AuditPreview | None = Field(
        default=None, description="With dry_run=true: the findings it would resolve and add."
    )


class UnknownTargetRow(BaseModel):
    row: int
    cell: str
    budget_line: str
    target: str


class BudgetImportResponse(ImportResponse):
    unknown_targets: list[UnknownTargetRow] = Field(
        description="Rows whose allocation names no initiative or professional learning of "
        "the plan (left out)."
    )


class HistoryPage(BaseModel):
    plan: str
    total: int
    offset: int
    limit: int
    events: list[ChangeEntry]


class DiffResponse(BaseModel):
    plan: str
    from_: int = Field(alias="from")
    to: int
    added: list[dict[str, Any]]
    retired: list[dict[str, Any]]
    revised: list[dict[str, Any]]
    linked: list[dict[str, Any]]
    unlinked: list[dict[str, Any]]

    model_config = ConfigDict(populate_by_name=True)


class ElementRead(BaseModel):
    plan: str
    version: int
    key: str
    kind: str
    retired: bool
    fields: dict[str, Any]
    line_of_sight: list[list[str]]
    beneath: list[str]
    history: list[ChangeEntry]


class TimelineEntry(BaseModel):
    revision: int
    version: int
    timestamp: str
    actor: str
    reason: str | None
    changes: int
    summary: AuditSummary
    history: AuditSummary = Field(
        description="How many of the findings are the history-aware rules', per severity."
    )
    score: int


class DatedValue(BaseModel):
    date: str | None
    value: Any


class ProgressResult(BaseModel):
    as_of: str | None
    value: Any
    expected: float | int | None = Field(
        default=None, description="The trajectory's value on the result's date."
    )
    short: bool | None = Field(default=None, description="Whether it falls short of the line.")


class LatestResult(BaseModel):
    as_of: str
    value: Any


class OutcomeProgress(BaseModel):
    """An outcome's trajectory (baseline at the period's start to target at the due
    date), every result, and whether the latest (dated by ``as_of``) is on track."""

    plan: str
    version: int
    key: str
    name: str
    metric: str | None
    unit: str | None
    as_of: str
    baseline: DatedValue
    target: DatedValue
    trajectory: list[DatedValue]
    results: list[ProgressResult]
    latest: LatestResult | None
    on_track: bool | None


class StatewideSummary(BaseModel):
    plans: int
    summary: AuditSummary
    by_plan: list[PlanListItem]


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
    current_version: int | None = None
    file: str | None = None
    elements: list[str] | None = Field(
        default=None, description="An undo's conflict: the elements changed since."
    )


class FrameworkResponse(BaseModel):
    """The catalogue: element kinds, edges, audit rules and severities."""

    kinds: list[dict[str, Any]] = Field(
        description="Each kind with its colour and the ink its labels are written in."
    )
    edges: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    severities: list[dict[str, Any]]
    unknown_kind: dict[str, str] = Field(
        description="The colour and ink of an element whose kind the catalogue does not know."
    )
    graph: dict[str, Any] = Field(
        description="How the alignment graph draws borders, links, new and retired elements."
    )


class WorkItem(BaseModel):
    plan: str
    district: str | None
    plan_title: str | None
    version: int
    key: str
    kind: Literal["benchmark", "outcome"]
    name: str
    owner: str | None
    due: str | None
    status: str | None
    last_result: dict[str, Any] | None
    last_reported: str | None
    days_since_report: int | None
    days_until_due: int | None


class MyWork(BaseModel):
    person: str
    as_of: str
    due_soon_days: int
    stale_days: int
    overdue: list[WorkItem]
    due_soon: list[WorkItem]
    stale: list[WorkItem]
    other: list[WorkItem] = Field(description="What else you own (nothing due, or done).")


class DeckResponse(BaseModel):
    """The plan as slides (``coherence.queries.deck``): each slide's ``layout``
    (``title``, ``objective``, ``list``), ``title``, ``subtitle``, ``blocks``
    (``statement``, ``bullets``, ``table``), ``graph`` (an objective's part of the
    alignment graph) and speaker ``notes``."""

    plan: str
    district: str
    title: str
    version: int
    as_of: str
    slides: list[dict[str, Any]]
