"""An outcome's progress: its trajectory, its results, and whether it is on track.

The trajectory is the straight line from the outcome's baseline at the plan period's
start to its target at its due date (the line ``outcome-off-trajectory`` reads, see
:mod:`coherence.queries.audit.rules.history`). Every result is listed with the value
the line expects on its date; the latest result dated on or before the read's date
says whether the outcome is on track (exactly on the line is on track).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import networkx as nx

from coherence.domain.errors import UnknownElement
from coherence.queries.audit import display_name
from coherence.queries.audit.names import NAME_FIELDS
from coherence.queries.audit.rules.history import expected_on, is_short, latest_result, trajectory
from coherence.queries.audit.values import as_date

__all__ = ["outcome_progress"]


def _number(value: Fraction) -> int | float:
    """An exact value as JSON: whole numbers as integers, others to 4 decimal places."""
    return value.numerator if value.denominator == 1 else round(float(value), 4)


def outcome_progress(graph: nx.MultiDiGraph, key: str, as_of: Any) -> dict[str, Any]:
    """The progress of the active outcome ``key`` in a plan's active graph, as of a date.

    Raises :class:`~coherence.domain.errors.UnknownElement` when the plan has no
    active outcome ``key``.
    """
    if key not in graph or graph.nodes[key].get("kind") != "outcome":
        raise UnknownElement(f"No active outcome {key} in the plan")
    data = graph.nodes[key]
    start = as_date(graph.graph.get("period_start"))
    line = trajectory(data, start)
    day = as_date(as_of)
    assert day is not None
    results = []
    for result in sorted(data.get("results") or (), key=lambda r: str(r.get("as_of"))):
        on = as_date(result.get("as_of"))
        entry: dict[str, Any] = {"as_of": result.get("as_of"), "value": result.get("value")}
        if line is not None and on is not None:
            expected = expected_on(line, on)
            entry["expected"] = _number(expected)
            value = latest_result({"results": [result]}, on)
            entry["short"] = value is not None and is_short(line, on, value[1])
        results.append(entry)
    latest = latest_result(data, day)
    on_track = None
    if line is not None and latest is not None:
        on_track = not is_short(line, latest[0], latest[1])
    due = as_date(data.get("due"))
    return {
        "key": key,
        "name": display_name("outcome", key, {n: data.get(n) for n in NAME_FIELDS}),
        "metric": data.get("metric"),
        "unit": data.get("unit"),
        "as_of": day.isoformat(),
        "baseline": {
            "date": start.isoformat() if start else None,
            "value": data.get("baseline"),
        },
        "target": {"date": due.isoformat() if due else None, "value": data.get("target")},
        "trajectory": (
            [] if line is None else [{"date": d.isoformat(), "value": _number(v)} for d, v in line]
        ),
        "results": results,
        "latest": (
            None if latest is None else {"as_of": latest[0].isoformat(), "value": latest[2]}
        ),
        "on_track": on_track,
    }
