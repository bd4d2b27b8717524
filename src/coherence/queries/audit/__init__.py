"""Alignment audit of one district plan: shared rule definitions, the networkx engine.

Each audit rule (README, "Audit rules") is split in two:

* a **detector**, engine-specific, that finds what the rule reports and yields one
  *row* per finding: a dict with ``kind`` and ``key`` (None for a plan-wide finding)
  and the values its message needs (the element's naming ``fields``, counts, keys,
  amounts, dates...). The networkx detectors live here (``(graph, ctx) -> rows``);
  their Cypher twins are ``graph_queries/<rule id>.cypher``, run by
  :mod:`coherence.queries.neo4j_audit`;
* ONE **message function** per rule, ``(row, ctx) -> str``, shared by both engines, as
  are the order of the findings, the summary and the score (:func:`build_report`).

:data:`DEFINITIONS` holds both halves and the rule's population (below);
:data:`RULES` is the ordered table ``(rule id, severity, function)`` whose function is
``(graph, ctx) -> Iterator[Finding]`` (detector, then message). Rule ids and severities
are part of the contract.

Graph convention
----------------
The graph is the projection's active graph (see
:func:`coherence.projections.networkx_store.active_graph`):

* ``graph.graph`` holds ``plan``, ``district``, ``title``, ``period_start``,
  ``period_end`` (ISO dates or None), ``status`` and ``version``.
* Node id = the element key. Node attributes: ``kind``, always the element kind
  (mission, vision, theory_of_action, core_value, data_finding, objective, initiative,
  outcome, professional_learning, benchmark, budget_line, school_plan, educator_goal),
  ``key`` and every field of that kind (None when absent). The element's own ``kind``
  field (an outcome's interim/final, a professional learning's professional_development/
  induction/mentoring, a benchmark's process/early_evidence, an educator goal's
  student_learning/professional_practice) is always stored as ``subkind``. See
  :func:`element_kind` and :func:`element_subkind`.
* Edges: ``add_edge(source, target, key=EDGE, edge=EDGE, **attrs)``, pointing from the
  supporter to the supported; ``funds`` edges carry ``amount``.

How the rules read the plan
---------------------------
* A text field is missing when it is absent, None or only white space (Python's
  ``str.strip`` white space); a number (baseline 0) is present.
* "Funded" means a ``funds`` allocation with an amount above 0.
* The fiscal-year option (compared trimmed and case-insensitively, so ``fy26`` is
  ``FY26``) restricts the budget lines that take part in the four budget rules:
  ``unfunded-objective``, ``unfunded-initiative``, ``unaligned-budget-line`` and
  ``over-allocated-budget-line``. Other rules ignore it.
* Dates are compared as calendar dates; the plan period includes its first and last
  days; a benchmark is overdue only when due strictly before the audit date.
* Foundation items (mission, vision, theory of action) count as present when their
  ``text`` is not blank; a core value counts when its name or description is not blank.

Plan alignment score
--------------------
``score`` is an integer from 0 to 100 that a planner can recompute by hand:

1. Every rule checks a population of things: ``missing-foundation`` checks the 4
   foundation items, the plan-wide rules (``objective-count``,
   ``plan-without-induction-mentoring``, and ``theory-of-action-not-if-then`` when the
   plan has a theory of action) check the plan itself (1), and every other rule checks
   the active elements it is about (e.g. ``orphaned-initiative`` checks every
   initiative, ``initiative-without-early-evidence`` only the initiatives that have
   benchmarks, the budget rules only the budget lines of the audited fiscal year).
   Populations are named (:data:`POPULATIONS`): each engine counts them
   (:func:`populations` here, ``graph_queries/populations.cypher`` in Neo4j).
2. For each rule, ``pass share = (checked - failed) / checked``, where ``failed`` is
   the number of distinct elements the rule reported. Rules that check nothing (e.g.
   ``benchmark-overdue`` in a plan without benchmarks) do not apply and are skipped.
3. ``score = floor(100 x weighted mean of the pass shares)``, with weight 3 for an
   error rule, 2 for a warning rule and 1 for an info rule.

The arithmetic is exact (fractions) and rounds down, so the score is 100 exactly when
there is no finding, and any finding costs at least one point. Example: a plan whose
24 rules all apply and pass, except that 1 of its 4 initiatives has no owner (a
warning rule), scores floor(100 x (49 - 2 x 1/4) / 49) = 98; weights total
5 x 3 + 15 x 2 + 4 x 1 = 49.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

import networkx as nx

from coherence.application.narrative import format_money
from coherence.queries.audit.index import (
    FOUNDATION_ITEMS,
    POPULATIONS,
    populations,
)
from coherence.queries.audit.index import PlanIndex as _PlanIndex
from coherence.queries.audit.index import audited_fiscal_year as _fiscal_year
from coherence.queries.audit.index import element_row as _row
from coherence.queries.audit.index import plan_index as _index
from coherence.queries.audit.model import (
    AuditContext,
    AuditReport,
    Detector,
    Finding,
    MessageFunction,
    Row,
    Rule,
    RuleDefinition,
    RuleFunction,
    Severity,
    audit_context,
)
from coherence.queries.audit.names import (
    NAME_FIELDS,
    display_name,
    element_kind,
    element_subkind,
)
from coherence.queries.audit.values import amount as _amount
from coherence.queries.audit.values import as_date as _as_date
from coherence.queries.audit.values import blank as _blank
from coherence.queries.audit.values import natural_key
from coherence.queries.audit.values import normalized as _norm
from coherence.queries.audit.values import plural as _plural
from coherence.queries.audit.values import sorted_keys as _keys

__all__ = [
    "DEFINITIONS",
    "NAME_FIELDS",
    "POPULATIONS",
    "RULES",
    "AuditContext",
    "AuditReport",
    "Detector",
    "Finding",
    "MessageFunction",
    "Row",
    "Rule",
    "RuleDefinition",
    "RuleFunction",
    "Severity",
    "audit",
    "audit_context",
    "benchmark_incomplete",
    "benchmark_overdue",
    "build_report",
    "display_name",
    "element_kind",
    "element_subkind",
    "format_money",
    "initiative_without_benchmark",
    "initiative_without_early_evidence",
    "initiative_without_owner",
    "initiative_without_professional_learning",
    "make_finding",
    "missing_foundation",
    "natural_key",
    "objective_count",
    "objective_not_data_informed",
    "objective_without_educator_goal",
    "objective_without_final_outcome",
    "objective_without_initiative",
    "objective_without_outcome",
    "objective_without_school_plan",
    "orphaned_initiative",
    "outcome_not_smart",
    "over_allocated_budget_line",
    "plan_without_induction_mentoring",
    "populations",
    "rule_population",
    "score",
    "theory_of_action_not_if_then",
    "unaligned_budget_line",
    "unaligned_educator_goal",
    "unaligned_school_plan",
    "unfunded_initiative",
    "unfunded_objective",
]


_IF_THEN: Final = re.compile(r"\bif\b.*?\bthen\b", re.IGNORECASE | re.DOTALL)


def _row_name(row: Row) -> str:
    return display_name(str(row["kind"]), row["key"], row.get("fields") or {})


def _fy_suffix(ctx: AuditContext) -> str:
    if ctx.fiscal_year is None or _fiscal_year(ctx) is None:
        return ""
    return f" in {ctx.fiscal_year.strip()}"


# -------------------------------------------------------- networkx reading

_OBJECTIVE: Final[frozenset[str]] = frozenset({"objective"})
_ALIGNABLE: Final[frozenset[str]] = frozenset({"objective", "initiative"})


# ---------------------------------------------------------------- registration

_REGISTRY: list[Rule] = []
_DEFINITIONS: dict[str, RuleDefinition] = {}


def make_finding(rule_id: str, row: Row, ctx: AuditContext) -> Finding:
    """The finding of one detected row, with the rule's (shared) message."""
    definition = _DEFINITIONS[rule_id]
    key = row.get("key")
    return Finding(
        rule_id,
        definition.severity,
        str(row["kind"]),
        None if key is None else str(key),
        definition.message(row, ctx),
    )


