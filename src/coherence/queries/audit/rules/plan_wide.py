"""Plan-wide rules: findings about the plan as a whole (``key`` None)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coherence.queries.audit.index import plan_index
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.names import element_subkind
from coherence.queries.audit.registry import fixed, rule
from coherence.queries.audit.values import plural

__all__ = ["objective_count", "plan_without_induction_mentoring"]


def _objective_count_message(row: Row, ctx: AuditContext) -> str:
    count = int(row["count"])
    amount = "only " if 0 < count < 3 else ""
    return (
        f"The plan has {amount}{plural(count, 'active objective')}; "
        "3 to 5 strategic objectives are recommended"
    )


@rule("objective-count", Severity.WARNING, "plan_wide", _objective_count_message, reads=())
def objective_count(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find a plan with fewer than 3 or more than 5 active objectives (plan-wide).

    Framework: strategic objectives; Planning for Success recommends 3 to 5.
    Row: ``count``.
    """
    count = plan_index(graph, ctx).count("objective")
    if count < 3 or count > 5:
        yield {"kind": "plan", "key": None, "count": count}


@rule(
    "plan-without-induction-mentoring",
    Severity.WARNING,
    "plan_wide",
    fixed("The plan has no active induction or mentoring for new educators"),
    reads=(),
)
def plan_without_induction_mentoring(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find a plan with no active induction or mentoring (plan-wide).

    Framework: professional learning, including teacher induction and mentoring.
    """
    learning = plan_index(graph, ctx).elements("professional_learning")
    if not any(element_subkind(d) in {"induction", "mentoring"} for _, d in learning):
        yield {"kind": "plan", "key": None}
