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

from coherence.queries.funding.money import (
    NO_FISCAL_YEAR,
    NO_FUND,
    apportion,
    money,
)
from coherence.queries.funding.reading import (
    Allocation,
    FundingReading,
    LineFunding,
    read_funding,
)
from coherence.queries.funding.summary import FundingSummary, Totals, funding_summary
from coherence.queries.funding.views import (
    InitiativeFunding,
    ObjectiveFunding,
    SourceFunding,
    aligned_share,
    by_fiscal_year,
    by_fund,
    by_initiative,
    by_objective,
    not_reaching,
    single_fund_objectives,
)

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
    "funding_summary",
    "money",
    "not_reaching",
    "read_funding",
    "single_fund_objectives",
]
