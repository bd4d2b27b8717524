"""Every plan's audit today on Neo4j, the history-aware rules included: the state-wide
reads (``GET /statewide``, ``GET /plans``, ``coherence plans``) with ``engine=neo4j``.

The rules of every plan run as one state-wide audit in Neo4j
(:func:`~coherence.queries.audit.neo4j.audit_all_neo4j`); the history-aware rules run
here on each plan's monitoring facts from the event store, as for one plan's audit
(:meth:`~coherence.queries.reader.PlanReader.audit`), so each report is the networkx
engine's. A plan the projection has not caught up with yet is audited on its own (on a
scratch copy at its latest version).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from coherence.application.results import PlanSummary
from coherence.domain.errors import InvalidValue, Neo4jUnavailable
from coherence.projections.neo4j_store import RETRYABLE
from coherence.queries.audit import AuditReport, audit_context, history_part
from coherence.queries.audit.neo4j import audit_all_neo4j

if TYPE_CHECKING:
    from coherence.queries.read_at import ReadAt
    from coherence.queries.reader import PlanReader

__all__ = ["audited_plans_neo4j"]


def audited_plans_neo4j(
    reader: PlanReader, plans: Sequence[PlanSummary], reads: Sequence[ReadAt]
) -> list[tuple[PlanSummary, AuditReport]]:
    """Each plan with today's audit of its latest version (``reads``: each plan's read of
    it, resolved by the reader) on the reader's Neo4j store."""
    neo4j = reader.neo4j
    if neo4j is None:
        raise InvalidValue("engine", "networkx (Neo4j is not configured on this server)", "neo4j")
    if not plans:
        return []
    on = reads[0].audit_date
    ctx = audit_context(on, None)
    parts = {
        at.plan_id: history_part(reader.active(at), reader.monitoring(at), ctx) for at in reads
    }
    try:
        reports = audit_all_neo4j(neo4j.driver, as_of=on, database=neo4j.database, history=parts)
    except RETRYABLE as e:  # one state-wide read: the caller may simply ask again
        raise Neo4jUnavailable(
            neo4j.address,
            "start it (scripts/neo4j start) or pass --neo4j URI (or set COHERENCE_NEO4J_URI)",
            e,
        ) from e
    audited = []
    for plan, at in zip(plans, reads, strict=True):
        report = reports.get(plan.plan_id)
        if report is None or report.version != at.version:  # the projection is behind
            report = reader.audit(plan.plan_id, engine="neo4j")
        audited.append((plan, report))
    return audited
