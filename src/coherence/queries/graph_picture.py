"""A picture of the plan's alignment graph, drawn on the server (SVG).

The plan page shows it in the graph's place as soon as its HTML arrives, and replaces it
with the interactive graph once that is drawn (Cytoscape, in a fresh browser, takes
about half a second to load and draw). It draws what the page draws first, at the same
places: the elements of the version shown as boxes in their kind's colours with their
short labels (retired ones faded, later ones left out), the links as lines, fitted to
the graph area as the page fits its view (``fitVisible``: the shown elements'
bounds, :data:`PADDING` pixels from the edges, at most :data:`MAX_ZOOM`). Where that fit
reaches :data:`DETAIL_ZOOM` (a small plan, a large screen), the boxes say what the page's
do there, the key and the title (:func:`long_label`): a container query of the graph
area picks the labels, so they are right from the first paint.

The boxes are the timeline's (:func:`~coherence.queries.graph_timeline.place_union`),
the colours and labels the catalogue's; plan text is escaped (text, never markup).

>>> from coherence.queries.graph_timeline import place_union
>>> nodes = {i: {"data": {"id": i, "kind": k, "key": i, "label": t}, "active": [[1, 1]]}
...          for i, k, t in [("M", "mission", "Mission"), ("SO1", "objective", "<b>&")]}
>>> edges = {"e": {"data": {"id": "e", "source": "SO1", "target": "M", "edge": "supports"},
...                "active": [[1, 1]]}}
>>> place_union(nodes, edges)
>>> svg = graph_picture({"plan": "p", "details": {}, "revisions": [{"revision": 1}],
...                      "nodes": list(nodes.values()), "edges": list(edges.values())}, 0)
>>> "<b>" in svg, "&lt;b&gt;&amp;" in svg, svg.count("<rect")
(False, True, 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from coherence.domain.framework import KINDS
from coherence.queries.audit import Severity
from coherence.queries.framework import (
    GRAPH_LOOK,
    HALO_PADDING,
    HALOS,
    SEVERITIES,
    UNKNOWN_FILL,
    ink_on,
)
from coherence.queries.graph_layout import MISSION_WIDTH, NODE_WIDTH

PADDING = 36
"""Pixels between the fitted drawing and the graph area's edges (the page's fit)."""
MAX_ZOOM = 3.0
"""The page's largest zoom: a small plan is not blown up beyond it."""
RADIUS = 8
"""The corner radius of a box (Cytoscape's round rectangle)."""
FONT = 'system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
"""The labels' font (the page's graph style)."""
LINK: dict[str, Any] = GRAPH_LOOK["link"]
LINKS: dict[str, dict[str, Any]] = GRAPH_LOOK["links"]
NEW_LINK: dict[str, Any] = GRAPH_LOOK["new_link"]
RETIRED: dict[str, Any] = GRAPH_LOOK["retired"]
BORDER: dict[str, Any] = GRAPH_LOOK["border"]
NEW: dict[str, Any] = GRAPH_LOOK["new"]
DETAIL_ZOOM = 0.6
"""The zoom from which the page's boxes say "key · title" instead of the key alone."""
LONG_SIZE, LONG_LINE_HEIGHT = 16, 1.08
"""The font size and line height of those labels (the page's ``node.detailed``)."""
LONG_CHAR_WIDTH = 0.59
"""Their mean character width, in ems (mostly lower case: the page wraps them by the
glyphs, this by a count, so a line can break a word earlier or later)."""
LONG_LIMIT = {"mission": 70}
"""How much of a title a long label keeps, by kind (others: :data:`LONG_LIMIT_DEFAULT`)."""
LONG_LIMIT_DEFAULT = 34
CHAR_WIDTH = 0.6
"""A bold label's mean character width, in ems: where a label wraps (at spaces, as the
page's wraps within its box less 14 units)."""
WORST_FIRST = tuple(SEVERITIES)


def shown_index(revisions: Sequence[Mapping[str, Any]], version: int | None) -> int:
    """The revision the page shows for ``?version=``: the last at or before it (the
    latest without one), as the page's ``initialIndex`` picks it."""
    if not version:
        return len(revisions) - 1
    index = 0
    for i, revision in enumerate(revisions):
        if int(revision["version"]) <= version:
            index = i
    return index


def _active(spans: Sequence[Sequence[int]], revision: int) -> bool:
    return any(first <= revision <= last for first, last in spans)


def short_label(data: Mapping[str, Any]) -> str:
    """What a box says: its key, or its kind's label for a kind the plan has one of."""
    spec = KINDS.get(str(data.get("kind")))
    if spec is not None and spec.singleton:
        return spec.label
    return str(data.get("key", data.get("id", "")))


