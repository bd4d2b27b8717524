"""Reports for the school committee: the progress report of a plan, in three formats.

:func:`~coherence.reports.build.build_report` reads a plan once, through the plan
reader, into a :class:`~coherence.reports.model.Report` (plain data); three renderers
draw it: :mod:`.to_html` (a page for the browser, with print styles), :mod:`.to_pdf`
(that page printed by WeasyPrint) and :mod:`.to_docx` (a Word document laid out like
DESE's District Plan and Action Plan outlines, for a clerk to edit). Outcomes' charts
are drawn by :mod:`.charts` with matplotlib.

Why these libraries:

* **WeasyPrint** prints the same HTML and CSS to PDF (paged media: ``@page``, page
  numbers, breaks, inline SVG) in-process, with real text, so there is one layout, not
  two, and no browser to run on a server.
* **python-docx** writes real Word documents (``Heading 1``/``Heading 2`` styles, tables,
  pictures) that a clerk can edit in Word or LibreOffice, without Word installed.
* **matplotlib** draws each outcome's chart to SVG (HTML, PDF) and PNG (DOCX) from one
  drawing, on its Agg backend (no display), chosen in code when the first chart is drawn.

This package is a layer of its own, between the queries and the API (see the layers
contract in ``pyproject.toml``): it reads only through :mod:`coherence.queries`.
"""

from __future__ import annotations

from coherence.reports.build import build_report
from coherence.reports.model import SECTIONS, Report

FORMATS: dict[str, tuple[str, str]] = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
"""Each format of the report: its media type and file extension."""


def render(report: Report, fmt: str) -> bytes:
    """The report in one of :data:`FORMATS` (refused otherwise, naming ``format``)."""
    from coherence.domain.errors import InvalidValue

    if fmt == "html":
        from coherence.reports.to_html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        from coherence.reports.to_pdf import render_pdf

        return render_pdf(report)
    if fmt == "docx":
        from coherence.reports.to_docx import render_docx

        return render_docx(report)
    raise InvalidValue("format", "one of " + ", ".join(FORMATS), fmt)


__all__ = ["FORMATS", "SECTIONS", "Report", "build_report", "render"]
