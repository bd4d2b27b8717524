"""Where each element goes in the plan page's layered drawing.

The page draws the plan top-down, one band per level of the catalogue (mission at the
top, budget lines at the bottom). Within a band, what matters is the order and rough
place of the elements: supporters beneath what they support, links crossing as little
as they can. :func:`layered_x` computes that once per plan version on the server (the
page used to run dagre for it on every load); :func:`layered_boxes` then wraps each band
onto rows and gives every element its box (centre and size), for the graph area
:data:`AREA`: the page draws these boxes, and so does the server's picture of the graph
(:mod:`coherence.queries.graph_picture`); after a save that adds elements or links the
page takes the boxes of the new version from the server too. It lays out only a
focused part of the plan itself (``static/layout.js``, the same rules).

Order: barycentre sweeps down and up the levels (each element moved to the mean place
of its neighbours above, then below), keeping the order with the fewest crossings
between consecutive levels. Places: each element as near as it can be to the mean of
its neighbours, the elements of a level in that order and at least :data:`SPACING` apart
(least squares, by pooling adjacent violators), a few passes down and up.

>>> xs = layered_x({"M": 0, "O1": 1, "O2": 1, "I1": 2, "I2": 2},
...                [("O1", "M"), ("O2", "M"), ("I1", "O2"), ("I2", "O1")])
>>> xs["I2"] < xs["I1"] and xs["O1"] < xs["O2"]
True
>>> "X" in layered_x({"X": 3}, [])
False
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SPACING = 200.0
"""The least distance between the centres of two elements of a level (the page's node
width and gap; the page scales these places to its rows)."""

SWEEPS = 8
"""Down-and-up ordering sweeps (the best order seen is kept)."""

PASSES = 4
"""Down-and-up placing passes."""


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A key to sort ``SI2.10`` after ``SI2.9``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


def layered_x(levels: Mapping[str, int], links: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The place across its level of every element ``levels`` gives a level to and that
    has a link in ``links`` (pairs of element ids; elements linked to nothing get none)."""
    above: dict[str, set[str]] = defaultdict(set)
    below: dict[str, set[str]] = defaultdict(set)
    for a, b in links:
        if a in levels and b in levels and levels[a] != levels[b]:
            high, low = (a, b) if levels[a] < levels[b] else (b, a)
            below[high].add(low)
            above[low].add(high)
    linked = set(above) | set(below)
    bands: dict[int, list[str]] = defaultdict(list)
    for ident in sorted(linked, key=natural):
        bands[levels[ident]].append(ident)
    order = [bands[level] for level in sorted(bands)]
    pairs: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for high, lows in below.items():
        for low in lows:
            pairs[(levels[high], levels[low])].append((high, low))
    order = _ordered(order, above, below, list(pairs.values()))
    return _placed(order, above, below)


Near = Mapping[str, set[str]]
"""For each element, its linked elements above it (or below it)."""


def _ordered(
    order: list[list[str]], above: Near, below: Near, pairs: list[list[tuple[str, str]]]
) -> list[list[str]]:
    """The bands reordered by barycentre sweeps: the order with fewest crossings."""
    best = [list(band) for band in order]
    fewest = _crossings(best, pairs)
    current = [list(band) for band in order]
    for _ in range(SWEEPS):
        for near, bands in ((above, current), (below, current[::-1])):
            place = _relative(current)
            for band in bands:
                _sort_band(band, place, near)
                place.update(_relative([band]))
            crossings = _crossings(current, pairs)
            if crossings < fewest:
                fewest, best = crossings, [list(band) for band in current]
    return best


def _sort_band(band: list[str], place: Mapping[str, float], near: Near) -> None:
    """Sort ``band`` by the mean place of each element's ``near`` elements (those above,
    or those below); an element with none keeps its own place."""

    def centre(ident: str) -> float:
        others = near.get(ident)
        return sum(place[n] for n in others) / len(others) if others else place[ident]

    band.sort(key=centre)


