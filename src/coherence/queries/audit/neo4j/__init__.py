"""The audit and the graph queries on the Neo4j projection: the Cypher twins.

Every audit rule has a detector in Cypher, ``graph_queries/<rule id>.cypher``, that
returns one row per finding (:func:`rule_rows` runs one, for one plan or for every
plan); the audit runs ``graph_queries/audit-plans.cypher``, which answers every rule and
population of a plan at once, one row per plan, in the rules' own columns. The
messages, the order of the findings, the summary and the score are the networkx audit's,
so :func:`audit_neo4j` gives the same
:class:`~coherence.queries.audit.model.AuditReport` as the networkx
:func:`~coherence.queries.audit.report.audit` of the same plan, message for message.
This package is the only part of the audit that imports the Neo4j driver.

- :mod:`.queries`: running the ``.cypher`` files, each rule's columns, :func:`rule_rows`;
- :mod:`.plans`: the audit of one plan, of every plan (state-wide), the ranking;
- :mod:`.reads`: line of sight, what stands beneath an element, the state-wide queries;
- :mod:`.versions`: past versions, audited on scratch copies.
"""

from __future__ import annotations

from coherence.queries.audit.neo4j.plans import audit_all_neo4j, audit_neo4j, rank_plans_by_score
from coherence.queries.audit.neo4j.queries import rule_rows
from coherence.queries.audit.neo4j.reads import (
    beneath_neo4j,
    line_of_sight_neo4j,
    statewide_budget_lines_reaching_no_objective,
    statewide_unfunded_objectives,
)
from coherence.queries.audit.neo4j.versions import (
    SCRATCH_MARK,
    audit_version_neo4j,
    drop_scratch,
    materialize_version,
    materialized_version,
    scratch_plan_id,
)

__all__ = [
    "SCRATCH_MARK",
    "audit_all_neo4j",
    "audit_neo4j",
    "audit_version_neo4j",
    "beneath_neo4j",
    "drop_scratch",
    "line_of_sight_neo4j",
    "materialize_version",
    "materialized_version",
    "rank_plans_by_score",
    "rule_rows",
    "scratch_plan_id",
    "statewide_budget_lines_reaching_no_objective",
    "statewide_unfunded_objectives",
]