def _rule(
    rule_id: str, severity: Severity, population: str, message: MessageFunction
) -> Callable[[Detector], RuleFunction]:
    """Register a rule: the decorated networkx detector yields rows; ``message`` words them."""
    assert population in POPULATIONS, population

    def register(detect: Detector) -> RuleFunction:
        def check(graph: Any, ctx: AuditContext) -> Iterator[Finding]:
            for row in detect(graph, ctx):  # make_finding, without looking the rule up
                key = row.get("key")
                yield Finding(
                    rule_id,
                    severity,
                    str(row["kind"]),
                    None if key is None else str(key),
                    message(row, ctx),
                )

        # The public function keeps the detector's name and docstring, and its own
        # signature ``(graph, ctx) -> Iterator[Finding]``.
        check.__name__ = detect.__name__
        check.__qualname__ = detect.__qualname__
        check.__doc__ = detect.__doc__
        check.__module__ = detect.__module__
        _REGISTRY.append(Rule(rule_id, severity, check))
        _DEFINITIONS[rule_id] = RuleDefinition(rule_id, severity, population, detect, message)
        return check

    return register


def _named(text: str) -> MessageFunction:
    """A message ``<element name> <text>``."""

    def message(row: Row, ctx: AuditContext) -> str:
        return f"{_row_name(row)} {text}"

    return message