def long_label(data: Mapping[str, Any]) -> str:
    """What a box says from :data:`DETAIL_ZOOM`: its short label and its title, cut at a
    word (as the page's ``longLabel``).

    >>> long_label({"kind": "initiative", "key": "SI1.1", "title": "Tutoring"})
    'SI1.1 · Tutoring'
    >>> long_label({"kind": "initiative", "key": "SI1.2",
    ...             "title": "Family liaisons for every school, in every home language"})
    'SI1.2 · Family liaisons for every…'
    """
    head = short_label(data)
    spec = KINDS.get(str(data.get("kind")))
    # The graph's data calls an element's own ``kind`` field ``subkind``.
    title = spec.title({**data, "kind": data.get("subkind")}) if spec is not None else None
    title = " ".join((title or "").split())
    limit = LONG_LIMIT.get(str(data.get("kind")), LONG_LIMIT_DEFAULT)
    if len(title) > limit:
        cut = title[: limit - 1]
        if cut.rfind(" ") > limit / 2:
            cut = cut[: cut.rfind(" ")]
        title = cut.rstrip(" ,;:—-") + "…"
    return f"{head} · {title}" if title else head


def graph_picture(timeline: Mapping[str, Any], index: int) -> str:
    """The SVG of ``timeline`` (a graph/timeline answer, with boxes) at its revision
    ``index``: an ``<svg>`` element to put in the graph area (``graph-picture``)."""
    revisions = timeline["revisions"]
    revision = int(revisions[index]["revision"])
    born = {n["data"]["id"]: n["active"][0][0] for n in timeline["nodes"] if n["active"]}
    placed = [n for n in timeline["nodes"] if n.get("box")]
    shown = [n for n in placed if born.get(n["data"]["id"], revision + 1) <= revision]
    fitted = [n["box"] for n in shown or placed]
    boxes = {n["data"]["id"]: n["box"] for n in shown}
    x1 = min(b["x"] - b["w"] / 2 for b in fitted) if fitted else 0.0
    x2 = max(b["x"] + b["w"] / 2 for b in fitted) if fitted else 1.0
    y1 = min(b["y"] - b["h"] / 2 for b in fitted) if fitted else 0.0
    y2 = max(b["y"] + b["h"] / 2 for b in fitted) if fitted else 1.0
    width, height = x2 - x1, y2 - y1
    details = timeline.get("details") or {}
    name = " — ".join(str(v) for v in (details.get("district"), details.get("title")) if v)
    label = f"Alignment graph of {name or timeline['plan']}"
    parts = [
        f'<svg id="graph-picture" class="graph-picture" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{x1:g} {y1:g} {width:g} {height:g}" preserveAspectRatio="xMidYMid meet" '
        f'style="max-width:{width * MAX_ZOOM:g}px;max-height:{height * MAX_ZOOM:g}px" '
        f'data-revision="{revision}" role="img" '
        f'aria-label="{escape(label)}">',
        # Long labels where the page's fit of this drawing reaches DETAIL_ZOOM.
        "<style>@container graph (min-width: "
        f"{DETAIL_ZOOM * width + 2 * PADDING:.0f}px) and (min-height: "
        f"{DETAIL_ZOOM * height + 2 * PADDING:.0f}px) {{ #graph-picture .short "
        "{ display: none } #graph-picture .long { display: inline } }</style>",
    ]
    parts.append('<g class="links" fill="none" stroke-linecap="round">')
    for edge in timeline["edges"]:
        parts.append(_link(edge, boxes, revision, index, revisions))
    parts.append(
        f'</g><g class="nodes" font-family="{escape(FONT)}" font-weight="700" '
        'text-anchor="middle" dominant-baseline="central">'
    )
    worst = _worst(revisions[index].get("findings", []))
    before = int(revisions[index - 1]["revision"]) if index > 0 else None
    for node in shown:
        parts.append(_node(node, revision, before, worst))
    parts.append("</g></svg>")
    return "".join(parts)


def _link(
    edge: Mapping[str, Any],
    boxes: Mapping[str, Mapping[str, float]],
    revision: int,
    index: int,
    revisions: Sequence[Mapping[str, Any]],
) -> str:
    data, spans = edge["data"], edge["active"]
    a, b = boxes.get(data["source"]), boxes.get(data["target"])
    if a is None or b is None or not spans or spans[0][0] > revision:
        return ""
    look = {**LINK, **LINKS.get(str(data.get("edge")), {})}
    now = _active(spans, revision)
    dashed = ""
    if not now:
        look["opacity"], dashed = RETIRED["link_opacity"], ' stroke-dasharray="6 4"'
    elif index > 0 and not _active(spans, int(revisions[index - 1]["revision"])):
        look.update(NEW_LINK)
    return (
        f'<line x1="{a["x"]:g}" y1="{a["y"]:g}" x2="{b["x"]:g}" y2="{b["y"]:g}" '
        f'stroke="{look["colour"]}" stroke-width="{look["width"]:g}" '
        f'stroke-opacity="{look["opacity"]:g}"{dashed}/>'
    )


