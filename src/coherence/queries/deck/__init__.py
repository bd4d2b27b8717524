"""The plan as slides, for a leadership retreat: pure data, built once on the server.

A :class:`Deck` is what the present page (``/plans/{id}/present``), the PDF and the
PowerPoint file all show, slide for slide (``GET /api/v1/plans/{id}/deck``):

1. **The plan**: its title, the mission, the vision, the core values and the theory of
   action.
2. **One slide per objective**, in key order: its initiatives with their owners and the
   money allocated to each, its outcomes with their progress (the latest result against
   the target, and how much of the way from the baseline it is), the money that reaches
   it (as ``GET /plans/{id}/funding`` counts it) and the audit's findings on it and on
   what stands beneath it. ``graph`` names the objective and everything beneath it (its
   part of the alignment graph).
3. **How the plan changed**: the diff, in sentences, from the version last adopted (on
   or before the version shown; the first version when the plan never was) to the
   version shown.
4. **Findings to discuss**, grouped by severity, errors first (several slides when
   there are many).

Text is cut to what a slide shows from the back of the room (every cut keeps its start
and ends with ``…``; the lists say ``and N more``); the speaker notes (``notes``) keep
everything in full. Nothing here draws: the renderers (the page, ``coherence.reports``)
only lay the blocks out.

>>> shorten("Tutoring for every student in grades 3 to 8", 20)
'Tutoring for every…'
>>> progress_of({"baseline": 24.6, "target": 16, "unit": "percent",
...              "results": [{"as_of": "2026-10-31", "value": 18.7}]})
('18.7% (Oct 2026)', '16%', '69%')
"""

from __future__ import annotations

from coherence.queries.deck.build import build_deck
from coherence.queries.deck.model import LIMITS, Block, Deck, Slide, shorten
from coherence.queries.deck.words import progress_of, rule_label

__all__ = [
    "LIMITS",
    "Block",
    "Deck",
    "Slide",
    "build_deck",
    "progress_of",
    "rule_label",
    "shorten",
]