# ------------------------------------------------------------------------ rules

_FOUNDATION: Final[tuple[tuple[str, str], ...]] = (
    ("mission", "The plan has no mission (why the district exists)"),
    ("vision", "The plan has no vision (what success for students looks like)"),
    ("theory_of_action", 'The plan has no theory of action ("If ..., then ...")'),
    ("core_value", "The plan has no core values (principles that guide decisions)"),
)
assert tuple(k for k, _ in _FOUNDATION) == FOUNDATION_ITEMS
_FOUNDATION_MESSAGES: Final[Mapping[str, str]] = dict(_FOUNDATION)
_FOUNDATION_ORDER: Final[Mapping[str, int]] = {k: i for i, (k, _) in enumerate(_FOUNDATION)}


def _missing_foundation_message(row: Row, ctx: AuditContext) -> str:
    return _FOUNDATION_MESSAGES[str(row["kind"])]


@_rule("missing-foundation", Severity.ERROR, "foundation", _missing_foundation_message)
def missing_foundation(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find each missing foundation item: mission, vision, theory of action, core values.

    Framework: the district plan's foundation (mission, vision, core values and the
    theory of action that frames the strategic objectives). One plan-wide finding per
    missing item, with ``kind`` naming the item and ``key`` None; a mission, vision or
    theory of action whose text is blank counts as missing.
    """
    index = _index(graph, ctx)
    for kind, _ in _FOUNDATION:
        if not index.foundation_present(kind):
            yield {"kind": kind, "key": None}


@_rule("orphaned-initiative", Severity.ERROR, "initiatives", _named("supports no active objective"))
def orphaned_initiative(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that support no active objective.

    Framework: strategic initiatives are the "how" of a strategic objective; an
    initiative outside every objective is work with no line of sight to the plan.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("initiative"):
        if not index.has_target(key, "supports", _OBJECTIVE):
            yield _row("initiative", key, data)


@_rule(
    "objective-without-initiative",
    Severity.ERROR,
    "objectives",
    _named("has no active initiative supporting it"),
)
def objective_without_initiative(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no active initiative supports.

    Framework: strategic objectives and initiatives; every objective (the "what" and
    "why") needs at least one initiative (the "how").
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        if not index.has_source(key, "supports", "initiative"):
            yield _row("objective", key, data)


def _unfunded_objective_message(row: Row, ctx: AuditContext) -> str:
    initiatives = _keys(row["initiatives"])
    if not initiatives:
        reason = "it has no initiative to fund"
    else:
        reason = (
            "no active budget line allocates money to its initiatives "
            f"({', '.join(initiatives)}) or to professional learning enabling them"
        )
    return f"{_row_name(row)} is unfunded{_fy_suffix(ctx)}: {reason}"


@_rule("unfunded-objective", Severity.ERROR, "objectives", _unfunded_objective_message)
def unfunded_objective(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that receive no money through their initiatives.

    Framework: resources/budget of the action plan. An objective is funded when an
    active budget line (of the audited fiscal year, if one is given) allocates an
    amount above 0 to one of its initiatives or to professional learning that enables
    one of them; an objective with no initiative is unfunded. Row: ``initiatives``.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        initiatives = [str(i) for i in index.sources(key, "supports", "initiative")]
        if any(index.is_funded(i) for i in initiatives) or any(
            index.is_funded(str(pl))
            for i in initiatives
            for pl in index.sources(i, "enables", "professional_learning")
        ):
            continue
        yield _row("objective", key, data, initiatives=_keys(initiatives))


@_rule(
    "objective-without-outcome",
    Severity.ERROR,
    "objectives",
    _named("has no outcome measuring it"),
)
def objective_without_outcome(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no active outcome measures.

    Framework: outcomes are the SMART targets that measure a strategic objective.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        if not index.has_source(key, "measures", "outcome"):
            yield _row("objective", key, data)


def _objective_without_final_outcome_message(row: Row, ctx: AuditContext) -> str:
    outcomes = _keys(row["outcomes"])
    return (
        f"{_row_name(row)} has {_plural(len(outcomes), 'outcome')} "
        f"({', '.join(outcomes)}), none of them final"
    )


@_rule(
    "objective-without-final-outcome",
    Severity.WARNING,
    "objectives_with_outcomes",
    _objective_without_final_outcome_message,
)
def objective_without_final_outcome(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that have outcomes, but only interim ones (or untyped ones).

    Framework: outcomes, interim and final; the final outcome says where the objective
    should land at the end of the plan. Row: ``outcomes``.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        outcomes = index.sources(key, "measures", "outcome")
        if outcomes and not index.any_subkind(outcomes, "final"):
            yield _row("objective", key, data, outcomes=index.keys(outcomes))


_SMART_FIELDS: Final[tuple[str, ...]] = ("metric", "baseline", "target")


def _outcome_not_smart_message(row: Row, ctx: AuditContext) -> str:
    missing = set(row["missing"])
    problems = [f"no {name}" for name in _SMART_FIELDS if name in missing]
    due, start, end = row.get("due"), row.get("start"), row.get("end")
    match row.get("due_problem"):
        case "missing":
            problems.append("no due date")
        case "not_a_date":
            problems.append(f"due date {due!r} is not a date")
        case "before_start":
            problems.append(f"due {due}, before the plan period starts ({start})")
        case "after_end":
            problems.append(f"due {due}, after the plan period ends ({end})")
    return f"{_row_name(row)} is not SMART: {'; '.join(problems)}"


@_rule("outcome-not-smart", Severity.WARNING, "outcomes", _outcome_not_smart_message)
def outcome_not_smart(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find outcomes that are not SMART: no metric, baseline, target or due date, or
    due outside the plan period (whose first and last days are inside it).

    Framework: outcomes as SMART targets (specific metric, measurable baseline and
    target, time-bound within the plan). One finding per outcome, listing every gap.
    Row: ``missing`` (metric, baseline, target), ``due_problem`` (missing, not_a_date,
    before_start, after_end or None), ``due`` (ISO date, or the raw value when not a
    date), ``start`` and ``end`` (the plan period, ISO dates).
    """
    index = _index(graph, ctx)
    start = _as_date(index.graph.graph.get("period_start"))
    end = _as_date(index.graph.graph.get("period_end"))
    for key, data in index.elements("outcome"):
        missing = [name for name in _SMART_FIELDS if _blank(data.get(name))]
        raw_due = data.get("due")
        due = _as_date(raw_due)
        problem: str | None = None
        if _blank(raw_due):
            problem = "missing"
        elif due is None:
            problem = "not_a_date"
        elif start is not None and due < start:
            problem = "before_start"
        elif end is not None and due > end:
            problem = "after_end"
        if missing or problem:
            yield _row(
                "outcome",
                key,
                data,
                missing=missing,
                due_problem=problem,
                due=due.isoformat() if due is not None else raw_due,
                start=start.isoformat() if start is not None else None,
                end=end.isoformat() if end is not None else None,
            )


