"""The deck as a PowerPoint file (python-pptx): one slide a slide of the deck, 16:9.

Titles, statements, bullets and tables are text and tables PowerPoint (and
LibreOffice Impress, Keynote, Google Slides) can edit; an objective's slide has its
part of the alignment graph as a picture (:mod:`coherence.reports.slides.picture`) and every
slide has the deck's speaker notes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from coherence.queries.deck import Block, Deck, Slide
from coherence.queries.framework import SEVERITIES
from coherence.reports.slides.picture import graph_png

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)


def _rgb(colour: str) -> Any:
    return RGBColor.from_string(colour.lstrip("#").upper())  # type: ignore[no-untyped-call]


INK = _rgb("#0f172a")
MUTED = _rgb("#475569")


SEVERITY_COLOURS = {s.value: _rgb(look["colour"]) for s, look in SEVERITIES.items()}


def deck_pptx(deck: Deck) -> bytes:
    """The PowerPoint file of the deck."""
    presentation: Any = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    blank = presentation.slide_layouts[6]
    for slide in deck.slides:
        page = presentation.slides.add_slide(blank)
        _title(page, slide)
        if slide.layout == "title":
            _title_layout(page, slide)
        elif slide.layout == "objective":
            _objective_layout(page, slide, graph_png(slide.graph) if slide.graph else None)
        else:
            _blocks(page, slide.blocks, MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, Inches(5.4), 20)
        page.notes_slide.notes_text_frame.text = "\n\n".join(slide.notes)
        page.name = slide.id
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def _text(
    page: Any,
    x: int,
    y: int,
    w: int,
    h: int,
    text: str,
    size: int,
    *,
    bold: bool = False,
    colour: Any = INK,
) -> Any:
    box = page.shapes.add_textbox(Emu(x), Emu(y), Emu(w), Emu(h))
    frame = box.text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    return frame


def _title(page: Any, slide: Slide) -> None:
    size = 36 if slide.layout == "title" else 30
    _text(page, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(1.0), slide.title, size, bold=True)
    if slide.subtitle:
        _text(
            page,
            MARGIN,
            Inches(1.2),
            WIDTH - 2 * MARGIN,
            Inches(0.45),
            slide.subtitle,
            16,
            colour=MUTED,
        )


def _title_layout(page: Any, slide: Slide) -> None:
    half = (WIDTH - 2 * MARGIN - Inches(0.4)) // 2
    top, height = int(Inches(2.0)), int(Inches(5.3))
    left = [b for b in slide.blocks if b.heading in ("Mission", "Vision")]
    right = [b for b in slide.blocks if b not in left]
    _blocks(page, left, MARGIN, top, half, height, 18)
    _blocks(page, right, MARGIN + half + Inches(0.4), top, half, height, 16)


def _objective_layout(page: Any, slide: Slide, png: bytes | None) -> None:
    left_w = int(Inches(8.0))
    tables = [b for b in slide.blocks if b.heading in ("Initiatives", "Outcomes")]
    rest = [b for b in slide.blocks if b not in tables]
    top = int(Inches(2.0))
    room = HEIGHT - top - int(Inches(0.25))
    _blocks(page, tables, MARGIN, top, left_w, room, _fit(tables, left_w, room, 14))
    x = MARGIN + left_w + int(Inches(0.3))
    w = WIDTH - x - MARGIN
    if png is not None:
        picture_h = int(w * 1000 / 1400)
        page.shapes.add_picture(io.BytesIO(png), Emu(x), Emu(top), width=Emu(w))
        top += picture_h + int(Inches(0.15))
    room = HEIGHT - top - int(Inches(0.25))
    _blocks(page, rest, x, top, w, room, _fit(rest, w, room, 13))


def _fit(blocks: Sequence[Block], w: int, h: int, size: int) -> int:
    """The largest font size, from ``size`` down to 9 points, at which the blocks fit."""
    while size > 9 and _blocks(None, blocks, 0, 0, w, 10**9, size) > h:
        size -= 1
    return size


def _blocks(page: Any, blocks: Sequence[Block], x: int, y: int, w: int, h: int, size: int) -> int:
    """Blocks one under the other in the box (x, y, w, h); the height they take. With
    no ``page``, only measures."""
    start = y
    bottom = y + h
    for block in blocks:
        if y >= bottom:
            break
        if block.kind == "table":
            y = _table(page, block, x, y, w, size)
            continue
        paragraph = _Paragraphs(page, x, y, w, bottom - y, size)

        if block.heading:
            paragraph(block.heading, bold=True, colour=MUTED, points=size - 1)
        lines = 1 if block.heading else 0
        if block.kind == "statement":
            paragraph(block.text)
            lines += _lines(block.text, size, w)
        for item in block.items:
            severity = item.get("severity")
            colour = SEVERITY_COLOURS.get(str(severity), INK)
            paragraph(f"• {item.get('text') or ''}", colour=colour)
            lines += _lines(f"• {item.get('text') or ''}", size, w)
        if block.more:
            paragraph(block.more, colour=MUTED, points=size - 2)
            lines += 1
        y += Pt(size * 1.25 * lines + 8) + Inches(0.1)
    return y - start


class _Paragraphs:
    """Adds paragraphs to a text frame (its first one, then new ones)."""

    def __init__(self, page: Any, x: int, y: int, w: int, h: int, size: int) -> None:
        self.frame = None
        if page is not None:
            self.frame = page.shapes.add_textbox(Emu(x), Emu(y), Emu(w), Emu(h)).text_frame
            self.frame.word_wrap = True
        self.size, self.first = size, True

    def __call__(
        self, text: str, *, bold: bool = False, colour: Any = INK, points: int | None = None
    ) -> None:
        if self.frame is None:
            return
        p = self.frame.paragraphs[0] if self.first else self.frame.add_paragraph()
        self.first = False
        run = p.add_run()
        run.text = text
        run.font.size = Pt(points or self.size)
        run.font.bold = bold
        run.font.color.rgb = colour


def _table(page: Any, block: Block, x: int, y: int, w: int, size: int) -> int:
    if block.heading and page is not None:
        _text(page, x, y, w, Inches(0.4), block.heading, size - 1, bold=True, colour=MUTED)
    if block.heading:
        y += Inches(0.4)
    widths = _widths(block.columns, w)
    all_rows = [block.columns, *block.rows]
    heights = [
        Pt(
            size
            * 1.2
            * max(_lines(v, size, c - Inches(0.2)) for v, c in zip(row, widths, strict=True))
            + 11
        )
        for row in all_rows
    ]
    if page is None:
        return y + sum(heights) + Inches(0.1 + (0.35 if block.more else 0) + 0.15)
    shape = page.shapes.add_table(
        len(all_rows), len(block.columns), Emu(x), Emu(y), Emu(w), Emu(sum(heights))
    )
    table = shape.table
    for i, width in enumerate(widths):
        table.columns[i].width = Emu(width)
    for r, height in enumerate(heights):
        table.rows[r].height = Emu(height)
    for r, values in enumerate(all_rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = value
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(size - (0 if r else 1))
                    run.font.bold = r == 0
    y += sum(heights) + Inches(0.1)
    if block.more:
        _text(page, x, y, w, Inches(0.35), block.more, size - 2, colour=MUTED)
        y += Inches(0.35)
    return y + Inches(0.15)


def _lines(text: str, size: int, width: int) -> int:
    """How many lines ``text`` takes at ``size`` points in ``width`` EMU (an estimate:
    an average character is about half as wide as the font is high)."""
    per_line = max(1, int(width / Pt(size * 0.56)))
    words, lines, used = text.split(), 1, 0
    for word in words:
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


WIDTHS: Mapping[int, Sequence[float]] = {3: (0.55, 0.27, 0.18), 4: (0.5, 0.22, 0.13, 0.15)}


def _widths(columns: Sequence[str], total: int) -> list[int]:
    shares = WIDTHS.get(len(columns), [1 / len(columns)] * len(columns))
    out = [int(total * s) for s in shares]
    out[0] += total - sum(out)
    return out
