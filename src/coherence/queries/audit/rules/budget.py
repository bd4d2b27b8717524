"""Budget rules: money reaches the objectives, and no line allocates more than it has.

The four rules that the fiscal-year option restricts to that year's budget lines (the
year compared trimmed and case-insensitively, so ``fy26`` is ``FY26``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from coherence.application.narrative import format_money
from coherence.queries.audit.index import audited_fiscal_year, element_row, plan_index
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.registry import named, row_name, rule
from coherence.queries.audit.values import amount, sorted_keys

__all__ = [
    "over_allocated_budget_line",
    "unaligned_budget_line",
    "unfunded_initiative",
    "unfunded_objective",
]


def _fy_suffix(ctx: AuditContext) -> str:
    if ctx.fiscal_year is None or audited_fiscal_year(ctx) is None:
        return ""
    return f" in {ctx.fiscal_year.strip()}"


def _unfunded_objective_message(row: Row, ctx: AuditContext) -> str:
    initiatives = sorted_keys(row["initiatives"])
    if not initiatives:
        reason = "it has no initiative to fund"
    else:
        reason = (
            "no active budget line allocates money to its initiatives "
            f"({', '.join(initiatives)}) or to professional learning enabling them"
        )
    return f"{row_name(row)} is unfunded{_fy_suffix(ctx)}: {reason}"


@rule("unfunded-objective", Severity.ERROR, "objectives", _unfunded_objective_message, reads=())
def unfunded_objective(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that receive no money through their initiatives.

    Framework: resources/budget of the action plan. An objective is funded when an
    active budget line (of the audited fiscal year, if one is given) allocates an
    amount above 0 to one of its initiatives or to professional learning that enables
    one of them; an objective with no initiative is unfunded. Row: ``initiatives``.
    """
    index = plan_index(graph, ctx)
    for key, data in index.elements("objective"):
        initiatives = [str(i) for i in index.sources(key, "supports", "initiative")]
        if any(index.is_funded(i) for i in initiatives) or any(
            index.is_funded(str(pl))
            for i in initiatives
            for pl in index.sources(i, "enables", "professional_learning")
        ):
            continue
        yield element_row("objective", key, data, initiatives=sorted_keys(initiatives))


def _unfunded_initiative_message(row: Row, ctx: AuditContext) -> str:
    return f"{row_name(row)} is not funded by any active budget line{_fy_suffix(ctx)}"


@rule(
    "unfunded-initiative", Severity.WARNING, "initiatives", _unfunded_initiative_message, reads=()
)
def unfunded_initiative(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that no active budget line funds with an amount above 0.

    Framework: resources/budget allocated to initiatives in the action plan. Only
    allocations to the initiative itself count (not to its professional learning);
    with a fiscal year, only that year's budget lines count.
    """
    index = plan_index(graph, ctx)
    for key, data in index.elements("initiative"):
        if not index.is_funded(key):
            yield element_row("initiative", key, data)


@rule(
    "unaligned-budget-line",
    Severity.WARNING,
    "budget_lines",
    named("funds no active initiative or professional learning"),
    reads=(),
)
def unaligned_budget_line(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find budget lines that fund no active initiative or professional learning.

    Framework: resources/budget; every dollar should reach a strategic objective. An
    allocation of 0 (or of no stated amount) to an active element still aligns the
    line. With a fiscal year, only that year's lines are checked.
    """
    index = plan_index(graph, ctx)
    for key, data in index.budget_lines:
        if not index.has_allocation(key):
            yield element_row("budget_line", key, data)


def _over_allocated_message(row: Row, ctx: AuditContext) -> str:
    available = row.get("available")
    has = f"has only {format_money(available)}" if available is not None else "has no amount"
    return f"{row_name(row)} allocates {format_money(row['allocated'])} but {has}"


@rule(
    "over-allocated-budget-line",
    Severity.WARNING,
    "budget_lines",
    _over_allocated_message,
    reads=(),
)
def over_allocated_budget_line(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find budget lines whose allocations add up to more than the line's amount.

    Framework: resources/budget. Allocations without an amount count as 0; a line with
    no amount has $0 to allocate. With a fiscal year, only that year's lines are checked.
    Row: ``allocated`` and ``available`` (exact Decimals; ``available`` None when the line
    has no amount).
    """
    index = plan_index(graph, ctx)
    for key, data in index.budget_lines:
        allocated = index.allocated(key)
        available = amount(data.get("amount"))
        if allocated > (available if available is not None else Decimal(0)):
            yield element_row("budget_line", key, data, allocated=allocated, available=available)
