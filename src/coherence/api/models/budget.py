"""Budget season over HTTP: funding, what-if, scenarios and the rollover."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coherence.api.models.commands import AuditChange, Body, CommandResponse, Finding
from coherence.api.models.reads import AuditPreview, AuditSummary


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
