"""How a redesign went: the audit summary after every revision of a plan.

The plan's events are folded once through the graph mapping; after the last event
of each revision the active graph is audited as of that revision's date.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import networkx as nx

from coherence.application.history import PlanHistory
from coherence.domain.errors import PlanNotFound
from coherence.domain.plan import DistrictPlan, plan_uuid
from coherence.projections.graph_changes import graph_changes
from coherence.projections.networkx_store import active_graph, apply_change
from coherence.queries.audit import audit


def audit_timeline(
    app: PlanHistory, plan_id: str, *, fiscal_year: str | None = None
) -> list[dict[str, Any]]:
    """One entry per revision: version, date, who, why, how many changes, audit summary, score."""
    events: list[DistrictPlan.Event] = list(app.events.get(plan_uuid(plan_id)))  # type: ignore[arg-type]
    if not events:
        raise PlanNotFound(plan_id)
    graphs: dict[str, nx.MultiDiGraph] = {}
    out: list[dict[str, Any]] = []
    for i, event in enumerate(events):
        for change in graph_changes(event, plan_id):
            apply_change(graphs, change)
        last_of_revision = i + 1 == len(events) or events[i + 1].revision != event.revision
        if not last_of_revision:
            continue
        first = next(e for e in events if e.revision == event.revision)
        report = audit(
            active_graph(graphs[plan_id]),
            as_of=event.timestamp.astimezone(UTC).date(),
            fiscal_year=fiscal_year,
        )
        out.append(
            {
                "revision": event.revision,
                "version": event.originator_version,
                "timestamp": event.timestamp.isoformat(),
                "actor": event.actor,
                "reason": event.reason,
                "changes": event.originator_version - first.originator_version + 1,
                "summary": dict(report.summary),
                "score": report.score,
            }
        )
    return out
