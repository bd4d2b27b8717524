"""The deck to take away: the same slides as the present page, as a PDF or a PowerPoint
file, drawn on the server without a browser.

* :mod:`~coherence.reports.slides.picture`: an objective's part of the alignment graph as a
  PNG (Pillow), coloured from the catalogue;
* :mod:`~coherence.reports.slides.pdf`: the deck as a PDF, one page a slide (ReportLab);
* :mod:`~coherence.reports.slides.pptx`: the deck as an editable PowerPoint file, one slide a
  slide, text and tables as text, the graph as a picture (python-pptx);
* :func:`render_slides`: either, by format name (``coherence slides``, ``GET .../slides``).

Every renderer lays out :class:`~coherence.queries.deck.Deck` as it is: what the slides
say is decided once, in :mod:`coherence.queries.deck`.
"""

from __future__ import annotations

from coherence.domain.errors import InvalidValue
from coherence.queries.deck import Deck

SLIDE_FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
}
"""Each format of the take-away deck: its media type and file extension."""


def render_slides(deck: Deck, fmt: str) -> bytes:
    """The deck as a PDF (``pdf``) or PowerPoint file (``pptx``)."""
    if fmt == "pdf":
        from coherence.reports.slides.pdf import deck_pdf

        return deck_pdf(deck)
    if fmt == "pptx":
        from coherence.reports.slides.pptx import deck_pptx

        return deck_pptx(deck)
    raise InvalidValue("format", "one of " + ", ".join(SLIDE_FORMATS), fmt)


__all__ = ["SLIDE_FORMATS", "render_slides"]
