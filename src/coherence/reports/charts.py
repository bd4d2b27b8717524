"""An outcome's chart: the line from its baseline at the plan period's start to its
target at its due date, the due date as a dashed line, and its results as points.

Drawn with matplotlib's object API (a ``Figure`` of its own, no ``pyplot``; one chart
at a time, as matplotlib's font cache is shared) on the Agg
backend, chosen in code when the first chart is drawn, never when our modules are
imported: importing matplotlib costs half a second that a command which draws no chart
should not pay. SVG for HTML and PDF (text kept as text, so it prints sharp and can be
searched), PNG for DOCX. No text from the plan is drawn: the chart has dates, numbers
and the unit's name is given beside it by the report, so nothing of a plan's text is
ever read as matplotlib's mathematical notation (``$...$``).

Colours come from the catalogue: the outcome kind's colour for the line to the target,
the objective kind's colour for the results, the audit's warning colour for the due date.
"""

from __future__ import annotations

import base64
import io
import threading
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from coherence.domain.framework import KINDS
from coherence.queries.audit import Severity
from coherence.queries.framework import SEVERITIES
from coherence.reports.model import Outcome, format_date, format_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT = 6.4, 1.9
"""Inches: the width of a page's text at a readable size."""

_ready = threading.Lock()
_configured = False
_drawing = threading.Lock()
"""One chart at a time: matplotlib's fonts (FreeType faces it caches) are shared by every
figure and are not safe to use from two threads at once."""


def _matplotlib() -> None:
    """Choose the Agg backend, once, when the first chart is drawn."""
    global _configured
    with _ready:
        if not _configured:
            import matplotlib

            matplotlib.use("Agg")
            _configured = True


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def can_chart(outcome: Outcome) -> bool:
    """Whether there is anything to draw: a line to the target, or a result."""
    line = outcome.baseline is not None and outcome.target is not None
    return bool(outcome.results) or (line and _day(outcome.due) is not None)


def figure(outcome: Outcome) -> Figure:
    """The chart of one outcome as a matplotlib figure."""
    _matplotlib()
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    line_colour = KINDS["outcome"].colour
    point_colour = KINDS["objective"].colour
    due_colour = SEVERITIES[Severity.WARNING]["colour"]
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=100)
    # fixed margins: a constrained layout lays the text out again and again, slowly
    fig.subplots_adjust(left=0.07, right=0.985, top=0.9, bottom=0.15)
    ax = fig.add_subplot()
    start, due = _day(outcome.start), _day(outcome.due)
    results = [(d, r.value) for r in outcome.results if (d := _day(r.as_of)) is not None]

    def x(*days: date) -> list[float]:
        return [float(date2num(d)) for d in days]  # type: ignore[no-untyped-call]

    if outcome.baseline is not None and outcome.target is not None and due is not None:
        begin = start if start is not None and start < due else (results[0][0] if results else due)
        ax.plot(
            x(begin, due),
            [outcome.baseline, outcome.target],
            color=line_colour,
            linewidth=2,
        )
        ax.plot(x(begin), [outcome.baseline], marker="o", color=line_colour, markersize=5)
        ax.plot(x(due), [outcome.target], marker="D", color=line_colour, markersize=6)
    if due is not None:
        ax.axvline(x(due)[0], color=due_colour, linestyle="--", linewidth=1)
    if results:
        ax.plot(
            x(*(d for d, _ in results)),
            [v for _, v in results],
            linestyle="none",
            marker="o",
            markersize=7,
            color=point_colour,
        )
        for d, v in results:
            ax.annotate(
                f"{v:g}",
                (x(d)[0], v),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
            )
    days = [d for d in (start, due, *(d for d, _ in results)) if d is not None]
    if days:  # a tick each July 1st (the school year's start), at most six
        years = list(range(min(days).year, max(days).year + 2))
        step = max(1, len(years) // 6 + (1 if len(years) % 6 else 0))
        ax.set_xticks(x(*(date(y, 7, 1) for y in years[::step])))
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(labelsize=8, length=3)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    ax.margins(x=0.05, y=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def svg(outcome: Outcome, salt: str) -> str:
    """The chart as an SVG document (ids made unique by ``salt``)."""
    _matplotlib()
    import matplotlib

    out = io.StringIO()
    with _drawing, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        figure(outcome).savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


@lru_cache(maxsize=512)
def svg_data_uri(outcome: Outcome, salt: str) -> str:
    """The chart as a ``data:`` URI for an ``<img>``: the page's HTML parser and style
    cascade then see one element, not the chart's hundreds (WeasyPrint reads the SVG
    with its own XML parser), and the pages' Content-Security-Policy allows it.

    Kept by value (an outcome's chart depends only on the outcome): a plan's report read
    again draws only the outcomes that changed."""
    data = base64.b64encode(svg(outcome, salt).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{data}"


def describe(outcome: Outcome) -> str:
    """What the chart shows, in words (its ``alt`` text)."""
    parts = []
    if outcome.baseline is not None and outcome.target is not None:
        parts.append(
            f"from a baseline of {format_number(outcome.baseline)} to a target of "
            f"{format_number(outcome.target)} by {format_date(outcome.due)}"
        )
    if outcome.results:
        shown = ", ".join(
            f"{format_number(r.value)} on {format_date(r.as_of)}" for r in outcome.results
        )
        parts.append(f"results: {shown}")
    return f"{outcome.key} " + "; ".join(parts)


@lru_cache(maxsize=256)
def png(outcome: Outcome, dpi: int = 150) -> bytes:
    """The chart as a PNG image (for a word-processing document); kept by value."""
    out = io.BytesIO()
    with _drawing:
        figure(outcome).savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()
