"""Foundation rules: the mission, vision, theory of action and core values a plan stands on."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from coherence.queries.audit.index import FOUNDATION_ITEMS, element_row, plan_index
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.registry import fixed, rule
from coherence.queries.audit.values import blank

__all__ = ["missing_foundation", "theory_of_action_not_if_then"]

_IF_THEN: Final = re.compile(r"\bif\b.*?\bthen\b", re.IGNORECASE | re.DOTALL)


_MISSING: Final[Mapping[str, str]] = {
    "mission": "The plan has no mission (why the district exists)",
    "vision": "The plan has no vision (what success for students looks like)",
    "theory_of_action": 'The plan has no theory of action ("If ..., then ...")',
    "core_value": "The plan has no core values (principles that guide decisions)",
}
"""The message of each missing foundation item (:data:`FOUNDATION_ITEMS`)."""


def _missing_foundation_message(row: Row, ctx: AuditContext) -> str:
    return _MISSING[str(row["kind"])]


@rule("missing-foundation", Severity.ERROR, "foundation", _missing_foundation_message, reads=())
def missing_foundation(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find each missing foundation item: mission, vision, theory of action, core values.

    Framework: the district plan's foundation (mission, vision, core values and the
    theory of action that frames the strategic objectives). One plan-wide finding per
    missing item, with ``kind`` naming the item and ``key`` None; a mission, vision or
    theory of action whose text is blank counts as missing.
    """
    index = plan_index(graph, ctx)
    for kind in FOUNDATION_ITEMS:
        if not index.foundation_present(kind):
            yield {"kind": kind, "key": None}


@rule(
    "theory-of-action-not-if-then",
    Severity.WARNING,
    "theory_of_action",
    fixed('The theory of action is not framed "If ..., then ..."'),
    reads=(),
)
def theory_of_action_not_if_then(graph: Any, ctx: AuditContext) -> Iterator[Row]:
    """Find a theory of action not framed "If ..., then ..." (only when one exists).

    Framework: the theory of action links the strategic objectives and initiatives to
    results: the whole word "if" must occur, then the whole word "then" after it, in
    any case.
    """
    for key, data in plan_index(graph, ctx).elements("theory_of_action"):
        text = data.get("text")
        if blank(text):
            continue  # a blank theory of action is missing-foundation's finding
        if not _IF_THEN.search(str(text)):
            yield element_row("theory_of_action", key, data)
