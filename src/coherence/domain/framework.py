"""The Massachusetts Planning and Implementation Framework, as data.

Element kinds, their fields and the edges between them (README, "Plan files").
Everything else, the aggregate, the plan files, the graph, reads these tables
instead of repeating them.

>>> KINDS["initiative"].fields["owner"].type
'text'
>>> edge_between("budget_line", "professional_learning")
'funds'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from coherence.domain.errors import InvalidInput, InvalidValue, UnknownField, UnknownKind

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PLAN_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SCHOOL_YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")
FISCAL_YEAR_PATTERN = re.compile(r"^FY(\d{2}|\d{4})$")

Value = Any
"""A field value as stored in events: str, int, float, None or a list of results."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of an element kind: its type and, for enumerations, its values."""

    name: str
    type: str  # text, date, number, amount, enum, school_year, fiscal_year, results
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class KindSpec:
    """One element kind of the Framework."""

    name: str
    label: str
    fields: Mapping[str, FieldSpec]
    singleton: bool = False
    title_field: str | None = None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.fields)

    @cached_property
    def required(self) -> tuple[str, ...]:
        """The fields that must hold non-blank text."""
        return tuple(name for name, f in self.fields.items() if f.required)


@dataclass(frozen=True)
class EdgeSpec:
    """One kind of link, from the supporter to the supported."""

    name: str
    sources: frozenset[str]
    targets: frozenset[str]
    attributes: tuple[str, ...] = field(default=())


def _kind(
    name: str,
    label: str,
    specs: list[FieldSpec],
    *,
    singleton: bool = False,
    title: str | None = None,
) -> KindSpec:
    return KindSpec(name, label, {s.name: s for s in specs}, singleton, title)


def _t(name: str, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, "text", required=required)


def _e(name: str, *choices: str) -> FieldSpec:
    return FieldSpec(name, "enum", choices)


BENCHMARK_STATUSES = ("not_started", "on_track", "at_risk", "off_track", "complete")

KINDS: dict[str, KindSpec] = {
    k.name: k
    for k in [
        _kind("mission", "Mission", [_t("text", required=True)], singleton=True, title="text"),
        _kind("vision", "Vision", [_t("text", required=True)], singleton=True, title="text"),
        _kind(
            "theory_of_action",
            "Theory of action",
            [_t("text", required=True)],
            singleton=True,
            title="text",
        ),
        _kind("core_value", "Core value", [_t("name"), _t("description")], title="name"),
        _kind(
            "data_finding",
            "Data finding",
            [_t("statement"), _t("subject"), _t("student_group"), _t("source")],
            title="statement",
        ),
        _kind("objective", "Objective", [_t("title"), _t("description")], title="title"),
        _kind(
            "initiative",
            "Initiative",
            [
                _t("title"),
                _t("description"),
                _t("owner"),
                FieldSpec("start", "date"),
                FieldSpec("end", "date"),
            ],
            title="title",
        ),
        _kind(
            "outcome",
            "Outcome",
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
            title="statement",
        ),
        _kind(
            "professional_learning",
            "Professional learning",
            [
                _t("title"),
                _e("kind", "professional_development", "induction", "mentoring"),
                _t("audience"),
            ],
            title="title",
        ),
        _kind(
            "benchmark",
            "Benchmark",
            [
                _t("description"),
                _e("kind", "process", "early_evidence"),
                FieldSpec("school_year", "school_year"),
                _t("owner"),
                FieldSpec("due", "date"),
                FieldSpec("status", "enum", BENCHMARK_STATUSES),
            ],
            title="description",
        ),
        _kind(
            "budget_line",
            "Budget line",
            [
                FieldSpec("fiscal_year", "fiscal_year"),
                _t("fund"),
                _t("account"),
                _t("description"),
                FieldSpec("amount", "amount"),
            ],
            title="description",
        ),
        _kind(
            "school_plan",
            "School plan",
            [_t("school"), FieldSpec("school_year", "school_year"), _t("title")],
            title="school",
        ),
        _kind(
            "educator_goal",
            "Educator goal",
            [
                _t("educator"),
                _e("kind", "student_learning", "professional_practice"),
                FieldSpec("school_year", "school_year"),
                _t("statement"),
            ],
            title="educator",
        ),
    ]
}

