"""Tables and progress for people (``rich``); programs get JSON from ``main``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from coherence.application.bulk import FileImported
from coherence.application.narrative import HistoryEntry, format_money
from coherence.application.results import CommandResult, Diff, PlanSummary
from coherence.application.tokens import TokenInfo
from coherence.application.users import PersonInfo
from coherence.queries.audit import AuditReport
from coherence.queries.funding import FundingSummary, SourceFunding


def _console(stderr: bool = False) -> Console:
    """A console on the current streams; wide when the output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 160
    return Console(file=stream, stderr=stderr, highlight=False, width=width)


def note(text: str) -> None:
    _console().print(text)


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on standard error, shown only on a terminal."""
    err = _console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, new_total: int | None = None) -> None:
            """Show ``done`` of ``new_total`` (or of the total given at the start)."""
            if new_total is not None:
                bar.update(task, total=new_total)
            bar.update(task, completed=done)

        yield update


def plans_table(rows: Sequence[tuple[PlanSummary, AuditReport]]) -> None:
    table = Table(title="Plans", title_justify="left")
    numeric = ("version", "revision", "errors", "warnings", "info", "score")
    for col in ("plan", "district", "title", "status", *numeric[:2], "last change", *numeric[2:]):
        table.add_column(col, justify="right" if col in numeric else "left", no_wrap=col == "plan")
    for p, report in rows:
        table.add_row(
            p.plan_id,
            p.district or "",
            p.title or "",
            p.status,
            str(p.version),
            str(p.revision),
            p.modified_on.strftime("%Y-%m-%d %H:%M"),
            str(report.summary["error"]),
            str(report.summary["warning"]),
            str(report.summary["info"]),
            str(report.score),
        )
    _console().print(table)


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def audit_table(report: AuditReport) -> None:
    s = report.summary
    _console().print(
        f"Audit of {report.plan} at version {report.version} as of {report.as_of.isoformat()}"
        + (f", fiscal year {report.fiscal_year}" if report.fiscal_year else "")
        + f": {_counts(s)}; score {report.score}/100"
    )
    if not report.findings:
        return
    table = Table(show_header=True)
    for col in ("severity", "rule", "key", "finding"):
        table.add_column(col, no_wrap=col in ("severity", "rule", "key"))
    for f in report.findings:
        sev = f.severity.value
        table.add_row(f"[{_SEVERITY_STYLE[sev]}]{sev}[/]", f.rule, f.key or "—", escape(f.message))
    _console().print(table)


def _counts(summary: dict[str, int]) -> str:
    return f"{summary['error']} errors, {summary['warning']} warnings, {summary['info']} info"


def audit_markdown(report: AuditReport) -> str:
    """The audit as a Markdown section, for a board packet or an issue."""
    s = report.summary
    lines = [
        f"## Alignment audit: {report.plan} "
        f"(version {report.version}, as of {report.as_of.isoformat()})",
        "",
        f"**{_counts(s)}** · score {report.score}/100",
        "",
    ]
    if report.findings:
        lines += ["| severity | rule | key | finding |", "|---|---|---|---|"]
        for f in report.findings:
            cells = [f.severity.value, f"`{f.rule}`", f.key or "", f.message]
            lines.append(
                "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
            )
    return "\n".join(lines) + "\n"


def tokens_table(tokens: Sequence[TokenInfo]) -> None:
    table = Table(title="API tokens", title_justify="left")
    for col in ("id", "owner", "role", "scope", "label", "issued", "revoked"):
        table.add_column(col)
    for t in tokens:
        scope = ", ".join([*t.plans, *t.districts]) or "every plan"
        table.add_row(
            t.id,
            t.owner,
            t.role,
            scope,
            t.label or "",
            t.issued_on.strftime("%Y-%m-%d"),
            "yes" if t.revoked else "",
        )
    _console().print(table)


def people_table(people: Sequence[PersonInfo]) -> None:
    table = Table(title="People", title_justify="left")
    for col in ("email", "name", "role", "scope", "granted", "by", "revoked"):
        table.add_column(col)
    for p in people:
        scope = ", ".join([*p.plans, *p.districts]) or "every plan"
        cells = (
            p.email,
            p.name or "",
            p.role,
            scope,
            p.granted_on.strftime("%Y-%m-%d"),
            p.granted_by or "",
            "" if p.active else "yes",
        )
        table.add_row(*(Text(c) for c in cells))  # as text: names are not markup
    _console().print(table)


def line_of_sight(result: dict[str, Any]) -> None:
    console = _console()
    console.print(f"Line of sight of {result['key']} ({result['kind']}) in plan {result['plan']}:")
    for path in result["paths"]:
        console.print("  " + " → ".join(path))
    if result["beneath"]:
        console.print(f"Beneath it ({len(result['beneath'])}): " + ", ".join(result["beneath"]))


def history_table(
    plan_id: str, entries: Sequence[HistoryEntry], *, by_revision: bool = False
) -> None:
    if by_revision:
        table = Table(title=f"History of {plan_id}, by revision", title_justify="left")
        for col in ("rev", "date", "actor", "reason", "changes"):
            table.add_column(col, justify="right" if col in ("rev", "changes") else "left")
        for rev, group in groupby(entries, key=lambda e: e.revision):
            items = list(group)
            first = items[0]
            table.add_row(
                str(rev),
                first.timestamp.strftime("%Y-%m-%d"),
                first.actor,
                first.reason or "",
                str(len(items)),
            )
        _console().print(table)
        return
    table = Table(title=f"History of {plan_id}", title_justify="left")
    for col in ("version", "rev", "time", "actor", "what changed"):
        table.add_column(col, justify="right" if col in ("version", "rev") else "left")
    for e in entries:
        table.add_row(
            str(e.version),
            str(e.revision),
            e.timestamp.strftime("%Y-%m-%d %H:%M"),
            e.actor,
            e.summary,
        )
    _console().print(table)


def scenarios_table(scenarios: Sequence[dict[str, Any]], plan_id: str) -> None:
    """A plan's scenarios, for people."""
    table = Table(title=f"Scenarios of {plan_id}", title_justify="left")
    for col in ("scenario", "status", "forked from", "version", "last change"):
        table.add_column(col, justify="right" if col in ("forked from", "version") else "left")
    for s in scenarios:
        table.add_row(
            s["plan"], s["status"], str(s["forked_from"]), str(s["version"]), s["modified_on"]
        )
    _console().print(table if scenarios else f"Plan {plan_id} has no scenarios")


