"""Reading a plan's alignment: ``audit``, ``graph``, ``line-of-sight``."""

from __future__ import annotations

import sys
from pathlib import Path

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
    resolve_when,
    store_option,
    table_or_json,
    version_or_date,
)
from coherence.queries.exports import FORMATS


@click.command()
@click.argument("plan")
@version_or_date
@click.option(
    "--fiscal-year", default=None, help="Only budget lines of this fiscal year (e.g. FY26)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
@engine_option
@neo4j_option
@store_option
@handles_errors
def audit(
    plan: str,
    version: int | None,
    as_of: str | None,
    fiscal_year: str | None,
    fmt: str,
    engine: str,
    neo4j_uri: str | None,
    store: str | None,
) -> None:
    """Alignment findings of a plan; exit status 1 when there is an error finding."""
    when = resolve_when(version, as_of)
    service = open_with_neo4j(store, neo4j_uri) if engine == "neo4j" else open_service(store)
    try:
        report = service.reader.audit(plan, fiscal_year=fiscal_year, engine=engine, **when)
    finally:
        if service.neo4j is not None:
            service.neo4j.close()
    if fmt == "json":
        emit_json(report.to_dict())
    elif fmt == "markdown":
        click.echo(render.audit_markdown(report), nl=False)
    else:
        render.audit_table(report)
    if report.summary["error"]:
        sys.exit(1)


@click.command()
@click.argument("plan")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True)
@version_or_date
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@store_option
@handles_errors
def graph(
    plan: str,
    fmt: str,
    version: int | None,
    as_of: str | None,
    output: Path | None,
    store: str | None,
) -> None:
    """Export the alignment graph (GEXF carries each element's lifetime)."""
    body, _ = open_reader(store).export_graph(plan, fmt, **resolve_when(version, as_of))
    text = body.decode()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.command("line-of-sight")
@click.argument("plan")
@click.argument("key")
@click.option("--version", "version", type=int, default=None, help="The plan at this version.")
@store_option
@table_or_json
@handles_errors
def line_of_sight_(plan: str, key: str, version: int | None, store: str | None, fmt: str) -> None:
    """How an element reaches the mission, and what stands beneath it."""
    result = open_reader(store).line_of_sight(plan, key, version=version)
    if fmt == "json":
        emit_json(result)
    else:
        render.line_of_sight(result)