SINGLETON_KINDS = tuple(k for k, spec in KINDS.items() if spec.singleton)

EDGES: dict[str, EdgeSpec] = {
    e.name: e
    for e in [
        EdgeSpec("informs", frozenset({"data_finding"}), frozenset({"objective"})),
        EdgeSpec("supports", frozenset({"initiative"}), frozenset({"objective"})),
        EdgeSpec("measures", frozenset({"outcome"}), frozenset({"objective"})),
        EdgeSpec("enables", frozenset({"professional_learning"}), frozenset({"initiative"})),
        EdgeSpec("tracks", frozenset({"benchmark"}), frozenset({"initiative"})),
        EdgeSpec(
            "funds",
            frozenset({"budget_line"}),
            frozenset({"initiative", "professional_learning"}),
            ("amount",),
        ),
        EdgeSpec(
            "aligns_to",
            frozenset({"school_plan", "educator_goal"}),
            frozenset({"objective", "initiative"}),
        ),
    ]
}
"""Links a plan stores. ``advances`` (objective to mission) is implicit, never stored."""

IMPLICIT_EDGE = "advances"

_EDGE_OF_KINDS = {
    (source, target): e.name for e in EDGES.values() for source in e.sources for target in e.targets
}


def kind_spec(kind: object, path: str = "kind") -> KindSpec:
    """The spec of an element kind, or :class:`UnknownKind`."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise UnknownKind(path, "one of " + ", ".join(KINDS), kind)
    return KINDS[kind]


def edge_between(source_kind: str, target_kind: str) -> str | None:
    """The edge that may link an element of one kind to one of another, if any.

    Each pair of kinds has at most one edge, so a link is identified by its ends.
    """
    return _EDGE_OF_KINDS.get((source_kind, target_kind))


def singleton_key(kind: str) -> str:
    """The fixed key of a one-per-plan element (mission, vision, theory of action)."""
    return kind


def check_key(key: object, path: str = "key") -> str:
    """A valid element key, or :class:`InvalidValue` naming the pattern."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidValue(
            path,
            "a key of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            key,
        )
    return key


def check_plan_id(plan_id: object, path: str = "plan.id") -> str:
    """A valid plan id (a lower-case slug)."""
    if not isinstance(plan_id, str) or not PLAN_ID_PATTERN.match(plan_id):
        raise InvalidValue(
            path, "a slug of lower-case letters, digits and '-' (at most 64)", plan_id
        )
    return plan_id


class Fields(dict[str, Value]):
    """All the fields of an element, as :func:`normalize_fields` made them for ``kind``.

    Read-only, so it stays proof of that: normalizing it again for the same kind
    returns it as it is. (A plan file's check normalizes every element, and adding
    the element to the plan would otherwise normalize it a second time.)
    """

    __slots__ = ("kind",)

    def __init__(self, kind: str, values: Mapping[str, Value]) -> None:
        super().__init__(values)
        self.kind = kind

    def _read_only(self, *_: object, **__: object) -> Any:
        raise TypeError("normalized fields are read-only; copy them with dict(...)")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> Fields:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Fields:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Fields, (self.kind, dict(self)))


def normalize_fields(
    kind: str, fields: Mapping[str, object], path: str = "fields", *, partial: bool = False
) -> dict[str, Value]:
    """Validate and normalize the fields of an element of ``kind``.

    Returns every field of the kind (absent ones as None), read-only, unless
    ``partial``, in which case only the given fields are returned (a revision).
    Text is kept as written; white-space-only text is kept too (the audit reads it
    as missing). Dates become ISO strings, integral floats become ints.

    >>> normalize_fields("benchmark", {"due": date(2026, 6, 1), "status": "on_track"})["due"]
    '2026-06-01'
    """
    if type(fields) is Fields and fields.kind == kind:
        return fields if not partial else dict(fields)
    spec = kind_spec(kind)
    specs = spec.fields
    out: dict[str, Value] = {} if partial else dict.fromkeys(specs)
    for name, raw in fields.items():
        fspec = specs.get(name)
        if fspec is None:
            raise UnknownField(
                f"{path}.{name}", f"a field of {spec.label.lower()}: " + ", ".join(specs)
            )
        if raw is None or (type(raw) is str and fspec.type == "text"):
            out[name] = raw  # the common cases
            continue
        try:  # the field's whole path is built only for an error
            out[name] = normalize_value(fspec, raw, name)
        except InvalidInput as e:
            raise type(e)(f"{path}.{e.path}", e.expected, e.got) from None
    if partial:
        return out
    for name in spec.required:
        if _is_blank(out[name]):
            raise InvalidValue(f"{path}.{name}", "a non-empty text")
    return Fields(kind, out)


