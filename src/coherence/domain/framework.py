"""The catalogue of the Massachusetts Planning and Implementation Framework, as data.

Every element kind is declared here once: its label, its section of the plan file,
its fields (type, required, enumeration), its links (edge, the file field that holds
them, the kinds they may point to, one or many) and how it is named in a sentence.
The plan file reader and writer, the aggregate, the graph, the audit, the API, the
exports, the history's sentences and the web page all read this catalogue, so adding
an element kind is one :class:`KindSpec` in :data:`FRAMEWORK` (plus its rules).

>>> KINDS["initiative"].fields["owner"].type
'text'
>>> edge_between("budget_line", "professional_learning")
'funds'
>>> FRAMEWORK.name("initiative", "SI1", {"title": "Tutoring"})
"Initiative SI1 'Tutoring'"
>>> [link.field for link in KINDS["objective"].links]
['informed_by']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from coherence.domain.errors import UnknownKind

FieldType = Literal[
    "text", "date", "number", "amount", "fte", "enum", "school_year", "fiscal_year", "results"
]
"""What a field may hold; :mod:`coherence.domain.values` normalizes each. ``amount`` is
dollars and cents; ``fte`` is positions (full-time equivalents) to the hundredth."""

NUMBER_TYPES: frozenset[str] = frozenset({"number", "amount", "fte"})
"""The field types that hold a number (a spreadsheet cell of one is a number cell)."""

NAME_LIMIT = 80
"""A title longer than this is shortened when it names an element in a sentence."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of an element kind: its type and, for enumerations, its values."""

    name: str
    type: FieldType
    choices: tuple[str, ...] = ()
    required: bool = False
    label: str = ""
    multiline: bool = False
    """Text that runs to sentences (a description, a statement): a text area in forms."""

    def __post_init__(self) -> None:
        if not self.label:
            # An element's own ``kind`` field (interim/final, process/early evidence...)
            # reads as its type, beside the element kind.
            label = "Type" if self.name == "kind" else self.name.replace("_", " ").capitalize()
            object.__setattr__(self, "label", label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "choices": list(self.choices),
            "multiline": self.multiline,
        }


@dataclass(frozen=True)
class LinkSpec:
    """Links an element declares in its plan-file field ``field``.

    The link runs from the element to each listed key, or from each listed key to the
    element when ``reverse`` (an objective lists the data findings that inform it).
    """

    field: str
    edge: str
    targets: tuple[str, ...]
    many: bool = True
    reverse: bool = False
    attributes: tuple[str, ...] = ()
    label: str = ""
    """The links as a plural noun (``Allocations``): the name of their own sheet or table
    when they carry attributes. By default the field's name (``Aligns to``)."""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.field.replace("_", " ").capitalize())

    @property
    def with_amount(self) -> bool:
        """An allocation: each item is ``{target, amount}``, not a bare key."""
        return "amount" in self.attributes

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "edge": self.edge,
            "targets": list(self.targets),
            "many": self.many,
            "reverse": self.reverse,
            "attributes": list(self.attributes),
        }


@dataclass(frozen=True)
class KindSpec:
    """One element kind of the Framework.

    ``names`` says how an element is named in a sentence: the first of its
    alternatives whose fields are not all blank, their values joined by a space
    (a school plan without a title is named by its school and year). ``level`` is the
    kind's tier in the alignment, from the foundations (0) down to the budget (5);
    ``colour`` is its colour in pictures and legends.
    """

    name: str
    label: str
    plural: str
    fields: Mapping[str, FieldSpec]
    links: tuple[LinkSpec, ...] = ()
    section: str | None = None
    singleton: bool = False
    names: tuple[tuple[str, ...], ...] = ()
    level: int = 3
    colour: str = "#64748b"
    description: str = ""

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.fields)

    @cached_property
    def required(self) -> tuple[str, ...]:
        """The fields that must hold non-blank text."""
        return tuple(name for name, f in self.fields.items() if f.required)

    @cached_property
    def text_fields(self) -> frozenset[str]:
        """The fields of type text (any string is one as it is written)."""
        return frozenset(name for name, f in self.fields.items() if f.type == "text")

    @property
    def title_field(self) -> str | None:
        """The field that first names the element (its title, name or statement)."""
        return self.names[0][0] if self.names else None

    def link(self, file_field: str) -> LinkSpec | None:
        """The links the element declares in its plan-file field ``file_field``."""
        return next((link for link in self.links if link.field == file_field), None)

    def title(self, fields: Mapping[str, Any]) -> str | None:
        """The text that names an element to a planner, as written, if there is one.

        >>> KINDS["school_plan"].title({"school": "Lincoln ", "school_year": "2025-2026"})
        'Lincoln 2025-2026'
        """
        for alternative in self.names:
            parts = [v.strip() for n in alternative if isinstance(v := fields.get(n), str)]
            parts = [p for p in parts if p]
            if parts:
                return " ".join(parts)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "plural": self.plural,
            "description": self.description,
            "section": self.section,
            "singleton": self.singleton,
            "title_fields": [list(a) for a in self.names],
            "level": self.level,
            "colour": self.colour,
            "fields": [f.to_dict() for f in self.fields.values()],
            "links": [link.to_dict() for link in self.links],
        }


