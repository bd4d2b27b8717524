"""The element kinds the audit knows and how a message names an element.

Kept apart and small so that the naming can come from one shared catalogue later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from coherence.queries.audit.values import blank

__all__ = ["ELEMENT_KINDS", "NAME_FIELDS", "display_name", "element_kind", "element_subkind"]

ELEMENT_KINDS: Final[frozenset[str]] = frozenset(
    {
        "mission",
        "vision",
        "theory_of_action",
        "core_value",
        "data_finding",
        "objective",
        "initiative",
        "outcome",
        "professional_learning",
        "benchmark",
        "budget_line",
        "school_plan",
        "educator_goal",
    }
)

_DISPLAY: Final[Mapping[str, str]] = {
    "mission": "Mission",
    "vision": "Vision",
    "theory_of_action": "Theory of action",
    "core_value": "Core value",
    "data_finding": "Data finding",
    "objective": "Objective",
    "initiative": "Initiative",
    "outcome": "Outcome",
    "professional_learning": "Professional learning",
    "benchmark": "Benchmark",
    "budget_line": "Budget line",
    "school_plan": "School plan",
    "educator_goal": "Educator goal",
}

NAME_FIELDS: Final[tuple[str, ...]] = (
    "title",
    "name",
    "statement",
    "description",
    "school",
    "school_year",
)
"""The fields a message names an element by: a row's ``fields`` holds these."""

_LABEL_FIELDS: Final[tuple[str, ...]] = ("title", "name", "statement", "description")
_LABEL_MAX: Final = 80


def element_kind(data: Mapping[str, Any]) -> str | None:
    """The element kind of a node: its ``kind`` attribute (None if not an element kind)."""
    kind = data.get("kind")
    return kind if isinstance(kind, str) and kind in ELEMENT_KINDS else None


def element_subkind(data: Mapping[str, Any]) -> str | None:
    """The sub-kind of an outcome, professional learning, benchmark or educator goal.

    The node's ``subkind`` attribute (the projection's name for the element's own
    ``kind`` field, e.g. ``final`` or ``early_evidence``); None when absent or blank.
    """
    subkind = data.get("subkind")
    return subkind if isinstance(subkind, str) and subkind.strip() else None


def _label(fields: Mapping[str, Any]) -> str | None:
    for name in _LABEL_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            if len(text) > _LABEL_MAX:
                text = text[: _LABEL_MAX - 3].rstrip() + "..."
            return text
    return None


def display_name(kind: str, key: str | None, fields: Mapping[str, Any]) -> str:
    """``Initiative SI3.2 'Family liaisons'``: kind, key and title where there is one.

    ``fields`` holds the element's :data:`NAME_FIELDS` (absent ones may be missing).
    """
    display = _DISPLAY.get(kind, kind.replace("_", " ").capitalize())
    if kind == "school_plan" and blank(fields.get("title")):
        parts = [
            str(fields[f]).strip() for f in ("school", "school_year") if not blank(fields.get(f))
        ]
        label = " ".join(parts) or None
    else:
        label = _label(fields)
    return f"{display} {key} '{label}'" if label else f"{display} {key}"
