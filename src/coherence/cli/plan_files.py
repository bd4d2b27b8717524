"""Plan files in and out: ``coherence import`` and ``coherence export``."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import click

from coherence.application.bulk import FileImported, import_files
from coherence.application.history import Author
from coherence.application.planfile import PlanSource, dump_document
from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_app,
    open_reader,
    parse_when,
    store_option,
    table_or_json,
)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--actor", default="cli", show_default=True, help="Who makes the change.")
@click.option("--reason", default=None, help="Why (shown in the history).")
@click.option(
    "--at", "at", default=None, help="Record at this past time (ISO date-time, history imports)."
)
@click.option("--dry-run", is_flag=True, help="Show the events without saving them.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes working several files out at once (default: one per CPU).",
)
@store_option
@table_or_json
@handles_errors
def import_(
    files: tuple[Path, ...],
    actor: str,
    reason: str | None,
    at: str | None,
    dry_run: bool,
    jobs: int | None,
    store: str | None,
    fmt: str,
) -> None:
    """Apply plan files, in order: only the events needed to make each stored plan equal
    to its file. One file shows its events; several show a line each."""
    when = parse_when(at, "--at")
    if isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if isinstance(when, datetime) and when.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-08-01T09:00:00Z", param_hint="--at")
    app = open_app(store)
    author = Author(actor, reason, "cli", when)
    if len(files) == 1 or dry_run:
        results = [
            app.import_plan(PlanSource(str(path)).read(), author, dry_run=dry_run) for path in files
        ]
        if fmt == "json":
            out = [r.to_dict() for r in results]
            emit_json(out[0] if len(out) == 1 else out)
        else:
            for result in results:
                render.import_result(result)
        return
    workers = jobs if jobs is not None else min(len(files), os.cpu_count() or 1)
    imported: list[FileImported] = []
    with render.progress("Importing", len(files)) as update:
        sources = (PlanSource(str(path)) for path in files)
        for done, each in enumerate(import_files(app, sources, author, workers=workers), 1):
            imported.append(each)
            update(done, None)
    if fmt == "json":
        emit_json([r.to_dict() for r in imported])
    else:
        render.files_imported(imported)


@click.command()
@click.argument("plan")
@click.option("--version", "version", type=int, default=None, help="Export this version.")
@click.option("--as-of", "as_of", default=None, help="Export the plan as it was on this date.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@store_option
@handles_errors
def export(
    plan: str,
    version: int | None,
    as_of: str | None,
    output: Path | None,
    fmt: str,
    store: str | None,
) -> None:
    """Write the plan file of a plan (YAML to standard output unless --output)."""
    if version is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    reader = open_reader(store)
    doc = reader.export_plan(plan, version=version, as_of=parse_when(as_of, "--as-of"))
    text = dump_document(doc, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