def _worst(findings: Sequence[Mapping[str, Any]]) -> dict[str, Severity]:
    """Each element's worst finding's severity."""
    worst: dict[str, Severity] = {}
    for finding in findings:
        key, severity = finding.get("key"), Severity(finding["severity"])
        rank = WORST_FIRST.index(severity)
        if key and (key not in worst or rank < WORST_FIRST.index(worst[key])):
            worst[key] = severity
    return worst


def _node(
    node: Mapping[str, Any], revision: int, before: int | None, worst: Mapping[str, Severity]
) -> str:
    data, box = node["data"], node["box"]
    ident = str(data["id"])
    spec = KINDS.get(str(data.get("kind")))
    fill = spec.colour if spec is not None else UNKNOWN_FILL
    x, y, w, h = box["x"], box["y"], box["w"], box["h"]
    retired = not _active(node["active"], revision)
    severity = None if retired else worst.get(ident)
    width = RETIRED["border_width"] if retired else BORDER["width"]
    border = (BORDER["colour"], BORDER["opacity"], width)
    faded = f' opacity="{RETIRED["opacity"]:g}"' if retired else ""
    parts = [f'<g data-id="{escape(ident)}"{faded}>']
    title = str(data.get("label") or "")
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    if severity is not None:
        halo, pad = HALOS[severity], HALO_PADDING
        parts.append(
            f'<rect x="{x - w / 2 - pad:g}" y="{y - h / 2 - pad:g}" width="{w + 2 * pad:g}" '
            f'height="{h + 2 * pad:g}" rx="{RADIUS}" fill="{halo["glow"]}" '
            f'fill-opacity="{halo["opacity"]:g}"/>'
        )
        border = (SEVERITIES[severity]["colour"], 1, halo["width"])
    if not retired and before is not None and not _active(node["active"], before):
        out = NEW["offset"] + NEW["width"] / 2
        parts.append(
            f'<rect x="{x - w / 2 - out:g}" y="{y - h / 2 - out:g}" width="{w + 2 * out:g}" '
            f'height="{h + 2 * out:g}" rx="{RADIUS + out:g}" fill="none" '
            f'stroke="{NEW["colour"]}" stroke-width="{NEW["width"]}"/>'
        )
    dash = ' stroke-dasharray="9 6"' if retired else ""
    parts.append(
        f'<rect x="{x - w / 2:g}" y="{y - h / 2:g}" width="{w:g}" height="{h:g}" '
        f'rx="{RADIUS}" fill="{fill}" stroke="{border[0]}" '
        f'stroke-opacity="{border[1]:g}" stroke-width="{border[2]}"{dash}/>'
    )
    mission = data.get("kind") == "mission"
    ink, size = ink_on(fill), 30 if mission else 26
    parts.append(_text(x, y, "short", size, 1.0, wrapped(short_label(data), size, w - 14), ink))
    # The page wraps long labels within its node widths, less 14 (the mission's less 20).
    wide = MISSION_WIDTH - 20 if mission else NODE_WIDTH - 14
    long = wrapped(long_label(data), LONG_SIZE, wide, LONG_CHAR_WIDTH)
    parts.append(_text(x, y, "long", LONG_SIZE, LONG_LINE_HEIGHT, long, ink))
    parts.append("</g>")
    return "".join(parts)


def _text(
    x: float, y: float, which: str, size: float, spacing: float, lines: Sequence[str], ink: str
) -> str:
    """A box's label (``short`` or ``long``), its lines ``spacing`` ems apart, centred."""
    parts = [f'<text class="{which}" x="{x:g}" y="{y:g}" font-size="{size:g}" fill="{ink}">']
    if len(lines) == 1:
        parts.append(escape(lines[0]))
    else:
        for i, line in enumerate(lines):
            dy = -(len(lines) - 1) / 2 * spacing if i == 0 else spacing
            parts.append(f'<tspan x="{x:g}" dy="{dy:g}em">{escape(line)}</tspan>')
    parts.append("</text>")
    return "".join(parts)


def wrapped(text: str, size: float, width: float, char_width: float = CHAR_WIDTH) -> list[str]:
    """``text`` cut at spaces into lines of about ``width`` at font ``size`` (estimated).

    >>> wrapped("Theory of action", 26, 162), wrapped("BL-2601", 26, 162)
    (['Theory of', 'action'], ['BL-2601'])
    """
    most = max(1, int(width / (size * char_width)))
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]
