"""``rollover``: a plan to the next school year, as one revision (or a dry run)."""

from __future__ import annotations

import click

from coherence.application.history import Author
from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_service,
    store_option,
    table_or_json,
)
from coherence.domain.rollover import rollover_choices


def _keys(values: tuple[str, ...]) -> list[str]:
    return [k.strip() for v in values for k in v.split(",") if k.strip()]


def _discontinued(values: tuple[str, ...]) -> dict[str, str | None]:
    """``SI3.2="grant ended",SI4.1`` (or the option again) as ``{key: reason}``."""
    out: dict[str, str | None] = {}
    for value in values:
        for item in _split(value):
            key, sep, reason = item.partition("=")
            out[key.strip()] = reason.strip().strip('"').strip() if sep else None
    return out


def _split(value: str) -> list[str]:
    """Split on commas outside double quotes."""
    items, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [i for i in items if i.strip()]


@click.command()
@click.argument("plan")
@click.option("--to", "to_year", required=True, help="The next school year, e.g. 2027-2028.")
@click.option(
    "--continue",
    "continue_",
    multiple=True,
    help="Initiatives to continue (SI1.1,SI1.2): their benchmarks copied into the new year.",
)
@click.option(
    "--modify",
    multiple=True,
    help="Initiatives to revise: their benchmarks copied without a due date.",
)
@click.option(
    "--discontinue",
    multiple=True,
    help='Initiatives to retire, with a reason: SI3.2="grant ended",SI4.1.',
)
@click.option(
    "--dry-run", is_flag=True, help="Show the changes and the audit change; save nothing."
)
@click.option("--reason", default=None, help="Why (shown in the history).")
@click.option("--actor", default="cli", show_default=True, help="Who makes the change.")
@store_option
@table_or_json
@handles_errors
def rollover(
    plan: str,
    to_year: str,
    continue_: tuple[str, ...],
    modify: tuple[str, ...],
    discontinue: tuple[str, ...],
    dry_run: bool,
    reason: str | None,
    actor: str,
    store: str | None,
    fmt: str,
) -> None:
    """Roll PLAN over to the next school year: every active initiative continues,
    is modified or is discontinued (each must be named), as one revision
    ("Rollover to 2027-2028")."""
    choices = rollover_choices(_keys(continue_), _keys(modify), _discontinued(discontinue))
    service = open_service(store)
    result, done = service.history.rollover(
        plan, to_year, choices, Author(actor, reason, "cli"), dry_run=dry_run
    )
    preview = service.reader.audit_preview(result) if dry_run else None
    if fmt == "json":
        out = {**result.to_dict(), "rollover": done.to_dict()}
        if preview is not None:
            out["audit"] = preview
        emit_json(out)
        return
    render.rollover_result(result, done.to_dict())
    if preview is not None:
        render.audit_preview(preview)
