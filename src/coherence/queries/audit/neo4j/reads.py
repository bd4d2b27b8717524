"""Line of sight, what stands beneath an element, and the state-wide queries, in Neo4j:
the Cypher twins of :mod:`coherence.queries.line_of_sight` and the state-wide reads
(``graph_queries/line_of_sight.cypher``, ``beneath.cypher``, ``statewide-*.cypher``)."""

from __future__ import annotations

from neo4j import Driver

from coherence.domain.errors import UnknownElement
from coherence.queries.audit.neo4j.queries import Record, read, records
from coherence.queries.audit.values import fiscal_year_option

__all__ = [
    "beneath_neo4j",
    "line_of_sight_neo4j",
    "statewide_budget_lines_reaching_no_objective",
    "statewide_unfunded_objectives",
]


def line_of_sight_neo4j(
    driver: Driver, plan_id: str, key: str, *, database: str | None = None
) -> list[list[str]]:
    """Every path from ``key`` up to the mission (or the objectives when the plan has no
    mission), shortest first: :func:`coherence.queries.line_of_sight.paths_up` in Cypher.

    Raises :class:`~coherence.domain.errors.UnknownElement` when the plan has no active
    element ``key``.
    """
    rows = read(driver, database, lambda tx: records(tx, "line_of_sight", plan=plan_id, key=key))
    if not rows:
        raise UnknownElement(f"No active element {key} in the plan")
    paths = {tuple(str(k) for k in path) for path in rows[0]["paths"]}
    return [list(p) for p in sorted(paths, key=lambda p: (len(p), p))]


def beneath_neo4j(driver: Driver, plan_id: str, key: str, *, database: str | None = None) -> Record:
    """The element and everything beneath it: ``{key, kind, nodes, edges}`` (see
    ``graph_queries/beneath.cypher``); :func:`coherence.queries.line_of_sight.beneath`
    in Cypher. Raises :class:`~coherence.domain.errors.UnknownElement` when the plan has
    no active element ``key``.
    """
    rows = read(driver, database, lambda tx: records(tx, "beneath", plan=plan_id, key=key))
    if not rows:
        raise UnknownElement(f"No active element {key} in the plan")
    return rows[0]


def _statewide(
    driver: Driver, name: str, fiscal_year: str | None, database: str | None
) -> list[Record]:
    """The rows of a state-wide query, for the fiscal-year option as the audit reads it."""
    year = fiscal_year_option(fiscal_year)
    return read(driver, database, lambda tx: records(tx, name, fiscal_year=year))


def statewide_unfunded_objectives(
    driver: Driver, *, fiscal_year: str | None = None, database: str | None = None
) -> list[Record]:
    """Every unfunded objective in every district's plan: ``{district, plan, plan_title,
    key, title, initiatives}`` rows (``graph_queries/statewide-unfunded-objectives.cypher``)."""
    return _statewide(driver, "statewide-unfunded-objectives", fiscal_year, database)


def statewide_budget_lines_reaching_no_objective(
    driver: Driver, *, fiscal_year: str | None = None, database: str | None = None
) -> list[Record]:
    """Budget lines of every plan with no line of sight to an objective, by fund source:
    ``{fund, district, plan, key, fiscal_year, description, amount}`` rows
    (``graph_queries/statewide-budget-lines-reaching-no-objective.cypher``)."""
    return _statewide(driver, "statewide-budget-lines-reaching-no-objective", fiscal_year, database)
