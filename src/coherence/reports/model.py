"""The progress report of a plan as plain data: built once (:mod:`.build`), then drawn
by each renderer (HTML, PDF, DOCX) without reading the store again.

Every value is text, a number, an ISO date or a tuple of these, so that the three
renderers say the same things in the same order. The report's own sections are named
here once (:data:`SECTIONS`); what is inside them (kinds, their labels and plurals,
field labels, statuses, severities and their colours) comes from the Framework's
catalogue (:mod:`coherence.domain.framework`) and the audit's severities
(:mod:`coherence.queries.framework`).

>>> fiscal_year_of(date(2026, 7, 1)), fiscal_year_of(date(2027, 6, 30))
('FY27', 'FY27')
>>> format_date("2026-06-12"), format_date(None)
('June 12, 2026', '')
>>> format_number(50.0), format_number(18.7), format_number(None)
('50', '18.7', '')
>>> person("Ana Ruiz <ana@riverbend.k12.ma.us>")
'Ana Ruiz'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from coherence.domain.framework import KINDS

SECTIONS: Final[dict[str, str]] = {
    "glance": "The plan at a glance",
    "progress": "Progress",
    "resources": "Resources",
    "findings": "What the alignment audit found",
    "changes": "Changes since the last adoption",
    "appendix": "Appendix: the audit's rules",
}
"""The report's sections, in order, and their headings (the same in every format)."""

NOT_ADOPTED: Final = "The plan has not been adopted yet."
NO_CHANGES: Final = "None: nothing has changed since the plan was last adopted."
NOT_PUBLIC_EVENTS: Final = frozenset({"Published", "Unpublished"})
"""Events that change who may read the report, not the plan: not listed as changes."""


def fiscal_year_of(day: date) -> str:
    """The fiscal year of a date, as budget lines write it: July to June, ``FY27`` is
    July 2026 to June 2027."""
    return f"FY{(day.year + (1 if day.month >= 7 else 0)) % 100:02d}"


def format_date(value: str | date | None) -> str:
    """``June 12, 2026`` (an ISO date or date and time; blank for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    return f"{value:%B} {value.day}, {value.year}"


def format_number(value: float | int | Decimal | None) -> str:
    """A measure as people write it: ``50``, ``18.7`` (blank for none)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value}"


def format_share(value: Decimal | None) -> str:
    """``83.5%`` for a share of 0.835 (``n/a`` without money)."""
    if value is None:
        return "n/a"
    percent = (value * 100).quantize(Decimal("0.1"))
    return f"{percent.normalize():f}%" if percent == percent.to_integral() else f"{percent}%"


def person(actor: str) -> str:
    """Who, as a reader names them: the history's ``Name <email>`` without the address."""
    return re.sub(r"\s*<[^<>]*>\s*$", "", actor).strip() or actor


def humanize(value: str | None) -> str:
    """``on_track`` -> ``On track`` (an enumeration's value, for a reader)."""
    return (value or "").replace("_", " ").capitalize()


def label(kind: str) -> str:
    return KINDS[kind].label


def plural(kind: str) -> str:
    return KINDS[kind].plural


def field_label(kind: str, name: str) -> str:
    return KINDS[kind].fields[name].label


# -- the parts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Adoption:
    """The record of the plan's last adoption (at or before the report's version)."""

    sentence: str
    body: str | None
    meeting_date: str | None
    vote: str | None
    minutes_url: str | None
    recorded_on: str
    version: int


@dataclass(frozen=True)
class Item:
    """An element named by its key and title, with its text."""

    key: str
    title: str
    text: str | None = None


@dataclass(frozen=True)
class DataFinding:
    key: str
    statement: str
    subject: str | None
    student_group: str | None
    source: str | None


@dataclass(frozen=True)
class Initiative:
    key: str
    title: str
    description: str | None
    owner: str | None
    start: str | None
    end: str | None


@dataclass(frozen=True)
class Objective:
    key: str
    title: str
    description: str | None
    initiatives: tuple[Initiative, ...]
    informed_by: tuple[str, ...]


@dataclass(frozen=True)
class Learning:
    """Professional development, induction or mentoring, and what it enables."""

    key: str
    title: str
    kind: str
    audience: str | None
    initiatives: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    as_of: str
    value: float


