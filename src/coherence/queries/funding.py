"""Where a plan's money goes: pure functions of its active graph, dollars and staff.

Every function takes the plan's *active graph* (see
:func:`coherence.projections.networkx_store.active_graph`) and an optional fiscal year,
and reads funding exactly as the audit does (``queries/audit/rules/budget.py``): money
flows from an active budget line (of the fiscal year, when one is given: compared
trimmed and case-insensitively, ``fy27`` is ``FY27``) through its ``funds`` edges to
initiatives and professional learning, and only an allocation **above $0** funds
anything. Amounts are exact :class:`~decimal.Decimal` dollars and cents, FTE exact to
the hundredth; a line with no amount has $0, a line with no ``fte`` pays for 0 FTE.

Definitions (the same everywhere: the command line, the API, the page):

* An allocation **reaches** the objectives that its target leads to: an initiative
  reaches the active objectives it supports; professional learning reaches the
  objectives of the initiatives it enables (as ``unfunded-objective`` reads it). An
  allocation that leads to no objective reaches none.
* **By objective**, ``amount`` counts every allocation that reaches the objective in
  full (an allocation to an initiative supporting SO1 and SO2 counts for both: "what
  reaches SO1"); ``share`` splits each allocation **equally** between the objectives it
  reaches, the cents apportioned by largest remainder (ties to the objective first in
  key order), so the shares of all objectives add up, to the cent, to the money that
  reaches any objective, with nothing counted twice.
* **FTE** of a line is spread over its allocations above $0 in proportion to their
  amounts, in hundredths of a position apportioned by largest remainder (ties to the
  target first in key order), so a line's allocations carry exactly its FTE; a line
  with no allocation above $0 keeps its FTE unspread (it reaches no objective). The
  FTE of an allocation is counted and split between objectives like its dollars.
* ``aligned`` is the money of allocations that reach an objective; ``not_aligned``
  the money allocated that reaches none; ``unallocated`` what a line's amount leaves
  unallocated (over-allocated lines, which the audit reports, leave nothing and count
  their allocations in full). **Aligned share** = aligned / the total of the lines'
  amounts, rounded half up to 4 places (None without money): the part of the budget
  that reaches an objective. Over-allocation can lift it above 1.
* An objective is **funded through one fund** (a single point of failure) when every
  allocation reaching it comes from lines of the same fund (funds compared trimmed and
  case-insensitively; a line with no fund is "(no fund)").

Totals are conserved: objectives' shares + ``not_aligned`` = the money allocated; the
same for FTE, with the unspread FTE of lines without allocation; funds' (or fiscal
years') amounts add up to the lines' total.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(plan="p", version=3)
>>> g.add_node("SO1", kind="objective", title="Read")
>>> g.add_node("SO2", kind="objective", title="Belong")
>>> g.add_node("SI1", kind="initiative", title="Tutors")
>>> g.add_node("BL1", kind="budget_line", fund="Title I", fiscal_year="FY27",
...            amount=100_000.01, fte=1.5)
>>> g.add_node("BL2", kind="budget_line", fund="General", fiscal_year="FY27", amount=500)
>>> _ = g.add_edge("SI1", "SO1", key="supports", edge="supports")
>>> _ = g.add_edge("SI1", "SO2", key="supports", edge="supports")
>>> _ = g.add_edge("BL1", "SI1", key="funds", edge="funds", amount=100_000.01)
>>> [(o.key, str(o.amount), str(o.share), str(o.share_fte)) for o in by_objective(g)]
[('SO1', '100000.01', '50000.01', '0.75'), ('SO2', '100000.01', '50000.00', '0.75')]
>>> aligned_share(g)
Decimal('0.9950')
>>> [(line.key, str(line.unallocated)) for line in not_reaching(g)]
[('BL2', '500.00')]
>>> single_fund_objectives(g)
{'SO1': 'Title I', 'SO2': 'Title I'}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from coherence.domain.framework import KINDS
from coherence.domain.values import check_fiscal_year
from coherence.queries.audit.values import amount as as_amount
from coherence.queries.audit.values import natural_key, normalized

__all__ = [
    "NO_FISCAL_YEAR",
    "NO_FUND",
    "Allocation",
    "FundingReading",
    "FundingSummary",
    "InitiativeFunding",
    "LineFunding",
    "ObjectiveFunding",
    "SourceFunding",
    "Totals",
    "aligned_share",
    "apportion",
    "by_fiscal_year",
    "by_fund",
    "by_initiative",
    "by_objective",
    "check_fiscal_year_option",
    "funding_summary",
    "money",
    "not_reaching",
    "read_funding",
    "single_fund_objectives",
]

NO_FUND: Final = "(no fund)"
NO_FISCAL_YEAR: Final = "(no fiscal year)"
_CENT: Final = Decimal("0.01")
_SHARE_PLACES: Final = Decimal("0.0001")
_ZERO: Final = Decimal("0.00")


def money(value: object) -> Decimal:
    """Dollars and cents (or FTE to the hundredth) as an exact Decimal with 2 places;
    0.00 for no amount. Half a cent rounds up.

    >>> money(1200.5), money(None), money(2)
    (Decimal('1200.50'), Decimal('0.00'), Decimal('2.00'))
    """
    found = as_amount(value)
    return _ZERO if found is None else found.quantize(_CENT, ROUND_HALF_UP)


def _units(value: Decimal) -> int:
    """Cents (or hundredths of a position) as a whole number."""
    return int(value.scaleb(2))


def _decimal(units: int) -> Decimal:
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


def check_fiscal_year_option(fiscal_year: str | None) -> str | None:
    """The fiscal year asked for, trimmed and upper-cased (``FY27``), or None; refused
    (:class:`~coherence.domain.errors.InvalidValue` naming ``fiscal_year``) unless it
    is one as budget lines write it, in any case and spacing, as the audit takes it.

    >>> check_fiscal_year_option(" fy27 "), check_fiscal_year_option(None)
    ('FY27', None)
    """
    if fiscal_year is None:
        return None
    return check_fiscal_year(fiscal_year.strip().upper(), "fiscal_year")


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
        return sum((a.amount for a in self.allocations), _ZERO)

    @property
    def aligned(self) -> Decimal:
        """Its allocations that reach an objective."""
        return sum((a.amount for a in self.allocations if a.objectives), _ZERO)

    @property
    def not_aligned(self) -> Decimal:
        """Its allocations that reach no objective."""
        return sum((a.amount for a in self.allocations if not a.objectives), _ZERO)

    @property
    def unallocated(self) -> Decimal:
        """What its amount leaves unallocated (0 when over-allocated)."""
        return max(self.amount - self.allocated, _ZERO)

    @property
    def over_allocated(self) -> Decimal:
        return max(self.allocated - self.amount, _ZERO)

    @property
    def aligned_fte(self) -> Decimal:
        return sum((a.fte for a in self.allocations if a.objectives), _ZERO)

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


def _sorted(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(keys), key=natural_key))


def read_funding(graph: Any, fiscal_year: str | None = None) -> FundingReading:
    """Read a plan's active graph once for the functions of this module (a reading
    given instead of a graph is returned as it is when its fiscal year is the one
    asked for)."""
    wanted = check_fiscal_year_option(fiscal_year)
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
            return _sorted(supports.get(target, ()))
        return _sorted(o for i in enables.get(target, ()) for o in supports.get(i, ()))

    year = normalized(wanted)
    lines: list[LineFunding] = []
    for key in sorted((k for k, kind in kinds.items() if kind == "budget_line"), key=natural_key):
        data = nodes[key]
        if year is not None and normalized(data.get("fiscal_year")) != year:
            continue
        fte = money(data.get("fte"))
        paid = [(t, money(raw)) for t, raw in funds.get(key, ())]
        paid = sorted(((t, a) for t, a in paid if a > 0), key=lambda item: natural_key(item[0]))
        spread = apportion(_units(fte), [_units(a) for _, a in paid]) if paid else []
        allocations = tuple(
            Allocation(key, t, kinds[t], a, _decimal(f), reached(t))
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
        k: (_title("objective", nodes[k]), _sorted(initiatives_of.get(k, ())))
        for k in sorted((k for k, kind in kinds.items() if kind == "objective"), key=natural_key)
    }
    initiatives = {
        k: (_title("initiative", nodes[k]), _sorted(supports.get(k, ())))
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
        enabled_by={k: _sorted(v) for k, v in enabled_by.items()},
    )


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
            cents, hundredths = _units(a.amount), _units(a.fte)
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
            amount=_decimal(amount[key]),
            fte=_decimal(fte[key]),
            share=_decimal(share[key]),
            share_fte=_decimal(share_fte[key]),
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
                amount=sum((a.amount for _, a in own), _ZERO),
                fte=sum((a.fte for _, a in own), _ZERO),
                learning=sum((a.amount for _, a in learning), _ZERO),
                learning_fte=sum((a.fte for _, a in learning), _ZERO),
                funds=_fund_names(line for line, _ in own),
                lines=_sorted(line.key for line, _ in own),
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
            amount=sum((line.amount for line in group), _ZERO),
            fte=sum((line.fte for line in group), _ZERO),
            allocated=sum((line.allocated for line in group), _ZERO),
            aligned=sum((line.aligned for line in group), _ZERO),
            aligned_fte=sum((line.aligned_fte for line in group), _ZERO),
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
    total = sum((line.amount for line in lines), _ZERO)
    if total == 0:
        return None
    aligned = sum((line.aligned for line in lines), _ZERO)
    return (aligned / total).quantize(_SHARE_PLACES, ROUND_HALF_UP)


def single_fund_objectives(graph: Any, fiscal_year: str | None = None) -> dict[str, str]:
    """The objectives funded through one fund only (a single point of failure): key ->
    that fund, in key order. Unfunded objectives are not listed (the audit reports them)."""
    return {o.key: o.single_fund for o in by_objective(graph, fiscal_year) if o.single_fund}


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
        return sum((getattr(line, name) for line in lines), _ZERO)

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
