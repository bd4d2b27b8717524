"""The tables of a plan's workbook (and of its CSV files), derived from the catalogue.

Each section of the catalogue is a table named by its plural label, with the plan
file's field names as its columns: the key, the fields, then the link fields. Two
kinds of values that are lists of small records get a table of their own, one row per
record, right after their owner's table:

* a ``results`` field: ``<Kind label> <field>`` (``Outcome results``), columns the
  owner's key (named by its kind), then :data:`RESULT_FIELDS`;
* a link with attributes: named by the link's label (``Allocations``), columns the
  owner's key, ``target`` and the attributes (``amount``).

>>> [t.sheet for t in tables()][3:7]
['Initiatives', 'Outcomes', 'Outcome results', 'Professional learning']
>>> [c.name for c in table("allocations").columns]
['budget_line', 'target', 'amount']
>>> [c.name for c in plan_rows()]  # doctest: +NORMALIZE_WHITESPACE
['id', 'district', 'title', 'period_start', 'period_end', 'mission', 'vision',
 'theory_of_action']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from coherence.domain.errors import InvalidInput
from coherence.domain.framework import FRAMEWORK, Catalogue, FieldSpec, KindSpec, LinkSpec

ABOUT_SHEET = "About"
PLAN_SHEET = "Plan"
LISTS_SHEET = "Lists"
"""The one hidden sheet: the values of the drop-down lists. Ignored on import."""

PLAN_COLUMNS = ("field", "value")

RESULT_FIELDS = (FieldSpec("as_of", "date"), FieldSpec("value", "number"))
"""The record of a ``results`` field, as :func:`coherence.domain.values.normalize_results`
reads it."""

LINK_TARGET = "target"
"""The column of a link table that holds the linked element's key."""

Role = Literal["key", "field", "link", "owner", "target", "item"]
ColumnType = Literal[
    "key", "keys", "plan_id", "text", "date", "number", "amount", "fte", "enum",
    "school_year", "fiscal_year",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One column of a table (or one row of the Plan sheet).

    ``role``: the element's ``key``; one of its ``field``\\ s; a ``link`` field (keys of
    other elements); in a child table, the ``owner``'s key, the link's ``target`` or
    an ``item`` field of the record. ``kinds``: the kinds whose keys a key column holds.
    ``path``: for a Plan row, where its value goes in the plan file.
    """

    name: str
    role: Role
    type: ColumnType
    kinds: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    required: bool = False
    link: LinkSpec | None = None
    path: tuple[str, ...] = ()

    @property
    def holds_keys(self) -> bool:
        return self.type in ("key", "keys", "plan_id")

    @property
    def spec(self) -> FieldSpec:
        """The field spec that normalizes a value of this column (not for keys)."""
        kind = "text" if self.holds_keys else self.type
        return FieldSpec(self.name, kind, self.choices)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Table:
    """One sheet of elements, or of the records of a field or link of its owners.

    ``sheet`` is its sheet name, ``name`` its CSV name (``initiatives``,
    ``outcome_results``, ``allocations``); ``kind`` the element kind of its rows (of
    their owners, for a child table), ``section`` that kind's plan-file section.
    ``child`` is the plan-file field a child table fills (``results``, ``funds``).
    """

    sheet: str
    name: str
    kind: KindSpec
    columns: tuple[Column, ...]
    child: str | None = None
    link: LinkSpec | None = None

    @property
    def section(self) -> str:
        return self.kind.section or self.kind.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _slug(label: str) -> str:
    return label.lower().replace(" ", "_")


def _field_column(f: FieldSpec, role: Role) -> Column:
    return Column(f.name, role, f.type, choices=f.choices, required=f.required)  # type: ignore[arg-type]


def _link_column(link: LinkSpec) -> Column:
    return Column(link.field, "link", "keys" if link.many else "key", kinds=link.targets, link=link)


def kind_tables(spec: KindSpec) -> list[Table]:
    """The table of a section's elements, then the tables of their records."""
    key = Column("key", "key", "key", kinds=(spec.name,), required=True)
    owner = Column(spec.name, "owner", "key", kinds=(spec.name,), required=True)
    columns = [key]
    children = []
    for f in spec.fields.values():
        if f.type == "results":
            sheet = f"{spec.label} {f.name}"
            items = tuple(_field_column(r, "item") for r in RESULT_FIELDS)
            children.append(Table(sheet, _slug(sheet), spec, (owner, *items), child=f.name))
        else:
            columns.append(_field_column(f, "field"))
    for link in spec.links:
        if link.attributes:
            target = Column(LINK_TARGET, "target", "key", kinds=link.targets, required=True)
            attributes = tuple(
                _field_column(FieldSpec(a, "amount" if a == "amount" else "text"), "item")
                for a in link.attributes
            )
            children.append(
                Table(
                    link.label,
                    _slug(link.label),
                    spec,
                    (owner, target, *attributes),
                    child=link.field,
                    link=link,
                )
            )
        else:
            columns.append(_link_column(link))
    return [Table(spec.plural, spec.section or spec.name, spec, tuple(columns)), *children]


def tables(catalogue: Catalogue = FRAMEWORK) -> tuple[Table, ...]:
    """Every table of a workbook after the Plan sheet, in sheet order."""
    return tuple(t for spec in catalogue.sections for t in kind_tables(spec))


def table(name: str, catalogue: Catalogue = FRAMEWORK) -> Table:
    """The table of a CSV name (``initiatives``) or sheet name (``Initiatives``)."""
    found = tables(catalogue)
    for t in found:
        if name in (t.name, t.sheet):
            return t
    raise InvalidInput("section", "one of " + ", ".join(t.name for t in found), name)


def plan_rows(catalogue: Catalogue = FRAMEWORK) -> tuple[Column, ...]:
    """The rows of the Plan sheet: the plan's header, then the one-per-plan elements."""
    return (
        Column("id", "field", "plan_id", required=True, path=("plan", "id")),
        Column("district", "field", "text", path=("plan", "district")),
        Column("title", "field", "text", path=("plan", "title")),
        Column("period_start", "field", "date", path=("plan", "period", "start")),
        Column("period_end", "field", "date", path=("plan", "period", "end")),
        *(Column(kind, "field", "text", path=(kind,)) for kind in catalogue.singletons),
    )


def data_sheets(catalogue: Catalogue = FRAMEWORK) -> tuple[str, ...]:
    """The sheets that an import reads: Plan, then every table."""
    return (PLAN_SHEET, *(t.sheet for t in tables(catalogue)))
