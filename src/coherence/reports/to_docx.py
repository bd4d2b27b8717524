"""The progress report as a Word document (DOCX), laid out like DESE's District Plan and
Action Plan outlines, for a clerk to edit before the meeting.

Why python-docx: it writes the Office Open XML that Word and LibreOffice open as their
own, with the document's real styles (``Title``, ``Heading 1``/``2``/``3``, ``Table
Grid``), real tables whose cells are text, and pictures, so the clerk edits a document
rather than a picture of one, and navigation panes and tables of contents work.

The outline (DESE's *Planning for Success* District Plan, then its Action Plan):

I. Mission, Vision, Core Values · II. Data Analysis and Theory of Action · III.
Objectives, Initiatives, Professional Development, Induction and Mentoring · IV.
Outcomes · Action Plan (benchmarks by initiative, resources) · then the audit's
findings, the changes since the last adoption, and an appendix of the audit's rules.
The titles are DESE's; what goes under each comes from the catalogue's kinds, by their
labels. Charts are the same matplotlib drawings as the HTML's, as PNG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Inches, Pt

from coherence.application.narrative import format_money
from coherence.domain.framework import KINDS
from coherence.reports import charts
from coherence.reports.model import (
    NOT_ADOPTED,
    SECTIONS,
    Report,
    field_label,
    format_date,
    format_number,
    format_share,
)

OUTLINE: Final[tuple[str, ...]] = (
    "I. Mission, Vision, Core Values",
    "II. Data Analysis and Theory of Action",
    "III. Objectives, Initiatives, Professional Development, Induction and Mentoring",
    "IV. Outcomes",
    "Action Plan",
)
"""The headings of DESE's District Plan (I to IV) and Action Plan outlines."""


def _number(value: float | int | Decimal | None) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return format_number(value)


