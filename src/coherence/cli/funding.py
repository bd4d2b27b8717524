"""Budget season: ``funding`` (where the money and the staff go) and ``what-if`` (what
if we cut this), both read-only: a what-if saves nothing."""

from __future__ import annotations

import click

from coherence.cli import render_funding
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_reader,
    resolve_when,
    store_option,
    table_or_json,
    version_or_date,
)
from coherence.queries.whatif import what_if_request

fiscal_year_option = click.option(
    "--fiscal-year", default=None, help="Only budget lines of this fiscal year (e.g. FY27)."
)


@click.command()
@click.argument("plan")
@fiscal_year_option
@version_or_date
@table_or_json
@store_option
@handles_errors
def funding(
    plan: str,
    fiscal_year: str | None,
    version: int | None,
    as_of: str | None,
    fmt: str,
    store: str | None,
) -> None:
    """Where the money and the staff go: by objective, initiative, fund and fiscal
    year, and what reaches no objective."""
    summary = open_reader(store).funding(
        plan, fiscal_year=fiscal_year, **resolve_when(version, as_of)
    )
    if fmt == "json":
        emit_json(summary.to_dict())
    else:
        render_funding.funding_tables(summary)


def _scale(value: str) -> tuple[str, str]:
    fund, sep, factor = value.rpartition("=")
    if not sep or not fund.strip():
        raise click.BadParameter(
            f"expected FUND=FACTOR (e.g. 'Title I=0.8'), got {value!r}", param_hint="--scale-fund"
        )
    return fund.strip(), factor.strip()


@click.command("what-if")
@click.argument("plan")
@click.option(
    "--retire",
    "retire",
    multiple=True,
    help="Budget lines to retire, by key (several: BL-2702,BL-2705, or the option again).",
)
@click.option(
    "--cut-fund", "cut_funds", multiple=True, help="Retire every line of this fund (repeatable)."
)
@click.option(
    "--scale-fund",
    "scale_funds",
    multiple=True,
    help="FUND=FACTOR: multiply the fund's line amounts, allocations and FTE (repeatable).",
)
@fiscal_year_option
@version_or_date
@table_or_json
@store_option
@handles_errors
def what_if(
    plan: str,
    retire: tuple[str, ...],
    cut_funds: tuple[str, ...],
    scale_funds: tuple[str, ...],
    fiscal_year: str | None,
    version: int | None,
    as_of: str | None,
    fmt: str,
    store: str | None,
) -> None:
    """What if budget lines were retired or funds cut or scaled: findings added and
    resolved, funding and staff before and after, what loses all its funding.
    Nothing is saved."""
    keys = [key.strip() for item in retire for key in item.split(",") if key.strip()]
    request = what_if_request(keys, cut_funds, dict(_scale(s) for s in scale_funds))
    result = open_reader(store).what_if(
        plan, request, fiscal_year=fiscal_year, **resolve_when(version, as_of)
    )
    if fmt == "json":
        emit_json(result)
    else:
        render_funding.what_if_tables(result)
