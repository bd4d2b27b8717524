"""Where each element goes across its level of the plan page's layered drawing.

The page draws the plan top-down, one band per level of the catalogue (mission at the
top, budget lines at the bottom). Within a band, what matters is the order and rough
place of the elements: supporters beneath what they support, links crossing as little
as they can. :func:`layered_x` computes that once per plan version on the server (the
page used to run dagre for it on every load); the page then wraps each band onto rows
to fit its screen (``static/layout.js``).

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

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

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
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in links:
        if a != b and a in levels and b in levels and levels[a] != levels[b]:
            neighbours[a].add(b)
            neighbours[b].add(a)
    bands: dict[int, list[str]] = defaultdict(list)
    for ident in sorted(neighbours, key=natural):
        bands[levels[ident]].append(ident)
    order = [bands[level] for level in sorted(bands)]
    order = _ordered(order, neighbours, levels)
    return _placed(order, neighbours, levels)


def _ordered(
    order: list[list[str]], neighbours: Mapping[str, set[str]], levels: Mapping[str, int]
) -> list[list[str]]:
    """The bands reordered by barycentre sweeps: the order with fewest crossings."""
    best = [list(band) for band in order]
    fewest = _crossings(best, neighbours, levels)
    current = [list(band) for band in order]
    for _ in range(SWEEPS):
        for downward in (True, False):
            place = _relative(current)
            indices = range(len(current)) if downward else range(len(current) - 1, -1, -1)
            for i in indices:
                _sort_band(current[i], place, neighbours, levels, downward)
                place.update(_relative([current[i]]))
            crossings = _crossings(current, neighbours, levels)
            if crossings < fewest:
                fewest, best = crossings, [list(band) for band in current]
    return best


def _sort_band(
    band: list[str],
    place: Mapping[str, float],
    neighbours: Mapping[str, set[str]],
    levels: Mapping[str, int],
    downward: bool,
) -> None:
    """Sort ``band`` by the mean place of each element's neighbours above (``downward``)
    or below; an element with none there keeps its own place."""
    level = levels[band[0]]

    def centre(ident: str) -> float:
        near = [place[n] for n in neighbours[ident] if (levels[n] < level) == downward]
        return sum(near) / len(near) if near else place[ident]

    band.sort(key=centre)


def _relative(order: Sequence[Sequence[str]]) -> dict[str, float]:
    """Each element's place in its band, from 0 (left) to 1 (right)."""
    return {ident: (i + 0.5) / len(band) for band in order for i, ident in enumerate(band)}


def _crossings(
    order: Sequence[Sequence[str]], neighbours: Mapping[str, set[str]], levels: Mapping[str, int]
) -> int:
    """How many pairs of links between the same two levels cross."""
    index = {ident: i for band in order for i, ident in enumerate(band)}
    groups: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for a, near in neighbours.items():
        for b in near:
            if levels[a] < levels[b]:
                groups[(levels[a], levels[b])].append((index[a], index[b]))
    return sum(
        1
        for links in groups.values()
        for (a1, b1), (a2, b2) in combinations(links, 2)
        if (a1 - a2) * (b1 - b2) < 0
    )


def _placed(
    order: Sequence[Sequence[str]], neighbours: Mapping[str, set[str]], levels: Mapping[str, int]
) -> dict[str, float]:
    """Places in each band's order, near the mean of the neighbours, SPACING apart."""
    x = {
        ident: (i - (len(band) - 1) / 2) * SPACING for band in order for i, ident in enumerate(band)
    }
    for _ in range(PASSES):
        for downward in (True, False):
            for band in order if downward else list(reversed(order)):
                level = levels[band[0]]
                wanted = []
                for ident in band:
                    near = [x[n] for n in neighbours[ident] if (levels[n] < level) == downward]
                    wanted.append(sum(near) / len(near) if near else x[ident])
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
