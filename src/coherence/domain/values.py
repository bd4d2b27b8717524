"""Field values of plan elements: keys, plan ids, and normalizing what a user gave.

Every field is checked against its :class:`~coherence.domain.framework.FieldSpec` in
the catalogue; a value that does not fit raises :class:`InvalidValue` naming its path.

>>> normalize_fields("benchmark", {"due": date(2026, 6, 1), "status": "on_track"})["due"]
'2026-06-01'
>>> check_fiscal_year("FY27")
'FY27'
>>> normalize_fields("budget_line", {"amount": 174000.0, "fte": 2.5})["fte"]
2.5
>>> try:
...     normalize_fields("budget_line", {"fte": 0.333})
... except InvalidValue as e:
...     print(e.path, "-", e.expected)
fields.fte - positions (FTE) of 0 or more, to the hundredth (2.5)
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from coherence.domain.errors import InvalidInput, InvalidValue, UnknownField
from coherence.domain.framework import FRAMEWORK, Catalogue, FieldSpec, KindSpec

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PLAN_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SCENARIO_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SCENARIO_MARK = "~"
"""Between a plan's id and a scenario's name: ``riverbend-2024~fy28-cuts``."""
SCHOOL_YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")
FISCAL_YEAR_PATTERN = re.compile(r"^FY(\d{2}|\d{4})$")

Value = Any
"""A field value as stored in events: str, int, float, None or a list of results."""


def fiscal_year_option(value: str | None, path: str = "fiscal_year") -> str | None:
    """A fiscal year asked for (an audit's or a funding summary's option), trimmed and
    upper-cased (``FY27``), or None; refused unless it is one as budget lines write it,
    in any case and spacing.

    >>> fiscal_year_option(" fy27 "), fiscal_year_option(None)
    ('FY27', None)
    """
    if value is None:
        return None
    return check_fiscal_year(value.strip().upper(), path)


def check_fiscal_year(value: object, path: str = "fiscal_year") -> str:
    """A fiscal year such as ``FY26`` (or ``FY2026``), or :class:`InvalidValue`."""
    if not isinstance(value, str) or not FISCAL_YEAR_PATTERN.match(value):
        raise InvalidValue(path, "a fiscal year such as FY26", value)
    return value


def check_key(key: object, path: str = "key") -> str:
    """A valid element key, or :class:`InvalidValue` naming the pattern."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidValue(
            path,
            "a key of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            key,
        )
    return key


CHECKED_KEYS: set[str] = set()
"""Keys :func:`check_known_key` found valid (up to 4,096): plan files use the same
keys again and again (``SO1``, ``SI2.3``), and a look-up took a fifth of a match."""


def check_known_key(key: object, path: str = "key") -> str:
    """:func:`check_key`, remembering a valid key in :data:`CHECKED_KEYS`: a caller
    checks ``key in CHECKED_KEYS`` first and calls this only for a key not there."""
    valid = check_key(key, path)
    if type(valid) is str and len(CHECKED_KEYS) < _REMEMBERED:
        CHECKED_KEYS.add(valid)
    return valid


def check_plan_id(plan_id: object, path: str = "plan.id") -> str:
    """A valid plan id (a lower-case slug)."""
    if not isinstance(plan_id, str) or not PLAN_ID_PATTERN.match(plan_id):
        raise InvalidValue(
            path, "a slug of lower-case letters, digits and '-' (at most 64)", plan_id
        )
    return plan_id


def check_scenario_name(name: object, path: str = "name") -> str:
    """A scenario's name: a lower-case slug of at most 40 characters.

    >>> check_scenario_name("fy28-cuts")
    'fy28-cuts'
    """
    if not isinstance(name, str) or not SCENARIO_NAME_PATTERN.match(name):
        raise InvalidValue(path, "a slug of lower-case letters, digits and '-' (at most 40)", name)
    return name


def scenario_id(plan_id: str, name: str) -> str:
    """The plan id of a plan's scenario: ``riverbend-2024~fy28-cuts``."""
    return f"{plan_id}{SCENARIO_MARK}{check_scenario_name(name)}"


def is_scenario_id(plan_id: str) -> bool:
    """Whether a plan id names a scenario (``plan~name``) rather than a live plan."""
    return SCENARIO_MARK in plan_id


def base_plan_id(plan_id: str) -> str:
    """The live plan of a plan id: itself, or the plan a scenario is a draft of.

    >>> base_plan_id("riverbend-2024~fy28-cuts"), base_plan_id("riverbend-2024")
    ('riverbend-2024', 'riverbend-2024')
    """
    return plan_id.split(SCENARIO_MARK, 1)[0]


