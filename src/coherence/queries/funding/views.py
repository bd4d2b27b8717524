"""Funding by objective, initiative, fund and fiscal year; what reaches no objective;
the share aligned; objectives funded by one fund only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from coherence.queries.audit.values import natural_key
from coherence.queries.funding.money import SHARE_PLACES, ZERO, apportion, from_units, to_units
from coherence.queries.funding.reading import Allocation, LineFunding, key_tuple, read_funding

# -- the views -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectiveFunding:
    """What reaches one objective (see the module's definitions of amount and share)."""

    key: str
    title: str | None
    initiatives: tuple[str, ...]
    amount: Decimal
    fte: Decimal
    share: Decimal
    share_fte: Decimal
    funds: tuple[str, ...]
    lines: tuple[str, ...]

    @property
    def funded(self) -> bool:
        """As the audit reads it: an allocation above $0 reaches it."""
        return self.amount > 0

    @property
    def single_fund(self) -> str | None:
        """The one fund all its money comes from (a single point of failure), if so."""
        return self.funds[0] if len(self.funds) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "initiatives": list(self.initiatives),
            "amount": str(self.amount),
            "fte": str(self.fte),
            "share": str(self.share),
            "share_fte": str(self.share_fte),
            "funds": list(self.funds),
            "single_fund": self.single_fund,
            "lines": list(self.lines),
            "funded": self.funded,
        }


def _fund_names(lines: Iterable[LineFunding]) -> tuple[str, ...]:
    """Distinct funds (compared trimmed and case-insensitively), as first written, sorted."""
    names: dict[str, str] = {}
    for line in lines:
        names.setdefault(line.fund.casefold(), line.fund)
    return tuple(sorted(names.values(), key=str.casefold))


def by_objective(graph: Any, fiscal_year: str | None = None) -> list[ObjectiveFunding]:
    """Money and FTE that reach each active objective, in key order: ``amount``/``fte``
    every allocation reaching it in full, ``share``/``share_fte`` its equal split."""
    reading = read_funding(graph, fiscal_year)
    amount: defaultdict[str, int] = defaultdict(int)
    fte: defaultdict[str, int] = defaultdict(int)
    share: defaultdict[str, int] = defaultdict(int)
    share_fte: defaultdict[str, int] = defaultdict(int)
    lines: defaultdict[str, list[LineFunding]] = defaultdict(list)
    for line in reading.lines:
        for a in line.allocations:
            if not a.objectives:
                continue
            cents, hundredths = to_units(a.amount), to_units(a.fte)
            even = [1] * len(a.objectives)
            for o, c, h in zip(
                a.objectives, apportion(cents, even), apportion(hundredths, even), strict=True
            ):
                amount[o] += cents
                fte[o] += hundredths
                share[o] += c
                share_fte[o] += h
                if not lines[o] or lines[o][-1] is not line:
                    lines[o].append(line)
    return [
        ObjectiveFunding(
            key=key,
            title=title,
            initiatives=initiatives,
            amount=from_units(amount[key]),
            fte=from_units(fte[key]),
            share=from_units(share[key]),
            share_fte=from_units(share_fte[key]),
            funds=_fund_names(lines[key]),
            lines=tuple(line.key for line in lines[key]),
        )
        for key, (title, initiatives) in reading.objectives.items()
    ]


@dataclass(frozen=True, slots=True)
class InitiativeFunding:
    """Money and FTE allocated to one initiative itself (``amount``, ``fte``: what
    ``unfunded-initiative`` reads) and to the professional learning that enables it
    (``learning``, ``learning_fte``: each such allocation counted in full for every
    initiative the learning enables)."""

    key: str
    title: str | None
    objectives: tuple[str, ...]
    amount: Decimal
    fte: Decimal
    learning: Decimal
    learning_fte: Decimal
    funds: tuple[str, ...]
    lines: tuple[str, ...]

    @property
    def funded(self) -> bool:
        """As the audit reads it: an allocation above $0 to the initiative itself."""
        return self.amount > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "objectives": list(self.objectives),
            "amount": str(self.amount),
            "fte": str(self.fte),
            "learning": str(self.learning),
            "learning_fte": str(self.learning_fte),
            "funds": list(self.funds),
            "lines": list(self.lines),
            "funded": self.funded,
        }


