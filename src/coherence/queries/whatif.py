"""What if we cut this: a plan with budget lines retired, funds cut or scaled, never saved.

:func:`what_if_request` checks what is asked; :func:`changed_state` makes the changed
plan as a :class:`~coherence.domain.changes.PlanState` (pure: the plan's own state is
not touched, nothing is stored); :func:`compare` audits and sums the funding of the
plan before and after and says what changed. The reader
(:meth:`coherence.queries.reader.PlanReader.what_if`) puts them together.

* ``retire``: budget lines by key, retired with their allocations.
* ``cut_funds``: every line of each fund is retired (funds compared trimmed and
  case-insensitively).
* ``scale_funds``: each line of the fund has its amount, its allocations and its FTE
  multiplied by the factor (0 or more). Its amount is rounded half up to the cent and
  its FTE to the hundredth; its allocations are scaled as a whole (their total
  rounded half up to the cent) and the cents apportioned between them by largest
  remainder (:func:`~coherence.queries.funding.apportion`), so they still add up to
  their total exactly and scaling never makes a line allocate more than it has.

With a fiscal year, only that year's lines may be named, cut or scaled, and the audit
and the funding read that year's lines, as ``audit --fiscal-year`` does. A retired line
wins over a scale of its fund.

>>> from coherence.domain.changes import Element, Link, PlanState
>>> line = Element("budget_line", {"fund": "Title I", "amount": 1001, "fte": 1.5})
>>> state = PlanState("p", {}, {"BL1": line, "SI1": Element("initiative", {})},
...                   {("BL1", "SI1"): Link("funds", {"amount": 1001})})
>>> after = changed_state(state, what_if_request(scale_funds={"title i": "0.5"}))
>>> after.elements["BL1"].fields, after.links[("BL1", "SI1")].attributes
({'fund': 'Title I', 'amount': 500.5, 'fte': 0.75}, {'amount': 500.5})
>>> after = changed_state(state, what_if_request(cut_funds=["Title I"]))
>>> after.elements["BL1"].retired, after.links
(True, {})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from coherence.application.results import Diff
from coherence.domain.changes import Element, Link, PlanState, plan_changes
from coherence.domain.errors import InvalidValue
from coherence.queries.audit import AuditReport, Finding
from coherence.queries.audit.values import natural_key, normalized
from coherence.queries.funding import FundingSummary, apportion, money

__all__ = ["WhatIfRequest", "changed_state", "compare", "what_if_request"]

_CENT = Decimal("0.01")
MAX_FACTOR = Decimal(1000)
"""The largest factor a fund may be scaled by (a typo, not a budget, above it)."""


@dataclass(frozen=True)
class WhatIfRequest:
    """What to change: budget lines to retire, funds to cut, funds to scale."""

    retire: tuple[str, ...] = ()
    cut_funds: tuple[str, ...] = ()
    scale_funds: Mapping[str, Decimal] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "retire": list(self.retire),
            "cut_funds": list(self.cut_funds),
            "scale_funds": {fund: str(factor) for fund, factor in self.scale_funds.items()},
        }


def _factor(raw: object, path: str) -> Decimal:
    expected = f"a factor from 0 to {MAX_FACTOR} (0.8 keeps 80%)"
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise InvalidValue(path, expected, raw)
    try:
        factor = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidValue(path, expected, raw) from None
    if not factor.is_finite() or factor < 0 or factor > MAX_FACTOR:
        raise InvalidValue(path, expected, raw)
    return factor


def what_if_request(
    retire: Iterable[str] = (),
    cut_funds: Iterable[str] = (),
    scale_funds: Mapping[str, object] | None = None,
) -> WhatIfRequest:
    """A what-if, checked for shape: factors from 0 to :data:`MAX_FACTOR`, and something
    asked (:class:`InvalidValue` naming the field otherwise)."""
    scales = {
        fund: _factor(raw, f"scale_funds.{fund}") for fund, raw in (scale_funds or {}).items()
    }
    request = WhatIfRequest(tuple(retire), tuple(cut_funds), scales)
    if not (request.retire or request.cut_funds or request.scale_funds):
        raise InvalidValue(
            "what_if", "a budget line to retire, a fund to cut or a fund to scale", None
        )
    return request


def _stored(value: Decimal) -> int | float:
    """A Decimal as a field value is stored (an int when whole, as plan files have it)."""
    return int(value) if value == value.to_integral_value() else float(value)


def changed_state(
    state: PlanState, request: WhatIfRequest, fiscal_year: str | None = None
) -> PlanState:
    """The plan with the request applied (a new state; ``state`` is not changed).

    Refused with :class:`InvalidValue` naming the item: a key that is not an active
    budget line (of the fiscal year, when one is given), a fund that no such line has.
    """
    year = normalized(fiscal_year)
    lines = {
        key: element
        for key, element in state.elements.items()
        if element.kind == "budget_line"
        and not element.retired
        and (year is None or normalized(element.fields.get("fiscal_year")) == year)
    }
    scope = "active budget line" + (f" of {fiscal_year}" if fiscal_year else "")

    def fund_of(element: Element) -> str:
        return (normalized(element.fields.get("fund")) or "").casefold()

    funds = {fund_of(e) for e in lines.values()}

    def fund_key(name: str, path: str) -> str:
        key = (normalized(name) or "").casefold()
        if key not in funds:
            raise InvalidValue(path, f"the fund of an {scope}", name)
        return key

    retired: set[str] = set()
    for i, key in enumerate(request.retire):
        if key not in lines:
            raise InvalidValue(f"retire[{i}]", f"the key of an {scope}", key)
        retired.add(key)
    cut = {fund_key(name, f"cut_funds[{i}]") for i, name in enumerate(request.cut_funds)}
    scales = {fund_key(name, f"scale_funds.{name}"): f for name, f in request.scale_funds.items()}
    retired.update(k for k, e in lines.items() if fund_of(e) in cut)
    scaled = {k: scales[fund_of(e)] for k, e in lines.items() if fund_of(e) in scales}

    elements = dict(state.elements)
    links: dict[tuple[str, str], Link] = {}
    allocations: dict[str, list[tuple[str, str]]] = {}
    for (source, target), link in state.links.items():
        if source in retired:
            continue  # a retired line's allocations go with it
        links[source, target] = link
        if source in scaled and link.edge == "funds":
            allocations.setdefault(source, []).append((source, target))
    for key in retired:
        elements[key] = elements[key]._replace(retired=True)
    for key, factor in scaled.items():
        if key in retired:
            continue
        fields = dict(elements[key].fields)
        for name in ("amount", "fte"):
            if fields.get(name) is not None:
                scaled_value = (money(fields[name]) * factor).quantize(_CENT, ROUND_HALF_UP)
                fields[name] = _stored(scaled_value)
        elements[key] = elements[key]._replace(fields=fields)
        ends = sorted(allocations.get(key, []), key=lambda end: natural_key(end[1]))
        cents = [int(money(links[end].attributes.get("amount")).scaleb(2)) for end in ends]
        if not any(cents):
            continue
        total = (Decimal(sum(cents)) * factor).quantize(Decimal(1), ROUND_HALF_UP)
        for end, part, was in zip(ends, apportion(int(total), cents), cents, strict=True):
            if was or links[end].attributes.get("amount") is not None:
                amount = _stored(Decimal(part).scaleb(-2))
                links[end] = links[end]._replace(
                    attributes={**links[end].attributes, "amount": amount}
                )
    return PlanState(state.plan_id, state.details, elements, links, state.status)


def _key(finding: Finding) -> tuple[str, str, str | None]:
    return (finding.rule, finding.kind, finding.key)


def compare(
    before: PlanState,
    after: PlanState,
    *,
    asked: Mapping[str, Any],
    reports: tuple[AuditReport, AuditReport],
    funding: tuple[FundingSummary, FundingSummary],
    version: int,
    as_of: date,
) -> dict[str, Any]:
    """What the what-if changes: the plan (diff), the audit's findings (added and
    resolved, by rule and element), the score, the funding and staff, and the active
    objectives and initiatives funded before (as the audit reads it) and not after.

    ``asked`` is what was asked (a what-if's request; a scenario's name and fork): the
    same comparison answers a what-if and a scenario's comparison with its plan."""
    old_report, new_report = reports
    old_funding, new_funding = funding
    old_keys = {_key(f) for f in old_report.findings}
    new_keys = {_key(f) for f in new_report.findings}
    diff = Diff(before.plan_id, version, version, plan_changes(before, after)).to_dict()
    for name in ("plan", "from", "to"):
        del diff[name]

    def losing(old: frozenset[str], new: frozenset[str]) -> list[str]:
        return sorted(old - new, key=natural_key)

    def change(name: str) -> dict[str, str]:
        was = getattr(old_funding.totals, name)
        now = getattr(new_funding.totals, name)
        return {"before": str(was), "after": str(now), "change": str(now - was)}

    return {
        "plan": before.plan_id,
        "version": version,
        "as_of": as_of.isoformat(),
        "fiscal_year": old_funding.fiscal_year,
        "asked": dict(asked),
        "diff": diff,
        "findings": {
            "added": [f.to_dict() for f in new_report.findings if _key(f) not in old_keys],
            "resolved": [f.to_dict() for f in old_report.findings if _key(f) not in new_keys],
        },
        "score": {"before": old_report.score, "after": new_report.score},
        "summary": {"before": dict(old_report.summary), "after": dict(new_report.summary)},
        "budget": change("amount"),
        "staff": change("fte"),
        "funding": {"before": old_funding.to_dict(), "after": new_funding.to_dict()},
        "losing_all_funding": {
            "objectives": losing(old_funding.funded_objectives(), new_funding.funded_objectives()),
            "initiatives": losing(
                old_funding.funded_initiatives(), new_funding.funded_initiatives()
            ),
        },
    }