def _relative(order: Sequence[Sequence[str]]) -> dict[str, float]:
    """Each element's place in its band, from 0 (left) to 1 (right)."""
    return {ident: (i + 0.5) / len(band) for band in order for i, ident in enumerate(band)}


def _crossings(order: Sequence[Sequence[str]], pairs: list[list[tuple[str, str]]]) -> int:
    """How many pairs of links between the same two levels cross (``pairs``: the links
    grouped by the two levels they join, each as (upper, lower))."""
    index = {ident: i for band in order for i, ident in enumerate(band)}
    return sum(
        _inversions([b for _, b in sorted((index[a], index[b]) for a, b in links)])
        for links in pairs
    )


def _inversions(values: Sequence[int]) -> int:
    """How many pairs are out of order (i < j, values[i] > values[j]): a Fenwick tree."""
    size = max(values, default=0) + 2
    tree = [0] * size
    count = 0
    for seen, value in enumerate(values):
        i, not_greater = value + 1, 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        count += seen - not_greater
        i = value + 1
        while i < size:
            tree[i] += 1
            i += i & -i
    return count


def _placed(order: Sequence[Sequence[str]], above: Near, below: Near) -> dict[str, float]:
    """Places in each band's order, near the mean of the neighbours, SPACING apart."""
    x = {
        ident: (i - (len(band) - 1) / 2) * SPACING for band in order for i, ident in enumerate(band)
    }
    for _ in range(PASSES):
        for near, bands in ((above, order), (below, order[::-1])):
            for band in bands:
                wanted = [
                    sum(x[n] for n in near[ident]) / len(near[ident])
                    if near.get(ident)
                    else x[ident]
                    for ident in band
                ]
                for ident, value in zip(band, _spaced(wanted), strict=True):
                    x[ident] = value
    return {ident: round(value, 1) for ident, value in x.items()}


def _spaced(wanted: Sequence[float]) -> list[float]:
    """The places nearest ``wanted`` (least squares) in the same order, SPACING apart."""
    shifted = [w - i * SPACING for i, w in enumerate(wanted)]
    blocks: list[list[float]] = []  # [mean, count]
    for value in shifted:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count)
            blocks[-1][1] += count
    flat = [mean for mean, count in blocks for _ in range(int(count))]
    return [value + i * SPACING for i, value in enumerate(flat)]


# -- the whole drawing: rows, bands and sizes ------------------------------------------

NODE_WIDTH = 176.0
"""An element's box on the page (the mission's is :data:`MISSION_WIDTH` wide)."""
NODE_HEIGHT = 72.0
MISSION_WIDTH = 300.0
GAP_X = 24.0
"""The least gap between two boxes of a row."""
ROW_GAP = 18.0
"""Between the rows of one level."""
BAND_GAP = 62.0
"""Between two levels."""
AREA = (1500.0, 780.0)
"""The graph area the rows are chosen for (the page at 1600 to 1920 pixels wide): the
plan is drawn the same on every screen, and fitted to it."""
FOUNDATION_ORDER = ("vision", "theory_of_action", "mission")
"""Left to right before the mission; the other foundations (core values) after it."""


@dataclass(frozen=True)
class Element:
    """What the drawing needs of an element: its id, kind, key and level."""

    ident: str
    kind: str
    key: str
    level: int


@dataclass
class Box:
    """An element's box in the drawing: its centre and size (page units)."""

    x: float
    y: float
    w: float
    h: float = NODE_HEIGHT

    def to_dict(self) -> dict[str, float]:
        return {"x": round(self.x, 1), "y": round(self.y, 1), "w": self.w, "h": self.h}


def width_of(kind: str) -> float:
    """An element's box width: the mission's is wider (it carries a sentence)."""
    return MISSION_WIDTH if kind == "mission" else NODE_WIDTH


