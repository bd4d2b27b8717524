"""The rollover of a plan to the next school year: for each active initiative, continue,
modify or discontinue, as one change of the plan's state.

- **The school year rolled over from** is the latest ``school_year`` of the plan's
  active benchmarks (the school year of ``today``, from July 1, when none has one); the
  one asked for must be the next.
- **continue** copies each active benchmark of the initiative of that school year into
  the new one: ``school_year`` the new year, ``status`` ``not_started``, ``due`` one year
  later (February 29 becomes February 28), the rest as it was, tracking the initiative.
- **modify** copies them the same way but without a ``due`` date: the initiative is kept
  for revision, and the audit's ``benchmark-incomplete`` names each copy until its due
  date is set in that revision.
- **discontinue** retires the initiative, with its links (the reason goes into the
  revision's reason).

Every active initiative must be given a choice: one left out is refused, by key.

**New keys**: a copy of ``B12`` for 2027-2028 is ``B12-2028`` (the year the school year
ends); a key that already ends with a year suffix has it replaced (``B12-2027`` becomes
``B12-2028``), so keys do not grow year after year. When that key was ever used (by an
active or a retired element: a retired key is never reused), ``-2``, ``-3``... is added:
``B12-2028-2``.

>>> next_key("B12", "2028", set()), next_key("B12-2027", "2028", {"B12-2028"})
('B12-2028', 'B12-2028-2')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coherence.domain.changes import Element, Link, PlanState
from coherence.domain.errors import InvalidValue
from coherence.domain.values import check_key, check_school_year

CHOICES = ("continue", "modify", "discontinue")
_YEAR_SUFFIX = re.compile(r"-\d{4}(-\d+)?$")

__all__ = [
    "CHOICES",
    "Rollover",
    "current_school_year",
    "next_key",
    "rollover_choices",
    "rollover_target",
]


@dataclass(frozen=True)
class Rollover:
    """What a rollover does: from and to which school year, the benchmarks copied (old
    key to new key) of each continued and modified initiative, the discontinued ones with
    their reasons."""

    from_year: str
    to_year: str
    continued: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    modified: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    discontinued: dict[str, str | None] = field(default_factory=dict)

    def reason(self, extra: str | None = None) -> str:
        """The revision's reason: ``Rollover to 2027-2028``, the discontinued initiatives'
        reasons, then ``extra``."""
        said = f"Rollover to {self.to_year}"
        stopped = [
            f"{k} discontinued: {r}" if r else f"{k} discontinued"
            for k, r in self.discontinued.items()
        ]
        if stopped:
            said += " (" + "; ".join(stopped) + ")"
        return f"{said}: {extra}" if extra else said

    def to_dict(self) -> dict[str, Any]:
        def copies(found: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
            return {k: [{"from": a, "to": b} for a, b in v] for k, v in found.items()}

        return {
            "from": self.from_year,
            "to": self.to_year,
            "continued": copies(self.continued),
            "modified": copies(self.modified),
            "discontinued": dict(self.discontinued),
        }


def rollover_choices(
    continue_: Iterable[str] = (),
    modify: Iterable[str] = (),
    discontinue: Mapping[str, str | None] | None = None,
) -> dict[str, tuple[str, str | None]]:
    """The choice of each initiative named: ``{key: (choice, reason)}``; an initiative
    named twice is refused (:class:`InvalidValue` naming the choice and the key).

    >>> rollover_choices(["SI1.1"], [], {"SI3.2": "grant ended"})["SI3.2"]
    ('discontinue', 'grant ended')
    """
    out: dict[str, tuple[str, str | None]] = {}
    named = [
        *((k, "continue", None) for k in continue_),
        *((k, "modify", None) for k in modify),
        *((k, "discontinue", r) for k, r in (discontinue or {}).items()),
    ]
    for key, choice, reason in named:
        if key in out:
            raise InvalidValue(choice, "each initiative given one choice", key)
        out[key] = (choice, reason or None)
    return out


def school_year_of(day: date) -> str:
    """The school year a day is in (from July 1)."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def current_school_year(state: PlanState, today: date) -> str:
    """The latest school year of the plan's active benchmarks (of ``today`` when none)."""
    years = [
        e.fields.get("school_year")
        for e in state.active().values()
        if e.kind == "benchmark" and e.fields.get("school_year")
    ]
    return max(str(y) for y in years) if years else school_year_of(today)


