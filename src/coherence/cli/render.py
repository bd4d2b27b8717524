"""Tables and progress for people (``rich``); programs get JSON from ``main``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from coherence.application.bulk import FileImported
from coherence.application.narrative import HistoryEntry
from coherence.application.results import CommandResult, Diff, PlanSummary
from coherence.application.tokens import TokenInfo
from coherence.application.users import PersonInfo
from coherence.queries.audit import AuditReport


def console_for(stderr: bool = False) -> Console:
    """A console on the current streams; wide when the output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 160
    return Console(file=stream, stderr=stderr, highlight=False, width=width)


def note(text: str) -> None:
    console_for().print(text)


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on standard error, shown only on a terminal."""
    err = console_for(stderr=True)
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
    console_for().print(table)


SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def audit_table(report: AuditReport) -> None:
    s = report.summary
    console_for().print(
        f"Audit of {report.plan} at version {report.version} as of {report.as_of.isoformat()}"
        + (f", fiscal year {report.fiscal_year}" if report.fiscal_year else "")
        + f": {finding_counts(s)}; score {report.score}/100"
    )
    if not report.findings:
        return
    table = Table(show_header=True)
    for col in ("severity", "rule", "key", "finding"):
        table.add_column(col, no_wrap=col in ("severity", "rule", "key"))
    for f in report.findings:
        sev = f.severity.value
        table.add_row(f"[{SEVERITY_STYLE[sev]}]{sev}[/]", f.rule, f.key or "—", escape(f.message))
    console_for().print(table)


def finding_counts(summary: dict[str, int]) -> str:
    return f"{summary['error']} errors, {summary['warning']} warnings, {summary['info']} info"


def audit_markdown(report: AuditReport) -> str:
    """The audit as a Markdown section, for a board packet or an issue."""
    s = report.summary
    lines = [
        f"## Alignment audit: {report.plan} "
        f"(version {report.version}, as of {report.as_of.isoformat()})",
        "",
        f"**{finding_counts(s)}** · score {report.score}/100",
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
    console_for().print(table)


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
    console_for().print(table)


def line_of_sight(result: dict[str, Any]) -> None:
    console = console_for()
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
        console_for().print(table)
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
    console_for().print(table)


def scenarios_table(scenarios: Sequence[dict[str, Any]], plan_id: str) -> None:
    """A plan's scenarios, for people."""
    table = Table(title=f"Scenarios of {plan_id}", title_justify="left")
    for col in ("scenario", "status", "forked from", "version", "last change"):
        table.add_column(col, justify="right" if col in ("forked from", "version") else "left")
    for s in scenarios:
        table.add_row(
            s["plan"], s["status"], str(s["forked_from"]), str(s["version"]), s["modified_on"]
        )
    console_for().print(table if scenarios else f"Plan {plan_id} has no scenarios")


def rollover_result(result: CommandResult, rollover: dict[str, Any]) -> None:
    """What a rollover did (or would do), then its events."""
    console = console_for()
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
    console_for().print(head)
    if result.events:
        table = Table(show_header=True)
        table.add_column("version", justify="right")
        table.add_column("event")
        table.add_column("what changed")
        for e in result.events:
            table.add_row(str(e.version), e.type, e.summary)
        console_for().print(table)


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
    console_for().print(table)
    total = sum(r.events for r in results)
    console_for().print(f"{total:,} events saved; unchanged files saved nothing.")


def diff_table(diff: Diff) -> None:
    data = diff.to_dict()
    console_for().print(f"Plan {diff.plan_id}: version {diff.from_version} → {diff.to_version}")
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
        console_for().print("No changes.")
        return
    console_for().print(table)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def audit_preview(preview: dict[str, Any]) -> None:
    """What a dry run would do to the audit: the findings it resolves and adds."""
    before, after = preview["before"], preview["after"]
    console_for().print(
        f"Audit: score {before['score']} -> {after['score']}; "
        f"{len(preview['resolved'])} findings resolved, {len(preview['added'])} added"
    )
    for word, findings in (("resolved", preview["resolved"]), ("added", preview["added"])):
        for f in findings:
            console_for().print(escape(f"  {word}: [{f['severity']}] {f['message']}"))


def unknown_targets(rows: Sequence[dict[str, Any]]) -> None:
    """The rows of a finance file whose allocation names nothing in the plan (left out)."""
    if not rows:
        return
    console_for().print(
        f"{len(rows)} allocations left out: their target is no initiative or "
        "professional learning of the plan"
    )
    table = Table()
    for col in ("row", "cell", "budget line", "target"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["row"]), r["cell"], r["budget_line"], r["target"])
    console_for().print(table)
