"""Build a plan's :class:`~coherence.reports.model.Report` from the plan reader, once.

The read is resolved once (:meth:`PlanReader.at`: a version, a date or now); the plan,
its active graph, its audit (as of the report's date, of the report's fiscal year), its
funding and its history are all read at that version. The fiscal year is the one asked
for, else the fiscal year of the report's date (July to June).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from coherence.application.narrative import HistoryEntry
from coherence.domain.framework import FRAMEWORK, KINDS
from coherence.domain.values import fiscal_year_option
from coherence.queries.audit import AuditReport, Finding, Severity, natural_key
from coherence.queries.framework import SEVERITIES, framework_document
from coherence.queries.funding import FundingSummary
from coherence.queries.reader import PlanReader
from coherence.reports.model import (
    NOT_PUBLIC_EVENTS,
    Adoption,
    Benchmark,
    Change,
    DataFinding,
    FindingGroup,
    FindingTopic,
    FundMoney,
    Initiative,
    InitiativeBenchmarks,
    Item,
    Learning,
    Objective,
    ObjectiveMoney,
    Outcome,
    Report,
    Resources,
    Result,
    RuleFinding,
    fiscal_year_of,
    humanize,
    person,
)

Element = Mapping[str, Any]


def build_report(
    reader: PlanReader,
    plan_id: str,
    *,
    version: int | None = None,
    as_of: date | datetime | None = None,
    fiscal_year: str | None = None,
) -> Report:
    """The progress report of a plan at a version, as of a date, or now."""
    year = fiscal_year_option(fiscal_year)
    at = reader.at(plan_id, version=version, as_of=as_of)
    plan = reader.plan(plan_id, version=at.version)
    year = year or fiscal_year_of(at.audit_date)
    findings = reader.audit_at(at, year)
    funding = reader.funding(plan_id, version=at.version, fiscal_year=year)
    history = [e for e in reader.history_of(plan_id) if e.version <= at.version]

    active = {k: e for k, e in plan.elements.items() if not e["retired"]}
    links = [
        (source, target, link["edge"])
        for source, targets in plan.links.items()
        for target, link in targets.items()
    ]
    elements = _Elements(active, links)
    adoption = _last_adoption(history)
    period_start = plan.period_start
    learning = elements.learning()
    choices = KINDS["professional_learning"].fields["kind"].choices
    return Report(
        plan=plan_id,
        district=plan.district or "",
        title=plan.title or plan_id,
        period_start=period_start,
        period_end=plan.period_end,
        status=plan.status,
        version=at.version,
        as_of=at.audit_date.isoformat(),
        published=plan.published,
        adoption=adoption,
        mission=elements.text("mission"),
        vision=elements.text("vision"),
        theory_of_action=elements.text("theory_of_action"),
        core_values=tuple(
            Item(key, _title("core_value", f, key), f.get("description"))
            for key, f in elements.of("core_value")
        ),
        data_findings=tuple(
            DataFinding(
                key,
                _title("data_finding", f, key),
                f.get("subject"),
                f.get("student_group"),
                f.get("source"),
            )
            for key, f in elements.of("data_finding")
        ),
        objectives=elements.objectives(),
        professional_development=tuple(pl for pl in learning if pl.kind != _other(choices)),
        induction_mentoring=tuple(pl for pl in learning if pl.kind == _other(choices)),
        unaligned_initiatives=elements.unaligned_initiatives(),
        outcomes=elements.outcomes(period_start),
        benchmarks=elements.benchmarks(_last_notes(history)),
        resources=_resources(funding, year),
        score=findings.score,
        findings=_finding_groups(findings),
        rules=_rule_findings(findings),
        changes=_changes_since(history, adoption),
    )


def _other(choices: Sequence[str]) -> str:
    """How the report groups professional learning: professional development (the
    catalogue's first kind) apart from induction and mentoring (the others)."""
    return " and ".join(humanize(c).lower() for c in choices[1:]).capitalize()


def _title(kind: str, fields: Element, key: str) -> str:
    return KINDS[kind].title(fields) or key


class _Elements:
    """The active elements of the plan and its links, read by kind and by link."""

    def __init__(self, active: Mapping[str, Element], links: list[tuple[str, str, str]]):
        self.active = active
        self.targets: dict[tuple[str, str], list[str]] = {}
        self.sources: dict[tuple[str, str], list[str]] = {}
        for source, target, edge in links:
            if source in active and target in active:
                self.targets.setdefault((source, edge), []).append(target)
                self.sources.setdefault((target, edge), []).append(source)

    def of(self, kind: str) -> list[tuple[str, Element]]:
        """The active elements of a kind, by key in natural order, with their fields."""
        found = [(k, e["fields"]) for k, e in self.active.items() if e["kind"] == kind]
        return sorted(found, key=lambda pair: natural_key(pair[0]))

    def text(self, kind: str) -> str | None:
        found = self.of(kind)
        return found[0][1].get("text") if found else None

    def linked(self, key: str, edge: str, *, reverse: bool = False) -> tuple[str, ...]:
        found = (self.sources if reverse else self.targets).get((key, edge), [])
        return tuple(sorted(found, key=natural_key))

    def initiative(self, key: str) -> Initiative:
        f = self.active[key]["fields"]
        return Initiative(
            key,
            _title("initiative", f, key),
            f.get("description"),
            f.get("owner"),
            f.get("start"),
            f.get("end"),
        )

    def objectives(self) -> tuple[Objective, ...]:
        return tuple(
            Objective(
                key,
                _title("objective", f, key),
                f.get("description"),
                tuple(self.initiative(i) for i in self.linked(key, "supports", reverse=True)),
                self.linked(key, "informs", reverse=True),
            )
            for key, f in self.of("objective")
        )

    def unaligned_initiatives(self) -> tuple[Initiative, ...]:
        """Initiatives that support no active objective (the audit reports them)."""
        return tuple(
            self.initiative(key)
            for key, _ in self.of("initiative")
            if not self.linked(key, "supports")
        )

    def learning(self) -> tuple[Learning, ...]:
        choices = KINDS["professional_learning"].fields["kind"].choices
        other = _other(choices)
        return tuple(
            Learning(
                key,
                _title("professional_learning", f, key),
                other if f.get("kind") in choices[1:] else humanize(choices[0]),
                f.get("audience"),
                self.linked(key, "enables"),
            )
            for key, f in self.of("professional_learning")
        )

    def outcomes(self, start: str | None) -> tuple[Outcome, ...]:
        out = []
        for key, f in self.of("outcome"):
            measured = self.linked(key, "measures")
            results = sorted(f.get("results") or [], key=lambda r: str(r["as_of"]))
            out.append(
                Outcome(
                    key=key,
                    statement=_title("outcome", f, key),
                    kind=humanize(f.get("kind")),
                    metric=f.get("metric"),
                    student_group=f.get("student_group"),
                    baseline=f.get("baseline"),
                    target=f.get("target"),
                    unit=f.get("unit"),
                    due=f.get("due"),
                    results=tuple(Result(str(r["as_of"]), float(r["value"])) for r in results),
                    objective=measured[0] if measured else None,
                    start=start,
                )
            )
        return tuple(out)

    def benchmarks(self, notes: Mapping[str, tuple[str, str]]) -> tuple[InitiativeBenchmarks, ...]:
        by_initiative: dict[str | None, list[Benchmark]] = {}
        for key, f in self.of("benchmark"):
            tracked = self.linked(key, "tracks")
            note, noted_on = notes.get(key, (None, None))
            by_initiative.setdefault(tracked[0] if tracked else None, []).append(
                Benchmark(
                    key=key,
                    description=_title("benchmark", f, key),
                    kind=humanize(f.get("kind")),
                    school_year=f.get("school_year"),
                    owner=f.get("owner"),
                    due=f.get("due"),
                    status=f.get("status"),
                    note=note,
                    noted_on=noted_on,
                )
            )
        ordered = sorted(by_initiative, key=lambda k: (k is None, natural_key(k)))
        return tuple(
            InitiativeBenchmarks(
                key or "",
                self.initiative(key).title if key else "Not tracking an initiative",
                tuple(by_initiative[key]),
            )
            for key in ordered
        )


def _last_adoption(history: Iterable[HistoryEntry]) -> Adoption | None:
    last = None
    for entry in history:
        if entry.type == "Adopted":
            last = entry
    if last is None:
        return None
    record = dict(last.record or {})
    sentence = last.summary.removesuffix(f": {last.reason}") if last.reason else last.summary
    return Adoption(
        sentence=sentence,
        body=record.get("body"),
        meeting_date=record.get("meeting_date"),
        vote=record.get("vote"),
        minutes_url=record.get("minutes_url"),
        recorded_on=last.timestamp.date().isoformat(),
        version=last.version,
    )


def _last_notes(history: Iterable[HistoryEntry]) -> dict[str, tuple[str, str]]:
    """Each benchmark's last progress report: its note (else its reason) and date."""
    notes: dict[str, tuple[str, str]] = {}
    for entry in history:
        if entry.type == "BenchmarkStatusReported" and entry.key:
            note = (entry.record or {}).get("note") or entry.reason
            if note:
                notes[entry.key] = (note, entry.timestamp.date().isoformat())
            else:
                notes.pop(entry.key, None)
    return notes


def _changes_since(
    history: Sequence[HistoryEntry], adoption: Adoption | None
) -> tuple[Change, ...]:
    """The revisions after the last adoption, each with its history's sentences."""
    if adoption is None:
        return ()
    revisions: dict[int, list[HistoryEntry]] = {}
    for entry in history:
        if entry.version > adoption.version and entry.type not in NOT_PUBLIC_EVENTS:
            revisions.setdefault(entry.revision, []).append(entry)
    return tuple(
        Change(
            revision=number,
            recorded_on=entries[0].timestamp.isoformat(),
            actor=person(entries[0].actor),
            reason=entries[0].reason,
            sentences=tuple(
                e.summary.removesuffix(f": {e.reason}") if e.reason else e.summary for e in entries
            ),
        )
        for number, entries in revisions.items()
    )


def _resources(funding: FundingSummary, year: str) -> Resources:
    totals = funding.totals
    return Resources(
        fiscal_year=year,
        lines=totals.lines,
        amount=totals.amount,
        allocated=totals.allocated,
        aligned=totals.aligned,
        not_aligned=totals.not_aligned,
        unallocated=totals.unallocated,
        fte=totals.fte,
        aligned_share=totals.aligned_share,
        by_objective=tuple(
            ObjectiveMoney(o.key, o.title or o.key, o.amount, o.share, o.share_fte)
            for o in funding.objectives
        ),
        by_fund=tuple(
            FundMoney(f.name, f.lines, f.amount, f.allocated, f.aligned) for f in funding.funds
        ),
    )


def _about(finding: Finding) -> tuple[int, str]:
    """What a finding is about, for a reader, and where that comes in the catalogue."""
    order = list(FRAMEWORK.kinds)
    if finding.kind in KINDS:
        spec = KINDS[finding.kind]
        # a missing foundation item is about the plan's foundations, not one element
        if finding.key is None and spec.level == 0:
            return -1, "The plan's foundations"
        return order.index(finding.kind), spec.plural
    return -2, "The plan as a whole"


def _sentence(message: str) -> str:
    message = message.strip()
    return message if message.endswith((".", "!", "?")) else message + "."


def _finding_groups(report: AuditReport) -> tuple[FindingGroup, ...]:
    groups = []
    for severity in sorted(Severity, reverse=True):
        of_severity = [f for f in report.findings if f.severity is severity]
        if not of_severity:
            continue
        topics: dict[tuple[int, str], list[str]] = {}
        for finding in of_severity:
            topics.setdefault(_about(finding), []).append(_sentence(finding.message))
        look = SEVERITIES[severity]
        groups.append(
            FindingGroup(
                severity=severity.value,
                label=look["label"],
                plural=look["plural"],
                colour=look["colour"],
                topics=tuple(
                    FindingTopic(about, tuple(sentences))
                    for (_, about), sentences in sorted(topics.items())
                ),
            )
        )
    return tuple(groups)


def _rule_findings(report: AuditReport) -> tuple[RuleFinding, ...]:
    described = {r["rule"]: r["description"] for r in framework_document()["rules"]}
    return tuple(
        RuleFinding(f.rule, SEVERITIES[f.severity]["label"], f.key, described.get(f.rule, ""))
        for f in report.findings
    )