def check_plan_ref(plan_id: object, path: str = "plan.id") -> str:
    """A plan id, or a scenario's (``plan~name``): what a plan file or a command may name."""
    if isinstance(plan_id, str) and is_scenario_id(plan_id):
        plan, _, name = plan_id.partition(SCENARIO_MARK)
        check_plan_id(plan, path)
        if not SCENARIO_NAME_PATTERN.match(name):
            raise InvalidValue(
                path, "a plan id, or plan~scenario with a slug of at most 40 for the name", plan_id
            )
        return plan_id
    return check_plan_id(plan_id, path)


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
    kind: str,
    fields: Mapping[str, object],
    path: str = "fields",
    *,
    partial: bool = False,
    catalogue: Catalogue = FRAMEWORK,
) -> dict[str, Value]:
    """Validate and normalize the fields of an element of ``kind``.

    Returns every field of the kind (absent ones as None), read-only, unless
    ``partial``, in which case only the given fields are returned (a revision).
    Text is kept as written; white-space-only text is kept too (the audit reads it
    as missing). Dates become ISO strings, integral floats become ints.

    """
    if type(fields) is Fields and fields.kind == kind:
        return fields if not partial else dict(fields)
    checks = _KIND_CHECKS.get(kind) if type(kind) is str else None
    if checks is None or checks[0] is not catalogue:
        checks = _kind_checks(catalogue, kind)
    _, spec, texts, normalizers, required, absent = checks
    specs = spec.fields
    out: dict[str, Value] = {} if partial else absent.copy()
    for name, raw in fields.items():
        if type(raw) is str and name in texts:
            out[name] = raw  # the common case
            continue
        normalize = normalizers.get(name)
        if normalize is None:
            raise UnknownField(
                f"{path}.{name}", f"a field of {spec.label.lower()}: " + ", ".join(specs)
            )
        if raw is None:
            out[name] = raw
            continue
        try:  # the field's whole path is built only for an error
            out[name] = normalize(raw, name)
        except InvalidInput as e:
            raise type(e)(f"{path}.{e.path}", e.expected, e.got) from None
    if partial:
        return out
    for name in required:
        value = out[name]
        if value is None or (isinstance(value, str) and not value.strip()):  # _is_blank
            raise InvalidValue(f"{path}.{name}", "a non-empty text")
    fields = _NEW_DICT(Fields)  # _fields(kind, out), without the call
    _UPDATE_DICT(fields, out)
    fields.kind = kind
    return fields


_KindChecks = tuple[
    Catalogue, KindSpec, frozenset[str], dict[str, "Normalizer"], tuple[str, ...], dict[str, None]
]
_KIND_CHECKS: dict[str, _KindChecks] = {}
"""What :func:`normalize_fields` needs of a kind (its spec, text fields, normalizers,
required fields, and every field as None, copied for each element: a third of the time
of ``dict.fromkeys``), by kind, for the catalogue it was worked out in (the last one asked):
one lookup an element rather than a call and four attributes (a plan file has
thousands)."""


def _kind_checks(catalogue: Catalogue, kind: object) -> _KindChecks:
    """:data:`_KIND_CHECKS` of a kind, worked out (:class:`UnknownKind` for a kind that
    ``catalogue`` does not know)."""
    spec = catalogue.kind(kind)
    absent: dict[str, None] = dict.fromkeys(spec.fields)
    checks = (catalogue, spec, spec.text_fields, _normalizers(spec), spec.required, absent)
    if type(kind) is str:
        _KIND_CHECKS[kind] = checks
    return checks


def _fields(kind: str, values: dict[str, Value]) -> Fields:
    """``Fields(kind, values)`` without its ``__init__`` (a Python call through ``super()``
    per element took half the time of building it: a plan file has thousands)."""
    fields = _NEW_DICT(Fields)
    _UPDATE_DICT(fields, values)
    fields.kind = kind
    return fields


_NEW_DICT = dict.__new__
_UPDATE_DICT = dict.update


Normalizer = Callable[[object, str], Value]
"""``normalize_value`` of one field spec: ``(raw, path) -> value``."""

_NORMALIZERS: dict[int, tuple[KindSpec, dict[str, Normalizer]]] = {}
"""Each kind spec's normalizers by field name, by the spec's id (the spec kept with
them, so that the id stays its own)."""


def _normalizers(spec: KindSpec) -> dict[str, Normalizer]:
    """The normalizer of each field of a kind: :func:`normalize_value` of its field spec,
    without its dispatch on the type at every value (a plan file has thousands)."""
    found = _NORMALIZERS.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    table = {name: _normalizer(field) for name, field in spec.fields.items()}
    _NORMALIZERS[id(spec)] = (spec, table)
    return table


