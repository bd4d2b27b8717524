"""The ``coherence`` command line: thin commands over the service that
:mod:`coherence.bootstrap` composes, one module per group of commands.

Tables for people, JSON for programs (``--format json``). Exit statuses come from
the one table of errors (:data:`coherence.domain.errors.OUTCOMES`): 0 on success,
1 when ``audit`` finds an error, 2 for bad input, 3 when a server cannot be reached,
4 when ``serve`` could not run its workers, 70 for a bug (the reason on standard error).
"""

from __future__ import annotations

import click

from coherence.cli import (
    analysis,
    funding,
    history,
    lifecycle,
    plan_files,
    reports,
    rollover,
    scenarios,
    server,
    slides,
    spreadsheets,
    tokens,
    users,
)
from coherence.cli.common import fail


@click.group()
@click.version_option(package_name="coherence")
def cli() -> None:
    """Coherence: district plan history and alignment."""


for command in (
    plan_files.import_,
    plan_files.export,
    history.plans,
    history.history,
    history.diff,
    lifecycle.adopt,
    lifecycle.redesign,
    lifecycle.close,
    lifecycle.undo,
    reports.report,
    reports.publish,
    reports.unpublish,
    analysis.audit,
    analysis.graph,
    analysis.line_of_sight_,
    funding.funding,
    funding.what_if,
    scenarios.scenario,
    rollover.rollover,
    slides.slides,
    server.project,
    server.serve,
    server.demo,
    tokens.token,
    users.user,
    spreadsheets.template,
    spreadsheets.budget,
):
    cli.add_command(command)


def main() -> None:
    try:
        cli(prog_name="coherence")
    except Exception as e:  # outside every command (an option's callback): a bug
        fail(e)


if __name__ == "__main__":  # pragma: no cover
    main()
