"""The progress report as PDF: the HTML page (:mod:`.to_html`) printed by WeasyPrint.

Why WeasyPrint: it lays out HTML and CSS for paged media itself (``@page``, page
numbers, page breaks, running footers, inline SVG), in Python, with Debian's Pango
for text, so the PDF is the same page as the browser's, from the same template, with
no browser process to start, no network and no second layout to keep in step. The
PDF's text is real text (searchable, copyable, read by screen readers and pdftotext).

Its system libraries (Pango, HarfBuzz, fontconfig and a font: ``libpango-1.0-0
libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core``) are installed by
``make reports`` when missing.
"""

from __future__ import annotations

from typing import Any

from coherence.reports.model import Report
from coherence.reports.to_html import render_html


def html_to_pdf(html: str) -> bytes:
    """A self-contained HTML page as PDF (nothing is fetched: there is no base URL)."""
    from weasyprint import HTML  # imported when a PDF is made: it loads Pango

    document: Any = HTML(string=html, base_url=None)
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(report: Report) -> bytes:
    """The report as PDF."""
    return html_to_pdf(render_html(report))
