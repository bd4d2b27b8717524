"""The plans and their history: ``plans``, ``history``, ``diff``."""

from __future__ import annotations

import click

from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    engine_option,
    handles_errors,
    neo4j_option,
    open_reader,
    open_service,
    open_with_neo4j,
    store_option,
    table_or_json,
)
from coherence.queries.reader import plan_summary


@click.command()
@engine_option
@neo4j_option
@store_option
@table_or_json
@handles_errors
def plans(engine: str, neo4j_uri: str | None, store: str | None, fmt: str) -> None:
    """List plans with their version, status and audit summary."""
    service = open_with_neo4j(store, neo4j_uri) if engine == "neo4j" else open_service(store)
    try:
        rows = service.reader.audited_plans(engine)
    finally:
        if service.neo4j is not None:
            service.neo4j.close()
    if fmt == "json":
        emit_json([plan_summary(p, report) for p, report in rows])
    else:
        render.plans_table(rows)


@click.command()
@click.argument("plan")
@click.option("--since", type=int, default=0, help="Only events after this version.")
@click.option("--limit", type=int, default=None, help="At most this many events.")
@store_option
@table_or_json
@handles_errors
def history(plan: str, since: int, limit: int | None, store: str | None, fmt: str) -> None:
    """Every event of a plan: version, time, actor, reason, what changed."""
    entries = open_reader(store).history_of(plan, since=since, limit=limit)
    if fmt == "json":
        emit_json([e.to_dict() for e in entries])
    else:
        render.history_table(plan, entries)


@click.command()
@click.argument("plan")
@click.option(
    "--from",
    "from_version",
    required=True,
    help="Older version: a number, or 'adopted' (the version last adopted).",
)
@click.option(
    "--to", "to_version", default=None, help="Newer version (a number; default the latest)."
)
@store_option
@table_or_json
@handles_errors
def diff(plan: str, from_version: str, to_version: str | None, store: str | None, fmt: str) -> None:
    """Elements and links added, retired and revised between two versions, field by field
    (``--from adopted``: since the plan was last adopted)."""
    result = open_reader(store).diff(plan, from_version, to_version)
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        render.diff_table(result)
