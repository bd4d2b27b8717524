"""Plan files in and out: ``coherence import`` and ``coherence export``.

A plan file is YAML or JSON, or an XLSX workbook (by its name or its content); one
section of a plan is also a CSV file (``--section``), imported by reconciling that
section only.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from coherence.application.bulk import FileImported, import_files
from coherence.application.history import Author
from coherence.application.memory import collector_for_imports
from coherence.application.plan_text import MAX_FILE_BYTES
from coherence.application.planfile import dump_document
from coherence.application.results import CommandResult
from coherence.application.workbook import (
    PlanInput,
    merge_section,
    read_section_csv,
    section_to_csv,
    table,
    write_workbook,
)
from coherence.bootstrap import Service
from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_service,
    parse_when,
    refuse_binary_to_terminal,
    store_option,
    table_or_json,
    write_output,
)
from coherence.domain.changes import PlanState


def _author(actor: str, reason: str | None, at: str | None) -> Author:
    when = parse_when(at, "--at")
    if isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if isinstance(when, datetime) and when.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-08-01T09:00:00Z", param_hint="--at")
    return Author(actor, reason, "cli", when)


def read_file(path: Path) -> bytes:
    """A file's bytes, up to one more than any file we read may have (the readers
    refuse it then, naming the limit)."""
    with path.open("rb") as f:
        return f.read(MAX_FILE_BYTES + 1)


def show_result(service: Service, result: CommandResult, fmt: str, **extra: Any) -> None:
    """A command's result; a dry run's with the audit findings it would resolve and add."""
    preview = service.reader.audit_preview(result) if result.dry_run else None
    if fmt == "json":
        out = result.to_dict()
        if preview is not None:
            out["audit"] = preview
        emit_json({**out, **extra})
        return
    render.import_result(result)
    if preview is not None:
        render.audit_preview(preview)


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
@click.option(
    "--section",
    default=None,
    help="Import one section from a CSV file: coherence import PLAN --section NAME FILE.csv.",
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
    section: str | None,
    store: str | None,
    fmt: str,
) -> None:
    """Apply plan files (YAML, JSON or XLSX workbooks), in order: only the events needed
    to make each stored plan equal to its file. One file shows its events; several show
    a line each. With --section, PLAN FILE.csv: only that section is reconciled."""
    author = _author(actor, reason, at)
    if section is not None:
        if len(files) != 2:
            raise click.UsageError("with --section give the plan and one CSV file: PLAN FILE.csv")
        plan_id, path = str(files[0]), files[1]
        table(section)  # an unknown section is refused before anything is read
        service = open_service(store)
        rows = read_section_csv(read_file(path), section, filename=str(path))
        result = service.history.import_merged(
            plan_id, lambda state: merge_section(state, rows), author, dry_run=dry_run
        )
        show_result(service, result, fmt)
        return
    service = open_service(store)
    app = service.history
    collector_for_imports()
    if len(files) == 1 or dry_run:
        results = [
            app.import_plan(PlanInput(str(path)).read(), author, dry_run=dry_run) for path in files
        ]
        if len(results) == 1:
            show_result(service, results[0], fmt)
        elif fmt == "json":
            emit_json([r.to_dict() for r in results])
        else:
            for result in results:
                render.import_result(result)
        return
    workers = jobs if jobs is not None else min(len(files), os.cpu_count() or 1)
    imported: list[FileImported] = []
    with render.progress("Importing", len(files)) as update:
        sources = (PlanInput(str(path)) for path in files)
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
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "xlsx", "csv"]),
    default=None,
    help="yaml (the default), json, xlsx (a workbook: needs -o or a redirection) or csv "
    "(one --section).",
)
@click.option(
    "--section", default=None, help="One section as CSV (budget_lines, initiatives, ...)."
)
@store_option
@handles_errors
def export(
    plan: str,
    version: int | None,
    as_of: str | None,
    output: Path | None,
    fmt: str | None,
    section: str | None,
    store: str | None,
) -> None:
    """Write the plan file of a plan (YAML to standard output unless --output), its
    workbook (--format xlsx) or one section as CSV (--section NAME)."""
    if version is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    fmt = fmt or ("csv" if section is not None else "yaml")
    if (fmt == "csv") != (section is not None):
        raise click.UsageError("--section goes with --format csv: one section as a CSV file")
    if fmt == "xlsx":
        refuse_binary_to_terminal(output, "an XLSX workbook")
    if section is not None:
        table(section)  # an unknown section is refused before the plan is read
    reader = open_service(store).reader
    when = parse_when(as_of, "--as-of")
    if fmt in ("yaml", "json"):
        text = dump_document(reader.export_plan(plan, version=version, as_of=when), fmt)
        write_output(text.encode("utf-8"), output)
        return
    state = PlanState.of(reader.plan(plan, version=version, as_of=when))
    if fmt == "xlsx":
        write_output(write_workbook(state), output)
    else:
        assert section is not None
        write_output(section_to_csv(state, section).encode("utf-8"), output)
