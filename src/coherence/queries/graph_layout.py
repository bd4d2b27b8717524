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
