"""Plan files (``format: coherence/plan@1``), YAML or JSON: read, check, write.

The text is read defensively by :mod:`coherence.application.plan_text` (size,
encoding, no YAML aliases, no duplicate keys, depth); here it is checked against the
catalogue. Every refusal is a :class:`PlanFileError` naming the file, the path in the
document (``initiatives[3].supports[0]``) and what was expected. The checked document
becomes a :class:`PlanState`; writing goes the other way, so an exported file imports
back as a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any

import yaml

from coherence.application.memory import collector_paused
from coherence.application.plan_text import MAX_FILE_BYTES, parse_text
from coherence.domain.changes import NO_ATTRIBUTES, Element, Link, PlanState
from coherence.domain.errors import InvalidInput, PlanFileError, UnknownField
from coherence.domain.framework import (
    FRAMEWORK,
    Catalogue,
    FieldSpec,
    KindSpec,
    LinkSpec,
    with_article,
)
from coherence.domain.values import (
    CHECKED_KEYS,
    KEY_PATTERN,
    check_key,
    check_known_key,
    check_plan_ref,
    normalize_date,
    normalize_fields,
    normalize_value,
)

FORMAT = "coherence/plan@1"
_AMOUNT = FieldSpec("amount", "amount")
_NEW_TUPLE = tuple.__new__
"""``Element(...)`` and ``Link(...)`` without their Python ``__new__`` (a plan file
makes one of either for each of its thousands of elements and links)."""


PLAN_HEADER = ("id", "district", "title", "period")


def top_level(catalogue: Catalogue = FRAMEWORK) -> tuple[str, ...]:
    """The top-level names of a plan file: ``format``, ``plan``, the one-per-plan
    elements, then a section per kind, in the catalogue's order."""
    sections = (spec.section for spec in catalogue.sections if spec.section)
    return ("format", "plan", *catalogue.singletons, *sections)


# -- reading -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDocument:
    """A checked plan file: the plan's id and the whole plan it describes."""

    plan_id: str
    state: PlanState
    blank_is_empty: bool = field(default=False, compare=False)
    """Whether a blank field here may stand for an empty one (``""``, ``[]``): so in a
    workbook. Importing it keeps the stored plan's empty values (see
    :func:`~coherence.domain.changes.keep_empty`)."""
    proof: object = field(default=None, compare=False, repr=False)
    """Set by :func:`check_document` alone: see :attr:`checked`."""

    @property
    def checked(self) -> bool:
        """Whether :func:`check_document` made this plan, with the plan aggregate's own
        catalogue: every element and link was then checked as the aggregate would check
        them, so a new plan's import need not check them again. A document built any
        other way (a test's, another reader's) is checked by the aggregate as before."""
        proof = self.proof
        return isinstance(proof, _Checked) and proof.state is self.state


def read_document(
    data: bytes | str,
    *,
    filename: str,
    media: str | None = None,
    catalogue: Catalogue = FRAMEWORK,
) -> PlanDocument:
    """Parse and check a plan file; :class:`PlanFileError` on the first problem."""
    return check_document(
        parse_text(data, filename=filename, media=media), filename=filename, catalogue=catalogue
    )


@dataclass(frozen=True)
class PlanSource:
    """A plan file to import: its name, and its text or already parsed data; with
    neither, the file of that name is read."""

    name: str
    data: bytes | str | Mapping[str, Any] | None = None

    def read(self) -> PlanDocument:
        """The checked plan file; :class:`PlanFileError` if it cannot be read or checked."""
        data = self.content()
        if isinstance(data, bytes | str):
            return read_document(data, filename=self.name)
        return check_document(data, filename=self.name)

    def content(self) -> bytes | str | Mapping[str, Any]:
        """The data given, else the file's first bytes (one more than a file may have)."""
        if self.data is not None:
            return self.data
        try:
            with open(self.name, "rb") as f:
                return f.read(MAX_FILE_BYTES + 1)
        except OSError as e:
            raise PlanFileError(self.name, "(file)", "a readable file", e.strerror) from None


def check_document(doc: object, *, filename: str, catalogue: Catalogue = FRAMEWORK) -> PlanDocument:
    """Check parsed plan-file data and turn it into the plan it describes."""
    try:
        with collector_paused():
            return _check(doc, catalogue)
    except PlanFileError:
        raise
    except InvalidInput as e:
        raise PlanFileError(filename, e.path, e.expected, e.got) from None


