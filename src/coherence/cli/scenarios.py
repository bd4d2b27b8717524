"""Scenarios from the command line: ``scenario create|list|compare|merge|discard``.

A scenario is a draft copy of a plan with a history of its own; every command that
takes a plan takes it as ``PLAN~NAME`` (``coherence audit riverbend-2024~fy28-cuts``)."""

from __future__ import annotations

import click

from coherence.application.history import Author
from coherence.cli import render, render_funding
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_app,
    open_reader,
    store_option,
    table_or_json,
)

actor_option = click.option(
    "--actor", default="cli", show_default=True, help="Who makes the change."
)
reason_option = click.option("--reason", default=None, help="Why (shown in the history).")


@click.group()
def scenario() -> None:
    """Draft copies of a plan: create, list, compare with the plan, merge, discard."""


@scenario.command()
@click.argument("plan")
@click.argument("name")
@click.option(
    "--version", type=click.IntRange(min=1), default=None, help="The plan's version to copy."
)
@reason_option
@actor_option
@store_option
@table_or_json
@handles_errors
def create(
    plan: str,
    name: str,
    version: int | None,
    reason: str | None,
    actor: str,
    store: str | None,
    fmt: str,
) -> None:
    """Create scenario NAME of PLAN (a lower-case slug): a copy of the plan at
    --version (the latest by default), addressed as PLAN~NAME."""
    result = open_app(store).create_scenario(
        plan, name, Author(actor, reason, "cli"), version=version
    )
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        click.echo(
            f"Scenario {result.plan_id} created at version {result.version} "
            f"({len(result.events)} events copied); use {result.plan_id} as a plan id"
        )


@scenario.command("list")
@click.argument("plan")
@store_option
@table_or_json
@handles_errors
def list_(plan: str, store: str | None, fmt: str) -> None:
    """The scenarios of PLAN: draft, merged and discarded."""
    found = open_reader(store).scenarios(plan)
    if fmt == "json":
        emit_json(found)
    else:
        render.scenarios_table(found, plan)


@scenario.command()
@click.argument("plan")
@click.argument("name")
@click.option(
    "--fiscal-year", default=None, help="Only budget lines of this fiscal year (e.g. FY27)."
)
@store_option
@table_or_json
@handles_errors
def compare(plan: str, name: str, fiscal_year: str | None, store: str | None, fmt: str) -> None:
    """Scenario NAME against PLAN as it is now: the changes a merge would make, the
    findings it adds and resolves, funding before and after, what loses all its
    funding, and the conflicts a merge would refuse."""
    result = open_reader(store).compare_scenario(plan, name, fiscal_year=fiscal_year)
    if fmt == "json":
        emit_json(result)
    else:
        render_funding.what_if_tables(result)


@scenario.command()
@click.argument("plan")
@click.argument("name")
@reason_option
@actor_option
@store_option
@table_or_json
@handles_errors
def merge(
    plan: str, name: str, reason: str | None, actor: str, store: str | None, fmt: str
) -> None:
    """Merge scenario NAME into PLAN as one revision ("Merge of scenario ~NAME");
    refused, naming them, when the plan changed the same elements since the fork."""
    result = open_app(store).merge_scenario(plan, name, Author(actor, reason, "cli"))
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        render.import_result(result)


@scenario.command()
@click.argument("plan")
@click.argument("name")
@reason_option
@actor_option
@store_option
@table_or_json
@handles_errors
def discard(
    plan: str, name: str, reason: str | None, actor: str, store: str | None, fmt: str
) -> None:
    """Discard scenario NAME of PLAN: it keeps its history, and can no longer change or
    be merged."""
    result = open_app(store).discard_scenario(plan, name, Author(actor, reason, "cli"))
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        click.echo(f"Scenario {result.plan_id} discarded (version {result.version})")