def _unfunded_initiative_message(row: Row, ctx: AuditContext) -> str:
    return f"{_row_name(row)} is not funded by any active budget line{_fy_suffix(ctx)}"


@_rule("unfunded-initiative", Severity.WARNING, "initiatives", _unfunded_initiative_message)
def unfunded_initiative(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that no active budget line funds with an amount above 0.

    Framework: resources/budget allocated to initiatives in the action plan. Only
    allocations to the initiative itself count (not to its professional learning);
    with a fiscal year, only that year's budget lines count.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("initiative"):
        if not index.is_funded(key):
            yield _row("initiative", key, data)


@_rule(
    "initiative-without-benchmark",
    Severity.WARNING,
    "initiatives",
    _named("has no implementation benchmark"),
)
def initiative_without_benchmark(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that no active implementation benchmark tracks.

    Framework: implementation benchmarks of the yearly action plan, which monitor
    each initiative.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("initiative"):
        if not index.has_source(key, "tracks", "benchmark"):
            yield _row("initiative", key, data)


@_rule(
    "initiative-without-professional-learning",
    Severity.WARNING,
    "initiatives",
    _named("has no professional learning enabling it"),
)
def initiative_without_professional_learning(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that no active professional learning enables.

    Framework: professional learning (professional development, induction, mentoring)
    that supports each initiative.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("initiative"):
        if not index.has_source(key, "enables", "professional_learning"):
            yield _row("initiative", key, data)


@_rule("initiative-without-owner", Severity.WARNING, "initiatives", _named("has no owner"))
def initiative_without_owner(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives with no owner (absent, empty or white space).

    Framework: strategic initiatives; someone must be accountable for each one.
    """
    for key, data in _index(graph, ctx).elements("initiative"):
        if _blank(data.get("owner")):
            yield _row("initiative", key, data)


_BENCHMARK_GAPS: Final[Mapping[str, str]] = {"owner": "no owner", "due": "no due date"}


def _benchmark_incomplete_message(row: Row, ctx: AuditContext) -> str:
    missing = set(row["missing"])
    gaps = [text for name, text in _BENCHMARK_GAPS.items() if name in missing]
    return f"{_row_name(row)} has {' and '.join(gaps)}"


@_rule("benchmark-incomplete", Severity.WARNING, "benchmarks", _benchmark_incomplete_message)
def benchmark_incomplete(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find benchmarks with no owner or no (valid) due date; one finding per benchmark.

    Framework: implementation benchmarks say what will happen, who does it and by when.
    Row: ``missing`` (owner, due).
    """
    for key, data, due in _index(graph, ctx).benchmarks():
        missing = []
        if _blank(data.get("owner")):
            missing.append("owner")
        if due is None:
            missing.append("due")
        if missing:
            yield _row("benchmark", key, data, missing=missing)


def _benchmark_overdue_message(row: Row, ctx: AuditContext) -> str:
    status = _norm(row.get("status"))
    shown = f"status {status}" if status else "no status reported"
    return f"{_row_name(row)} was due {row['due']} and is not complete ({shown})"


@_rule("benchmark-overdue", Severity.WARNING, "benchmarks", _benchmark_overdue_message)
def benchmark_overdue(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find benchmarks due strictly before the audit date whose status is not complete.

    Framework: implementation benchmarks and their status, monitored during the year.
    A benchmark with no status is not complete; one with no due date is never overdue.
    Row: ``due`` (ISO date), ``status`` (as stored).
    """
    for key, data, due in _index(graph, ctx).benchmarks():
        if due is not None and due < ctx.as_of and _norm(data.get("status")) != "complete":
            yield _row("benchmark", key, data, due=due.isoformat(), status=data.get("status"))


@_rule(
    "unaligned-budget-line",
    Severity.WARNING,
    "budget_lines",
    _named("funds no active initiative or professional learning"),
)
def unaligned_budget_line(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find budget lines that fund no active initiative or professional learning.

    Framework: resources/budget; every dollar should reach a strategic objective. An
    allocation of 0 (or of no stated amount) to an active element still aligns the
    line. With a fiscal year, only that year's lines are checked.
    """
    index = _index(graph, ctx)
    for key, data in index.budget_lines:
        if not index.has_allocation(key):
            yield _row("budget_line", key, data)


def _over_allocated_message(row: Row, ctx: AuditContext) -> str:
    available = row.get("available")
    has = f"has only {format_money(available)}" if available is not None else "has no amount"
    return f"{_row_name(row)} allocates {format_money(row['allocated'])} but {has}"


@_rule("over-allocated-budget-line", Severity.WARNING, "budget_lines", _over_allocated_message)
def over_allocated_budget_line(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find budget lines whose allocations add up to more than the line's amount.

    Framework: resources/budget. Allocations without an amount count as 0; a line with
    no amount has $0 to allocate. With a fiscal year, only that year's lines are checked.
    Row: ``allocated`` and ``available`` (exact Decimals; ``available`` None when the line
    has no amount).
    """
    index = _index(graph, ctx)
    for key, data in index.budget_lines:
        allocated = index.allocated(key)
        available = _amount(data.get("amount"))
        if allocated > (available if available is not None else Decimal(0)):
            yield _row("budget_line", key, data, allocated=allocated, available=available)


@_rule(
    "unaligned-school-plan",
    Severity.WARNING,
    "school_plans",
    _named("is aligned to no active objective or initiative"),
)
def unaligned_school_plan(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find school plans aligned to no active objective or initiative.

    Framework: school improvement plans, one per school and year, aligned to the
    district's strategic objectives.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("school_plan"):
        if not index.has_target(key, "aligns_to", _ALIGNABLE):
            yield _row("school_plan", key, data)


def _unaligned_educator_goal_message(row: Row, ctx: AuditContext) -> str:
    educator = row.get("educator")
    whose = f" ({' '.join(str(educator).split())})" if not _blank(educator) else ""
    return f"{_row_name(row)}{whose} is aligned to no active objective or initiative"


@_rule(
    "unaligned-educator-goal",
    Severity.WARNING,
    "educator_goals",
    _unaligned_educator_goal_message,
)
def unaligned_educator_goal(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find educator goals aligned to no active objective or initiative.

    Framework: educator evaluation; student learning and professional practice goals
    should align to district objectives or initiatives. Row: ``educator``.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("educator_goal"):
        if not index.has_target(key, "aligns_to", _ALIGNABLE):
            yield _row("educator_goal", key, data, educator=data.get("educator"))


def _objective_count_message(row: Row, ctx: AuditContext) -> str:
    count = int(row["count"])
    amount = "only " if 0 < count < 3 else ""
    return (
        f"The plan has {amount}{_plural(count, 'active objective')}; "
        "3 to 5 strategic objectives are recommended"
    )


@_rule("objective-count", Severity.WARNING, "plan_wide", _objective_count_message)
def objective_count(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find a plan with fewer than 3 or more than 5 active objectives (plan-wide).

    Framework: strategic objectives; Planning for Success recommends 3 to 5.
    Row: ``count``.
    """
    count = _index(graph, ctx).count("objective")
    if count < 3 or count > 5:
        yield {"kind": "plan", "key": None, "count": count}


def _theory_of_action_message(row: Row, ctx: AuditContext) -> str:
    return 'The theory of action is not framed "If ..., then ..."'


@_rule(
    "theory-of-action-not-if-then",
    Severity.WARNING,
    "theory_of_action",
    _theory_of_action_message,
)
def theory_of_action_not_if_then(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find a theory of action not framed "If ..., then ..." (only when one exists).

    Framework: the theory of action links the strategic objectives and initiatives to
    results: the whole word "if" must occur, then the whole word "then" after it, in
    any case.
    """
    for key, data in _index(graph, ctx).elements("theory_of_action"):
        text = data.get("text")
        if _blank(text):
            continue  # a blank theory of action is missing-foundation's finding
        if not _IF_THEN.search(str(text)):
            yield _row("theory_of_action", key, data)


def _induction_mentoring_message(row: Row, ctx: AuditContext) -> str:
    return "The plan has no active induction or mentoring for new educators"


@_rule(
    "plan-without-induction-mentoring",
    Severity.WARNING,
    "plan_wide",
    _induction_mentoring_message,
)
def plan_without_induction_mentoring(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find a plan with no active induction or mentoring (plan-wide).

    Framework: professional learning, including teacher induction and mentoring.
    """
    learning = _index(graph, ctx).elements("professional_learning")
    if not any(element_subkind(d) in {"induction", "mentoring"} for _, d in learning):
        yield {"kind": "plan", "key": None}


def _early_evidence_message(row: Row, ctx: AuditContext) -> str:
    benchmarks = _keys(row["benchmarks"])
    return (
        f"{_row_name(row)} has {_plural(len(benchmarks), 'benchmark')} "
        f"({', '.join(benchmarks)}), none of them early evidence of change"
    )


@_rule(
    "initiative-without-early-evidence",
    Severity.INFO,
    "initiatives_with_benchmarks",
    _early_evidence_message,
)
def initiative_without_early_evidence(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives with benchmarks, none of them early evidence of change.

    Framework: implementation benchmarks, process and early evidence of change (changes
    in practice or attitude that show the plan is working). Row: ``benchmarks``.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("initiative"):
        benchmarks = index.sources(key, "tracks", "benchmark")
        if benchmarks and not index.any_subkind(benchmarks, "early_evidence"):
            yield _row("initiative", key, data, benchmarks=index.keys(benchmarks))


@_rule(
    "objective-not-data-informed",
    Severity.INFO,
    "objectives",
    _named("is not informed by any data finding"),
)
def objective_not_data_informed(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no data finding informs.

    Framework: strategic objectives grounded in data findings (student achievement and
    gaps between student groups).
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        if not index.has_source(key, "informs", "data_finding"):
            yield _row("objective", key, data)


@_rule(
    "objective-without-school-plan",
    Severity.INFO,
    "objectives",
    _named("has no school improvement plan aligned to it"),
)
def objective_without_school_plan(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no school improvement plan aligns to (directly).

    Framework: school improvement plans aligned to district objectives.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        if not index.has_source(key, "aligns_to", "school_plan"):
            yield _row("objective", key, data)


@_rule(
    "objective-without-educator-goal",
    Severity.INFO,
    "objectives",
    _named("has no educator goal aligned to it or to its initiatives"),
)
def objective_without_educator_goal(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no educator goal aligns to, directly or through an initiative.

    Framework: educator evaluation goals aligned to district objectives or initiatives.
    """
    index = _index(graph, ctx)
    for key, data in index.elements("objective"):
        if index.has_source(key, "aligns_to", "educator_goal"):
            continue
        initiatives = index.sources(key, "supports", "initiative")
        if any(index.has_source(str(i), "aligns_to", "educator_goal") for i in initiatives):
            continue
        yield _row("objective", key, data)


RULES: Final[tuple[Rule, ...]] = tuple(_REGISTRY)
"""Every audit rule, in the documented order: ``(rule id, severity, function)``."""

DEFINITIONS: Final[Mapping[str, RuleDefinition]] = {r.rule: _DEFINITIONS[r.rule] for r in RULES}
"""Every rule's shared definition (population, message) and networkx detector, in order."""

_RULE_INDEX: Final[Mapping[str, int]] = {r.rule: i for i, r in enumerate(RULES)}


# ------------------------------------------------------------------------ report


def rule_population(rule_id: str, graph: nx.MultiDiGraph, ctx: AuditContext) -> int:
    """How many things ``rule_id`` checks in ``graph`` (the denominator of its pass share)."""
    return populations(graph, ctx)[DEFINITIONS[rule_id].population]


def score(findings: Iterable[Finding], counts: Mapping[str, int]) -> tuple[int, tuple[str, ...]]:
    """The plan alignment score and the rules that applied, from the findings and the
    :data:`POPULATIONS` counts (whichever engine produced them)."""
    failed: dict[str, set[tuple[str, str | None]]] = {r.rule: set() for r in RULES}
    for finding in findings:
        failed[finding.rule].add((finding.kind, finding.key))
    shares: list[tuple[int, int, int]] = []  # (weight, passed, checked) of each rule applied
    applied: list[str] = []
    for rule in RULES:
        checked = int(counts.get(DEFINITIONS[rule.rule].population, 0))
        if checked <= 0:
            continue
        applied.append(rule.rule)
        passed = max(checked - len(failed[rule.rule]), 0)
        shares.append((rule.severity.rank, passed, checked))
    weights = sum(weight for weight, _, _ in shares)
    if weights == 0:  # pragma: no cover - missing-foundation always applies
        return 100, tuple(applied)
    # Exact, in whole numbers: the weighted pass shares over their common denominator,
    # floor(100 x sum(weight x passed / checked) / weights).
    denominator = math.lcm(*(checked for _, _, checked in shares))
    total = sum(weight * passed * (denominator // checked) for weight, passed, checked in shares)
    return (100 * total) // (weights * denominator), tuple(applied)


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    return (
        -finding.severity.rank,
        _RULE_INDEX[finding.rule],
        natural_key(finding.key),
        _FOUNDATION_ORDER.get(finding.kind, len(_FOUNDATION_ORDER)),
    )


def build_report(
    findings: Iterable[Finding],
    counts: Mapping[str, int],
    ctx: AuditContext,
    *,
    plan: str | None,
    version: int | None,
) -> AuditReport:
    """The report of an audit, whatever engine found the findings: sorted findings,
    summary per severity and score (from the :data:`POPULATIONS` ``counts``)."""
    ordered = tuple(sorted(findings, key=_sort_key))
    summary = {severity.value: 0 for severity in Severity}
    for finding in ordered:
        summary[finding.severity.value] += 1
    value, applied = score(ordered, counts)
    return AuditReport(
        findings=ordered,
        summary=summary,
        score=value,
        as_of=ctx.as_of,
        fiscal_year=ctx.fiscal_year,
        plan=plan,
        version=version,
        rules_applied=applied,
    )


def audit(graph: nx.MultiDiGraph, *, as_of: date, fiscal_year: str | None = None) -> AuditReport:
    """Run every rule of :data:`RULES` on one plan's active alignment graph.

    ``as_of`` is the audit date (benchmarks due strictly before it and not complete are
    overdue); ``fiscal_year`` (e.g. ``"FY26"``), when given, restricts the four budget
    rules to that year's budget lines. Pure and deterministic: the same graph and
    options always give the same report, whatever order the graph was built in.
    """
    ctx = audit_context(as_of, fiscal_year)
    # One reading of the graph for every rule and population. It need not be ordered:
    # build_report sorts the findings by severity, rule and key.
    index = _PlanIndex(graph, ctx, ordered=False)
    findings = [finding for rule in RULES for finding in rule.check(index, ctx)]
    version = graph.graph.get("version")
    plan = graph.graph.get("plan")
    return build_report(
        findings,
        populations(index, ctx),
        ctx,
        plan=str(plan) if plan is not None else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )
