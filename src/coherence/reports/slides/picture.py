"""An objective's part of the alignment graph as a picture (PNG), for the take-away
slides: the objective at the top, what stands beneath it in bands by the catalogue's
level (initiatives and outcomes, benchmarks, professional learning and school plans,
budget lines), each element a box in its kind's colour with its key, and its short
title when the box is large enough; links as thin grey lines, the ones into the
objective darker; the inks on the fills are the page's (``ink_on``). Drawn with Pillow
at twice the size and scaled down (smooth lines).

>>> graph = {"root": "SO1", "nodes": [
...     {"key": "SO1", "kind": "objective", "title": "Read"},
...     {"key": "SI1", "kind": "initiative", "title": "Tutors"}],
...     "edges": [{"source": "SI1", "target": "SO1", "edge": "supports"}]}
>>> png = graph_png(graph, size=(400, 300))
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from coherence.domain.framework import FRAMEWORK
from coherence.queries.audit.values import natural_key
from coherence.queries.deck import shorten
from coherence.queries.framework import ink_on
from coherence.queries.graph_timeline import level_of
from coherence.reports.slides.fonts import font_files

SCALE = 2
"""Drawn at this multiple of the size asked, then scaled down."""


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    regular, heavy = font_files()
    return ImageFont.truetype(str(heavy if bold else regular), size)


def layered(graph: Mapping[str, Any]) -> list[list[str]]:
    """The elements in bands, top first: the root, then each level of the catalogue,
    each band in the plan page's order (the nodes' ``x``, as the deck gives it and the
    slides on screen draw it; by key where there is none).

    >>> layered({"root": "O", "nodes": [{"key": "O", "kind": "objective", "x": 0},
    ...     {"key": "I1", "kind": "initiative", "x": 50}, {"key": "I2", "kind": "initiative",
    ...     "x": -50}], "edges": []})
    [['O'], ['I2', 'I1']]
    """
    root = graph["root"]
    bands: dict[int, list[Mapping[str, Any]]] = {}
    for node in graph["nodes"]:
        level = 0 if node["key"] == root else max(1, level_of(node["kind"]))
        bands.setdefault(level, []).append(node)
    return [[n["key"] for n in sorted(bands[level], key=_across)] for level in sorted(bands)]


def _across(node: Mapping[str, Any]) -> tuple[float, tuple[Any, ...]]:
    x = node.get("x")
    return (x if isinstance(x, int | float) else 0.0, natural_key(node["key"]))


def graph_png(graph: Mapping[str, Any], *, size: tuple[int, int] = (1400, 1000)) -> bytes:
    """The picture of an objective's slide's graph (see :class:`~coherence.queries.deck.Slide`)."""
    width, height = size[0] * SCALE, size[1] * SCALE
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    root = graph["root"]
    nodes = {n["key"]: n for n in graph["nodes"]}
    bands = layered(graph)
    # Wide bands wrap onto several rows.
    margin, gap = 16 * SCALE, 10 * SCALE
    min_box = 150 * SCALE
    per_row = max(1, (width - 2 * margin + gap) // (min_box + gap))
    rows: list[list[str]] = []
    band_of_row: list[int] = []
    for b, band in enumerate(bands):
        count = max(1, math.ceil(len(band) / per_row))
        for r in range(count):
            rows.append(band[r::count])
            band_of_row.append(b)
    band_gap = 26 * SCALE
    row_gap = 10 * SCALE
    breaks = sum(1 for i in range(1, len(rows)) if band_of_row[i] != band_of_row[i - 1])
    free = height - 2 * margin - breaks * band_gap - (len(rows) - 1 - breaks) * row_gap
    box_h = max(24 * SCALE, min(110 * SCALE, free // max(1, len(rows))))
    boxes: dict[str, tuple[int, int, int, int]] = {}
    y = margin
    for i, row in enumerate(rows):
        if i and band_of_row[i] != band_of_row[i - 1]:
            y += band_gap - row_gap
        wide = 560 * SCALE if i == 0 else 300 * SCALE
        box_w = min(wide, (width - 2 * margin - (len(row) - 1) * gap) // max(1, len(row)))
        total = len(row) * box_w + (len(row) - 1) * gap
        x = (width - total) // 2
        for key in row:
            boxes[key] = (x, y, x + box_w, y + box_h)
            x += box_w + gap
        y += box_h + row_gap

    for e in graph["edges"]:
        source, target = e["source"], e["target"]
        if source not in boxes or target not in boxes:
            continue
        sx1, sy1, sx2, _ = boxes[source]
        tx1, _, tx2, ty2 = boxes[target]
        strong = target == root
        draw.line(
            [((sx1 + sx2) // 2, sy1), ((tx1 + tx2) // 2, ty2)],
            fill="#475569" if strong else "#cbd5e1",
            width=(3 if strong else 2) * SCALE,
        )
    for key, (x1, y1, x2, y2) in boxes.items():
        spec = FRAMEWORK.kinds.get(str(nodes[key]["kind"]))
        fill = spec.colour if spec is not None else "#e5e7eb"
        title = "" if spec is not None and spec.singleton else str(nodes[key]["title"] or "")
        draw.rounded_rectangle(
            (x1, y1, x2, y2), radius=8 * SCALE, fill=fill, outline="#475569", width=SCALE
        )
        _label(draw, key, title, (x1, y1, x2, y2), ink_on(fill), big=key == root)
    image = image.reduce(SCALE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=2)
    return out.getvalue()


def _label(
    draw: ImageDraw.ImageDraw,
    key: str,
    title: str,
    box: tuple[int, int, int, int],
    ink: str,
    *,
    big: bool,
) -> None:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    pad = 8 * SCALE
    size = max(10 * SCALE, min(int(h * (0.3 if big else 0.32)), 30 * SCALE))
    bold = _font(size, bold=True)
    lines = [key]
    small = _font(max(9 * SCALE, int(size * 0.78)))
    room = (h - 2 * pad - size) // max(1, int(small.size * 1.15))
    if title and room >= 1 and w >= 120 * SCALE:
        lines += _wrap(title, small, w - 2 * pad, int(room))
    heights = [size] + [int(small.size * 1.15)] * (len(lines) - 1)
    y = y1 + (h - sum(heights)) // 2
    for i, line in enumerate(lines):
        font = bold if i == 0 else small
        text = line
        while draw.textlength(text, font=font) > w - 2 * pad and len(text) > 2:
            text = text[:-2] + "…"
        tw = draw.textlength(text, font=font)
        draw.text((x1 + (w - tw) / 2, y), text, fill=ink, font=font)
        y += heights[i]


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    words = " ".join(text.split()).split(" ")
    out: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width:
            current = trial
            continue
        if current:
            out.append(current)
        current = word
        if len(out) == lines:
            break
    if len(out) < lines and current:
        out.append(current)
    if len(out) == lines and " ".join(out) != " ".join(words):
        out[-1] = shorten(out[-1] + " …", len(out[-1]))
        if not out[-1].endswith("…"):
            out[-1] += "…"
    return out[:lines]