def _check(doc: object, catalogue: Catalogue) -> PlanDocument:
    # No depth check here: parse_text refuses deep text, and every check below
    # descends only as deep as the format goes.
    root = _mapping(doc, "(document)")
    allowed = top_level(catalogue)
    for name in root:
        if name not in allowed:
            raise InvalidInput(str(name), "a section of a plan file: " + ", ".join(allowed))
    if root.get("format") != FORMAT:
        raise InvalidInput("format", repr(FORMAT), root.get("format"))
    header = _mapping(root.get("plan"), "plan")
    _only(header, "plan", PLAN_HEADER)
    plan_id = check_plan_ref(header.get("id"))
    period = _mapping(header.get("period") or {}, "plan.period")
    _only(period, "plan.period", ("start", "end"))
    details = {
        "district": _text(header.get("district"), "plan.district"),
        "title": _text(header.get("title"), "plan.title"),
        "period_start": None
        if period.get("start") is None
        else normalize_date(period["start"], "plan.period.start"),
        "period_end": None
        if period.get("end") is None
        else normalize_date(period["end"], "plan.period.end"),
    }
    if (
        details["period_start"]
        and details["period_end"]
        and details["period_end"] < details["period_start"]
    ):
        raise InvalidInput(
            "plan.period.end", "a date on or after plan.period.start", details["period_end"]
        )

    elements: dict[str, Element] = {}
    where: dict[str, tuple[str, int | None]] = {}  # an element's section and index
    for kind in catalogue.singletons:
        if root.get(kind) is not None:
            fields = normalize_fields(kind, {"text": root[kind]}, kind, catalogue=catalogue)
            elements[kind] = Element(kind, fields)
            where[kind] = (kind, None)
    # Paths are built only for an error: checks inside an item raise with paths relative
    # to it (".key"), and the section's name and the index are put in front on the way out.
    pending_links: list[tuple[str, str, int, LinkSpec, Any]] = []
    for spec in catalogue.sections:
        name = spec.section or spec.name
        kind = spec.name
        for i, item in enumerate(_list(root.get(name), name)):
            try:
                key, fields = _element(spec, item, i, where, pending_links, catalogue)
            except InvalidInput as e:
                raise type(e)(f"{name}[{i}]{e.path}", e.expected, e.got) from None
            elements[key] = _NEW_TUPLE(Element, (kind, fields, False))
            where[key] = (name, i)

    kinds = catalogue.kinds
    links: dict[tuple[str, str], Link] = {}
    for key, section, i, link_field, raw in pending_links:
        edge, reverse, allowed_kinds = link_field.edge, link_field.reverse, link_field.targets
        targets = _plain_targets(raw, link_field, elements)
        if targets is not None:  # the common case: the same checks, in the same order
            plain = _NEW_TUPLE(Link, (edge, NO_ATTRIBUTES))  # read-only: its links share it
            for j, target in enumerate(targets):
                linked = elements[target]
                if linked.kind not in allowed_kinds:
                    raise _not_a_target(kinds, section, i, link_field, raw, j, target, linked)
                ends = (target, key) if reverse else (key, target)
                if ends in links:
                    path = _link_path(f"{section}[{i}]", link_field, raw, j)
                    raise InvalidInput(path, "each link once", target)
                links[ends] = plain
            continue
        for j, (target, attributes) in enumerate(
            _link_items(raw, section, i, link_field, elements)
        ):
            other = elements.get(target)
            if other is None or other.kind not in allowed_kinds:
                raise _not_a_target(kinds, section, i, link_field, raw, j, target, other)
            ends = (target, key) if reverse else (key, target)
            if ends in links:
                path = _link_path(f"{section}[{i}]", link_field, raw, j)
                raise InvalidInput(path, "each link once", target)
            links[ends] = _NEW_TUPLE(Link, (edge, attributes))
    state = PlanState(plan_id, details, MappingProxyType(elements), MappingProxyType(links))
    proof = _Checked(state) if _checks_as_the_plan_does(catalogue) else None
    return PlanDocument(plan_id, state, proof=proof)


class _Checked:
    """The proof that :func:`_check` made a plan state (read-only: its elements and
    links are mapping proxies, their fields and attributes read-only too)."""

    __slots__ = ("state",)

    def __init__(self, state: PlanState) -> None:
        self.state = state


def _checks_as_the_plan_does(catalogue: Catalogue) -> bool:
    """Whether the checks of a plan file in ``catalogue`` prove what the plan aggregate
    checks (it knows only :data:`FRAMEWORK`); worked out once."""
    return catalogue is FRAMEWORK and _framework_links_agree()


