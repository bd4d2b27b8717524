"""The deck as a PDF (ReportLab): one page a slide, 16:9 (13.33 x 7.5 in), the same
blocks as the present page and the PowerPoint file, the graph as a picture.

Drawn on the server, with no browser: ReportLab is pure Python with its own fonts.
Each region of a page holds its blocks in a frame that shrinks them when they would
not fit, so a slide is always exactly one page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Image, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from coherence.queries.deck import Block, Deck, Slide
from coherence.queries.framework import SEVERITIES
from coherence.reports.slides.fonts import font_files
from coherence.reports.slides.picture import graph_png

WIDTH, HEIGHT = 13.333 * inch, 7.5 * inch
MARGIN = 0.5 * inch
TOP = 1.75 * inch
"""Where the blocks start, from the top of the page (below the title and subtitle)."""
INK = colors.HexColor("#0f172a")
MUTED = colors.HexColor("#475569")
SEVERITY_COLOURS = {s.value: colors.HexColor(look["colour"]) for s, look in SEVERITIES.items()}
WIDTHS = {3: (0.55, 0.27, 0.18), 4: (0.5, 0.22, 0.13, 0.15)}


@cache
def _fonts() -> tuple[str, str]:
    regular, bold = font_files()
    pdfmetrics.registerFont(TTFont("Slides", str(regular)))
    pdfmetrics.registerFont(TTFont("Slides-Bold", str(bold)))
    pdfmetrics.registerFontFamily("Slides", normal="Slides", bold="Slides-Bold")
    return "Slides", "Slides-Bold"


def _style(size: float, *, bold: bool = False, colour: Any = INK, **more: Any) -> ParagraphStyle:
    regular, heavy = _fonts()
    return ParagraphStyle(
        f"s{size}{bold}",
        fontName=heavy if bold else regular,
        fontSize=size,
        leading=size * 1.25,
        textColor=colour,
        **more,
    )


def deck_pdf(deck: Deck) -> bytes:
    """The PDF of the deck: one page a slide."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    canvas.setTitle(f"{deck.title} — {deck.district}".strip(" —"))
    canvas.setAuthor(deck.district or "Coherence")
    canvas.setSubject(f"{deck.plan} at version {deck.version}")
    for slide in deck.slides:
        _page(canvas, slide)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _region(canvas: Canvas, x: float, top: float, w: float, h: float, flow: list[Any]) -> None:
    """Flowables in the box whose top-left corner is (x, top from the page's top)."""
    if not flow:
        return
    frame = Frame(
        x,
        HEIGHT - top - h,
        w,
        h,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        showBoundary=0,
    )
    frame.addFromList([KeepInFrame(w, h, flow, mode="shrink")], canvas)


def _page(canvas: Canvas, slide: Slide) -> None:
    canvas.setFillColor(colors.white)
    canvas.rect(0, 0, WIDTH, HEIGHT, stroke=0, fill=1)
    size = 34 if slide.layout == "title" else 28
    head = [Paragraph(escape(slide.title), _style(size, bold=True))]
    if slide.subtitle:
        head += [Spacer(1, 4), Paragraph(escape(slide.subtitle), _style(15, colour=MUTED))]
    _region(canvas, MARGIN, 0.35 * inch, WIDTH - 2 * MARGIN, TOP - 0.45 * inch, head)
    body_h = HEIGHT - TOP - 0.4 * inch
    if slide.layout == "title":
        half = (WIDTH - 2 * MARGIN - 0.4 * inch) / 2
        left = [b for b in slide.blocks if b.heading in ("Mission", "Vision")]
        right = [b for b in slide.blocks if b not in left]
        _region(canvas, MARGIN, TOP, half, body_h, _flow(left, 19, half))
        _region(canvas, MARGIN + half + 0.4 * inch, TOP, half, body_h, _flow(right, 17, half))
    elif slide.layout == "objective":
        left_w = 7.3 * inch
        tables = [b for b in slide.blocks if b.heading in ("Initiatives", "Outcomes")]
        rest = [b for b in slide.blocks if b not in tables]
        _region(canvas, MARGIN, TOP, left_w, body_h, _flow(tables, 14, left_w))
        x = MARGIN + left_w + 0.3 * inch
        w = WIDTH - x - MARGIN
        flow: list[Any] = []
        if slide.graph:
            png = graph_png(slide.graph)
            flow += [Image(io.BytesIO(png), width=w, height=w * 1000 / 1400), Spacer(1, 8)]
        _region(canvas, x, TOP, w, body_h, flow + _flow(rest, 13, w))
    else:
        _region(
            canvas,
            MARGIN,
            TOP,
            WIDTH - 2 * MARGIN,
            body_h,
            _flow(slide.blocks, 18, WIDTH - 2 * MARGIN),
        )


def _flow(blocks: Sequence[Block], size: float, width: float) -> list[Any]:
    out: list[Any] = []
    for block in blocks:
        if block.heading:
            out.append(
                Paragraph(
                    escape(block.heading), _style(size - 1, bold=True, colour=MUTED, spaceAfter=3)
                )
            )
        if block.kind == "statement":
            out.append(Paragraph(escape(block.text), _style(size)))
        elif block.kind == "bullets":
            for item in block.items:
                colour = SEVERITY_COLOURS.get(str(item.get("severity")), INK)
                out.append(
                    Paragraph(
                        escape(str(item.get("text") or "")),
                        _style(
                            size,
                            colour=colour,
                            bulletFontName=_fonts()[0],
                            leftIndent=size,
                            spaceAfter=2,
                        ),
                        bulletText="•",
                    )
                )
        else:
            out.append(_table(block, size, width))
        if block.more:
            out.append(Paragraph(escape(block.more), _style(size - 3, colour=MUTED)))
        out.append(Spacer(1, size * 0.8))
    return out


def _table(block: Block, size: float, width: float) -> Table:
    shares = WIDTHS.get(len(block.columns), [1 / len(block.columns)] * len(block.columns))
    head = _style(size - 1, bold=True, colour=colors.white)
    cell = _style(size)
    data = [[Paragraph(escape(c), head) for c in block.columns]]
    data += [[Paragraph(escape(v), cell) for v in row] for row in block.rows]
    table = Table(data, colWidths=[width * s for s in shares], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1e3a5f")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f5f9")]),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#cbd5e1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table