def _normalizer(spec: FieldSpec) -> Normalizer:
    match spec.type:
        case "date":
            return normalize_date
        case "school_year":
            return _school_year
        case "fiscal_year":
            return check_fiscal_year
        case "results":
            return normalize_results
        case "number":  # normalize_value's, without its dispatch on the type
            return normalize_number
        case "amount" | "fte":
            return functools.partial(_non_negative, spec.type == "amount")
        case "enum":
            choices = spec.choices

            def enum(raw: object, path: str) -> Value:
                if raw not in choices:
                    raise InvalidValue(path, "one of " + ", ".join(choices), raw)
                return raw

            return enum
    return functools.partial(normalize_value, spec)


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
        case "number" | "amount" | "fte":
            if spec.type == "number":
                return normalize_number(raw, path)
            return _non_negative(spec.type == "amount", raw, path)
        case "enum":
            if raw not in spec.choices:
                raise InvalidValue(path, "one of " + ", ".join(spec.choices), raw)
            return raw
        case "school_year":
            return _school_year(raw, path)
        case "fiscal_year":
            return check_fiscal_year(raw, path)
        case "results":
            return normalize_results(raw, path)
    raise InvalidValue(path, f"a value of type {spec.type}", raw)  # pragma: no cover


def _non_negative(amount: bool, raw: object, path: str) -> int | float:
    """An amount (``amount``), else positions (FTE): a number of 0 or more, to the
    hundredth."""
    number = normalize_number(raw, path)
    if number >= 0 and round(number, 2) == number:
        return number
    if amount:
        raise InvalidValue(path, "an amount of 0 or more, in dollars and cents", raw)
    raise InvalidValue(path, "positions (FTE) of 0 or more, to the hundredth (2.5)", raw)


def normalize_date(raw: object, path: str) -> str:
    """An ISO date string from a ``date`` or an ISO string."""
    if type(raw) is str:
        known = _DATES.get(raw)
        if known is not None:
            return known
    if isinstance(raw, date) and not hasattr(raw, "hour"):
        return raw.isoformat()
    if isinstance(raw, str):
        try:
            value = date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
        else:
            if type(raw) is str and len(_DATES) < _REMEMBERED:
                _DATES[raw] = value
            return value
    raise InvalidValue(path, "an ISO date (YYYY-MM-DD)", raw)


_REMEMBERED = 4096
"""How many checked dates and school years are remembered (a plan file repeats a few
hundred again and again; checking one took longer than looking it up)."""
_DATES: dict[str, str] = {}
_SCHOOL_YEARS: set[str] = set()


def normalize_number(raw: object, path: str) -> int | float:
    """A finite int or float; integral floats become ints so 12 == 12.0 compares equal."""
    if type(raw) is int:  # the common case (a bool is not one)
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
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


def check_school_year(raw: object, path: str = "school_year") -> str:
    """A school year such as ``2025-2026`` (the second year the first's next)."""
    return _school_year(raw, path)


def _school_year(raw: object, path: str) -> str:
    if type(raw) is str and raw in _SCHOOL_YEARS:
        return raw
    if isinstance(raw, str):
        m = SCHOOL_YEAR_PATTERN.match(raw)
        if m and int(m.group(2)) == int(m.group(1)) + 1:
            if type(raw) is str and len(_SCHOOL_YEARS) < _REMEMBERED:
                _SCHOOL_YEARS.add(raw)
            return raw
    raise InvalidValue(path, "a school year such as 2025-2026", raw)


def is_missing(value: Value) -> bool:
    """A value the audit reads as missing: absent, None or white space only."""
    return _is_blank(value)


def _is_blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- records kept with lifecycle and progress events ---------------------------------

URL_PATTERN = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
MAX_NOTE = 4000
"""The longest note of a progress report (characters)."""


def check_text(raw: object, path: str, limit: int = 200) -> str | None:
    """Optional text of at most ``limit`` characters, stripped (None when blank).

    >>> check_text("  School Committee ", "body"), check_text(" ", "body")
    ('School Committee', None)
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidValue(path, "text", raw)
    text = raw.strip()
    if len(text) > limit:
        raise InvalidValue(path, f"text of at most {limit} characters", f"{len(text)} characters")
    return text or None


def check_url(raw: object, path: str) -> str:
    """An http(s) URL of at most 2,000 characters, or :class:`InvalidValue`.

    >>> check_url("https://example.org/minutes.pdf", "minutes_url")
    'https://example.org/minutes.pdf'
    """
    if not isinstance(raw, str) or len(raw) > 2000 or not URL_PATTERN.match(raw.strip()):
        raise InvalidValue(path, "an http:// or https:// URL", raw)
    return raw.strip()


def check_sha256(raw: object, path: str) -> str:
    """A SHA-256 digest in lower-case hexadecimal (64 characters)."""
    if not isinstance(raw, str) or not SHA256_PATTERN.match(raw):
        raise InvalidValue(path, "a SHA-256 digest (64 lower-case hexadecimal digits)", raw)
    return raw