def layered_boxes(
    elements: Sequence[Element],
    links: Iterable[tuple[str, str]],
    places: Mapping[str, float],
    area: tuple[float, float] = AREA,
) -> dict[str, Box]:
    """Every element's box: each level a band, top-down, wrapped onto the number of
    staggered rows that shows the whole drawing largest in ``area``.

    ``places`` (from :func:`layered_x`) is the order and rough place across each level;
    a linked element without one goes to the mean place of its neighbours, elements
    linked to nothing to the right end of their level (where a gap is easy to see).
    ``links`` are (source, target) pairs: a source supports its target."""
    if not elements:
        return {}
    by_id = {e.ident: e for e in elements}
    neighbours: dict[str, set[str]] = defaultdict(set)
    supporters: dict[str, list[Element]] = defaultdict(list)
    for source, target in links:
        if source in by_id and target in by_id:
            neighbours[source].add(target)
            neighbours[target].add(source)
            supporters[target].append(by_id[source])
    xs = _places_of(neighbours, places)
    levels: dict[int, list[Element]] = defaultdict(list)
    for element in elements:
        levels[element.level].append(element)
    order = sorted(levels)
    for level in order:
        if level == 0:
            levels[level].sort(key=_foundation_rank)
        else:
            levels[level].sort(key=lambda e: (xs.get(e.ident, math.inf), natural(e.key)))
    candidates = {
        max(6, math.ceil(len(levels[level]) / rows))
        for level in order
        for rows in range(1, math.ceil(len(levels[level]) / 6) + 1)
    }
    best_zoom, best = 0.0, {}
    for per_row in sorted(candidates):
        boxes = _place(order, levels, xs, per_row, supporters)
        w, h = _size(boxes)
        zoom = min(area[0] / w, area[1] / h)
        if zoom > best_zoom + 1e-9:
            best_zoom, best = zoom, boxes
    return best


def _foundation_rank(element: Element) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    kind = element.kind
    rank = FOUNDATION_ORDER.index(kind) if kind in FOUNDATION_ORDER else len(FOUNDATION_ORDER)
    return rank, natural(element.key)


def _places_of(neighbours: Mapping[str, set[str]], places: Mapping[str, float]) -> dict[str, float]:
    """The places of the linked elements; one without gets the mean of its neighbours'."""
    xs = {ident: places[ident] for ident in neighbours if ident in places}
    missing = [ident for ident in neighbours if ident not in places]
    for _ in range(3):
        waiting, missing = missing, []
        for ident in waiting:
            near = [xs[n] for n in neighbours[ident] if n in xs]
            if near:
                xs[ident] = sum(near) / len(near)
            else:
                missing.append(ident)
    return xs


def _place(
    order: Sequence[int],
    levels: Mapping[int, list[Element]],
    xs: Mapping[str, float],
    per_row: int,
    supporters: Mapping[str, list[Element]],
) -> dict[str, Box]:
    """The boxes with each level wrapped onto rows of at most ``per_row``."""
    boxes: dict[str, Box] = {}
    col = NODE_WIDTH + GAP_X
    row_h = NODE_HEIGHT + ROW_GAP
    low, high = (min(xs.values()), max(xs.values())) if xs else (0.0, 0.0)
    scale = min(1.0, per_row * col / (high - low + col)) if high > low else 1.0
    centre = (low + high) / 2
    top = 0.0
    for level in order:
        members = levels[level]
        if level == 0:
            _place_foundations(members, xs, centre, scale, top, boxes)
            top += row_h + BAND_GAP - ROW_GAP
            continue
        rows = max(1, math.ceil(len(members) / per_row))
        wrapped: list[list[tuple[Element, float]]] = [[] for _ in range(rows)]
        for index, element in enumerate(members):
            x = xs.get(element.ident)
            wanted = (
                centre + (x - centre) * scale
                if x is not None
                else centre + (index - (len(members) - 1) / 2) * (col / rows)
            )
            wrapped[index % rows].append((element, wanted))
        for r, row in enumerate(wrapped):
            last = -math.inf
            fixed = []
            for element, wanted in row:
                if element.ident not in xs and last > -math.inf:
                    wanted = last + col
                last = wanted
                fixed.append((element, wanted))
            for element, x in _spread(fixed):
                boxes[element.ident] = Box(x, top + r * row_h, width_of(element.kind))
        top += rows * row_h + BAND_GAP - ROW_GAP
    _recentre(levels, boxes, per_row, supporters)
    return boxes


