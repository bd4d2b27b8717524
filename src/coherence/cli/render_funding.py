"""Budget season for people: where the money and the staff go, and a what-if's answer
(``rich`` tables; programs get the same as JSON from ``main``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coherence.application.narrative import format_money
from coherence.cli.render import SEVERITY_STYLE, console_for, finding_counts
from coherence.queries.funding import FundingSummary, SourceFunding


def _money(value: object) -> str:
    """``$174,000`` (cents only when there are some) from a Decimal or its string."""
    return format_money(Decimal(str(value)))


def _fte(value: object) -> str:
    return f"{Decimal(str(value)):.2f}"


def _share(value: object) -> str:
    return "—" if value is None else f"{Decimal(str(value)) * 100:.1f}%"


def _right(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right")


def funding_tables(summary: FundingSummary) -> None:
    """Where the money and the staff go: totals, then a table per view."""
    console = console_for()
    t = summary.totals
    year = f", fiscal year {summary.fiscal_year}" if summary.fiscal_year else ""
    console.print(
        f"Funding of {summary.plan} at version {summary.version}{year}: "
        f"{t.lines} budget lines, {_money(t.amount)} and {_fte(t.fte)} FTE; "
        f"{_money(t.aligned)} reaches an objective ({_share(t.aligned_share)} of the lines' "
        f"amounts), {_money(t.not_aligned)} is allocated to what reaches none, "
        f"{_money(t.unallocated)} is not allocated"
        + (f", {_money(t.over_allocated)} over-allocated" if t.over_allocated else "")
    )

    table = Table(title="By objective", title_justify="left")
    table.add_column("objective", no_wrap=True)
    table.add_column("title")
    _right(table, "reaches", "FTE", "share", "share FTE")
    table.add_column("funds")
    for o in summary.objectives:
        if not o.funds:
            funds = "[bold red]unfunded[/]"
        elif o.single_fund:
            funds = f"[yellow]{escape(o.single_fund)} only[/]"
        else:
            funds = escape(", ".join(o.funds))
        table.add_row(
            o.key,
            escape(o.title or ""),
            _money(o.amount),
            _fte(o.fte),
            _money(o.share),
            _fte(o.share_fte),
            funds,
        )
    console.print(table)
    console.print(
        "reaches: every allocation reaching the objective, in full (through its initiatives "
        "and the professional learning enabling them); share: each allocation split equally "
        "between the objectives it reaches, so the shares add up to what reaches any."
    )

    table = Table(title="By initiative", title_justify="left")
    table.add_column("initiative", no_wrap=True)
    table.add_column("title")
    table.add_column("objectives")
    _right(table, "allocated", "FTE", "to its learning", "learning FTE")
    table.add_column("funds")
    for i in summary.initiatives:
        table.add_row(
            i.key,
            escape(i.title or ""),
            ", ".join(i.objectives) or "—",
            _money(i.amount) if i.funded else "[yellow]$0[/]",
            _fte(i.fte),
            _money(i.learning),
            _fte(i.learning_fte),
            escape(", ".join(i.funds)),
        )
    console.print(table)

    for title, label, rows in (
        ("By fund", "fund", summary.funds),
        ("By fiscal year", "fiscal year", summary.fiscal_years),
    ):
        console.print(_source_table(title, label, rows))

    if summary.not_reaching:
        table = Table(title="Reaching no objective", title_justify="left")
        table.add_column("line", no_wrap=True)
        table.add_column("description")
        table.add_column("fund")
        _right(table, "amount", "not allocated", "allocated, reaching none", "FTE reaching none")
        table.add_column("allocated to")
        for line in summary.not_reaching:
            table.add_row(
                line.key,
                escape(line.description or ""),
                escape(line.fund),
                _money(line.amount),
                _money(line.unallocated),
                _money(line.not_aligned),
                _fte(line.not_aligned_fte),
                ", ".join(a.target for a in line.allocations if not a.objectives) or "—",
            )
        console.print(table)


def _source_table(title: str, label: str, rows: Sequence[SourceFunding]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label)
    _right(table, "lines", "amount", "FTE", "allocated", "reaching an objective", "FTE reaching")
    for row in rows:
        table.add_row(
            escape(row.name),
            str(row.lines),
            _money(row.amount),
            _fte(row.fte),
            _money(row.allocated),
            _money(row.aligned),
            _fte(row.aligned_fte),
        )
    return table


def what_if_tables(result: dict[str, Any]) -> None:
    """What a what-if changes, for people: what was asked, the totals before and after,
    what loses all its funding, the findings added and resolved, the plan's changes."""
    console = console_for()
    asked = result["asked"]
    parts: list[str] = []
    if "scenario" in asked:
        year = f", fiscal year {result['fiscal_year']}" if result["fiscal_year"] else ""
        console.print(
            f"Scenario ~{asked['scenario']} (forked at version {asked['forked_from']}) against "
            f"{result['plan']} at version {result['version']}{year}: after is the plan as "
            "merging it would leave it."
        )
        if result.get("conflicts"):
            console.print(
                "[bold red]Conflicts[/] (changed on both sides; a merge is refused): "
                + ", ".join(result["conflicts"])
            )
    else:
        _what_if_head(console, result, asked, parts)
    _what_if_body(console, result)


