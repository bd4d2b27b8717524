"""How the audit reads one value: blank text, amounts, dates, keys in natural order.

Every rule and both engines read values the same way, so these rules of reading live
in one place: a text field is missing when absent, None or only white space (a number,
such as a baseline of 0, is present); amounts are exact Decimals; dates are calendar
dates; keys sort naturally (``SI1.2`` before ``SI1.10``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = [
    "amount",
    "as_date",
    "blank",
    "fiscal_year_option",
    "natural_key",
    "normalized",
    "plural",
    "positive",
    "school_year",
    "sorted_keys",
]

_DIGITS: Final = re.compile(r"(\d+)")


def blank(value: object) -> bool:
    """A field is missing when absent, None or only white space."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return False


def normalized(value: object) -> str | None:
    """Trimmed, lower-cased text, or None when blank or not text."""
    if isinstance(value, str) and value.strip():
        return value.strip().lower()
    return None


def fiscal_year_option(fiscal_year: str | None) -> str | None:
    """The fiscal-year option as an audit takes it: trimmed, None when blank."""
    return fiscal_year.strip() if fiscal_year and fiscal_year.strip() else None


def amount(value: object) -> Decimal | None:
    """A money amount as an exact Decimal, or None when not a number."""
    if type(value) is int:  # the usual case; the same Decimal as Decimal(str(value))
        return Decimal(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        try:
            result = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str() of a number always parses
            return None
        return result if result.is_finite() else None
    return None


def positive(value: object) -> bool:
    """True when ``value`` is an amount above 0 (what "funded" means)."""
    if type(value) is int:  # the usual case, without a Decimal
        return value > 0
    found = amount(value)
    return found is not None and found > 0


def as_date(value: object) -> date | None:
    """A calendar date from a date, datetime or ISO string; None when absent or invalid."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            return None
    return None


def natural_key(key: str | None) -> tuple[Any, ...]:
    """Plan-wide (None) first, then keys in natural order, raw key as tie-break."""
    if key is None:
        return _PLAN_WIDE_KEY
    found = _NATURAL_KEYS.get(key)
    if found is None:
        parts = _DIGITS.split(key)
        natural = tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts))
        found = (1, natural, key)
        if len(_NATURAL_KEYS) >= _NATURAL_KEYS_KEPT:
            _NATURAL_KEYS.clear()
        _NATURAL_KEYS[key] = found
    return found


_PLAN_WIDE_KEY: Final[tuple[Any, ...]] = (0, (), "")
_NATURAL_KEYS: Final[dict[str, tuple[Any, ...]]] = {}
"""The natural keys computed lately: element keys recur from audit to audit (the same
plan at another version or date, and plans keyed alike), and within one audit (a row's
keys, its message, the report's order). Emptied when it reaches the bound below."""
_NATURAL_KEYS_KEPT: Final = 16_384


def sorted_keys(keys: Iterable[str]) -> list[str]:
    """Distinct keys in natural order (engines may hand them over in any order)."""
    return sorted(set(keys), key=natural_key)


def plural(count: int, word: str) -> str:
    """``1 outcome``, ``2 outcomes``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def school_year(day: date) -> str:
    """The school year of a date, July 1 to June 30: ``2026-2027``.

    >>> school_year(date(2026, 7, 1)), school_year(date(2027, 6, 30))
    ('2026-2027', '2026-2027')
    """
    first = day.year if day.month >= 7 else day.year - 1
    return f"{first}-{first + 1}"
