"""Request and response bodies of the HTTP API (the same words and shapes as the CLI's JSON).

Element kinds and their enumerations come from the catalogue (``domain.framework``);
the fields of each kind are checked by the domain, which names the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coherence.domain.framework import BENCHMARK_STATUSES, KINDS

BenchmarkStatusValue = Literal[BENCHMARK_STATUSES]  # type: ignore[valid-type]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, description="Why: shown in the plan's history.")


class AddElement(Body):
    kind: str = Field(
        description="Element kind (see GET /api/v1/framework).",
        json_schema_extra={"enum": list(KINDS)},
    )
    key: str | None = Field(
        default=None, description="The element's key (none for mission, vision, theory of action)."
    )
    fields: dict[str, Any] = Field(default_factory=dict, description="The element's fields.")


class ReviseElement(Body):
    fields: dict[str, Any] = Field(description="Only the fields that change.")


class LinkBody(Body):
    source: str = Field(description="The supporter's key (e.g. an initiative).")
    target: str = Field(description="The supported element's key (e.g. an objective).")
    amount: float | None = Field(
        default=None, ge=0, description="For a budget line's allocation only."
    )


class BenchmarkStatus(Body):
    status: BenchmarkStatusValue


class OutcomeResult(Body):
    as_of: date
    value: float


class Lifecycle(Body):
    pass


class ChangeEntry(BaseModel):
    version: int
    revision: int
    timestamp: str
    type: str
    actor: str
    reason: str | None
    source: str
    summary: str
    key: str | None


class CommandResponse(BaseModel):
    plan: str
    version: int
    revision: int | None
    events: int
    dry_run: bool
    created: bool
    changes: list[ChangeEntry]


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
    document: dict[str, Any] = Field(
        description="The plan file (format coherence/plan@1) at that version."
    )


class Finding(BaseModel):
    rule: str
    severity: Literal["error", "warning", "info"]
    kind: str
    key: str | None
    message: str


class AuditResponse(BaseModel):
    plan: str | None
    version: int | None
    as_of: str
    fiscal_year: str | None
    score: int
    summary: AuditSummary
    findings: list[Finding]


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


class FrameworkResponse(BaseModel):
    """The catalogue: element kinds, edges, audit rules and severities."""

    kinds: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    severities: list[dict[str, Any]]