@cache
def _framework_links_agree() -> bool:
    """Whether each link field of :data:`FRAMEWORK` names the edge between the kinds at
    its ends, with that edge's attributes, and gives an allocation's amount wherever the
    aggregate fills one in (a ``funds`` link)."""
    for spec in FRAMEWORK.sections:
        for link_field in spec.links:
            for other in link_field.targets:
                ends = (other, spec.name) if link_field.reverse else (spec.name, other)
                if FRAMEWORK.edge_between(*ends) != link_field.edge:
                    return False
            edge = FRAMEWORK.edges[link_field.edge]
            if edge.attributes != link_field.attributes or (
                link_field.edge == "funds" and not link_field.with_amount
            ):
                return False
    return True


def _element(
    spec: KindSpec,
    item: object,
    i: int,
    where: Mapping[str, tuple[str, int | None]],
    pending_links: list[tuple[str, str, int, LinkSpec, Any]],
    catalogue: Catalogue,
) -> tuple[str, dict[str, Any]]:
    """One item of a section, the ``i``-th: its key and fields; its links go to
    ``pending_links``, with its section and index.

    Raises with paths relative to the item (``.key``).
    """
    # A parsed file's item is a dict: its keys are checked to be text only if one is not
    # a field (walking every item's keys for that took a tenth of the check).
    entry = item.copy() if type(item) is dict else dict(_mapping(item, ""))
    key = entry.pop("key", None)
    if type(key) is not str or key not in CHECKED_KEYS:
        check_known_key(key, ".key")  # raises, saying what a key is, if it is not one
    if key in where:
        first, index = where[key]
        at = first if index is None else f"{first}[{index}]"
        raise InvalidInput(".key", f"a key used once in the file (already at {at})", key)
    if key in catalogue.singletons:
        raise InvalidInput(".key", "a key other than " + _or(catalogue.singletons), key)
    section = spec.section or spec.name
    for link_field in spec.links:
        if link_field.field in entry:
            pending_links.append((key, section, i, link_field, entry.pop(link_field.field)))
    try:
        fields = normalize_fields(spec.name, entry, "", catalogue=catalogue)
    except UnknownField:
        _mapping(item, "")  # a key that is not text says so
        raise
    if fields.get("start") and fields.get("end") and fields["end"] < fields["start"]:
        raise InvalidInput(".end", f"a date on or after {section}[{i}].start", fields["end"])
    return key, fields


def _or(names: tuple[str, ...]) -> str:
    """``mission, vision or theory_of_action``."""
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def _link_path(at: str, link_field: LinkSpec, raw: object, j: int) -> str:
    """The path of the ``j``-th key of a link field (no index when it is a single key)."""
    path = f"{at}.{link_field.field}"
    return f"{path}[{j}]" if isinstance(raw, list) else path


def _plain_targets(
    raw: object, link_field: LinkSpec, elements: Mapping[str, object]
) -> list[str] | tuple[str] | None:
    """The targets of a link field without attributes when each is the key of an element
    of the file (so :func:`_link_items` would find nothing wrong with them); else None.

    Checking them first, and then linking, took half the time of :func:`_link_items`'
    pairs (a plan file has thousands of links).
    """
    if link_field.with_amount:
        return None
    if type(raw) is list:
        for target in raw:
            if type(target) is not str or target not in elements:
                return None
        return raw
    if type(raw) is str and not link_field.many and raw in elements:
        return (raw,)
    return None


def _not_a_target(
    kinds: Mapping[str, KindSpec],
    section: str,
    i: int,
    link_field: LinkSpec,
    raw: object,
    j: int,
    target: str,
    other: Element | None,
) -> InvalidInput:
    """The refusal of a link field's ``j``-th target: no element of the file, or one of a
    kind the field does not link to."""
    wanted = " or ".join(kinds[k].label.lower() for k in link_field.targets)
    found = (
        "" if other is None else f" ({target} is {with_article(kinds[other.kind].label.lower())})"
    )
    return InvalidInput(
        _link_path(f"{section}[{i}]", link_field, raw, j),
        f"the key of {with_article(wanted)} in this file{found}",
        target,
    )