@dataclass(frozen=True)
class Outcome:
    key: str
    statement: str
    kind: str
    metric: str | None
    student_group: str | None
    baseline: float | None
    target: float | None
    unit: str | None
    due: str | None
    results: tuple[Result, ...]
    objective: str | None
    """The key of the objective it measures."""
    start: str | None
    """Where its chart's line starts: the plan period's start."""

    @property
    def latest(self) -> Result | None:
        return self.results[-1] if self.results else None


@dataclass(frozen=True)
class Benchmark:
    key: str
    description: str
    kind: str
    school_year: str | None
    owner: str | None
    due: str | None
    status: str | None
    """The catalogue's value (``on_track``); see :attr:`status_label`."""
    note: str | None
    """The note of its last progress report (else that report's reason)."""
    noted_on: str | None

    @property
    def status_label(self) -> str:
        return humanize(self.status) if self.status else "Not reported"


@dataclass(frozen=True)
class InitiativeBenchmarks:
    key: str
    title: str
    benchmarks: tuple[Benchmark, ...]


@dataclass(frozen=True)
class ObjectiveMoney:
    key: str
    title: str
    amount: Decimal
    share: Decimal
    fte: Decimal


@dataclass(frozen=True)
class FundMoney:
    name: str
    lines: int
    amount: Decimal
    allocated: Decimal
    aligned: Decimal


@dataclass(frozen=True)
class Resources:
    """Money and staff of one fiscal year's budget lines (see ``queries/funding.py``)."""

    fiscal_year: str
    lines: int
    amount: Decimal
    allocated: Decimal
    aligned: Decimal
    not_aligned: Decimal
    unallocated: Decimal
    fte: Decimal
    aligned_share: Decimal | None
    by_objective: tuple[ObjectiveMoney, ...]
    by_fund: tuple[FundMoney, ...]


@dataclass(frozen=True)
class FindingTopic:
    """The findings of one severity about one kind of thing, as sentences."""

    about: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class FindingGroup:
    severity: str
    label: str
    plural: str
    colour: str
    topics: tuple[FindingTopic, ...]

    @property
    def count(self) -> int:
        return sum(len(t.sentences) for t in self.topics)


@dataclass(frozen=True)
class RuleFinding:
    """A finding as the appendix lists it, with its rule's id."""

    rule: str
    severity: str
    key: str | None
    description: str


@dataclass(frozen=True)
class Change:
    """One revision after the last adoption: who, when, why, and what (sentences)."""

    revision: int
    recorded_on: str
    actor: str
    reason: str | None
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything a progress report says, in the order it says it."""

    plan: str
    district: str
    title: str
    period_start: str | None
    period_end: str | None
    status: str
    version: int
    as_of: str
    """The report's date: the audit's and the funding's (``as_of``, else the version's
    date when one was asked for, else today)."""
    published: bool
    adoption: Adoption | None
    mission: str | None
    vision: str | None
    theory_of_action: str | None
    core_values: tuple[Item, ...]
    data_findings: tuple[DataFinding, ...]
    objectives: tuple[Objective, ...]
    professional_development: tuple[Learning, ...]
    induction_mentoring: tuple[Learning, ...]
    unaligned_initiatives: tuple[Initiative, ...]
    outcomes: tuple[Outcome, ...]
    benchmarks: tuple[InitiativeBenchmarks, ...]
    resources: Resources
    score: int
    findings: tuple[FindingGroup, ...]
    rules: tuple[RuleFinding, ...]
    changes: tuple[Change, ...]

    @property
    def status_label(self) -> str:
        return humanize(self.status)

    @property
    def period(self) -> str:
        if self.period_start and self.period_end:
            return f"{format_date(self.period_start)} to {format_date(self.period_end)}"
        return format_date(self.period_start or self.period_end) or "no period set"

    @property
    def changes_note(self) -> str | None:
        """What the changes section says when it lists none."""
        if self.adoption is None:
            return NOT_ADOPTED
        return None if self.changes else NO_CHANGES

    @property
    def objective_titles(self) -> dict[str, str]:
        return {o.key: o.title for o in self.objectives}