class _Writer:
    def __init__(self) -> None:
        self.doc: Any = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(10.5)
        for section in self.doc.sections:
            section.left_margin = section.right_margin = Inches(0.8)
            section.top_margin = section.bottom_margin = Inches(0.8)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str = "", *, bold: str | None = None, italic: bool = False) -> Any:
        p = self.doc.add_paragraph()
        if bold:
            p.add_run(bold).bold = True
        run = p.add_run(text)
        run.italic = italic
        return p

    def bullet(self, text: str, *, bold: str | None = None) -> None:
        p = self.doc.add_paragraph(style="List Bullet")
        if bold:
            p.add_run(bold).bold = True
        p.add_run(text)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], *, head: bool = True
    ) -> Any:
        """A table a clerk can edit; its first row the bold ``header`` (none without
        ``head``: then ``header`` only gives the number of columns)."""
        table = self.doc.add_table(rows=1 if head else 0, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        if head:
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(9)
        self.doc.add_paragraph()
        return table

    def picture(self, png: bytes, caption: str) -> None:
        self.doc.add_picture(io.BytesIO(png), width=Inches(6.2))
        self.para(caption, italic=True)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def render_docx(report: Report) -> bytes:
    """The report as a DOCX document."""
    w = _Writer()
    _cover(w, report)
    _foundations(w, report)
    _analysis(w, report)
    _objectives(w, report)
    _outcomes(w, report)
    _action_plan(w, report)
    _findings(w, report)
    _changes(w, report)
    _appendix(w, report)
    return w.save()


def _cover(w: _Writer, r: Report) -> None:
    w.doc.add_heading(f"{r.district}: {r.title}" if r.district else r.title, level=0)
    w.para(f"Progress report for the school committee, {format_date(r.as_of)}", italic=True)
    w.table(
        ["", ""],
        [
            ["Period", r.period],
            ["Status", r.status_label],
            ["Version", str(r.version)],
            ["Fiscal year", r.resources.fiscal_year],
            ["Alignment score", f"{r.score} of 100"],
        ],
        head=False,
    )
    w.heading("Adoption", 2)
    a = r.adoption
    if a is None:
        w.para(NOT_ADOPTED)
        return
    w.para(f"{a.sentence}.")
    w.table(
        ["Voted by", "Meeting date", "Vote", "Minutes"],
        [
            [
                a.body or "not recorded",
                format_date(a.meeting_date) or "not recorded",
                a.vote or "not recorded",
                a.minutes_url or "not recorded",
            ]
        ],
    )


def _foundations(w: _Writer, r: Report) -> None:
    w.heading(OUTLINE[0], 1)
    w.heading(KINDS["mission"].label, 2)
    w.para(r.mission or "No mission yet.")
    w.heading(KINDS["vision"].label, 2)
    w.para(r.vision or "No vision yet.")
    w.heading(KINDS["core_value"].plural, 2)
    if r.core_values:
        w.table(
            [field_label("core_value", "name"), field_label("core_value", "description")],
            [[v.title, v.text or ""] for v in r.core_values],
        )
    else:
        w.para("None yet.")


def _analysis(w: _Writer, r: Report) -> None:
    w.heading(OUTLINE[1], 1)
    w.heading(KINDS["data_finding"].plural, 2)
    if r.data_findings:
        w.table(
            [
                "Key",
                field_label("data_finding", "statement"),
                field_label("data_finding", "subject"),
                field_label("data_finding", "student_group"),
                field_label("data_finding", "source"),
            ],
            [
                [d.key, d.statement, d.subject or "", d.student_group or "", d.source or ""]
                for d in r.data_findings
            ],
        )
    else:
        w.para("None yet.")
    w.heading(KINDS["theory_of_action"].label, 2)
    w.para(r.theory_of_action or "No theory of action yet.")


def _objectives(w: _Writer, r: Report) -> None:
    w.heading(OUTLINE[2], 1)
    for o in r.objectives:
        w.heading(f"{o.key} {o.title}", 2)
        if o.description:
            w.para(o.description)
        if o.informed_by:
            w.para(", ".join(o.informed_by), bold=f"{KINDS['data_finding'].plural}: ")
        w.table(
            [
                "Key",
                KINDS["initiative"].label,
                field_label("initiative", "owner"),
                field_label("initiative", "start"),
                field_label("initiative", "end"),
            ],
            [
                [i.key, i.title, i.owner or "", format_date(i.start), format_date(i.end)]
                for i in o.initiatives
            ],
        )
    learning_kinds = KINDS["professional_learning"].fields["kind"].choices
    for heading, items in (
        (learning_kinds[0].replace("_", " ").capitalize(), r.professional_development),
        (" and ".join(learning_kinds[1:]).capitalize(), r.induction_mentoring),
    ):
        w.heading(heading, 2)
        if not items:
            w.para("None yet.")
            continue
        w.table(
            [
                "Key",
                KINDS["professional_learning"].label,
                field_label("professional_learning", "audience"),
                KINDS["initiative"].plural,
            ],
            [[pl.key, pl.title, pl.audience or "", ", ".join(pl.initiatives)] for pl in items],
        )


def _outcomes(w: _Writer, r: Report) -> None:
    w.heading(OUTLINE[3], 1)
    titles = r.objective_titles
    w.table(
        [
            "Key",
            KINDS["outcome"].label,
            KINDS["objective"].label,
            field_label("outcome", "baseline"),
            field_label("outcome", "target"),
            field_label("outcome", "due"),
            "Latest result",
        ],
        [
            [
                o.key,
                o.statement,
                f"{o.objective} {titles.get(o.objective, '')}".strip() if o.objective else "",
                f"{format_number(o.baseline)} {o.unit or ''}".strip(),
                f"{format_number(o.target)} {o.unit or ''}".strip(),
                format_date(o.due),
                f"{format_number(o.latest.value)} ({format_date(o.latest.as_of)})"
                if o.latest
                else "none yet",
            ]
            for o in r.outcomes
        ],
    )
    for o in r.outcomes:
        if charts.can_chart(o):
            w.heading(f"{o.key} {o.statement}", 3)
            w.picture(
                charts.png(o),
                f"{o.key}{', in ' + o.unit if o.unit else ''}: baseline at the start of the "
                "plan's period to the target at the due date (dashed); points are results.",
            )


def _action_plan(w: _Writer, r: Report) -> None:
    w.heading(OUTLINE[4], 1)
    w.heading(f"{KINDS['benchmark'].plural} by {KINDS['initiative'].label.lower()}", 2)
    w.table(
        [
            KINDS["initiative"].label,
            "Key",
            KINDS["benchmark"].label,
            field_label("benchmark", "school_year"),
            field_label("benchmark", "status"),
            field_label("benchmark", "owner"),
            field_label("benchmark", "due"),
            "Last note",
        ],
        [
            [
                group.key or group.title,
                b.key,
                b.description,
                b.school_year or "",
                b.status_label,
                b.owner or "",
                format_date(b.due),
                f"{b.note} ({format_date(b.noted_on)})" if b.note else "",
            ]
            for group in r.benchmarks
            for b in group.benchmarks
        ],
    )
    m = r.resources
    w.heading(f"{SECTIONS['resources']}, {m.fiscal_year}", 2)
    w.para(
        f"{m.lines} {KINDS['budget_line'].label.lower()}{'s' if m.lines != 1 else ''} total "
        f"{format_money(m.amount)} ({_number(m.fte)} FTE); {format_money(m.allocated)} is "
        f"allocated and {format_share(m.aligned_share)} of the budget "
        f"({format_money(m.aligned)}) reaches an objective."
    )
    w.table(
        [KINDS["objective"].label, "Reaching it", "Its share", "FTE"],
        [
            [f"{o.key} {o.title}", format_money(o.amount), format_money(o.share), _number(o.fte)]
            for o in m.by_objective
        ],
    )
    w.table(
        [
            field_label("budget_line", "fund"),
            "Lines",
            field_label("budget_line", "amount"),
            "Allocated",
            "Reaching an objective",
        ],
        [
            [
                f.name,
                str(f.lines),
                format_money(f.amount),
                format_money(f.allocated),
                format_money(f.aligned),
            ]
            for f in m.by_fund
        ],
    )


def _findings(w: _Writer, r: Report) -> None:
    w.heading(SECTIONS["findings"], 1)
    w.para(f"The alignment audit of {format_date(r.as_of)} scores the plan {r.score} of 100.")
    for group in r.findings:
        w.heading(f"{group.plural.capitalize()} ({group.count})", 2)
        for topic in group.topics:
            w.heading(topic.about, 3)
            for sentence in topic.sentences:
                w.bullet(sentence)


def _changes(w: _Writer, r: Report) -> None:
    w.heading(SECTIONS["changes"], 1)
    if r.changes_note:
        w.para(r.changes_note)
        return
    for change in r.changes:
        why = f", because: {change.reason}" if change.reason else ""
        w.para(why, bold=f"{format_date(change.recorded_on)}, {change.actor}")
        for sentence in change.sentences:
            w.bullet(f"{sentence}.")


def _appendix(w: _Writer, r: Report) -> None:
    w.heading(SECTIONS["appendix"], 1)
    w.table(
        ["Rule", "Severity", "Element", "What it checks"],
        [[f.rule, f.severity, f.key or "plan", f.description] for f in r.rules],
    )
