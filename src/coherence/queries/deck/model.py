"""The deck as data: slides with a layout, a title, blocks and notes, and the limits
that keep a slide readable from the back of the room."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Limits:
    """How much a slide shows (the notes keep the rest)."""

    title: int = 90
    statement: int = 300
    theory: int = 420
    cell: int = 48
    bullet: int = 150
    initiatives: int = 4
    outcomes: int = 3
    objective_findings: int = 2
    changes: int = 7
    findings: int = 6
    core_values: int = 6


LIMITS = Limits()


def shorten(text: str | None, limit: int) -> str:
    """``text`` on one line, cut at a word to at most ``limit`` characters with ``…``."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-—") + "…"


@dataclass(frozen=True)
class Block:
    """A part of a slide: a ``statement`` (a paragraph), ``bullets`` or a ``table``.

    Bullets may name an element (``key``) and a severity; ``more`` says what was left
    off (``and 3 more``)."""

    kind: str
    heading: str = ""
    text: str = ""
    items: tuple[Mapping[str, str | None], ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    more: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "heading": self.heading}
        if self.kind == "statement":
            out["text"] = self.text
        elif self.kind == "bullets":
            out["items"] = [dict(item) for item in self.items]
        else:
            out["columns"] = list(self.columns)
            out["rows"] = [list(row) for row in self.rows]
        out["more"] = self.more
        return out


@dataclass(frozen=True)
class Slide:
    """One slide: ``layout`` is ``title``, ``objective`` or ``list``. ``graph``, on an
    objective's slide, is its part of the alignment graph: ``{"root": key, "keys": [the
    root and what is beneath it], "nodes": [{key, kind, title, x}], "edges": [{source,
    target, edge}]}`` (edges from the supporter to the supported; ``x``, an element's
    place across its level, as the plan page orders it: ``layered_x``)."""

    id: str
    layout: str
    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    notes: tuple[str, ...] = ()
    key: str | None = None
    graph: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "layout": self.layout,
            "title": self.title,
            "subtitle": self.subtitle,
            "key": self.key,
            "blocks": [b.to_dict() for b in self.blocks],
            "graph": dict(self.graph) if self.graph is not None else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Deck:
    """The slides of a plan at one version."""

    plan: str
    district: str
    title: str
    version: int
    as_of: date
    slides: tuple[Slide, ...] = field(default=())

    @property
    def name(self) -> str:
        """The file name a download takes, without extension: ``riverbend-2024-v484``."""
        return f"{self.plan}-v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "district": self.district,
            "title": self.title,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "slides": [s.to_dict() for s in self.slides],
        }
