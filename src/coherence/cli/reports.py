"""Reports for the school committee from the command line: ``report`` (the progress
report as HTML, PDF or DOCX), ``publish`` and ``unpublish`` (its public view)."""

from __future__ import annotations

from pathlib import Path

import click

from coherence.application.history import Author
from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_app,
    open_reader,
    refuse_binary_to_terminal,
    resolve_when,
    store_option,
    table_or_json,
    version_or_date,
    write_output,
)


@click.command()
@click.argument("plan")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf", "docx"]),
    default="html",
    show_default=True,
    help="HTML for the browser (prints well), PDF, or DOCX for a clerk to edit.",
)
@click.option(
    "--fiscal-year",
    default=None,
    help="The resources' fiscal year, e.g. FY27 (default: that of the report's date; "
    "July to June).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file (default: standard output).",
)
@version_or_date
@store_option
@handles_errors
def report(
    plan: str,
    fmt: str,
    fiscal_year: str | None,
    output: Path | None,
    version: int | None,
    as_of: str | None,
    store: str | None,
) -> None:
    """The progress report of a plan for the school committee: cover with the adoption
    record, the plan at a glance, progress, resources, the audit's findings and the
    changes since the last adoption."""
    from coherence.reports import build_report, render

    when = resolve_when(version, as_of)
    if fmt != "html":
        refuse_binary_to_terminal(output, f"A {fmt.upper()} report")
    built = build_report(open_reader(store), plan, fiscal_year=fiscal_year, **when)
    write_output(render(built, fmt), output)
    if output is not None:
        click.echo(
            f"Wrote the {fmt.upper()} report of {plan} (version {built.version}) to {output}"
        )


def _visibility(
    plan: str, publish: bool, actor: str, reason: str | None, store: str | None, fmt: str
) -> None:
    author = Author(actor, reason, "cli")
    history = open_app(store)
    result = history.publish(plan, author) if publish else history.unpublish(plan, author)
    if fmt == "json":
        emit_json({**result.to_dict(), "published": publish})
        return
    if not result.events:
        click.echo(f"{plan} is already {'public' if publish else 'not public'}: nothing saved.")
        return
    render.import_result(result)
    if publish:
        click.echo(f"Anyone can now read its report at /public/{plan} (the latest version).")


@click.command()
@click.argument("plan")
@click.option("--reason", default=None, help="Why (shown in the history).")
@click.option("--actor", default="cli", show_default=True, help="Who makes the change.")
@store_option
@table_or_json
@handles_errors
def publish(plan: str, reason: str | None, actor: str, store: str | None, fmt: str) -> None:
    """Publish a plan: anyone may read its report (its latest version) at /public/PLAN,
    with no token and no sign-in, and nothing else of it."""
    _visibility(plan, True, actor, reason, store, fmt)


@click.command()
@click.argument("plan")
@click.option("--reason", default=None, help="Why (shown in the history).")
@click.option("--actor", default="cli", show_default=True, help="Who makes the change.")
@store_option
@table_or_json
@handles_errors
def unpublish(plan: str, reason: str | None, actor: str, store: str | None, fmt: str) -> None:
    """Unpublish a plan: /public/PLAN answers 404 again."""
    _visibility(plan, False, actor, reason, store, fmt)