def by_initiative(graph: Any, fiscal_year: str | None = None) -> list[InitiativeFunding]:
    """Money and FTE allocated to each active initiative, in key order (``funds`` and
    ``lines``: those of its own allocations)."""
    reading = read_funding(graph, fiscal_year)
    to_target: defaultdict[str, list[tuple[LineFunding, Allocation]]] = defaultdict(list)
    for line in reading.lines:
        for a in line.allocations:
            to_target[a.target].append((line, a))
    out = []
    for key, (title, objectives) in reading.initiatives.items():
        own = to_target.get(key, [])
        learning = [
            pair for pl in reading.enabled_by.get(key, ()) for pair in to_target.get(pl, [])
        ]
        out.append(
            InitiativeFunding(
                key=key,
                title=title,
                objectives=objectives,
                amount=sum((a.amount for _, a in own), ZERO),
                fte=sum((a.fte for _, a in own), ZERO),
                learning=sum((a.amount for _, a in learning), ZERO),
                learning_fte=sum((a.fte for _, a in learning), ZERO),
                funds=_fund_names(line for line, _ in own),
                lines=key_tuple(line.key for line, _ in own),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class SourceFunding:
    """The lines of one fund or one fiscal year: how many, their amounts and FTE, what
    they allocate and what of it reaches an objective."""

    name: str
    lines: int
    amount: Decimal
    fte: Decimal
    allocated: Decimal
    aligned: Decimal
    aligned_fte: Decimal

    def to_dict(self, label: str) -> dict[str, Any]:
        return {
            label: self.name,
            "lines": self.lines,
            "amount": str(self.amount),
            "fte": str(self.fte),
            "allocated": str(self.allocated),
            "aligned": str(self.aligned),
            "aligned_fte": str(self.aligned_fte),
        }


def _by_source(lines: Iterable[LineFunding], name_of: Any) -> list[SourceFunding]:
    groups: dict[str, list[LineFunding]] = {}
    for line in lines:
        groups.setdefault(name_of(line).casefold(), []).append(line)
    found = [
        SourceFunding(
            name=name_of(group[0]),
            lines=len(group),
            amount=sum((line.amount for line in group), ZERO),
            fte=sum((line.fte for line in group), ZERO),
            allocated=sum((line.allocated for line in group), ZERO),
            aligned=sum((line.aligned for line in group), ZERO),
            aligned_fte=sum((line.aligned_fte for line in group), ZERO),
        )
        for group in groups.values()
    ]
    return sorted(found, key=lambda s: natural_key(s.name))


def by_fund(graph: Any, fiscal_year: str | None = None) -> list[SourceFunding]:
    """The lines of each fund (compared trimmed and case-insensitively, named as the
    first line in key order writes it), in natural order of the funds' names."""
    return _by_source(read_funding(graph, fiscal_year).lines, lambda line: line.fund)


def by_fiscal_year(graph: Any, fiscal_year: str | None = None) -> list[SourceFunding]:
    """The lines of each fiscal year (upper-cased), in order."""
    return _by_source(read_funding(graph, fiscal_year).lines, lambda line: line.fiscal_year)


def not_reaching(graph: Any, fiscal_year: str | None = None) -> list[LineFunding]:
    """The lines some of whose money or FTE reaches no objective (allocated to what
    leads to no objective, or not allocated at all), in key order."""
    return [
        line
        for line in read_funding(graph, fiscal_year).lines
        if line.reaches_nothing > 0 or line.not_aligned_fte > 0
    ]


def aligned_share(graph: Any, fiscal_year: str | None = None) -> Decimal | None:
    """The money of allocations that reach an objective over the total of the lines'
    amounts, rounded half up to 4 places; None when the lines have no money."""
    lines = read_funding(graph, fiscal_year).lines
    total = sum((line.amount for line in lines), ZERO)
    if total == 0:
        return None
    aligned = sum((line.aligned for line in lines), ZERO)
    return (aligned / total).quantize(SHARE_PLACES, ROUND_HALF_UP)


def single_fund_objectives(graph: Any, fiscal_year: str | None = None) -> dict[str, str]:
    """The objectives funded through one fund only (a single point of failure): key ->
    that fund, in key order. Unfunded objectives are not listed (the audit reports them)."""
    return {o.key: o.single_fund for o in by_objective(graph, fiscal_year) if o.single_fund}
