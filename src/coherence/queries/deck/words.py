"""How the deck says things: labels, counts, money, progress, and changes in sentences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from coherence.application.narrative import format_money
from coherence.domain.changes import Change
from coherence.domain.framework import FRAMEWORK
from coherence.queries.audit.values import natural_key

if TYPE_CHECKING:  # only named in annotations: the builder uses these words
    from coherence.queries.deck.build import DeckBuilder

# -- pieces --------------------------------------------------------------------------


def _labelled(text: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for key, label in (("mission", "Mission"), ("vision", "Vision")):
        if text.get(key):
            yield label, str(text[key])


def rule_label(rule: str) -> str:
    """``Objective without final outcome`` for ``objective-without-final-outcome``."""
    text = rule.replace("-", " ")
    return text[:1].upper() + text[1:]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _more(n: int, noun: str = "") -> str:
    if n <= 0:
        return ""
    return f"and {n} more{f' {noun}' + ('s' if n != 1 else '') if noun else ''} (in the notes)"


def _edge_order(edge: tuple[str, str, str]) -> tuple[Any, ...]:
    return (natural_key(edge[0]), natural_key(edge[1]), edge[2])


def _money(value: Decimal) -> str:
    return format_money(value)


def _fte(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _number(value: Any, unit: str | None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not unit:
        return text
    if unit.strip().lower() in ("percent", "%", "percentage"):
        return f"{text}%"
    return f"{text} {unit.strip()}"


def _month(when: Any) -> str:
    """``Oct 2026`` for ``2026-10-31`` (else the value as it is)."""
    try:
        return date.fromisoformat(str(when)[:10]).strftime("%b %Y")
    except ValueError:
        return str(when)


def progress_of(fields: Mapping[str, Any]) -> tuple[str, str, str]:
    """An outcome's latest result (with its date), its target, and how much of the way
    from the baseline to the target the latest result is (``—`` when it cannot say)."""
    unit = fields.get("unit")
    results = [r for r in fields.get("results") or [] if isinstance(r, Mapping) and "value" in r]
    results.sort(key=lambda r: str(r.get("as_of") or ""))
    target = fields.get("target")
    baseline = fields.get("baseline")
    target_text = _number(target, unit) if target is not None else "—"
    if not results:
        return "no result yet", target_text, "—"
    last = results[-1]
    value = last["value"]
    latest = f"{_number(value, unit)} ({_month(last.get('as_of'))})"
    numbers = [v for v in (value, baseline, target) if isinstance(v, int | float)]
    if len(numbers) == 3 and not any(isinstance(v, bool) for v in numbers):
        now, start, goal = (float(v) for v in numbers)
        if goal != start:
            return latest, target_text, f"{round((now - start) / (goal - start) * 100)}%"
    return latest, target_text, "—"


_VERB = {"add": "added", "restore": "restored", "retire": "retired"}


def change_sentences(changes: Iterable[Change], names: DeckBuilder) -> Iterable[tuple[str, str]]:
    """``(key, sentence)`` for each change: additions and retirements first, then
    revisions, then links."""
    order = {"add": 0, "restore": 0, "retire": 1, "details": 2, "revise": 3, "relink": 4}
    for c in sorted(changes, key=lambda c: order.get(c.op, 5)):
        key = c.key or c.source or ""
        if c.op in _VERB and c.kind and c.key:
            fields = c.fields if c.fields is not None else names.elements.get(c.key, {})
            yield key, f"{FRAMEWORK.name(c.kind, c.key, fields)} {_VERB[c.op]}"
        elif c.op == "details":
            yield key, "Plan details revised (" + ", ".join(c.changes or {}) + ")"
        elif c.op == "revise" and c.kind and c.key:
            yield key, _revision_sentence(c, names)
        elif c.op in ("link", "unlink", "relink") and c.source and c.target:
            source = _kind_key(c.source, names)
            target = _kind_key(c.target, names).lower()
            verb = (c.edge or "").replace("_", " ")
            amount = (c.attributes or {}).get("amount")
            money = f" ({format_money(amount)})" if amount is not None else ""
            if c.op == "link":
                yield key, f"{source} now {verb} {target}{money}"
            elif c.op == "unlink":
                yield key, f"{source} no longer {verb} {target}"
            else:
                yield key, f"{source}: allocation to {target} changed to {format_money(amount)}"


def _kind_key(key: str, names: DeckBuilder) -> str:
    kind = names.kinds.get(key)
    if kind is None:
        return key
    return FRAMEWORK.name(kind, key, {})


def _revision_sentence(c: Change, names: DeckBuilder) -> str:
    assert c.kind is not None
    assert c.key is not None
    name = FRAMEWORK.name(c.kind, c.key, names.elements.get(c.key, {}), limit=60)
    changes = c.changes or {}
    if set(changes) == {"results"}:
        before, after = changes["results"]
        new = [r for r in after or [] if r not in (before or [])]
        if new:
            unit = names.elements.get(c.key, {}).get("unit")
            last = new[-1]
            return (
                f"{name}: new result {_number(last.get('value'), unit)} as of {last.get('as_of')}"
            )
    if set(changes) == {"status"}:
        before, after = changes["status"]
        was = f" (was {str(before).replace('_', ' ')})" if before else ""
        return f"{name} now {str(after).replace('_', ' ')}{was}"
    labels = [
        FRAMEWORK.kinds[c.kind].fields[f].label.lower()
        if f in FRAMEWORK.kinds[c.kind].fields
        else f
        for f in changes
    ]
    return f"{name} revised: {', '.join(labels)}"


def _change_counts(changes: Sequence[Change]) -> str:
    groups = (
        ("added", ("add", "restore")),
        ("retired", ("retire",)),
        ("revised", ("revise", "details")),
        ("links changed", ("link", "unlink", "relink")),
    )
    parts = [f"{n} {word}" for word, ops in groups if (n := sum(1 for c in changes if c.op in ops))]
    return ", ".join(parts) or "no change"
