"""A plan's lifecycle from the command line: ``adopt`` (with the vote's record),
``redesign``, ``close``, and ``undo`` of a revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from coherence.application.history import Author, PlanHistory
from coherence.application.results import CommandResult
from coherence.cli import render
from coherence.cli.common import emit_json, handles_errors, open_app, store_option, table_or_json

actor_option = click.option(
    "--actor", default="cli", show_default=True, help="Who makes the change."
)


def _run(store: str | None, fmt: str, action: Callable[[PlanHistory], CommandResult]) -> None:
    result = action(open_app(store))
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        render.import_result(result)


@click.command()
@click.argument("plan")
@click.option("--body", default=None, help="Who voted, e.g. 'School Committee'.")
@click.option("--meeting-date", default=None, help="The meeting's date (YYYY-MM-DD).")
@click.option("--vote", default=None, help="How they voted, e.g. '7-0'.")
@click.option("--minutes", "minutes_url", default=None, help="The minutes' URL.")
@click.option("--reason", default=None, help="Why (shown in the history).")
@actor_option
@store_option
@table_or_json
@handles_errors
def adopt(
    plan: str,
    body: str | None,
    meeting_date: str | None,
    vote: str | None,
    minutes_url: str | None,
    reason: str | None,
    actor: str,
    store: str | None,
    fmt: str,
) -> None:
    """Adopt a plan (a draft, or a redesigned plan), recording who voted and how."""
    record = {"body": body, "meeting_date": meeting_date, "vote": vote, "minutes_url": minutes_url}
    author = Author(actor, reason, "cli")
    _run(store, fmt, lambda history: history.adopt(plan, author, record=record))


def _step(name: str, summary: str, use: Callable[[PlanHistory, str, Author], Any]) -> click.Command:
    """A lifecycle step taking only the plan, a reason and the actor (redesign, close)."""

    @click.command(name, help=summary)
    @click.argument("plan")
    @click.option("--reason", default=None, help="Why (shown in the history).")
    @actor_option
    @store_option
    @table_or_json
    @handles_errors
    def step(plan: str, reason: str | None, actor: str, store: str | None, fmt: str) -> None:
        author = Author(actor, reason, "cli")
        _run(store, fmt, lambda history: use(history, plan, author))

    return step


redesign = _step(
    "redesign",
    "Open an adopted plan for redesign.",
    lambda history, plan, author: history.start_redesign(plan, author),
)
close = _step(
    "close",
    "Close a plan at the end of its cycle (it can no longer change).",
    lambda history, plan, author: history.close_plan(plan, author),
)


@click.command()
@click.argument("plan")
@click.argument("revision", type=click.IntRange(min=1))
@click.option(
    "--reason", default=None, help="Why (shown in the history after 'Undo of revision N')."
)
@actor_option
@store_option
@table_or_json
@handles_errors
def undo(
    plan: str, revision: int, reason: str | None, actor: str, store: str | None, fmt: str
) -> None:
    """Undo a revision: a new revision that reverses its changes (refused, naming the
    elements, when a later revision changed the same elements or fields since)."""
    author = Author(actor, reason, "cli")
    _run(store, fmt, lambda history: history.undo_revision(plan, revision, author))
