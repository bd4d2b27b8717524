"""The Framework as programs and the web page read it (``GET /api/v1/framework``).

The element catalogue of the domain, with what the audit adds: its rules (id,
severity and a one-line description) and how each severity is shown.

>>> doc = framework_document()
>>> [k["name"] for k in doc["kinds"]][:3]
['mission', 'vision', 'theory_of_action']
>>> next(r for r in doc["rules"] if r["rule"] == "orphaned-initiative")["severity"]
'error'
"""

from __future__ import annotations

import colorsys
import re
from typing import Any

from coherence.domain.framework import FRAMEWORK, Catalogue
from coherence.queries.audit import ALL_ORDER, DEFINITIONS, HISTORY_RULES, Severity

SEVERITIES: dict[Severity, dict[str, str]] = {
    Severity.ERROR: {"label": "Error", "plural": "errors", "colour": "#dc2626"},
    Severity.WARNING: {"label": "Warning", "plural": "warnings", "colour": "#e8890c"},
    Severity.INFO: {"label": "Info", "plural": "info", "colour": "#0284c7"},
}
"""How each severity is shown in pages, reports and legends."""
HALOS: dict[Severity, dict[str, Any]] = {
    Severity.ERROR: {"glow": "#ef4444", "opacity": 0.6, "width": 8},
    Severity.WARNING: {"glow": "#fbbf24", "opacity": 0.55, "width": 6},
    Severity.INFO: {"glow": "#38bdf8", "opacity": 0.3, "width": 5},
}
"""How the graph marks an element's worst finding: a border in the severity's colour
(``width``) and a glow around it."""
HALO_PADDING = 12
"""How far the glow reaches beyond an element's box."""


UNKNOWN_FILL = "#e5e7eb"
"""The fill of an element whose kind the catalogue does not know."""

GRAPH_LOOK: dict[str, Any] = {
    "border": {"colour": "#475569", "opacity": 0.55, "width": 2},
    "link": {"colour": "#94a3b8", "opacity": 0.35, "width": 1.6},
    "links": {
        "funds": {"colour": "#86c29b"},
        "advances": {"colour": "#64748b", "opacity": 0.6, "width": 3},
    },
    "new": {"colour": "#16a34a", "width": 6, "offset": 5},
    "new_link": {"colour": "#16a34a", "width": 3},
    "retired": {"opacity": 0.28, "border_width": 3, "link_opacity": 0.18},
}
"""How the alignment graph draws an element's border, a link (faded; some kinds of link
differ), what is new in the version shown and what is retired: one look for the page's
interactive graph and the server's picture of it."""


def framework_document(catalogue: Catalogue = FRAMEWORK) -> dict[str, Any]:
    """The catalogue, the audit's rules and the severities, as JSON-ready data; each kind
    with the ``ink`` its labels are written in on its colour."""
    doc = catalogue.to_dict()
    return {
        **doc,
        "kinds": [{**kind, "ink": ink_on(kind["colour"])} for kind in doc["kinds"]],
        "unknown_kind": {"colour": UNKNOWN_FILL, "ink": ink_on(UNKNOWN_FILL)},
        "rules": [
            {
                "rule": d.rule,
                "severity": d.severity.value,
                "description": _first_line(d.detect.__doc__),
                "history": d.rule in _HISTORY,
            }
            for d in (_ALL[rule_id] for rule_id in ALL_ORDER)
        ],
        "severities": [
            {"name": s.value, **look, "halo": {**HALOS[s], "padding": HALO_PADDING}}
            for s, look in SEVERITIES.items()
        ],
        "graph": GRAPH_LOOK,
    }


_HISTORY = {d.rule: d for d in HISTORY_RULES}
_ALL: dict[str, Any] = {**DEFINITIONS, **_HISTORY}


def _first_line(doc: str | None) -> str:
    """``Find an initiative that ...`` -> ``An initiative that ...``."""
    line = " ".join((doc or "").strip().split("\n\n")[0].split())
    line = line.removeprefix("Find ")
    return line[:1].upper() + line[1:]


def ink_on(fill: str) -> str:
    """The text colour on ``fill``: white on a dark fill; on a light one, a dark shade of
    the fill's own hue (20 % lightness), whichever of the two contrasts more (WCAG).

    >>> ink_on("#1e3a8a"), ink_on("#fde68a")
    ('#ffffff', '#4f4417')
    """
    rgb = _rgb(fill)
    if rgb is None:
        return "#111827"
    hue, _, saturation = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    shade = colorsys.hls_to_rgb(hue, 0.2, min(0.55, max(0.25, saturation)))
    dark = "#" + "".join(f"{round(c * 255):02x}" for c in shade)
    lum = _luminance(rgb)
    dark_rgb = _rgb(dark) or (0, 0, 0)
    on_white = 1.05 / (lum + 0.05)
    on_dark = (lum + 0.05) / (_luminance(dark_rgb) + 0.05)
    return "#ffffff" if on_white >= on_dark else dark


def _rgb(colour: str) -> tuple[int, int, int] | None:
    """``#rgb`` or ``#rrggbb`` as three channels (None for anything else)."""
    match = re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", colour.strip())
    if match is None:
        return None
    hexa = match[1] if len(match[1]) == 6 else "".join(c + c for c in match[1])
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
