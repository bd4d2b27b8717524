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


class LinkEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="A link (http or https).")


class FileEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="A file uploaded to the plan (POST /plans/{id}/evidence): its SHA-256.",
    )


class ProgressReport(Body):
    note: str | None = Field(default=None, max_length=4000, description="What was done, seen.")
    evidence: list[LinkEvidence | FileEvidence] = Field(
        default_factory=list, max_length=20, description="Links and uploaded files."
    )

    def references(self) -> list[dict[str, Any]]:
        return [e.model_dump() for e in self.evidence]


class BenchmarkStatus(ProgressReport):
    status: BenchmarkStatusValue


class OutcomeResult(ProgressReport):
    as_of: date
    value: float


class EvidenceUploaded(BaseModel):
    """A file uploaded as evidence: refer to it by ``sha256`` in a progress report."""

    sha256: str
    name: str
    media_type: str
    size: int
    url: str = Field(description="Where people who may read the plan download it.")


class Lifecycle(Body):
    pass


class Adoption(Body):
    """The adoption of a plan, with the record of the vote (each part optional)."""

    body: str | None = Field(
        default=None, max_length=200, description="Who voted, e.g. 'School Committee'."
    )
    meeting_date: date | None = Field(default=None, description="The meeting's date.")
    vote: str | None = Field(default=None, max_length=60, description="How, e.g. '7-0'.")
    minutes_url: str | None = Field(
        default=None, max_length=2000, description="The minutes (an http or https URL)."
    )

    def record(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "meeting_date": self.meeting_date,
            "vote": self.vote,
            "minutes_url": self.minutes_url,
        }


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
    record: dict[str, Any] | None = Field(
        default=None,
        description="An adoption's vote (body, meeting_date, vote, minutes_url); a progress "
        "report's note and evidence (links {url}, files {sha256, name, media_type, size}).",
    )


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
    score: int


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

    kinds: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    severities: list[dict[str, Any]]


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
