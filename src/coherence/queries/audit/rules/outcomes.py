"""Outcome rules: the SMART targets that measure an objective, interim and final."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from coherence.queries.audit.index import element_row, plan_index, rows_none_of_subkind
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.registry import none_of, row_name, rule
from coherence.queries.audit.values import as_date, blank

__all__ = ["objective_without_final_outcome", "outcome_not_smart"]


@rule(
    "objective-without-final-outcome",
    Severity.WARNING,
    "objectives_with_outcomes",
    none_of("outcomes", "outcome", "final"),
    reads=(),
)
def objective_without_final_outcome(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that have outcomes, but only interim ones (or untyped ones).

    Framework: outcomes, interim and final; the final outcome says where the objective
    should land at the end of the plan. Row: ``outcomes``.
    """
    return rows_none_of_subkind(graph, ctx, "objective", "measures", "outcome", "final", "outcomes")


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
    return f"{row_name(row)} is not SMART: {'; '.join(problems)}"


@rule("outcome-not-smart", Severity.WARNING, "outcomes", _outcome_not_smart_message, reads=())
def outcome_not_smart(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find outcomes that are not SMART: no metric, baseline, target or due date, or
    due outside the plan period (whose first and last days are inside it).

    Framework: outcomes as SMART targets (specific metric, measurable baseline and
    target, time-bound within the plan). One finding per outcome, listing every gap.
    Row: ``missing`` (metric, baseline, target), ``due_problem`` (missing, not_a_date,
    before_start, after_end or None), ``due`` (ISO date, or the raw value when not a
    date), ``start`` and ``end`` (the plan period, ISO dates).
    """
    index = plan_index(graph, ctx)
    start = as_date(index.graph.graph.get("period_start"))
    end = as_date(index.graph.graph.get("period_end"))
    for key, data in index.elements("outcome"):
        missing = [name for name in _SMART_FIELDS if blank(data.get(name))]
        raw_due = data.get("due")
        due = as_date(raw_due)
        problem: str | None = None
        if blank(raw_due):
            problem = "missing"
        elif due is None:
            problem = "not_a_date"
        elif start is not None and due < start:
            problem = "before_start"
        elif end is not None and due > end:
            problem = "after_end"
        if missing or problem:
            yield element_row(
                "outcome",
                key,
                data,
                missing=missing,
                due_problem=problem,
                due=due.isoformat() if due is not None else raw_due,
                start=start.isoformat() if start is not None else None,
                end=end.isoformat() if end is not None else None,
            )
