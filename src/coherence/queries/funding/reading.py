"""One reading of a plan's active graph: every budget line, its allocations above $0,
and the objectives each one reaches (as the audit reads funding)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from coherence.domain.framework import KINDS
from coherence.domain.values import fiscal_year_option
from coherence.queries.audit.values import natural_key, normalized, sorted_keys
from coherence.queries.funding.money import (
    NO_FISCAL_YEAR,
    NO_FUND,
    ZERO,
    apportion,
    from_units,
    money,
    to_units,
)

# -- one reading of the graph ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Allocation:
    """An allocation above $0 of a budget line: its target, amount, FTE and the
    objectives it reaches (in key order; none when it leads to no objective)."""

    line: str
    target: str
    target_kind: str
    amount: Decimal
    fte: Decimal
    objectives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LineFunding:
    """A budget line and where its money goes."""

    key: str
    description: str | None
    fund: str
    fiscal_year: str
    amount: Decimal
    fte: Decimal
    allocations: tuple[Allocation, ...]

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)

    @property
    def aligned(self) -> Decimal:
        """Its allocations that reach an objective."""
        return sum((a.amount for a in self.allocations if a.objectives), ZERO)

    @property
    def not_aligned(self) -> Decimal:
        """Its allocations that reach no objective."""
        return sum((a.amount for a in self.allocations if not a.objectives), ZERO)

    @property
    def unallocated(self) -> Decimal:
        """What its amount leaves unallocated (0 when over-allocated)."""
        return max(self.amount - self.allocated, ZERO)

    @property
    def over_allocated(self) -> Decimal:
        return max(self.allocated - self.amount, ZERO)

    @property
    def aligned_fte(self) -> Decimal:
        return sum((a.fte for a in self.allocations if a.objectives), ZERO)

    @property
    def not_aligned_fte(self) -> Decimal:
        """Its FTE that reaches no objective (all of it without an allocation)."""
        return self.fte - self.aligned_fte

    @property
    def reaches_nothing(self) -> Decimal:
        """Money of the line that reaches no objective: not aligned plus unallocated."""
        return self.not_aligned + self.unallocated

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "description": self.description,
            "fund": self.fund,
            "fiscal_year": self.fiscal_year,
            "amount": str(self.amount),
            "fte": str(self.fte),
            "allocated": str(self.allocated),
            "aligned": str(self.aligned),
            "not_aligned": str(self.not_aligned),
            "unallocated": str(self.unallocated),
            "aligned_fte": str(self.aligned_fte),
            "not_aligned_fte": str(self.not_aligned_fte),
            "targets_reaching_nothing": [a.target for a in self.allocations if not a.objectives],
        }


@dataclass(frozen=True)
class FundingReading:
    """One reading of a plan graph: its budget lines (of the fiscal year) with their
    allocations, and its objectives and initiatives (the functions below share it)."""

    plan: str | None
    version: int | None
    fiscal_year: str | None
    lines: tuple[LineFunding, ...]
    objectives: Mapping[str, tuple[str | None, tuple[str, ...]]]
    """Objective key -> (title, its initiatives)."""
    initiatives: Mapping[str, tuple[str | None, tuple[str, ...]]]
    """Initiative key -> (title, the objectives it supports)."""
    enabled_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Initiative key -> the professional learning enabling it."""


def _title(kind: str, data: Mapping[str, Any]) -> str | None:
    spec = KINDS.get(kind)
    return spec.title(data) if spec is not None else None


def key_tuple(keys: Iterable[str]) -> tuple[str, ...]:
    """Distinct keys in natural order, as a tuple (the readings are frozen)."""
    return tuple(sorted_keys(keys))


def read_funding(graph: Any, fiscal_year: str | None = None) -> FundingReading:
    """Read a plan's active graph once for the functions of this module (a reading
    given instead of a graph is returned as it is when its fiscal year is the one
    asked for)."""
    wanted = fiscal_year_option(fiscal_year)
    if isinstance(graph, FundingReading):
        if graph.fiscal_year == wanted:
            return graph
        raise ValueError("a funding reading of another fiscal year")  # pragma: no cover
    kinds: dict[str, str] = {}
    nodes: dict[str, Mapping[str, Any]] = {}
    for node, data in graph.nodes(data=True):
        kind = data.get("kind")
        if isinstance(kind, str):
            kinds[str(node)] = kind
            nodes[str(node)] = data
    supports: defaultdict[str, set[str]] = defaultdict(set)
    initiatives_of: defaultdict[str, set[str]] = defaultdict(set)
    enables: defaultdict[str, set[str]] = defaultdict(set)
    enabled_by: defaultdict[str, set[str]] = defaultdict(set)
    funds: defaultdict[str, list[tuple[str, Any]]] = defaultdict(list)
    for source, target, data in graph.edges(data=True):
        s, t = str(source), str(target)
        edge = data.get("edge")
        ks, kt = kinds.get(s), kinds.get(t)
        if edge == "supports" and ks == "initiative" and kt == "objective":
            supports[s].add(t)
            initiatives_of[t].add(s)
        elif edge == "enables" and ks == "professional_learning" and kt == "initiative":
            enables[s].add(t)
            enabled_by[t].add(s)
        elif (
            edge == "funds"
            and ks == "budget_line"
            and kt in ("initiative", "professional_learning")
        ):
            funds[s].append((t, data.get("amount")))

    def reached(target: str) -> tuple[str, ...]:
        if kinds[target] == "initiative":
            return key_tuple(supports.get(target, ()))
        return key_tuple(o for i in enables.get(target, ()) for o in supports.get(i, ()))

    year = normalized(wanted)
    lines: list[LineFunding] = []
    for key in sorted((k for k, kind in kinds.items() if kind == "budget_line"), key=natural_key):
        data = nodes[key]
        if year is not None and normalized(data.get("fiscal_year")) != year:
            continue
        fte = money(data.get("fte"))
        paid = [(t, money(raw)) for t, raw in funds.get(key, ())]
        paid = sorted(((t, a) for t, a in paid if a > 0), key=lambda item: natural_key(item[0]))
        spread = apportion(to_units(fte), [to_units(a) for _, a in paid]) if paid else []
        allocations = tuple(
            Allocation(key, t, kinds[t], a, from_units(f), reached(t))
            for (t, a), f in zip(paid, spread, strict=True)
        )
        fund = data.get("fund")
        fy = data.get("fiscal_year")
        lines.append(
            LineFunding(
                key=key,
                description=data.get("description"),
                fund=fund.strip() if isinstance(fund, str) and fund.strip() else NO_FUND,
                fiscal_year=fy.strip().upper()
                if isinstance(fy, str) and fy.strip()
                else NO_FISCAL_YEAR,
                amount=money(data.get("amount")),
                fte=fte,
                allocations=allocations,
            )
        )
    objectives = {
        k: (_title("objective", nodes[k]), key_tuple(initiatives_of.get(k, ())))
        for k in sorted((k for k, kind in kinds.items() if kind == "objective"), key=natural_key)
    }
    initiatives = {
        k: (_title("initiative", nodes[k]), key_tuple(supports.get(k, ())))
        for k in sorted((k for k, kind in kinds.items() if kind == "initiative"), key=natural_key)
    }
    plan = graph.graph.get("plan")
    version = graph.graph.get("version")
    return FundingReading(
        plan=str(plan) if plan is not None else None,
        version=version if isinstance(version, int) else None,
        fiscal_year=wanted,
        lines=tuple(lines),
        objectives=objectives,
        initiatives=initiatives,
        enabled_by={k: key_tuple(v) for k, v in enabled_by.items()},
    )
