"""The funding summary of a plan: totals and every view, for people and programs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from coherence.queries.funding.money import ZERO
from coherence.queries.funding.reading import LineFunding, read_funding
from coherence.queries.funding.views import (
    InitiativeFunding,
    ObjectiveFunding,
    SourceFunding,
    aligned_share,
    by_fiscal_year,
    by_fund,
    by_initiative,
    by_objective,
)

# -- the summary -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Totals:
    """The lines' totals (see the module's definitions)."""

    lines: int
    amount: Decimal
    fte: Decimal
    allocated: Decimal
    aligned: Decimal
    not_aligned: Decimal
    unallocated: Decimal
    over_allocated: Decimal
    aligned_fte: Decimal
    not_aligned_fte: Decimal
    aligned_share: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lines": self.lines}
        for name in (
            "amount",
            "fte",
            "allocated",
            "aligned",
            "not_aligned",
            "unallocated",
            "over_allocated",
            "aligned_fte",
            "not_aligned_fte",
        ):
            out[name] = str(getattr(self, name))
        out["aligned_share"] = str(self.aligned_share) if self.aligned_share is not None else None
        return out


@dataclass(frozen=True)
class FundingSummary:
    """Every view of a plan's funding, from one reading of its graph."""

    plan: str | None
    version: int | None
    fiscal_year: str | None
    totals: Totals
    objectives: tuple[ObjectiveFunding, ...]
    initiatives: tuple[InitiativeFunding, ...]
    funds: tuple[SourceFunding, ...]
    fiscal_years: tuple[SourceFunding, ...]
    lines: tuple[LineFunding, ...]

    @property
    def not_reaching(self) -> tuple[LineFunding, ...]:
        return tuple(
            line for line in self.lines if line.reaches_nothing > 0 or line.not_aligned_fte > 0
        )

    def funded_objectives(self) -> frozenset[str]:
        return frozenset(o.key for o in self.objectives if o.funded)

    def funded_initiatives(self) -> frozenset[str]:
        return frozenset(i.key for i in self.initiatives if i.funded)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``funding --format json`` and ``GET .../funding``: money and
        FTE as decimal strings (``"174000.00"``, ``"2.50"``), exact."""
        return {
            "plan": self.plan,
            "version": self.version,
            "fiscal_year": self.fiscal_year,
            "totals": self.totals.to_dict(),
            "by_objective": [o.to_dict() for o in self.objectives],
            "by_initiative": [i.to_dict() for i in self.initiatives],
            "by_fund": [f.to_dict("fund") for f in self.funds],
            "by_fiscal_year": [f.to_dict("fiscal_year") for f in self.fiscal_years],
            "not_reaching": [line.to_dict() for line in self.not_reaching],
            "lines": [line.to_dict() for line in self.lines],
        }


def funding_summary(graph: Any, fiscal_year: str | None = None) -> FundingSummary:
    """Every view of the plan's funding (by objective, initiative, fund and fiscal year,
    what reaches no objective, the totals), from one reading of its active graph."""
    reading = read_funding(graph, fiscal_year)
    lines = reading.lines

    def total(name: str) -> Decimal:
        return sum((getattr(line, name) for line in lines), ZERO)

    totals = Totals(
        lines=len(lines),
        amount=total("amount"),
        fte=total("fte"),
        allocated=total("allocated"),
        aligned=total("aligned"),
        not_aligned=total("not_aligned"),
        unallocated=total("unallocated"),
        over_allocated=total("over_allocated"),
        aligned_fte=total("aligned_fte"),
        not_aligned_fte=total("not_aligned_fte"),
        aligned_share=aligned_share(reading, reading.fiscal_year),
    )
    return FundingSummary(
        plan=reading.plan,
        version=reading.version,
        fiscal_year=reading.fiscal_year,
        totals=totals,
        objectives=tuple(by_objective(reading, reading.fiscal_year)),
        initiatives=tuple(by_initiative(reading, reading.fiscal_year)),
        funds=tuple(by_fund(reading, reading.fiscal_year)),
        fiscal_years=tuple(by_fiscal_year(reading, reading.fiscal_year)),
        lines=lines,
    )