def _what_if_head(
    console: Console, result: dict[str, Any], asked: dict[str, Any], parts: list[str]
) -> None:
    if asked["retire"]:
        parts.append("retire " + ", ".join(asked["retire"]))
    if asked["cut_funds"]:
        parts.append("cut " + ", ".join(escape(f) for f in asked["cut_funds"]))
    for fund, factor in asked["scale_funds"].items():
        parts.append(f"scale {escape(fund)} by {factor}")
    year = f", fiscal year {result['fiscal_year']}" if result["fiscal_year"] else ""
    console.print(
        f"What if ({'; '.join(parts)}) in {result['plan']} at version {result['version']}"
        f"{year}: nothing is saved."
    )


def _what_if_body(console: Console, result: dict[str, Any]) -> None:
    before, after = result["funding"]["before"]["totals"], result["funding"]["after"]["totals"]
    table = Table(show_header=True)
    table.add_column("")
    _right(table, "before", "after", "change")
    rows = (
        ("budget", "amount", _money),
        ("staff (FTE)", "fte", _fte),
        ("reaching an objective", "aligned", _money),
        ("FTE reaching an objective", "aligned_fte", _fte),
    )
    for label, name, show in rows:
        change = Decimal(after[name]) - Decimal(before[name])
        table.add_row(label, show(before[name]), show(after[name]), show(change))
    table.add_row(
        "aligned share",
        _share(before["aligned_share"]),
        _share(after["aligned_share"]),
        "",
    )
    score = result["score"]
    table.add_row("alignment score", str(score["before"]), str(score["after"]), "")
    s_before, s_after = result["summary"]["before"], result["summary"]["after"]
    table.add_row("findings", finding_counts(s_before), finding_counts(s_after), "")
    console.print(table)
    losing = result["losing_all_funding"]
    for kind in ("objectives", "initiatives"):
        keys = losing[kind]
        text = ", ".join(keys) if keys else "none"
        style = "bold red" if keys else "green"
        console.print(f"{kind.capitalize()} losing all funding: [{style}]{text}[/]")
    findings = result["findings"]
    if findings["added"] or findings["resolved"]:
        table = Table(show_header=True)
        for col in ("", "severity", "rule", "key", "finding"):
            table.add_column(col, no_wrap=col in ("severity", "rule", "key"))
        for label, items in (("new", findings["added"]), ("resolved", findings["resolved"])):
            for f in items:
                sev = f["severity"]
                table.add_row(
                    label,
                    f"[{SEVERITY_STYLE[sev]}]{sev}[/]",
                    f["rule"],
                    f["key"] or "—",
                    escape(f["message"]),
                )
        console.print(table)
    else:
        console.print("No finding added or resolved.")
    diff = result["diff"]
    console.print(
        f"Changes: {len(diff['retired'])} budget lines retired, {len(diff['unlinked'])} "
        f"allocations removed, {len(diff['revised'])} lines and allocations revised."
    )
