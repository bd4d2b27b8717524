"""Objective rules: each strategic objective needs initiatives, outcomes and data behind it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coherence.queries.audit.index import rows_without_source
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.registry import named, rule

__all__ = [
    "objective_not_data_informed",
    "objective_without_initiative",
    "objective_without_outcome",
]


@rule(
    "objective-without-initiative",
    Severity.ERROR,
    "objectives",
    named("has no active initiative supporting it"),
    reads=(),
)
def objective_without_initiative(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no active initiative supports.

    Framework: strategic objectives and initiatives; every objective (the "what" and
    "why") needs at least one initiative (the "how").
    """
    return rows_without_source(graph, ctx, "objective", "supports", "initiative")


@rule(
    "objective-without-outcome",
    Severity.ERROR,
    "objectives",
    named("has no outcome measuring it"),
    reads=(),
)
def objective_without_outcome(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no active outcome measures.

    Framework: outcomes are the SMART targets that measure a strategic objective.
    """
    return rows_without_source(graph, ctx, "objective", "measures", "outcome")


@rule(
    "objective-not-data-informed",
    Severity.INFO,
    "objectives",
    named("is not informed by any data finding"),
    reads=(),
)
def objective_not_data_informed(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find objectives that no data finding informs.

    Framework: strategic objectives grounded in data findings (student achievement and
    gaps between student groups).
    """
    return rows_without_source(graph, ctx, "objective", "informs", "data_finding")
