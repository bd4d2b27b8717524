"""The element kinds the audit knows and how a message names an element: both from the
catalogue (:data:`coherence.domain.framework.FRAMEWORK`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from coherence.domain.framework import FRAMEWORK

__all__ = ["ELEMENT_KINDS", "NAME_FIELDS", "display_name", "element_kind", "element_subkind"]

ELEMENT_KINDS: Final[frozenset[str]] = frozenset(FRAMEWORK.kinds)

NAME_FIELDS: Final[tuple[str, ...]] = FRAMEWORK.name_fields
"""The fields a message names an element by: a row's ``fields`` holds these."""


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


def display_name(kind: str, key: str | None, fields: Mapping[str, Any]) -> str:
    """``Initiative SI3.2 'Family liaisons'``: kind, key and title where there is one.

    ``fields`` holds the element's :data:`NAME_FIELDS` (absent ones may be missing).
    """
    return FRAMEWORK.name(kind, key, fields)
