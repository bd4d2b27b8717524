"""The Neo4j model of the alignment graph, derived from the catalogue, and the Cypher
rendered from it.

Every name in the graph comes from :data:`coherence.domain.framework.FRAMEWORK`:

- an element is ``(:Element:<Kind> {plan, key, ...fields})``, its kind's label the
  PascalCase of the catalogue's kind name (``budget_line`` is ``:BudgetLine``), its only
  record of its kind (a query that returns the kind renders it from the labels with
  ``{{kind_of:VAR}}``); an active element also carries ``:Active``, a retired one loses
  it (and keeps its fields);
- a link is a relationship typed by its edge, the UPPER_SNAKE of the catalogue's edge
  name (``aligns_to`` is ``:ALIGNS_TO``), from the supporter to the supported, holding the
  link's attributes (``:FUNDS {amount}``); it exists only while the link is active. An
  unlinked link becomes ``(a)-[:UNLINKED {edge, ...}]->(b)``, a type no query of the
  active graph ever expands, so the active graph needs no property test on a
  relationship;
- the implicit ``advances`` edge (objective to mission) is not stored (``:ADVANCES`` is
  the type the queries that draw it name it by).

Label and relationship type names cannot be Cypher parameters, so the statements are
*rendered*: the ``.cypher`` files are templates whose placeholders (``{{...}}``) only
ever receive names from the catalogue, each checked against a strict pattern, while
values stay ``$parameters``. The placeholders:

``{{label:KIND}}``
    the label of a kind: ``{{label:initiative}}`` is ``Initiative``;
``{{type:EDGE}}``
    the relationship type of an edge: ``{{type:supports}}`` is ``SUPPORTS``;
``{{types}}``
    every stored edge's type, ``|``-separated (for a path over any link);
``{{names:KIND}}``
    a map projection of the fields that name an element of the kind in a message:
    ``{{names:initiative}}`` is ``{.title, .description}``;
``{{kind_of:VAR}}``
    the kind name of the element bound to ``VAR``, from its labels: ``CASE WHEN
    VAR:Mission THEN 'mission' ... END``;
``{{label}}``, ``{{kind}}``, ``{{type}}``, ``{{edge}}``, ``{{source}}``, ``{{target}}``
    bound by the caller: the projection renders one statement per kind or per edge
    (``{{source}}``/``{{target}}``: the label of the edge's one source or target kind, or
    ``Element`` when it has several).

>>> MODEL.labels["professional_learning"], MODEL.types["aligns_to"]
('ProfessionalLearning', 'ALIGNS_TO')
>>> MODEL.render("MATCH (i:{{label:initiative}}:Active)-[:{{type:supports}}]->(o)")
'MATCH (i:Initiative:Active)-[:SUPPORTS]->(o)'
>>> MODEL.edge_of_type("ALIGNS_TO")
'aligns_to'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

from coherence.cypher import cypher, statements
from coherence.domain.framework import FRAMEWORK, IMPLICIT_EDGE, Catalogue

__all__ = [
    "ACTIVE",
    "ELEMENT",
    "MODEL",
    "MODEL_VERSION",
    "UNLINKED",
    "GraphModel",
    "label_of",
    "type_of",
]

MODEL_VERSION: Final = 3
"""The version of the graph's model, kept on the checkpoint: 1 was one ``:Element`` label
with an ``active`` property and ``:LINK {edge, active}`` relationships; 2 had the kind
labels and relationship types, and a ``kind`` property on every element and a
``last_version`` on every relationship too; 3 is this one (the label is the kind, and the
checkpoint alone keeps replays of links from going back: see ``neo4j_store``)."""

ELEMENT: Final = "Element"
ACTIVE: Final = "Active"
UNLINKED: Final = "UNLINKED"
RESERVED_LABELS: Final = frozenset({ELEMENT, ACTIVE, "Plan", "Checkpoint"})
RESERVED_TYPES: Final = frozenset({UNLINKED})

NAME: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*\Z")
"""A kind or edge name of the catalogue that may become a label or a type."""
LABEL: Final = re.compile(r"[A-Z][A-Za-z0-9]*\Z")
TYPE: Final = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\Z")
PROPERTY: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
PLACEHOLDER: Final = re.compile(r"\{\{\s*([a-z]+(?:_[a-z]+)*)(?::([a-z0-9_]+))?\s*\}\}")


def _checked(name: str, what: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"{what} {name!r} cannot name a label or type: expected {NAME.pattern}")
    return name


def label_of(kind: str) -> str:
    """``budget_line`` -> ``BudgetLine``: the label of an element kind."""
    label = "".join(part.capitalize() for part in _checked(kind, "kind").split("_"))
    if not LABEL.match(label):  # pragma: no cover - NAME guarantees it
        raise ValueError(f"bad label {label!r}")
    return label


def type_of(edge: str) -> str:
    """``aligns_to`` -> ``ALIGNS_TO``: the relationship type of an edge."""
    rel_type = _checked(edge, "edge").upper()
    if not TYPE.match(rel_type):  # pragma: no cover - NAME guarantees it
        raise ValueError(f"bad relationship type {rel_type!r}")
    return rel_type


@dataclass(frozen=True)
class GraphModel:
    """Labels, relationship types and rendered statements for one catalogue."""

    catalogue: Catalogue
    _rendered: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = field(
        default_factory=dict, compare=False, repr=False
    )

    @cached_property
    def labels(self) -> dict[str, str]:
        """Kind name -> label, in catalogue order."""
        labels = {kind: label_of(kind) for kind in self.catalogue.kinds}
        clash = set(labels.values()) & RESERVED_LABELS
        if clash or len(set(labels.values())) != len(labels):
            raise ValueError(f"kinds whose labels clash: {sorted(clash) or labels}")
        return labels

    @cached_property
    def types(self) -> dict[str, str]:
        """Stored edge name -> relationship type, in catalogue order."""
        types = {edge: type_of(edge) for edge in self.catalogue.edges}
        clash = set(types.values()) & (RESERVED_TYPES | {type_of(IMPLICIT_EDGE)})
        if clash or len(set(types.values())) != len(types):
            raise ValueError(f"edges whose types clash: {sorted(clash) or types}")
        return types

    def edge_of_type(self, rel_type: str) -> str:
        """``SUPPORTS`` -> ``supports`` (the inverse of :func:`type_of`)."""
        return rel_type.lower()

    def end_label(self, kinds: frozenset[str]) -> str:
        """The label to find an edge's end by: its kind's, or ``Element`` for several."""
        return self.labels[next(iter(kinds))] if len(kinds) == 1 else ELEMENT

    def names_projection(self, kind: str) -> str:
        """``{.title, .description}``: the fields that name an element of ``kind``."""
        spec = self.catalogue.kind(kind)
        names = dict.fromkeys(n for alternative in spec.names for n in alternative)
        for name in names:
            if not PROPERTY.match(name):
                raise ValueError(f"field {name!r} of {kind} cannot be a property")
        return "{" + ", ".join(f".{n}" for n in names) + "}"

    def kind_of(self, var: str) -> str:
        """A Cypher expression of the kind name of the element ``var``, from its labels."""
        _checked(var, "variable")
        cases = " ".join(f"WHEN {var}:{label} THEN '{kind}'" for kind, label in self.labels.items())
        return f"CASE {cases} END"

    def _value(self, name: str, argument: str | None, bindings: Mapping[str, str]) -> str:
        if argument is None:
            if name == "types":
                return "|".join(self.types.values())
            if name not in bindings:
                raise KeyError(f"placeholder {{{{{name}}}}} is not bound")
            return bindings[name]
        if name == "label":
            if argument not in self.labels:
                raise KeyError(f"no kind {argument!r} in the catalogue")
            return self.labels[argument]
        if name == "type":
            if argument not in self.types:
                raise KeyError(f"no stored edge {argument!r} in the catalogue")
            return self.types[argument]
        if name == "names":
            return self.names_projection(argument)
        if name == "kind_of":
            return self.kind_of(argument)
        raise KeyError(f"unknown placeholder {{{{{name}:{argument}}}}}")

    def render(self, template: str, **bindings: str) -> str:
        """``template`` with its placeholders filled (see the module docstring).

        Bound values must be catalogue-derived names: kind or edge names, labels, types.
        """
        for key, value in bindings.items():
            if not (NAME.match(value) or LABEL.match(value) or TYPE.match(value)):
                raise ValueError(f"{key}={value!r} is not a name from the catalogue")
        text = PLACEHOLDER.sub(lambda m: self._value(m[1], m[2], bindings), template)
        if "{{" in text:
            raise ValueError(f"a malformed placeholder is left: {text[text.find('{{') :][:40]!r}")
        return text

    def statement(self, folder: str, name: str, **bindings: str) -> str:
        """The rendered text of ``<folder>/<name>.cypher`` (cached)."""
        key = (folder, name, tuple(sorted(bindings.items())))
        text = self._rendered.get(key)
        if text is None:
            text = self._rendered[key] = self.render(cypher(folder, name), **bindings)
        return text

    def statements(self, folder: str, name: str, **bindings: str) -> list[str]:
        """The rendered statements of a file that holds several (see
        :func:`coherence.cypher.statements`)."""
        return [self.render(s, **bindings) for s in statements(folder, name)]

    def kind_bindings(self, kind: str) -> dict[str, str]:
        """What a per-kind statement is rendered with."""
        return {"kind": kind, "label": self.labels[kind]}

    def edge_bindings(self, edge: str) -> dict[str, str]:
        """What a per-edge statement is rendered with."""
        spec = self.catalogue.edges[edge]
        return {
            "edge": edge,
            "type": self.types[edge],
            "source": self.end_label(spec.sources),
            "target": self.end_label(spec.targets),
        }


MODEL: Final = GraphModel(FRAMEWORK)
"""The model of the Framework's catalogue."""


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        raise ValueError(f"colour {colour!r} is not #rrggbb")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour`` (WCAG luminance)."""
    lum = [
        (c / 255) / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4
        for c in _channels(colour)
    ]
    luminance = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "#000000" if luminance > 0.179 else "#ffffff"


def _darker(colour: str) -> str:
    return "#" + "".join(f"{int(c * 0.75):02x}" for c in _channels(colour))


def browser_style(model: GraphModel = MODEL) -> str:
    """The Neo4j Browser style (GraSS) of the graph: each kind's label in the catalogue's
    colour, captioned by key; each relationship type captioned by its name.
    ``graph_queries/style.grass`` is this text (a unit test holds it to the catalogue);
    write it with ``python -m coherence.projections.neo4j_model > graph_queries/style.grass``.
    """
    lines = [
        "node {",
        "  diameter: 50px;",
        "  color: #a5abb6;",
        "  border-color: #9aa1ac;",
        "  border-width: 2px;",
        "  text-color-internal: #000000;",
        "  font-size: 10px;",
        "}",
        "relationship {",
        "  color: #a5abb6;",
        "  shaft-width: 1px;",
        "  font-size: 8px;",
        "  padding: 3px;",
        "  text-color-external: #000000;",
        "  text-color-internal: #ffffff;",
        '  caption: "<type>";',
        "}",
        "node.Plan {",
        "  diameter: 80px;",
        "  color: #111827;",
        "  border-color: #000000;",
        "  text-color-internal: #ffffff;",
        '  caption: "{plan}";',
        "}",
    ]
    for kind, label in model.labels.items():
        colour = model.catalogue.kinds[kind].colour.lower()
        lines += [
            f"node.{label} {{",
            f"  color: {colour};",
            f"  border-color: {_darker(colour)};",
            f"  text-color-internal: {_text_on(colour)};",
            '  caption: "{key}";',
            "}",
        ]
    for rel_type in model.types.values():
        lines += [f"relationship.{rel_type} {{", '  caption: "<type>";', "}"]
    lines += [
        f"relationship.{UNLINKED} {{",
        "  color: #d1d5db;",
        "  shaft-width: 1px;",
        '  caption: "{edge}";',
        "}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - python -m coherence.projections.neo4j_model
    print(browser_style(), end="")