@dataclass(frozen=True)
class EdgeSpec:
    """One kind of link, from the supporter to the supported (derived from the kinds)."""

    name: str
    sources: frozenset[str]
    targets: frozenset[str]
    attributes: tuple[str, ...] = field(default=())

    @property
    def verb(self) -> str:
        """``aligns to``: the edge as a verb in a sentence."""
        return self.name.replace("_", " ")


IMPLICIT_EDGE = "advances"
"""Objective to mission: implicit for every active objective, never stored."""


@dataclass(frozen=True)
class Catalogue:
    """The element kinds of a plan, in plan-file order, and what derives from them."""

    kinds: Mapping[str, KindSpec]

    def __iter__(self) -> Iterator[KindSpec]:
        return iter(self.kinds.values())

    def kind(self, kind: object, path: str = "kind") -> KindSpec:
        """The spec of an element kind, or :class:`UnknownKind` naming ``path``."""
        if not isinstance(kind, str) or kind not in self.kinds:
            raise UnknownKind(path, "one of " + ", ".join(self.kinds), kind)
        return self.kinds[kind]

    @cached_property
    def singletons(self) -> tuple[str, ...]:
        """The one-per-plan kinds (mission, vision, theory of action)."""
        return tuple(k for k, spec in self.kinds.items() if spec.singleton)

    @cached_property
    def sections(self) -> tuple[KindSpec, ...]:
        """The kinds listed in sections of the plan file (every kind but the singletons)."""
        return tuple(spec for spec in self.kinds.values() if spec.section)

    @cached_property
    def edges(self) -> dict[str, EdgeSpec]:
        """Every stored edge, with the kinds at its ends, from the kinds' links."""
        ends: dict[str, tuple[set[str], set[str], tuple[str, ...]]] = {}
        for spec in self.kinds.values():
            for link in spec.links:
                sources, targets, _ = ends.setdefault(link.edge, (set(), set(), link.attributes))
                here, there = (targets, sources) if link.reverse else (sources, targets)
                here.add(spec.name)
                there.update(link.targets)
        return {
            name: EdgeSpec(name, frozenset(s), frozenset(t), attributes)
            for name, (s, t, attributes) in ends.items()
        }

    @cached_property
    def _edge_of_kinds(self) -> dict[tuple[str, str], str]:
        return {
            (source, target): e.name
            for e in self.edges.values()
            for source in e.sources
            for target in e.targets
        }

    def edge_between(self, source_kind: str, target_kind: str) -> str | None:
        """The edge that may link an element of one kind to one of another, if any.

        Each pair of kinds has at most one edge, so a link is identified by its ends.
        """
        return self._edge_of_kinds.get((source_kind, target_kind))

    @cached_property
    def date_fields(self) -> frozenset[str]:
        """Names of the fields that hold dates, in any kind."""
        return frozenset(
            name
            for spec in self.kinds.values()
            for name, f in spec.fields.items()
            if f.type == "date"
        )

    @cached_property
    def name_fields(self) -> tuple[str, ...]:
        """Every field that may name an element (what a sentence about one needs)."""
        seen = dict.fromkeys(n for spec in self.kinds.values() for a in spec.names for n in a)
        return tuple(seen)

    def name(
        self, kind: str, key: str | None, fields: Mapping[str, Any], *, limit: int = NAME_LIMIT
    ) -> str:
        """``Initiative SI3.2 'Family liaisons'``: how a sentence names an element.

        A one-per-plan element is named by its kind alone (``Mission``); a title longer
        than ``limit`` is shortened.

        >>> FRAMEWORK.name("budget_line", "BL9", {"description": "  Copiers "})
        "Budget line BL9 'Copiers'"
        >>> FRAMEWORK.name("mission", "mission", {"text": "Every student"})
        'Mission'
        """
        spec = self.kinds.get(kind)
        if spec is None:
            return f"{kind.replace('_', ' ').capitalize()} {key}"
        if spec.singleton:
            return spec.label
        title = spec.title(fields)
        if title is None:
            return f"{spec.label} {key}"
        title = " ".join(title.split())
        if len(title) > limit:
            title = title[: limit - 3].rstrip() + "..."
        return f"{spec.label} {key} '{title}'"

    def with_kind(self, spec: KindSpec) -> Catalogue:
        """A copy of this catalogue with one more kind (or one replaced)."""
        return dataclasses.replace(self, kinds={**self.kinds, spec.name: spec})

    def to_dict(self) -> dict[str, Any]:
        """The catalogue for programs and the web page (``GET /api/v1/framework``)."""
        return {
            "kinds": [spec.to_dict() for spec in self.kinds.values()],
            "edges": [
                {
                    "name": e.name,
                    "verb": e.verb,
                    "sources": sorted(e.sources),
                    "targets": sorted(e.targets),
                    "attributes": list(e.attributes),
                }
                for e in self.edges.values()
            ]
            + [
                {
                    "name": IMPLICIT_EDGE,
                    "verb": IMPLICIT_EDGE,
                    "sources": ["objective"],
                    "targets": ["mission"],
                    "attributes": [],
                }
            ],
        }