def normalize_value(spec: FieldSpec, raw: object, path: str) -> Value:
    """Normalize one field value, or raise :class:`InvalidValue` naming ``path``."""
    if raw is None:
        return None
    match spec.type:
        case "text":
            if not isinstance(raw, str):
                raise InvalidValue(path, "text", raw)
            return raw
        case "date":
            return normalize_date(raw, path)
        case "number" | "amount":
            number = normalize_number(raw, path)
            if spec.type == "amount" and (number < 0 or round(number, 2) != number):
                raise InvalidValue(path, "an amount of 0 or more, in dollars and cents", raw)
            return number
        case "enum":
            if raw not in spec.choices:
                raise InvalidValue(path, "one of " + ", ".join(spec.choices), raw)
            return raw
        case "school_year":
            return _school_year(raw, path)
        case "fiscal_year":
            if not isinstance(raw, str) or not FISCAL_YEAR_PATTERN.match(raw):
                raise InvalidValue(path, "a fiscal year such as FY26", raw)
            return raw
        case "results":
            return normalize_results(raw, path)
    raise InvalidValue(path, f"a value of type {spec.type}", raw)  # pragma: no cover


def normalize_date(raw: object, path: str) -> str:
    """An ISO date string from a ``date`` or an ISO string."""
    if isinstance(raw, date) and not hasattr(raw, "hour"):
        return raw.isoformat()
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    raise InvalidValue(path, "an ISO date (YYYY-MM-DD)", raw)


def normalize_number(raw: object, path: str) -> int | float:
    """A finite int or float; integral floats become ints so 12 == 12.0 compares equal."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue(path, "a number", raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InvalidValue(path, "a finite number", raw)
        if raw.is_integer() and abs(raw) < 2**53:
            return int(raw)
    return raw


def normalize_results(raw: object, path: str) -> list[dict[str, Value]]:
    """A list of ``{as_of, value}`` results, sorted by date, one per date."""
    if not isinstance(raw, list):
        raise InvalidValue(path, "a list of {as_of, value}", raw)
    by_date: dict[str, dict[str, Value]] = {}
    for i, item in enumerate(raw):
        item_path = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidValue(item_path, "a mapping with as_of and value", item)
        extra = set(item) - {"as_of", "value"}
        if extra:
            raise UnknownField(f"{item_path}.{sorted(extra)[0]}", "as_of or value")
        if "as_of" not in item or "value" not in item:
            raise InvalidValue(item_path, "both as_of and value", item)
        as_of = normalize_date(item["as_of"], f"{item_path}.as_of")
        if as_of in by_date:
            raise InvalidValue(f"{item_path}.as_of", "one result per date", as_of)
        by_date[as_of] = {
            "as_of": as_of,
            "value": normalize_number(item["value"], f"{item_path}.value"),
        }
    return [by_date[d] for d in sorted(by_date)]


def _school_year(raw: object, path: str) -> str:
    if isinstance(raw, str):
        m = SCHOOL_YEAR_PATTERN.match(raw)
        if m and int(m.group(2)) == int(m.group(1)) + 1:
            return raw
    raise InvalidValue(path, "a school year such as 2025-2026", raw)


def with_article(noun: str) -> str:
    """``an objective``, ``a budget line``."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _is_blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_missing(value: Value) -> bool:
    """A value the audit reads as missing: absent, None or white space only."""
    return _is_blank(value)
