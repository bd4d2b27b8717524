"""Exact dollars and cents (and staff to the hundredth), and splitting them by largest
remainder so that parts always add up."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from coherence.queries.audit.values import amount as as_amount

NO_FUND: Final = "(no fund)"
NO_FISCAL_YEAR: Final = "(no fiscal year)"
CENT: Final = Decimal("0.01")
SHARE_PLACES: Final = Decimal("0.0001")
ZERO: Final = Decimal("0.00")


def money(value: object) -> Decimal:
    """Dollars and cents (or FTE to the hundredth) as an exact Decimal with 2 places;
    0.00 for no amount. Half a cent rounds up.

    >>> money(1200.5), money(None), money(2)
    (Decimal('1200.50'), Decimal('0.00'), Decimal('2.00'))
    """
    found = as_amount(value)
    return ZERO if found is None else found.quantize(CENT, ROUND_HALF_UP)


def to_units(value: Decimal) -> int:
    """Cents (or hundredths of a position) as a whole number."""
    return int(value.scaleb(2))


def from_units(units: int) -> Decimal:
    return Decimal(units).scaleb(-2)


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` whole units in proportion to ``weights`` (whole numbers, at least
    one above 0) by largest remainder: each part is its quota rounded down, then the
    units left go one each to the largest remainders, ties to the earlier weight.

    The parts always add up to ``total``; equal weights split it equally, the earlier
    parts one unit more when it does not divide.

    >>> apportion(100, [1, 1, 1])
    [34, 33, 33]
    >>> apportion(60, [44_000, 12_000, 16_000])
    [37, 10, 13]
    """
    whole = sum(weights)
    quotas = [total * w for w in weights]
    parts = [q // whole for q in quotas]
    left = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] % whole), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts
