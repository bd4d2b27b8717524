"""History entries: each event as a sentence a planner can read.

>>> format_money(120000)
'$120,000'
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, overload

from coherence.domain.framework import FRAMEWORK, KINDS

_VERBS = {
    "informs": "informs",
    "supports": "supports",
    "measures": "measures",
    "enables": "enables",
    "tracks": "tracks",
    "funds": "funds",
    "aligns_to": "is aligned to",
}


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a plan's history."""

    version: int
    revision: int
    timestamp: datetime
    type: str
    actor: str
    reason: str | None
    source: str
    summary: str
    key: str | None = None
    keys: tuple[str, ...] = ()
    """Every element the event touches (both ends of a link)."""
    record: Mapping[str, Any] | None = None
    """What the event records besides its sentence: an adoption's vote (``body``,
    ``meeting_date``, ``vote``, ``minutes_url``), a progress report's ``note`` and
    ``evidence``; None for other events."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "revision": self.revision,
            "timestamp": self.timestamp.isoformat(),
            "type": self.type,
            "actor": self.actor,
            "reason": self.reason,
            "source": self.source,
            "summary": self.summary,
            "key": self.key,
            "record": None if self.record is None else dict(self.record),
        }


class Entries(Sequence[HistoryEntry]):
    """History entries of a run of events, described only when first read."""

    def __init__(
        self, events: Sequence[Any], known: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None:
        self._events = list(events)
        self._known = known  # not copied: describe_events copies it when (if) it runs
        self._entries: list[HistoryEntry] | None = None

    def _all(self) -> list[HistoryEntry]:
        if self._entries is None:
            self._entries = describe_events(self._events, self._known)
        return self._entries

    @property
    def events(self) -> list[Any]:
        """The events themselves (a dry run's, for a preview of what they would do)."""
        return self._events

    def __len__(self) -> int:
        return len(self._events)

    @overload
    def __getitem__(self, index: int) -> HistoryEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[HistoryEntry]: ...
    def __getitem__(self, index: int | slice) -> HistoryEntry | Sequence[HistoryEntry]:
        return self._all()[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def describe_events(
    events: Iterable[Any], known: Mapping[str, Mapping[str, Any]] | None = None
) -> list[HistoryEntry]:
    """Sentences for a run of plan events.

    ``known`` gives elements already in the plan (``{key: {"kind", "fields"}}``);
    elements added by the events themselves are learnt as they go, so a whole
    history can be described from its first event.
    """
    elements: _Elements = ChainMap({}, dict(known or {}))  # what the events change, over known
    out = []
    for event in events:
        name = type(event).__name__
        key = getattr(event, "key", None)
        summary = _sentence(name, event, elements)
        if event.reason:
            summary = f"{summary}: {event.reason}"
        out.append(
            HistoryEntry(
                version=event.originator_version,
                revision=event.revision,
                timestamp=event.timestamp,
                type=name,
                actor=event.actor,
                reason=event.reason,
                source=event.source,
                summary=summary,
                key=key,
                keys=tuple(
                    k
                    for k in (
                        key,
                        getattr(event, "source_key", None),
                        getattr(event, "target_key", None),
                    )
                    if k
                ),
                record=_record(name, event),
            )
        )
    return out


_RECORDS = {
    "Adopted": ("body", "meeting_date", "vote", "minutes_url"),
    "BenchmarkStatusReported": ("status", "note", "evidence"),
    "OutcomeResultReported": ("as_of", "value", "note", "evidence"),
}


def _record(name: str, event: Any) -> dict[str, Any] | None:
    names = _RECORDS.get(name)
    if names is None:
        return None
    return {n: getattr(event, n, None) for n in names}


def _evidence(e: Any) -> str:
    """`` with 1 file and 2 links`` for a progress report with evidence, or nothing."""
    evidence = getattr(e, "evidence", None) or []
    files = sum(1 for item in evidence if "sha256" in item)
    links = len(evidence) - files
    counts = [
        f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((files, "file"), (links, "link")) if n
    ]
    return f" with {' and '.join(counts)}" if counts else ""


def adoption_sentence(e: Any) -> str:
    """``Plan adopted by the School Committee on 2026-06-12 (7-0)``."""
    out = "Plan adopted"
    body = getattr(e, "body", None)
    if body:
        article = "" if body.lower().startswith("the ") else "the "
        out += f" by {article}{body}"
    if getattr(e, "meeting_date", None):
        out += f" on {e.meeting_date}"
    if getattr(e, "vote", None):
        out += f" ({e.vote})"
    return out


_Elements = ChainMap[str, Mapping[str, Any]]
"""Elements as the events described so far left them: the first map holds what they
changed (never the known elements' own dicts: those are the plan's)."""


def _own_fields(elements: _Elements, key: str, kind: str | None) -> dict[str, Any]:
    """The fields of an element, to change: copied from the known ones the first time."""
    own = elements.maps[0]
    entry = own.get(key)
    if entry is None:
        known = elements.get(key)
        fields = dict(known["fields"]) if known is not None else {}
        entry = own[key] = {"kind": known["kind"] if known is not None else kind, "fields": fields}
    fields_: dict[str, Any] = entry["fields"]
    return fields_


def _sentence(name: str, e: Any, elements: _Elements) -> str:
    if name in ("ElementAdded", "ElementRestored"):
        elements[e.key] = {"kind": e.kind, "fields": dict(e.fields)}
        return (
            f"{name_element(e.key, elements)} {'added' if name == 'ElementAdded' else 'restored'}"
        )
    if name == "ElementRevised":
        _own_fields(elements, e.key, e.kind).update(e.changes)
        return f"{name_element(e.key, elements)} revised ({', '.join(e.changes)})"
    if name == "ElementRetired":
        return f"{name_element(e.key, elements)} retired"
    if name in ("Linked", "LinkRevised", "Unlinked"):
        source = name_element(e.source_key, elements, with_title=False)
        target = name_element(e.target_key, elements, with_title=False, lower=True)
        verb = _VERBS.get(e.edge, e.edge)
        amount = getattr(e, "attributes", {}).get("amount")
        money = f" ({format_money(amount)})" if amount is not None else ""
        if name == "Linked":
            return f"{source} now {verb} {target}{money}"
        if name == "LinkRevised":
            return f"{source}: allocation to {target} changed to {format_money(amount)}"
        return f"{source} no longer {verb} {target}"
    if name == "BenchmarkStatusReported":
        if e.key in elements:
            _own_fields(elements, e.key, None)["status"] = e.status
        status = e.status.replace("_", " ")
        return f"{name_element(e.key, elements)} reported {status}{_evidence(e)}"
    if name == "OutcomeResultReported":
        return f"{name_element(e.key, elements)} result as of {e.as_of}: {e.value}{_evidence(e)}"
    if name == "Adopted":
        return adoption_sentence(e)
    if name == "Drafted":
        period = f" ({e.period_start} to {e.period_end})" if e.period_start and e.period_end else ""
        return f"Plan {e.plan_id} drafted: {_quote(e.title) or 'untitled'}{period}"
    if name == "DetailsRevised":
        return "Plan details revised (" + ", ".join(e.changes) + ")"
    if name == "Forked":
        return f"Scenario ~{e.name} of plan {e.of_plan} at version {e.of_version}"
    if name == "Merged":
        return f"Scenario merged into its plan (version {e.into_version})"
    return {
        "RedesignStarted": "Redesign started",
        "Closed": "Plan closed",
        "Discarded": "Scenario discarded",
        "Published": "Plan published: its report is public",
        "Unpublished": "Plan unpublished: its report is no longer public",
    }.get(name, name)


def name_element(
    key: str,
    elements: Mapping[str, Mapping[str, Any]],
    *,
    with_title: bool = True,
    lower: bool = False,
) -> str:
    """``Initiative SI2.1 'Tutoring'`` (or ``Mission`` for a one-per-plan element).

    The catalogue's naming (:meth:`Catalogue.name`); ``lower`` for the middle of a
    sentence, without the title where the sentence names it already.
    """
    element = elements.get(key)
    if element is None:
        return key
    kind = element["kind"]
    name = FRAMEWORK.name(kind, key, element["fields"] if with_title else {})
    if lower:
        label = KINDS[kind].label
        name = label.lower() + name[len(label) :]
    return name


def _quote(text: str | None, limit: int = 60) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def format_money(amount: object) -> str:
    """``$130,000`` for whole amounts, ``$1,234.50`` otherwise."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        return "an unspecified amount"
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value():
        return f"{sign}${int(value):,}"
    return f"{sign}${value.quantize(Decimal('0.01')):,.2f}"
