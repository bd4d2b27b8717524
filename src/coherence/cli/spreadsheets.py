"""Spreadsheets: ``coherence template`` (a blank workbook to fill in) and
``coherence budget import`` (a finance system's budget, through a column mapping).

A plan's workbook and its sections as CSV go in and out through ``import`` and
``export`` (:mod:`coherence.cli.plan_files`).
"""

from __future__ import annotations

from pathlib import Path

import click

from coherence.application.history import Author
from coherence.application.plan_text import MAX_FILE_BYTES
from coherence.application.workbook import (
    budget_fields,
    merge_budget,
    read_budget,
    read_mapping,
    write_template,
)
from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_service,
    refuse_binary_to_terminal,
    store_option,
    table_or_json,
    write_output,
)


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["xlsx"]), default="xlsx", show_default=True)
@handles_errors
def template(output: Path | None, fmt: str) -> None:
    """Write a blank plan workbook to fill in, then import (coherence import FILE.xlsx)."""
    refuse_binary_to_terminal(output, "an XLSX workbook")
    write_output(write_template(), output)


@click.group()
def budget() -> None:
    """A budget from the district's finance system (CSV or XLSX export)."""


def mapping_of(pairs: tuple[str, ...], path: Path | None) -> dict[str, str]:
    """Our field -> the file's column, from ``--map FIELD=COLUMN`` and/or a YAML file."""
    mapping: dict[str, str] = {}
    if path is not None:
        with path.open("rb") as f:
            mapping.update(read_mapping(f.read(MAX_FILE_BYTES + 1), filename=str(path)))
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise click.BadParameter(
                f"expected FIELD=COLUMN (e.g. amount='Total Budget'), got {pair!r}",
                param_hint="--map",
            )
        mapping[ours.strip()] = theirs.strip()
    if not mapping:
        raise click.UsageError("give the columns: --map key=COLUMN ... or --mapping FILE.yaml")
    return mapping


@budget.command("import")
@click.argument("plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Which column holds a field (repeatable): " + ", ".join(budget_fields()) + ".",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A YAML file of FIELD: COLUMN (--map adds to it).",
)
@click.option("--actor", default="cli", show_default=True, help="Who makes the change.")
@click.option("--reason", default=None, help="Why (shown in the history).")
@click.option("--dry-run", is_flag=True, help="Show the events without saving them.")
@store_option
@table_or_json
@handles_errors
def budget_import(
    plan: str,
    file: Path,
    pairs: tuple[str, ...],
    mapping_file: Path | None,
    actor: str,
    reason: str | None,
    dry_run: bool,
    store: str | None,
    fmt: str,
) -> None:
    """Replace the plan's budget lines and their allocations with a finance file's
    (everything else is kept); rows whose target is not in the plan are listed."""
    mapping = mapping_of(pairs, mapping_file)
    service = open_service(store)
    with file.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    state = service.history.plan_state(plan)
    found = read_budget(data, filename=str(file), mapping=mapping, plan=state)
    result = service.history.import_merged(
        plan, lambda s: merge_budget(s, found), Author(actor, reason, "cli"), dry_run=dry_run
    )
    unknown = [
        {"row": u.row, "cell": u.cell, "budget_line": u.budget_line, "target": u.target}
        for u in found.unknown_targets
    ]
    preview = service.reader.audit_preview(result) if dry_run else None
    if fmt == "json":
        out = result.to_dict()
        if preview is not None:
            out["audit"] = preview
        emit_json({**out, "unknown_targets": unknown})
        return
    render.import_result(result)
    if preview is not None:
        render.audit_preview(preview)
    render.unknown_targets(unknown)
