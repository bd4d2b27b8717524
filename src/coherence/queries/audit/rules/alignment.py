"""Alignment rules: school improvement plans and educator goals aligned to the district plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from coherence.queries.audit.index import (
    element_row,
    plan_index,
    rows_without_source,
    rows_without_target,
)
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.registry import named, row_name, rule
from coherence.queries.audit.values import blank

__all__ = [
    "objective_without_educator_goal",
    "objective_without_school_plan",
    "unaligned_educator_goal",
    "unaligned_school_plan",
]

_ALIGNABLE: Final[frozenset[str]] = frozenset({"objective", "initiative"})


@rule(
    "unaligned-school-plan",
    Severity.WARNING,
    "school_plans",
    named("is aligned to no active objective or initiative"),
    reads=(),
)
def unaligned_school_plan(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find school plans aligned to no active objective or initiative.

    Framework: school improvement plans, one per school and year, aligned to the
    district's strategic objectives.
    """
    return rows_without_target(graph, ctx, "school_plan", "aligns_to", _ALIGNABLE)


def _unaligned_educator_goal_message(row: Row, ctx: AuditContext) -> str:
    educator = row.get("educator")
    whose = f" ({' '.join(str(educator).split())})" if not blank(educator) else ""
    return f"{row_name(row)}{whose} is aligned to no active objective or initiative"


@rule(
    "unaligned-educator-goal",
    Severity.WARNING,
    "educator_goals",
    _unaligned_educator_goal_message,
    reads=(),
)
def unaligned_educator_goal(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find educator goals aligned to no active objective or initiative.

    Framework: educator evaluation; student learning and professional practice goals
    should align to district objectives or initiatives. Row: ``educator``.
    """
    return rows_without_target(
        graph, ctx, "educator_goal", "aligns_to", _ALIGNABLE, values=("educator",)
    )


@rule(
    "objective-without-school-plan",
    Severity.INFO,
    "objectives",
    named("has no school improvement plan aligned to it"),
    reads=(),
)
def objective_without_school_plan(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no school improvement plan aligns to (directly).

    Framework: school improvement plans aligned to district objectives.
    """
    return rows_without_source(graph, ctx, "objective", "aligns_to", "school_plan")


@rule(
    "objective-without-educator-goal",
    Severity.INFO,
    "objectives",
    named("has no educator goal aligned to it or to its initiatives"),
    reads=(),
)
def objective_without_educator_goal(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no educator goal aligns to, directly or through an initiative.

    Framework: educator evaluation goals aligned to district objectives or initiatives.
    """
    index = plan_index(graph, ctx)
    for key, data in index.elements("objective"):
        if index.has_source(key, "aligns_to", "educator_goal"):
            continue
        initiatives = index.sources(key, "supports", "initiative")
        if any(index.has_source(str(i), "aligns_to", "educator_goal") for i in initiatives):
            continue
        yield element_row("objective", key, data)
