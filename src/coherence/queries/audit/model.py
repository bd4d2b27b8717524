"""What an audit takes and gives: options, findings, the report, and the shape of a rule.

Plain data with no engine behind it, shared by the networkx rules, the report and the
Neo4j twin.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, NamedTuple

from coherence.projections.monitoring import FACTS, PROGRESS_FIELDS
from coherence.queries.audit.values import fiscal_year_option

__all__ = [
    "ENGINES",
    "INPUTS",
    "PROGRESS_INPUTS",
    "AuditContext",
    "AuditReport",
    "Detector",
    "Finding",
    "HistoryDetector",
    "HistoryPart",
    "HistoryRuleDefinition",
    "MessageFunction",
    "Node",
    "Row",
    "Rule",
    "RuleDefinition",
    "RuleFunction",
    "Severity",
    "audit_context",
    "check_reads",
]

ENGINES: Final = ("networkx", "neo4j")
"""Where the rules run: in this process on networkx, or as Cypher in Neo4j (the same
reports, finding for finding). The first is the default."""

PROGRESS_INPUTS: Final[frozenset[str]] = frozenset(
    f"{kind}.{name}" for kind, names in PROGRESS_FIELDS.items() for name in names
)
"""The fields that report progress, as ``kind.field`` (``benchmark.status``,
``outcome.results``): what a status or a result changes in the plan graph."""

INPUTS: Final[frozenset[str]] = PROGRESS_INPUTS | FACTS
"""What a rule may say it reads besides the plan itself (its active elements, their
links, their other fields, the plan's details, which every rule is taken to read): the
progress fields and the families of monitoring facts
(:data:`~coherence.projections.monitoring.FACTS`). An audit of a later version reuses
the findings of every rule that reads none of what changed in between (see
:mod:`~coherence.queries.audit.incremental`)."""


def check_reads(rule_id: str, reads: Iterable[str]) -> frozenset[str]:
    """A rule's declared inputs, refused (``ValueError``) unless each is one of
    :data:`INPUTS`."""
    found = frozenset(reads)
    unknown = sorted(found - INPUTS)
    if unknown:
        raise ValueError(f"rule {rule_id} reads {unknown}, not among {sorted(INPUTS)}")
    return found


@functools.total_ordering
class Severity(enum.Enum):
    """How serious a finding is; ordered ``ERROR > WARNING > INFO``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """3 for error, 2 for warning, 1 for info (also the weight in the score)."""
        return _SEVERITY_RANK[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __str__(self) -> str:
        return self.value


_SEVERITY_RANK: Final[Mapping[str, int]] = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True, slots=True)
class Finding:
    """One gap in the plan's alignment.

    ``kind`` is the element kind (``plan`` for a plan-wide finding, or the missing
    foundation item for ``missing-foundation``); ``key`` is the element key, or None
    for a finding about the plan as a whole.
    """

    rule: str
    severity: Severity
    kind: str
    key: str | None
    message: str

    def to_dict(self) -> dict[str, str | None]:
        """The contract shape: ``{rule, severity, kind, key, message}``."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "kind": self.kind,
            "key": self.key,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Options of an audit: the audit date and an optional fiscal year (e.g. ``FY26``)."""

    as_of: date
    fiscal_year: str | None = None


def audit_context(as_of: date, fiscal_year: str | None = None) -> AuditContext:
    """The options of an audit, normalized: a date (not a datetime), a trimmed fiscal
    year or None when blank."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    return AuditContext(as_of=as_of, fiscal_year=fiscal_year_option(fiscal_year))


Node = Mapping[str, Any]
"""A node's attributes in the plan graph."""

Row = Mapping[str, Any]
"""One finding as an engine detects it: ``kind``, ``key`` and what its message needs."""

RuleFunction = Callable[[Any, AuditContext], Iterator[Finding]]
"""A rule: a pure function of the plan graph and the audit context."""

Detector = Callable[[Any, AuditContext], Iterable[Row]]
"""A networkx detector: the rows of a rule's findings in one plan graph, in natural key
order. :func:`~coherence.queries.audit.report.audit` hands every detector the same
reading of the graph (its index) instead of the graph itself, so that the graph is read
once per audit."""

MessageFunction = Callable[[Row, AuditContext], str]
"""A rule's message: one row (from any engine) and the audit options -> the text."""


HistoryDetector = Callable[[Any, Any, AuditContext], Iterable[Row]]
"""A history-aware detector: ``(plan index, monitoring view, ctx)`` -> the rows of a
rule's findings. The view
(:class:`~coherence.projections.monitoring.MonitoringView`) says when things happened;
the index, what the plan holds at the audited version."""


class Rule(NamedTuple):
    """An entry of :data:`~coherence.queries.audit.rules.RULES`: ``(rule id, severity,
    function)``."""

    rule: str
    severity: Severity
    check: RuleFunction


@dataclass(frozen=True)
class RuleDefinition:
    """Everything about one rule that both engines share, and its networkx detector."""

    rule: str
    severity: Severity
    population: str
    detect: Detector
    message: MessageFunction
    reads: frozenset[str] = frozenset()
    """What the rule reads besides the plan itself (see :data:`INPUTS`)."""


@dataclass(frozen=True)
class HistoryRuleDefinition:
    """A history-aware rule: the same shared parts, and a detector that also reads the
    plan's monitoring facts (there is no Cypher twin: both engines take its findings
    from the event store)."""

    rule: str
    severity: Severity
    population: str
    detect: HistoryDetector
    message: MessageFunction
    reads: frozenset[str] = frozenset()
    """What the rule reads besides the plan itself (see :data:`INPUTS`)."""


@dataclass(frozen=True)
class HistoryPart:
    """The history-aware part of an audit: its findings and the counts of its
    populations, merged into either engine's report by
    :func:`~coherence.queries.audit.report.build_report`."""

    findings: tuple[Finding, ...]
    counts: Mapping[str, int]


@dataclass(frozen=True)
class AuditReport:
    """The result of an audit.

    ``findings`` are sorted by severity (errors first), then by the rule's place in
    :data:`~coherence.queries.audit.rules.RULES`, then by element key (plan-wide findings
    first, keys in natural order so ``SI1.2`` comes before ``SI1.10``). ``summary``
    counts findings per severity; ``score`` is the plan alignment score (see
    :func:`~coherence.queries.audit.report.score`).
    """

    findings: tuple[Finding, ...]
    summary: dict[str, int]
    score: int
    as_of: date
    fiscal_year: str | None = None
    plan: str | None = None
    version: int | None = None
    rules_applied: tuple[str, ...] = field(default=())

    @property
    def has_errors(self) -> bool:
        """True when at least one finding is an error (the CLI then exits with 1)."""
        return self.summary.get(Severity.ERROR.value, 0) > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready shape of ``audit --format json`` plus ``fiscal_year`` and ``score``."""
        return {
            "plan": self.plan,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "fiscal_year": self.fiscal_year,
            "summary": dict(self.summary),
            "score": self.score,
            "findings": [finding.to_dict() for finding in self.findings],
        }
