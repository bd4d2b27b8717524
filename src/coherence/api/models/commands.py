"""What the writes of the API take and answer: element, link, progress and lifecycle
bodies, and the answer of every command."""

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
