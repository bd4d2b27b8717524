"""``slides``: the plan as a deck to take away from a leadership retreat, as a PDF or a
PowerPoint file (the same slides as the present page, ``/plans/{id}/present``)."""

from __future__ import annotations

from pathlib import Path

import click

from coherence.cli.common import (
    handles_errors,
    open_reader,
    refuse_binary_to_terminal,
    resolve_when,
    store_option,
    version_or_date,
    write_output,
)
from coherence.queries.deck import build_deck
from coherence.reports.slides import SLIDE_FORMATS, render_slides


@click.command()
@click.argument("plan")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(SLIDE_FORMATS)),
    default=None,
    help="pdf or pptx (default: from the -o file's extension, else pdf).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: standard output, when it is not a terminal).",
)
@version_or_date
@store_option
@handles_errors
def slides(
    plan: str,
    fmt: str | None,
    output: Path | None,
    version: int | None,
    as_of: str | None,
    store: str | None,
) -> None:
    """The plan as slides: a title slide, one per objective, how the plan changed since
    it was adopted, the findings to discuss."""
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = suffix if suffix in SLIDE_FORMATS else "pdf"
    refuse_binary_to_terminal(output, f"A {fmt.upper()} deck")
    deck = build_deck(open_reader(store), plan, **resolve_when(version, as_of))
    data = render_slides(deck, fmt)
    write_output(data, output)
    if output is not None:
        click.echo(
            f"{output}: {len(deck.slides)} slides of {plan} at version {deck.version}", err=True
        )
