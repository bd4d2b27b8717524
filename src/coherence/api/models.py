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
    links: dict[str, Any] | None = Field(
        default=None,
        description="Its links, saved in the same revision, by the kind's link field (see "
        'GET /api/v1/framework), as a plan file lists them: {"supports": ["SO1"]}, '
        '{"funds": [{"target": "SI1.1", "amount": 80000}]}.',
    )


class ReviseElement(Body):
    fields: dict[str, Any] = Field(description="Only the fields that change (may be {}).")
    links: dict[str, Any] | None = Field(
        default=None,
        description="For each link field given, all of its links (others are removed), "
        "saved in the same revision as the fields.",
    )


class ReviseDetails(Body):
    """Only the details given change; null clears one."""

    district: str | None = None
    title: str | None = None
    period_start: str | None = Field(default=None, description="An ISO date.")
    period_end: str | None = Field(default=None, description="An ISO date.")


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


class Finding(BaseModel):
    rule: str
    severity: Literal["error", "warning", "info"]
    kind: str
    key: str | None
    message: str


class AuditChange(BaseModel):
    """What the change did to today's audit of the plan."""

    resolved: list[Finding] = Field(description="Findings the change made go away.")
    added: list[Finding] = Field(description="Findings the change brought.")


class CommandResponse(BaseModel):
    plan: str
    version: int
    revision: int | None
    events: int
    dry_run: bool
    created: bool
    changes: list[ChangeEntry]
    audit: AuditChange | None = Field(
        default=None, description="Findings resolved and added (writes to one plan)."
    )


class Me(BaseModel):
    """Who the request's token belongs to, and what it may do."""

    name: str
    role: Literal["viewer", "editor", "admin"]
    plans: list[str] = Field(description="The plans it is scoped to (none: every plan).")
    districts: list[str] = Field(description="The districts it is scoped to.")
    via: Literal["token", "open"] = Field(
        description="token, or open: no token exists yet and the server runs open on loopback."
    )


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

    kinds: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    severities: list[dict[str, Any]]


class FundingTotals(BaseModel):
    lines: int
    amount: str
    fte: str
    allocated: str
    aligned: str
    not_aligned: str
    unallocated: str
    over_allocated: str
    aligned_fte: str
    not_aligned_fte: str
    aligned_share: str | None


class FundingResponse(BaseModel):
    """Where the money and the staff go. Money and FTE are decimal strings, exact
    (``"174000.00"``, ``"2.50"``)."""

    plan: str | None
    version: int | None
    fiscal_year: str | None
    totals: FundingTotals
    by_objective: list[dict[str, Any]]
    by_initiative: list[dict[str, Any]]
    by_fund: list[dict[str, Any]]
    by_fiscal_year: list[dict[str, Any]]
    not_reaching: list[dict[str, Any]]
    lines: list[dict[str, Any]]


class WhatIfBody(BaseModel):
    """What if: budget lines retired, funds cut (every line retired) or scaled."""

    model_config = ConfigDict(extra="forbid")

    retire: list[str] = Field(default_factory=list, description="Budget line keys to retire.")
    cut_funds: list[str] = Field(
        default_factory=list, description="Funds whose every line is retired."
    )
    scale_funds: dict[str, float | str] = Field(
        default_factory=dict,
        description="Fund -> factor (0 or more) for its lines' amounts, allocations and FTE.",
    )


class WhatIfResponse(BaseModel):
    plan: str
    version: int
    as_of: str
    fiscal_year: str | None
    asked: dict[str, Any]
    diff: dict[str, Any]
    findings: dict[str, list[Finding]]
    score: dict[str, int]
    summary: dict[str, AuditSummary]
    budget: dict[str, str]
    staff: dict[str, str]
    funding: dict[str, FundingResponse]
    losing_all_funding: dict[str, list[str]]


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


class ScenarioCreate(Body):
    name: str = Field(description="A lower-case slug, e.g. fy28-cuts: the scenario is plan~name.")
    version: int | None = Field(
        default=None, ge=1, description="The plan's version to copy (the latest by default)."
    )


class ScenarioItem(BaseModel):
    plan: str = Field(description="The scenario's id, plan~name: every plan route takes it.")
    name: str
    of: str = Field(description="The plan it is a draft of.")
    forked_from: int = Field(description="The plan's version it was copied from.")
    status: Literal["draft", "merged", "discarded"]
    version: int
    revision: int
    created_on: str
    modified_on: str


class ScenarioInfo(BaseModel):
    plan: str
    name: str
    status: str
    version: int
    forked_from: int


class ScenarioCompare(WhatIfResponse):
    scenario: ScenarioInfo
    conflicts: list[str] = Field(
        description="What both the plan and the scenario changed since the fork (the "
        "scenario's side is shown): a merge is refused until they are resolved."
    )


class RolloverBody(Body):
    to: str = Field(description="The next school year, e.g. 2027-2028.")
    continue_: list[str] = Field(
        default_factory=list,
        alias="continue",
        description="Initiatives whose benchmarks are copied into the new school year.",
    )
    modify: list[str] = Field(
        default_factory=list,
        description="Initiatives kept for revision: benchmarks copied without a due date.",
    )
    discontinue: dict[str, str | None] = Field(
        default_factory=dict, description="Initiatives retired with their links: key -> reason."
    )
    dry_run: bool = Field(default=False, description="Show the changes; save nothing.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BenchmarkCopy(BaseModel):
    from_: str = Field(alias="from")
    to: str

    model_config = ConfigDict(populate_by_name=True)


class RolloverSummary(BaseModel):
    from_: str = Field(alias="from")
    to: str
    continued: dict[str, list[BenchmarkCopy]]
    modified: dict[str, list[BenchmarkCopy]]
    discontinued: dict[str, str | None]

    model_config = ConfigDict(populate_by_name=True)


class RolloverResponse(CommandResponse):
    audit: AuditPreview | AuditChange | None = Field(
        default=None,
        description="What it did to today's audit; a dry run's also each side's summary.",
    )
    rollover: RolloverSummary


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
