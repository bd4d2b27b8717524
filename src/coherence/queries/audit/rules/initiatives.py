"""Initiative rules: each initiative serves an objective, has an owner, benchmarks and learning."""

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
from coherence.queries.audit.registry import named, rule
from coherence.queries.audit.values import blank

__all__ = [
    "initiative_without_benchmark",
    "initiative_without_owner",
    "initiative_without_professional_learning",
    "orphaned_initiative",
]

_OBJECTIVE: Final[frozenset[str]] = frozenset({"objective"})


@rule(
    "orphaned-initiative",
    Severity.ERROR,
    "initiatives",
    named("supports no active objective"),
    reads=(),
)
def orphaned_initiative(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that support no active objective.

    Framework: strategic initiatives are the "how" of a strategic objective; an
    initiative outside every objective is work with no line of sight to the plan.
    """
    return rows_without_target(graph, ctx, "initiative", "supports", _OBJECTIVE)


@rule(
    "initiative-without-benchmark",
    Severity.WARNING,
    "initiatives",
    named("has no implementation benchmark"),
    reads=(),
)
def initiative_without_benchmark(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that no active implementation benchmark tracks.

    Framework: implementation benchmarks of the yearly action plan, which monitor
    each initiative.
    """
    return rows_without_source(graph, ctx, "initiative", "tracks", "benchmark")


@rule(
    "initiative-without-professional-learning",
    Severity.WARNING,
    "initiatives",
    named("has no professional learning enabling it"),
    reads=(),
)
def initiative_without_professional_learning(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives that no active professional learning enables.

    Framework: professional learning (professional development, induction, mentoring)
    that supports each initiative.
    """
    return rows_without_source(graph, ctx, "initiative", "enables", "professional_learning")


@rule("initiative-without-owner", Severity.WARNING, "initiatives", named("has no owner"), reads=())
def initiative_without_owner(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives with no owner (absent, empty or white space).

    Framework: strategic initiatives; someone must be accountable for each one.
    """
    for key, data in plan_index(graph, ctx).elements("initiative"):
        if blank(data.get("owner")):
            yield element_row("initiative", key, data)