def _kind(
    name: str,
    label: str,
    plural: str,
    fields: list[FieldSpec],
    links: tuple[LinkSpec, ...] = (),
    *,
    names: tuple[tuple[str, ...], ...],
    level: int,
    colour: str,
    description: str,
    singleton: bool = False,
) -> KindSpec:
    return KindSpec(
        name,
        label,
        plural,
        {f.name: f for f in fields},
        links,
        section=None if singleton else plural.lower().replace(" ", "_"),
        singleton=singleton,
        names=names,
        level=level,
        colour=colour,
        description=description,
    )


def _t(name: str, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, "text", required=required, multiline=name in _MULTILINE)


_MULTILINE = frozenset({"text", "description", "statement"})
"""The text fields that hold sentences rather than a name."""


def _e(name: str, *choices: str) -> FieldSpec:
    return FieldSpec(name, "enum", choices)


BENCHMARK_STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")

_ALIGNS_TO = LinkSpec("aligns_to", "aligns_to", ("objective", "initiative"))

FRAMEWORK = Catalogue(
    {
        k.name: k
        for k in [
            _kind(
                "mission",
                "Mission",
                "Mission",
                [_t("text", required=True)],
                singleton=True,
                names=(("text",),),
                level=0,
                colour="#1e3a5f",
                description="Why the district exists.",
            ),
            _kind(
                "vision",
                "Vision",
                "Vision",
                [_t("text", required=True)],
                singleton=True,
                names=(("text",),),
                level=0,
                colour="#dbe4f0",
                description="What success for students looks like.",
            ),
            _kind(
                "theory_of_action",
                "Theory of action",
                "Theory of action",
                [_t("text", required=True)],
                singleton=True,
                names=(("text",),),
                level=0,
                colour="#dbe4f0",
                description='How the strategy leads to results, framed "If ..., then ...".',
            ),
            _kind(
                "core_value",
                "Core value",
                "Core values",
                [_t("name"), _t("description")],
                names=(("name",), ("description",)),
                level=0,
                colour="#dbe4f0",
                description="A principle that guides the district's decisions.",
            ),
            _kind(
                "data_finding",
                "Data finding",
                "Data findings",
                [_t("statement"), _t("subject"), _t("student_group"), _t("source")],
                names=(("statement",),),
                level=2,
                colour="#eadfca",
                description="What the analysis of student data found, gaps between groups too.",
            ),
            _kind(
                "objective",
                "Objective",
                "Objectives",
                [_t("title"), _t("description")],
                (LinkSpec("informed_by", "informs", ("data_finding",), reverse=True),),
                names=(("title",), ("description",)),
                level=1,
                colour="#2563eb",
                description="A strategic objective: what the district will achieve, and why.",
            ),
            _kind(
                "initiative",
                "Initiative",
                "Initiatives",
                [
                    _t("title"),
                    _t("description"),
                    _t("owner"),
                    FieldSpec("start", "date"),
                    FieldSpec("end", "date"),
                ],
                (LinkSpec("supports", "supports", ("objective",)),),
                names=(("title",), ("description",)),
                level=2,
                colour="#7c3aed",
                description="A strategic initiative: how the district will achieve objectives.",
            ),
            _kind(
                "outcome",
                "Outcome",
                "Outcomes",
                [
                    _t("statement"),
                    _e("kind", "interim", "final"),
                    _t("metric"),
                    _t("student_group"),
                    FieldSpec("baseline", "number"),
                    FieldSpec("target", "number"),
                    _t("unit"),
                    FieldSpec("due", "date"),
                    FieldSpec("results", "results"),
                ],
                (LinkSpec("measures", "measures", ("objective",), many=False),),
                names=(("statement",),),
                level=2,
                colour="#0f766e",
                description="A SMART target that measures an objective, interim or final.",
            ),
            _kind(
                "professional_learning",
                "Professional learning",
                "Professional learning",
                [
                    _t("title"),
                    _e("kind", "professional_development", "induction", "mentoring"),
                    _t("audience"),
                ],
                (LinkSpec("enables", "enables", ("initiative",)),),
                names=(("title",),),
                level=4,
                colour="#4d7c0f",
                description="Professional development, induction or mentoring for an initiative.",
            ),
            _kind(
                "benchmark",
                "Benchmark",
                "Benchmarks",
                [
                    _t("description"),
                    _e("kind", "process", "early_evidence"),
                    FieldSpec("school_year", "school_year"),
                    _t("owner"),
                    FieldSpec("due", "date"),
                    FieldSpec("status", "enum", BENCHMARK_STATUSES),
                ],
                (LinkSpec("tracks", "tracks", ("initiative",), many=False),),
                names=(("description",),),
                level=3,
                colour="#e5e7eb",
                description="An implementation benchmark of a year's action plan: process, "
                "or early evidence of change.",
            ),
            _kind(
                "budget_line",
                "Budget line",
                "Budget lines",
                [
                    FieldSpec("fiscal_year", "fiscal_year"),
                    _t("fund"),
                    _t("account"),
                    _t("description"),
                    FieldSpec("amount", "amount"),
                    FieldSpec("fte", "fte", label="FTE"),
                ],
                (
                    LinkSpec(
                        "funds",
                        "funds",
                        ("initiative", "professional_learning"),
                        attributes=("amount",),
                        label="Allocations",
                    ),
                ),
                names=(("description",),),
                level=5,
                colour="#15803d",
                description="A line of the budget, the amounts it allocates and the "
                "positions (FTE) it pays for.",
            ),
            _kind(
                "school_plan",
                "School plan",
                "School plans",
                [_t("school"), FieldSpec("school_year", "school_year"), _t("title")],
                (_ALIGNS_TO,),
                names=(("title",), ("school", "school_year")),
                level=4,
                colour="#475569",
                description="A school improvement plan, aligned to district objectives.",
            ),
            _kind(
                "educator_goal",
                "Educator goal",
                "Educator goals",
                [
                    _t("educator"),
                    _e("kind", "student_learning", "professional_practice"),
                    FieldSpec("school_year", "school_year"),
                    _t("statement"),
                ],
                (_ALIGNS_TO,),
                names=(("statement",),),
                level=4,
                colour="#9a3412",
                description="An educator evaluation goal, aligned to objectives or initiatives.",
            ),
        ]
    }
)
"""The Framework's catalogue: the one list of element kinds."""

KINDS: Mapping[str, KindSpec] = FRAMEWORK.kinds
SINGLETON_KINDS = FRAMEWORK.singletons
EDGES: Mapping[str, EdgeSpec] = FRAMEWORK.edges
"""Links a plan stores. ``advances`` (objective to mission) is implicit, never stored."""


def kind_spec(kind: object, path: str = "kind") -> KindSpec:
    """The spec of an element kind of the Framework, or :class:`UnknownKind`."""
    return FRAMEWORK.kind(kind, path)


def edge_between(source_kind: str, target_kind: str) -> str | None:
    """The edge that may link an element of one kind to one of another, if any."""
    return FRAMEWORK.edge_between(source_kind, target_kind)


def singleton_key(kind: str) -> str:
    """The fixed key of a one-per-plan element (mission, vision, theory of action)."""
    return kind


def with_article(noun: str) -> str:
    """``an objective``, ``a budget line``."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun
