"""One reading of a networkx plan graph, shared by every rule of an audit, and what it counts.

The graph is read once per audit (one pass over the nodes, one over the edges), so the
24 detectors look things up instead of walking the graph each time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal, getcontext
from typing import Any, Final, TypeVar

from coherence.queries.audit.model import AuditContext, Node, Row
from coherence.queries.audit.names import ELEMENT_KINDS, NAME_FIELDS, element_subkind
from coherence.queries.audit.values import (
    amount,
    as_date,
    blank,
    natural_key,
    normalized,
    positive,
    sorted_keys,
)

__all__ = [
    "FOUNDATION_ITEMS",
    "HISTORY_POPULATIONS",
    "POPULATIONS",
    "PlanIndex",
    "audited_fiscal_year",
    "element_row",
    "plan_index",
    "populations",
    "rows_none_of_subkind",
    "rows_without_source",
    "rows_without_target",
]

_READ_INCOMING: Final[frozenset[str]] = frozenset(
    {"supports", "measures", "tracks", "enables", "informs", "aligns_to"}
)
"""The edge types whose sources a rule reads (``funds`` edges have their own index)."""
_READ_OUTGOING: Final[frozenset[str]] = frozenset({"supports", "aligns_to"})
"""The edge types whose targets a rule reads."""
_FUNDABLE: Final[frozenset[str]] = frozenset({"initiative", "professional_learning"})
_EXACT_TERMS: Final = 10
"""Up to this many whole amounts of at most ``precision - 2`` digits add up exactly."""
_T = TypeVar("_T")


def audited_fiscal_year(ctx: AuditContext) -> str | None:
    """The audited fiscal year, trimmed and lower-cased (compared case-insensitively)."""
    return normalized(ctx.fiscal_year)


class PlanIndex:
    """One reading of a plan graph, shared by every detector of one audit.

    The graph is the projection's active graph (see
    :func:`coherence.projections.networkx_store.active_graph`): ``graph.graph`` holds
    the plan's ``plan``, ``period_start``, ``period_end``, ``version``...; node id = the
    element key, node attributes ``kind`` (the element kind, see
    :func:`~coherence.queries.audit.names.element_kind`), ``key``, every field of that
    kind and ``subkind`` (the element's own ``kind`` field); edges
    ``add_edge(source, target, key=EDGE, edge=EDGE, **attrs)`` point from the supporter
    to the supported, and ``funds`` edges carry ``amount``.

    Built in one pass over the nodes and one over the edges: the active elements grouped
    by kind, the neighbours of every element by edge type and neighbour kind (incoming
    and outgoing), the budget lines of the audited fiscal year and the elements they
    fund with an amount above 0. Lookups take the element key (``str`` of the node id),
    as ``graph.in_edges(key)`` does.

    ``ordered`` says whether :meth:`elements` lists the elements in natural key order
    (then a detector's rows come out in that order). The audit reads an unordered
    index: the report sorts the findings by key anyway, so the order in which the
    detectors meet the elements is not visible there.
    """

    __slots__ = (
        "_by_kind",
        "_dues",
        "_funds",
        "_incoming",
        "_lines",
        "_lines_sorted",
        "_nodes",
        "_outgoing",
        "_sorted",
        "carried",
        "fiscal_year",
        "funded",
        "graph",
        "memo",
        "ordered",
    )

    def __init__(self, graph: Any, ctx: AuditContext, *, ordered: bool = True) -> None:
        self.graph = graph
        self.ordered = ordered
        self.memo: dict[Any, Any] = {}
        """What rule families read more than once in one audit, by their own keys."""
        self.carried: dict[Any, dict[Any, tuple[Any, Any]]] = {}
        """What :meth:`each` made by family, and the rules' findings by rule and options
        (see :func:`~coherence.queries.audit.registry.rule`), each by element with what
        it was made from: shared with the indexes :meth:`patched` makes, so a later
        version's audit reuses them for the elements left as they were."""
        self._sorted: set[str] = set()
        self._dues: list[tuple[str, Node, date | None]] | None = None
        wanted = self.fiscal_year = audited_fiscal_year(ctx)

        # The nodes: element kinds, elements by kind (graph order), the fiscal year's lines.
        nodes: Mapping[Any, Node] = getattr(graph, "_node", None) or graph.nodes
        self._nodes = nodes
        kinds: dict[Any, str] = {}
        by_kind: dict[str, list[tuple[str, Node]]] = {kind: [] for kind in ELEMENT_KINDS}
        lines: list[tuple[str, Node]] = []
        in_year: set[Any] = set()  # budget lines of the audited fiscal year
        for node, data in nodes.items():
            kind = data.get("kind")
            if isinstance(kind, str) and kind in ELEMENT_KINDS:  # element_kind(data)
                kinds[node] = kind
                item = (str(node), data)
                by_kind[kind].append(item)
                if kind == "budget_line" and (
                    wanted is None or normalized(data.get("fiscal_year")) == wanted
                ):
                    lines.append(item)
                    in_year.add(node)
        self._by_kind = by_kind
        self._lines = lines
        self._lines_sorted = False

        # The edges between elements, in the graph's order (``out_edges`` order for each
        # source), by (element, edge type, neighbour kind); only what the rules read.
        incoming: defaultdict[tuple[Any, str, str], list[Any]] = defaultdict(list)
        outgoing: defaultdict[tuple[Any, str], set[str]] = defaultdict(set)
        funds: defaultdict[Any, list[tuple[Any, Node]]] = defaultdict(list)
        funded: set[Any] = set()
        succ = getattr(graph, "_succ", None)
        if succ is None:
            succ = graph.succ
        read_incoming, read_outgoing, fundable = _READ_INCOMING, _READ_OUTGOING, _FUNDABLE
        for source, targets in succ.items():
            source_kind = kinds.get(source)
            if source_kind is None:
                continue
            for target, keyed in targets.items():
                target_kind = kinds.get(target)
                if target_kind is None:
                    continue
                for key, data in keyed.items():
                    edge = data.get("edge", key)
                    if not isinstance(edge, str):
                        continue  # edge types are text: no rule reads any other
                    if edge == "funds":
                        if target_kind in fundable:
                            funds[source].append((target, data))
                        if source in in_year and positive(data.get("amount")):
                            funded.add(target)
                    elif edge in read_incoming:
                        incoming[target, edge, source_kind].append(source)
                        if edge in read_outgoing:
                            outgoing[source, edge].add(target_kind)
        self._incoming = incoming
        self._outgoing = outgoing
        self._funds = funds
        self.funded = funded

    def patched(self, graph: Any, keys: Iterable[str]) -> PlanIndex | None:
        """This index read from ``graph``: a later version of its graph, sharing its
        links (``graph.succ is self.graph.succ``), whose only changes are fields of the
        elements ``keys`` that nothing in the index but the elements themselves holds
        (not a budget line's fields, a kind or a due date).

        None when that cannot be (the caller reads the graph anew). What rule families
        kept in :attr:`memo` is not carried over; what :meth:`each` made is."""
        nodes: Mapping[Any, Node] = getattr(graph, "_node", None) or graph.nodes
        by_kind = dict(self._by_kind)
        copied: set[str] = set()
        changed: dict[str, Node] = {}
        for key in keys:
            data, old = nodes.get(key), self._nodes.get(key)
            if data is None or old is None:
                return None
            kind = data.get("kind")
            if kind != old.get("kind") or kind not in by_kind or kind == "budget_line":
                return None
            if data.get("due") != old.get("due"):
                return None
            if kind not in copied:
                by_kind[kind] = list(by_kind[kind])
                copied.add(kind)
            found = by_kind[kind]
            at = next((i for i, item in enumerate(found) if item[0] == key), None)
            if at is None:
                return None
            found[at] = (key, data)
            changed[key] = data
        index = object.__new__(PlanIndex)
        index.graph = graph
        index.ordered = self.ordered
        index.memo = {}
        index.carried = self.carried
        index._sorted = set(self._sorted)  # an element keeps its place in its list
        index._nodes = nodes
        index._by_kind = by_kind
        index._lines = self._lines
        index._lines_sorted = self._lines_sorted
        index._incoming = self._incoming
        index._outgoing = self._outgoing
        index._funds = self._funds
        index.funded = self.funded
        index.fiscal_year = self.fiscal_year
        dues = self._dues
        index._dues = None if dues is None else [(k, changed.get(k, d), due) for k, d, due in dues]
        return index

    def elements(self, kind: str) -> list[tuple[str, Node]]:
        """Active elements of one kind, ``(key, data)``: in natural key order when the
        index is ordered, in the graph's order otherwise."""
        found = self._by_kind.get(kind, [])
        if self.ordered and kind not in self._sorted:
            found.sort(key=lambda item: natural_key(item[0]))
            self._sorted.add(kind)
        return found

    def each(
        self, family: Hashable, kind: str, make: Callable[[str, Node], _T]
    ) -> list[tuple[str, Node, _T]]:
        """``make(key, data)`` for each active element of one kind, as
        ``(key, data, made)`` in :meth:`elements` order; what it made for an element is
        kept with that element's data, and made again only when the element's data is
        no longer the same object (a later version changed the element: the graph cache
        gives a changed element new data and keeps the others'). ``family`` names the
        function and whatever else it reads (the audit date, the plan's period), so one
        kept result never answers another question.

        >>> import networkx as nx
        >>> from datetime import date
        >>> from coherence.queries.audit.model import audit_context
        >>> graph = nx.MultiDiGraph()
        >>> graph.add_node("O1", kind="outcome", target=80)
        >>> index = PlanIndex(graph, audit_context(date(2026, 1, 1)))
        >>> made = []
        >>> def double(key, data):
        ...     made.append(key)
        ...     return data["target"] * 2
        >>> [value for _, _, value in index.each("double", "outcome", double)]
        [160]
        >>> [value for _, _, value in index.each("double", "outcome", double)]
        [160]
        >>> made
        ['O1']
        """
        kept = self.carried.get(family)
        if kept is None:
            kept = self.carried[family] = {}
        found = []
        for key, data in self.elements(kind):
            hit = kept.get(key)
            if hit is None or hit[0] is not data:
                hit = kept[key] = (data, make(key, data))
            found.append((key, data, hit[1]))
        return found

    def count(self, kind: str) -> int:
        """How many active elements of one kind."""
        return len(self._by_kind.get(kind, ()))

    def count_with_source(self, kind: str, edge: str, source_kind: str) -> int:
        """How many active elements of ``kind`` an element of ``source_kind`` points to
        with an ``edge`` edge."""
        incoming = self._incoming
        return sum(
            1 for key, _ in self._by_kind.get(kind, ()) if (key, edge, source_kind) in incoming
        )

    @property
    def budget_lines(self) -> list[tuple[str, Node]]:
        """The budget lines of the audited fiscal year (every line without one), ordered
        as :meth:`elements` orders them."""
        if self.ordered and not self._lines_sorted:
            self._lines.sort(key=lambda item: natural_key(item[0]))
            self._lines_sorted = True
        return self._lines

    def count_lines(self) -> int:
        """How many budget lines of the audited fiscal year (every line without one)."""
        return len(self._lines)

    def sources(self, node: str, edge: str, kind: str) -> list[Any]:
        """Elements of ``kind`` that point to ``node`` with an ``edge`` edge: node ids,
        in no particular order, once per edge (see :meth:`keys`)."""
        return self._incoming.get((node, edge, kind), [])

    def has_source(self, node: str, edge: str, kind: str) -> bool:
        """True when an element of ``kind`` points to ``node`` with an ``edge`` edge."""
        return (node, edge, kind) in self._incoming

    def has_target(self, node: str, edge: str, kinds: frozenset[str]) -> bool:
        """True when ``node`` points to an element of one of ``kinds`` with an ``edge``
        edge (``supports`` or ``aligns_to``)."""
        found = self._outgoing.get((node, edge))
        return found is not None and not kinds.isdisjoint(found)

    @staticmethod
    def keys(nodes: Iterable[Any]) -> list[str]:
        """Distinct element keys of ``nodes``, in natural order (as a row lists them)."""
        return sorted_keys(str(node) for node in nodes)

    def any_subkind(self, nodes: Iterable[Any], subkind: str) -> bool:
        """True when one of the elements ``nodes`` has the sub-kind ``subkind``."""
        data = self._nodes
        return any(element_subkind(data[node]) == subkind for node in nodes)

    def benchmarks(self) -> list[tuple[str, Node, date | None]]:
        """The benchmarks as :meth:`elements` lists them, with their due dates (None when
        absent or not a date), read once for the rules that need them."""
        if self._dues is None:
            self._dues = [(k, d, as_date(d.get("due"))) for k, d in self.elements("benchmark")]
        return self._dues

    def allocations(self, line: str) -> list[tuple[str, Any]]:
        """``(target, amount)`` of a budget line's ``funds`` edges to active initiatives
        and professional learning, targets in natural order (a target's own edges in
        the graph's order)."""
        found = [(str(target), data.get("amount")) for target, data in self._funds.get(line, ())]
        if len(found) > 1:
            found.sort(key=lambda item: natural_key(item[0]))
        return found

    def allocated(self, line: str) -> Decimal:
        """What a budget line allocates: the exact sum of its allocations' amounts (those
        without one count as 0), added in the order of :meth:`allocations`."""
        edges = self._funds.get(line)
        if not edges:
            return Decimal(0)
        amounts: list[Any] = [data.get("amount") for _, data in edges]
        # Whole numbers whose partial sums fit the context's precision add up exactly in
        # any order: the same Decimal, without the sort.
        if len(amounts) <= _EXACT_TERMS:
            bound = 10 ** (getcontext().prec - 2)
            if all(type(a) is int and -bound < a < bound for a in amounts):
                return Decimal(sum(amounts))
        return sum(
            (a for _, raw in self.allocations(line) if (a := amount(raw)) is not None),
            Decimal(0),
        )

    def has_allocation(self, line: str) -> bool:
        """True when a budget line funds an active initiative or professional learning."""
        return line in self._funds

    def is_funded(self, node: str) -> bool:
        """True when an active budget line of the audited fiscal year gives ``node`` > 0."""
        return node in self.funded

    def foundation_present(self, kind: str) -> bool:
        """True when a foundation item of ``kind`` has its text (a core value: its name
        or description)."""
        fields = ("name", "description") if kind == "core_value" else ("text",)
        return any(
            not blank(data.get(f)) for _, data in self._by_kind.get(kind, ()) for f in fields
        )


def plan_index(graph: Any, ctx: AuditContext) -> PlanIndex:
    """The index a detector reads: the audit's own, or one built from ``graph``."""
    if isinstance(graph, PlanIndex):
        if graph.fiscal_year == audited_fiscal_year(ctx):
            return graph
        return PlanIndex(graph.graph, ctx, ordered=graph.ordered)
    return PlanIndex(graph, ctx)


# ------------------------------------------------------------------------- rows


def element_row(kind: str, key: str, data: Node, **values: Any) -> dict[str, Any]:
    """A row about one element: its kind, key, naming fields and ``values``."""
    return {
        "kind": kind,
        "key": key,
        "fields": {name: data.get(name) for name in NAME_FIELDS},
        **values,
    }


def rows_without_source(
    graph: Any, ctx: AuditContext, kind: str, edge: str, source_kind: str
) -> Iterator[Row]:
    """A row for each active element of ``kind`` that no element of ``source_kind``
    points to with an ``edge`` edge (the shape of most "X without Y" rules)."""
    index = plan_index(graph, ctx)
    for key, data in index.elements(kind):
        if not index.has_source(key, edge, source_kind):
            yield element_row(kind, key, data)


def rows_without_target(
    graph: Any,
    ctx: AuditContext,
    kind: str,
    edge: str,
    target_kinds: frozenset[str],
    *,
    values: tuple[str, ...] = (),
) -> Iterator[Row]:
    """A row for each active element of ``kind`` that points with an ``edge`` edge to no
    element of ``target_kinds``; the row also holds the element's fields ``values``."""
    index = plan_index(graph, ctx)
    for key, data in index.elements(kind):
        if not index.has_target(key, edge, target_kinds):
            yield element_row(kind, key, data, **{name: data.get(name) for name in values})


def rows_none_of_subkind(
    graph: Any,
    ctx: AuditContext,
    kind: str,
    edge: str,
    source_kind: str,
    subkind: str,
    field: str,
) -> Iterator[Row]:
    """A row for each active element of ``kind`` that elements of ``source_kind`` point
    to with an ``edge`` edge, none of them of sub-kind ``subkind``; the row lists their
    keys as ``field``."""
    index = plan_index(graph, ctx)
    for key, data in index.elements(kind):
        sources = index.sources(key, edge, source_kind)
        if sources and not index.any_subkind(sources, subkind):
            yield element_row(kind, key, data, **{field: index.keys(sources)})


# ------------------------------------------------------------------ populations

FOUNDATION_ITEMS: Final[tuple[str, ...]] = ("mission", "vision", "theory_of_action", "core_value")
"""The foundation items, in the order their findings are reported."""

POPULATIONS: Final[tuple[str, ...]] = (
    "foundation",
    "plan_wide",
    "theory_of_action",
    "objectives",
    "initiatives",
    "outcomes",
    "benchmarks",
    "budget_lines",
    "school_plans",
    "educator_goals",
    "objectives_with_outcomes",
    "initiatives_with_benchmarks",
)
"""What the rules check, by name (see :func:`~coherence.queries.audit.report.score`):
``foundation`` is 4, ``plan_wide`` 1, ``theory_of_action`` 1 when the plan has one (with
text), ``budget_lines`` those of the audited fiscal year, and the other names count
active elements. ``graph_queries/audit-plans.cypher`` returns one column per name."""

HISTORY_POPULATIONS: Final[tuple[str, ...]] = (
    "monitored_benchmarks",
    "monitored_outcomes",
    "benchmarks_of_the_school_year",
    "elements_of_an_adopted_plan",
    "outcomes_with_a_trajectory",
    "outcomes_due_a_result",
)
"""What the history-aware rules check besides :data:`POPULATIONS` (counted with the
plan's monitoring facts, see :func:`~coherence.queries.audit.report.history_part`):
the active benchmarks and outcomes (the same counts as ``benchmarks`` and ``outcomes``,
under names of their own so that an audit without the history part skips these rules),
the active benchmarks of the audit date's school year; every active element while the
plan is adopted (0 otherwise); the active outcomes with a trajectory (baseline, target
other than the baseline, due date, period start) and a result dated by the audit date;
every active outcome once the period started more than 365 days before the audit date
(0 before)."""

_ELEMENT_POPULATIONS: Final[Mapping[str, str]] = {
    "objectives": "objective",
    "initiatives": "initiative",
    "outcomes": "outcome",
    "benchmarks": "benchmark",
    "school_plans": "school_plan",
    "educator_goals": "educator_goal",
}


def populations(graph: Any, ctx: AuditContext) -> dict[str, int]:
    """Every population of :data:`POPULATIONS`, counted in a networkx active graph."""
    index = plan_index(graph, ctx)
    counts = {name: index.count(kind) for name, kind in _ELEMENT_POPULATIONS.items()}
    counts.update(
        foundation=len(FOUNDATION_ITEMS),
        plan_wide=1,
        theory_of_action=1 if index.foundation_present("theory_of_action") else 0,
        budget_lines=index.count_lines(),
        objectives_with_outcomes=index.count_with_source("objective", "measures", "outcome"),
        initiatives_with_benchmarks=index.count_with_source("initiative", "tracks", "benchmark"),
    )
    return {name: counts[name] for name in POPULATIONS}
