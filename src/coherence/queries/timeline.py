"""How a redesign went: the audit summary after every revision of a plan.

The plan's events are replayed once, revision by revision; after the last event of
each revision the active graph is audited as of that revision's date.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from coherence.application.history import PlanHistory
from coherence.projections.networkx_store import active_graph
from coherence.projections.replay import by_revision, plan_events
from coherence.queries.audit import audit


def audit_timeline(
    app: PlanHistory, plan_id: str, *, fiscal_year: str | None = None
) -> list[dict[str, Any]]:
    """One entry per revision: version, date, who, why, how many changes, audit summary, score."""
    out: list[dict[str, Any]] = []
    for revision, timeline in by_revision(plan_events(app, plan_id), plan_id):
        first, event = revision[0], revision[-1]
        report = audit(
            active_graph(timeline),
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