def next_key(key: str, end_year: str, taken: set[str]) -> str:
    """A copy's key for the school year ending ``end_year`` (see the module's rule)."""
    base = _YEAR_SUFFIX.sub("", key) or key
    candidate = f"{base}-{end_year}"
    n = 2
    while candidate in taken:
        candidate = f"{base}-{end_year}-{n}"
        n += 1
    return check_key(candidate, "key")


def _next_due(due: object) -> str | None:
    if not isinstance(due, str) or not due:
        return None
    day = date.fromisoformat(due)
    try:
        return day.replace(year=day.year + 1).isoformat()
    except ValueError:  # February 29
        return day.replace(year=day.year + 1, day=28).isoformat()


def rollover_target(
    state: PlanState,
    to_year: object,
    choices: Mapping[str, tuple[str, str | None]],
    today: date,
) -> tuple[PlanState, Rollover]:
    """The plan rolled over to ``to_year``: ``choices`` maps each active initiative's key
    to ``(choice, reason)``, the choice one of :data:`CHOICES` (the reason only for
    discontinue). :class:`InvalidValue` names what is refused: a school year that is not
    the next one, an unknown choice, a key that is not an active initiative, an active
    initiative left out."""
    to = check_school_year(to_year, "to")
    current = current_school_year(state, today)
    expected = f"{int(current[:4]) + 1}-{int(current[:4]) + 2}"
    if to != expected:
        raise InvalidValue(
            "to", f"the school year after {current} ({expected}), the plan's latest", to
        )
    active = state.active()
    initiatives = [k for k, e in active.items() if e.kind == "initiative"]
    for key, (choice, _) in choices.items():
        if choice not in CHOICES:
            raise InvalidValue(f"choices.{key}", "one of " + ", ".join(CHOICES), choice)
        if key not in initiatives:
            raise InvalidValue(choice, "the key of an active initiative", key)
    missing = [k for k in initiatives if k not in choices]
    if missing:
        raise InvalidValue(
            "initiatives",
            "a choice (continue, modify or discontinue) for every active initiative; "
            "none for " + ", ".join(missing),
        )
    end_year = to[5:]
    taken = set(state.elements)
    elements: dict[str, Element] = dict(state.elements)
    links: dict[tuple[str, str], Link] = dict(state.links)
    tracked: dict[str, list[str]] = {}
    for (source, target), link in state.links.items():
        if link.edge == "tracks":
            tracked.setdefault(target, []).append(source)
    result = Rollover(current, to)
    for key in initiatives:
        choice, reason = choices[key]
        if choice == "discontinue":
            elements[key] = elements[key]._replace(retired=True)
            for pair in [p for p in links if key in p]:
                del links[pair]
            result.discontinued[key] = reason
            continue
        copied = result.continued if choice == "continue" else result.modified
        copied[key] = []
        for bench in tracked.get(key, []):
            element = active.get(bench)
            if element is None or element.fields.get("school_year") != current:
                continue
            new = next_key(bench, end_year, taken)
            taken.add(new)
            fields = {
                **element.fields,
                "school_year": to,
                "status": "not_started",
                "due": _next_due(element.fields.get("due")) if choice == "continue" else None,
            }
            elements[new] = Element("benchmark", fields)
            links[new, key] = Link("tracks", {})
            copied[key].append((bench, new))
    return PlanState(state.plan_id, state.details, elements, links, state.status), result
