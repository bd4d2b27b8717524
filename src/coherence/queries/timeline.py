"""How a redesign went: the audit summary after every revision of a plan.

The plan's events are replayed once, revision by revision, into its graph and its
monitoring facts; after the last event of each revision the active graph is audited as
of that revision's date, history-aware rules included.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from coherence.application.history import PlanHistory
from coherence.projections.monitoring import PlanMonitor
from coherence.projections.networkx_store import active_graph
from coherence.projections.replay import by_revision, plan_events
from coherence.queries.audit import audit
from coherence.queries.graph_timeline import history_summary


def audit_timeline(
    app: PlanHistory, plan_id: str, *, fiscal_year: str | None = None
) -> list[dict[str, Any]]:
    """One entry per revision: version, date, who, why, how many changes, audit summary
    (``history``: how many of its findings are the history-aware rules'), score."""
    out: list[dict[str, Any]] = []
    monitor = PlanMonitor(plan_id)
    for revision, timeline in by_revision(plan_events(app, plan_id), plan_id):
        first, event = revision[0], revision[-1]
        monitor.apply_all(revision)
        day = event.timestamp.astimezone(UTC).date()
        report = audit(
            active_graph(timeline),
            as_of=day,
            fiscal_year=fiscal_year,
            history=monitor.at(event.originator_version, day),
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
                "history": history_summary(report.findings),
                "score": report.score,
            }
        )
    return out