def _link_items(
    raw: object, section: str, i: int, link_field: LinkSpec, known: Mapping[str, object]
) -> list[tuple[str, Mapping[str, Any]]]:
    """The targets of a link field of the ``i``-th item of ``section``, with their
    attributes; a target that is the key of an element ``known`` is a key already."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw] if not link_field.many else None
    if items is None:
        raise InvalidInput(f"{section}[{i}].{link_field.field}", "a list of keys", raw)
    out = []
    with_amount = link_field.with_amount
    for j, item in enumerate(items):
        if with_amount:
            try:
                out.append(_allocation(item))
            except InvalidInput as e:
                path = _link_path(f"{section}[{i}]", link_field, raw, j)
                raise type(e)(path + e.path, e.expected, e.got) from None
        elif type(item) is str and (item in known or KEY_PATTERN.match(item)):
            out.append((item, NO_ATTRIBUTES))
        else:
            path = _link_path(f"{section}[{i}]", link_field, raw, j)
            out.append((check_key(item, path), NO_ATTRIBUTES))
    return out


def _allocation(item: object) -> tuple[str, Mapping[str, Any]]:
    """An allocation ``{target, amount}``: its target and attributes (paths relative
    to it)."""
    if type(item) is dict and len(item) == 2:  # the common case, checked as below
        target, amount = item.get("target"), item.get("amount")
        if type(target) is str and target in CHECKED_KEYS and type(amount) is int and amount >= 0:
            return target, MappingProxyType({"amount": amount})
    entry = _mapping(item, "")
    _only(entry, "", ("target", "amount"))
    target = check_key(entry.get("target"), ".target")
    amount = normalize_value(_AMOUNT, entry.get("amount"), ".amount")
    return target, MappingProxyType({"amount": amount})


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if type(value) is not dict and not isinstance(value, Mapping):
        raise InvalidInput(path, "a mapping", value)
    for k in value:
        if type(k) is not str and not isinstance(k, str):
            raise InvalidInput(f"{path}.{k}", "text keys", k)
    return value


def _list(value: object, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(path, "a list", value)
    return value


def _only(mapping: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
    for name in mapping:
        if name not in allowed:
            raise InvalidInput(f"{path}.{name}", "one of " + ", ".join(allowed))


def _text(value: object, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(path, "text", value)
    return value


# -- writing -------------------------------------------------------------------


def state_to_document(state: PlanState, catalogue: Catalogue = FRAMEWORK) -> dict[str, Any]:
    """The plan file of a plan: active elements in their stored order, links on their owners.

    Every kind of the catalogue is written, so a kind cannot vanish from exports.
    """
    period = {
        k: v
        for k, v in (
            ("start", state.details.get("period_start")),
            ("end", state.details.get("period_end")),
        )
        if v
    }
    header: dict[str, Any] = {"id": state.plan_id}
    for name in ("district", "title"):
        if state.details.get(name) is not None:
            header[name] = state.details[name]
    if period:
        header["period"] = period
    doc: dict[str, Any] = {"format": FORMAT, "plan": header}
    active = state.active()
    for kind in catalogue.singletons:
        if kind in active:
            doc[kind] = active[kind].fields["text"]
    outgoing: dict[str, list[tuple[str, Link]]] = {}
    incoming: dict[str, list[tuple[str, Link]]] = {}
    for (source, target), link in state.links.items():
        outgoing.setdefault(source, []).append((target, link))
        incoming.setdefault(target, []).append((source, link))
    for spec in catalogue.sections:
        items = []
        for key, element in active.items():
            if element.kind != spec.name:
                continue
            item: dict[str, Any] = {"key": key}
            item.update({k: v for k, v in element.fields.items() if v is not None})
            for link_field in spec.links:
                ends = incoming if link_field.reverse else outgoing
                found = [
                    (other, link)
                    for other, link in ends.get(key, [])
                    if link.edge == link_field.edge
                ]
                if link_field.with_amount:
                    item[link_field.field] = [
                        {"target": t, "amount": link.attributes.get("amount")} for t, link in found
                    ]
                elif link_field.many:
                    item[link_field.field] = [t for t, _ in found]
                elif len(found) == 1:
                    item[link_field.field] = found[0][0]
                elif found:
                    item[link_field.field] = [t for t, _ in found]
            items.append(item)
        if items:
            doc[spec.section or spec.name] = items
    return doc


def dump_document(
    doc: Mapping[str, Any], fmt: str = "yaml", catalogue: Catalogue = FRAMEWORK
) -> str:
    """Write a plan file as YAML (dates unquoted) or JSON."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    dates = catalogue.date_fields | _OTHER_DATES
    return yaml.safe_dump(
        _with_dates(doc, dates),
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def _with_dates(value: Any, dates: frozenset[str], field: str | None = None) -> Any:
    if isinstance(value, Mapping):
        return {k: _with_dates(v, dates, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_dates(v, dates, field) for v in value]
    if isinstance(value, str) and field in dates:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


_OTHER_DATES = frozenset({"as_of", "start", "end"})
"""Dates outside the kinds' fields: a result's date and the plan's period."""