def rollover_result(result: CommandResult, rollover: dict[str, Any]) -> None:
    """What a rollover did (or would do), then its events."""
    console = _console()
    console.print(f"Rollover of {result.plan_id} from {rollover['from']} to {rollover['to']}:")
    for label, name in (("continued", "continued"), ("modified", "modified")):
        for key, copies in rollover[name].items():
            moved = ", ".join(f"{c['from']} -> {c['to']}" for c in copies) or "no benchmarks"
            console.print(f"  {key} {label}: {moved}")
    for key, why in rollover["discontinued"].items():
        console.print(f"  {key} discontinued" + (f": {escape(why)}" if why else ""))
    import_result(result)


def import_result(result: CommandResult) -> None:
    if result.dry_run:
        head = f"Dry run: {len(result.events)} events would be saved to plan {result.plan_id}"
    elif not result.events:
        head = (
            f"Plan {result.plan_id} already matches the file: "
            f"nothing saved (version {result.version})"
        )
    else:
        head = (
            f"Plan {result.plan_id}: revision {result.revision}, "
            f"{len(result.events)} events saved, now at version {result.version}"
        )
    _console().print(head)
    if result.events:
        table = Table(show_header=True)
        table.add_column("version", justify="right")
        table.add_column("event")
        table.add_column("what changed")
        for e in result.events:
            table.add_row(str(e.version), e.type, e.summary)
        _console().print(table)


def files_imported(results: Sequence[FileImported]) -> None:
    """One line a file: what importing several files saved."""
    table = Table(title=f"{len(results)} files imported", title_justify="left")
    table.add_column("file")
    table.add_column("plan")
    for col in ("revision", "events", "version"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            escape(r.file),
            r.plan_id + (" (new)" if r.created else ""),
            "-" if not r.events else str(r.revision),
            str(r.events),
            str(r.version),
        )
    _console().print(table)
    total = sum(r.events for r in results)
    _console().print(f"{total:,} events saved; unchanged files saved nothing.")


def diff_table(diff: Diff) -> None:
    data = diff.to_dict()
    _console().print(f"Plan {diff.plan_id}: version {diff.from_version} → {diff.to_version}")
    table = Table(show_header=True)
    for col in ("change", "kind", "key", "field", "before", "after"):
        table.add_column(col)
    for item in data["added"]:
        table.add_row(
            "restored" if item["restored"] else "added", item["kind"], item["key"], "", "", ""
        )
    for item in data["retired"]:
        table.add_row("retired", item["kind"], item["key"], "", "", "")
    for item in data["revised"]:
        for change in item["changes"]:
            table.add_row(
                "revised",
                item["kind"],
                item["key"],
                change["field"],
                _cell(change["before"]),
                _cell(change["after"]),
            )
    for name in ("linked", "unlinked"):
        for item in data[name]:
            attrs = item.get("attributes") or {}
            extra = ", ".join(f"{k}={v}" for k, v in attrs.items())
            table.add_row(name, item["edge"], f"{item['source']} → {item['target']}", "", "", extra)
    if not diff.changes:
        _console().print("No changes.")
        return
    _console().print(table)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def audit_preview(preview: dict[str, Any]) -> None:
    """What a dry run would do to the audit: the findings it resolves and adds."""
    before, after = preview["before"], preview["after"]
    _console().print(
        f"Audit: score {before['score']} -> {after['score']}; "
        f"{len(preview['resolved'])} findings resolved, {len(preview['added'])} added"
    )
    for word, findings in (("resolved", preview["resolved"]), ("added", preview["added"])):
        for f in findings:
            _console().print(escape(f"  {word}: [{f['severity']}] {f['message']}"))


def unknown_targets(rows: Sequence[dict[str, Any]]) -> None:
    """The rows of a finance file whose allocation names nothing in the plan (left out)."""
    if not rows:
        return
    _console().print(
        f"{len(rows)} allocations left out: their target is no initiative or "
        "professional learning of the plan"
    )
    table = Table()
    for col in ("row", "cell", "budget line", "target"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["row"]), r["cell"], r["budget_line"], r["target"])
    _console().print(table)


# -- budget season -----------------------------------------------------------------------


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
    console = _console()
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
    console = _console()
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
    table.add_row("findings", _counts(s_before), _counts(s_after), "")
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
                    f"[{_SEVERITY_STYLE[sev]}]{sev}[/]",
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
