"""Benchmark rules: the implementation benchmarks that monitor the initiatives during the year."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from coherence.queries.audit.index import element_row, plan_index, rows_none_of_subkind
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.registry import none_of, row_name, rule
from coherence.queries.audit.values import blank, normalized

__all__ = ["benchmark_incomplete", "benchmark_overdue", "initiative_without_early_evidence"]

_BENCHMARK_GAPS: Final[Mapping[str, str]] = {"owner": "no owner", "due": "no due date"}


def _benchmark_incomplete_message(row: Row, ctx: AuditContext) -> str:
    missing = set(row["missing"])
    gaps = [text for name, text in _BENCHMARK_GAPS.items() if name in missing]
    return f"{row_name(row)} has {' and '.join(gaps)}"


@rule(
    "benchmark-incomplete", Severity.WARNING, "benchmarks", _benchmark_incomplete_message, reads=()
)
def benchmark_incomplete(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find benchmarks with no owner or no (valid) due date; one finding per benchmark.

    Framework: implementation benchmarks say what will happen, who does it and by when.
    Row: ``missing`` (owner, due).
    """
    for key, data, due in plan_index(graph, ctx).benchmarks():
        missing = []
        if blank(data.get("owner")):
            missing.append("owner")
        if due is None:
            missing.append("due")
        if missing:
            yield element_row("benchmark", key, data, missing=missing)


def _benchmark_overdue_message(row: Row, ctx: AuditContext) -> str:
    status = normalized(row.get("status"))
    shown = f"status {status}" if status else "no status reported"
    return f"{row_name(row)} was due {row['due']} and is not complete ({shown})"


@rule(
    "benchmark-overdue",
    Severity.WARNING,
    "benchmarks",
    _benchmark_overdue_message,
    reads=("benchmark.status",),
)
def benchmark_overdue(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find benchmarks due strictly before the audit date whose status is not complete.

    Framework: implementation benchmarks and their status, monitored during the year.
    A benchmark with no status is not complete; one with no due date is never overdue.
    Row: ``due`` (ISO date), ``status`` (as stored).
    """
    for key, data, due in plan_index(graph, ctx).benchmarks():
        if due is not None and due < ctx.as_of and normalized(data.get("status")) != "complete":
            yield element_row(
                "benchmark", key, data, due=due.isoformat(), status=data.get("status")
            )


@rule(
    "initiative-without-early-evidence",
    Severity.INFO,
    "initiatives_with_benchmarks",
    none_of("benchmarks", "benchmark", "early evidence of change"),
    reads=(),
)
def initiative_without_early_evidence(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find initiatives with benchmarks, none of them early evidence of change.

    Framework: implementation benchmarks, process and early evidence of change (changes
    in practice or attitude that show the plan is working). Row: ``benchmarks``.
    """
    return rows_none_of_subkind(
        graph, ctx, "initiative", "tracks", "benchmark", "early_evidence", "benchmarks"
    )
