"""A read's parameters, checked once and resolved once: the version a client names, the
fiscal year an audit is asked for, counts and offsets, and the read resolved to a
version and an audit date (:class:`ReadAt`), for the command line and the API alike.

>>> check_version(12)
>>> try:
...     check_version(99999999999999999999)
... except InvalidValue as e:
...     print(e.path, "-", e.expected)
version - a plan version from 1 to 9223372036854775807
>>> audited_fiscal_year("FY27"), audited_fiscal_year(" fy27 "), audited_fiscal_year(None)
('FY27', ' fy27 ', None)
>>> try:
...     audited_fiscal_year("DROP TABLE")
... except InvalidValue as e:
...     print(e.path, "-", e.expected)
fiscal_year - a fiscal year such as FY26
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from coherence.domain.errors import InvalidValue
from coherence.domain.values import fiscal_year_option

VersionRef = int | str | None
"""A version as a client names it: a number, ``"adopted"``, ``"latest"`` or None (latest)."""

MAX_VERSION = 2**63 - 1
"""The largest version a store can hold (a signed 64-bit integer: SQLite's INTEGER,
PostgreSQL's bigint). A larger one cannot exist, and the stores refuse to look it up."""


def check_version(version: int | None, name: str = "version") -> None:
    """Refuse a version no store can hold (``InvalidValue`` naming ``name``).

    Versions below 1 are left to the history, which answers that the plan has no such
    version."""
    if version is not None and version > MAX_VERSION:
        raise InvalidValue(name, f"a plan version from 1 to {MAX_VERSION}", version)


def audited_fiscal_year(fiscal_year: str | None) -> str | None:
    """The fiscal year an audit is asked for, or None; refused unless it is one as
    budget lines write it (``FY27``, ``FY2027``), in any case and spacing, as the
    audit compares them."""
    fiscal_year_option(fiscal_year)
    return fiscal_year


def check_at_least(value: int, name: str, minimum: int = 0) -> int:
    """Refuse a count or offset below ``minimum`` (``InvalidValue`` naming ``name``)."""
    if value < minimum:
        raise InvalidValue(name, f"a whole number of {minimum} or more", value)
    return value


def today() -> date:
    """The date an audit of "now" is as of (UTC)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class ReadAt:
    """A read resolved once: the plan, its version, and the date an audit is as of."""

    plan_id: str
    version: int
    audit_date: date
    pinned: bool
    """Whether the read asked for a version or a date (not "now")."""