def _recentre(
    levels: Mapping[int, list[Element]],
    boxes: dict[str, Box],
    per_row: int,
    supporters: Mapping[str, list[Element]],
) -> None:
    """Wrapping moves the supporters: the objectives go back above what supports them
    (in one row, in that order), the foundations above the objectives."""

    def beneath(element: Element, level: int) -> float:
        near = supporters.get(element.ident, [])
        every = [m for m in near if m.ident in boxes and m.level > level]
        chosen = [m for m in every if m.level == level + 1] or every
        if not chosen:
            return boxes[element.ident].x
        return sum(boxes[m.ident].x for m in chosen) / len(chosen)

    objectives = levels.get(1, [])
    if objectives and len(objectives) <= per_row:
        row = sorted(((o, beneath(o, 1)) for o in objectives), key=lambda item: item[1])
        for element, x in _spread(row):
            boxes[element.ident].x = x
    top = levels.get(0, [])
    mission = next((e for e in top if e.kind == "mission"), None)
    if mission is not None:
        shift = beneath(mission, 0) - boxes[mission.ident].x
        for element in top:
            boxes[element.ident].x += shift


def _place_foundations(
    members: Sequence[Element],
    xs: Mapping[str, float],
    centre: float,
    scale: float,
    y: float,
    boxes: dict[str, Box],
) -> None:
    """The mission in the middle of the top band; vision and theory of action on its
    left, the core values on its right."""
    mission = next((e for e in members if e.kind == "mission"), None)
    x_mission = xs.get(mission.ident) if mission is not None else None
    anchor = centre + (x_mission - centre) * scale if x_mission is not None else centre
    split = members.index(mission) if mission is not None else len(members)
    half = width_of("mission") / 2 if mission is not None else 0.0
    if mission is not None:
        boxes[mission.ident] = Box(anchor, y, width_of(mission.kind))
    x = anchor + half
    for element in members[split + 1 :]:
        w = width_of(element.kind)
        boxes[element.ident] = Box(x + GAP_X + w / 2, y, w)
        x += GAP_X + w
    x = anchor - half
    for element in reversed(members[:split]):
        w = width_of(element.kind)
        boxes[element.ident] = Box(x - GAP_X - w / 2, y, w)
        x -= GAP_X + w


def _spread(row: Sequence[tuple[Element, float]]) -> list[tuple[Element, float]]:
    """The row in its order, boxes at least GAP_X apart, as near as can be to where they
    were wanted (shifted so that the mean displacement is zero)."""
    placed: list[tuple[Element, float]] = []
    for element, wanted in row:
        if placed:
            before, x_before = placed[-1]
            gap = (width_of(before.kind) + width_of(element.kind)) / 2 + GAP_X
            placed.append((element, max(wanted, x_before + gap)))
        else:
            placed.append((element, wanted))
    if not placed:
        return placed
    shift = sum(x - wanted for (_, x), (_, wanted) in zip(placed, row, strict=True)) / len(row)
    return [(element, x - shift) for element, x in placed]


def _size(boxes: Mapping[str, Box]) -> tuple[float, float]:
    """The drawing's width and height."""
    x1 = min(b.x - b.w / 2 for b in boxes.values())
    x2 = max(b.x + b.w / 2 for b in boxes.values())
    y1 = min(b.y - b.h / 2 for b in boxes.values())
    y2 = max(b.y + b.h / 2 for b in boxes.values())
    return max(1.0, x2 - x1), max(1.0, y2 - y1)
