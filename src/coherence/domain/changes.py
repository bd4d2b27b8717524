"""Plan states and the changes between two of them.

One function, :func:`plan_changes`, says what turns one plan into another. The
import of a plan file uses it (current plan -> file), and so does the diff
between two versions (version n -> version m); :func:`apply_changes` replays a
change list on a plan through its normal commands, so its invariants hold.

>>> before = PlanState("p", {}, {}, {})
>>> so1 = Element("objective", {"title": "Read", "description": None})
>>> after = PlanState("p", {}, {"SO1": so1}, {})
>>> [c.op for c in plan_changes(before, after)]
['add']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from coherence.domain.plan import DistrictPlan, Revision


class Element(NamedTuple):
    """An element of a plan state (a named tuple: a plan has thousands)."""

    kind: str
    fields: Mapping[str, Any]
    retired: bool = False


NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})
"""The attributes of a link without any (read-only, so one serves every link, and two
plan states' links without attributes are told equal at once)."""


class Link(NamedTuple):
    """A link of a plan state, with its attributes (the amount of an allocation)."""

    edge: str
    attributes: Mapping[str, Any] = NO_ATTRIBUTES


@dataclass(frozen=True)
class PlanState:
    """A whole plan as plain data: details, elements (active and retired) and links."""

    plan_id: str
    details: Mapping[str, Any]
    elements: Mapping[str, Element]
    links: Mapping[tuple[str, str], Link]
    status: str = "draft"

    @classmethod
    def of(cls, plan: DistrictPlan) -> PlanState:
        return cls(
            plan_id=plan.plan_id,
            details=plan.details(),
            elements={
                k: Element(e["kind"], dict(e["fields"]), e["retired"])
                for k, e in plan.elements.items()
            },
            links={
                (s, t): Link(link["edge"], {k: v for k, v in link.items() if k != "edge"})
                for s, t, link in plan.iter_links()
            },
            status=plan.status,
        )

    @classmethod
    def view(cls, plan: DistrictPlan) -> PlanState:
        """:meth:`of`, sharing the plan's field dicts instead of copying them: for a
        state that is read at once (diffed) and dropped before the plan changes, as a
        re-import does with the plan it loaded (copying a plan's fields took longer
        than diffing them)."""
        new = tuple.__new__  # the named tuples without their Python __new__: a plan has
        return cls(  # thousands of elements and links
            plan_id=plan.plan_id,
            details=plan.details(),
            elements={
                k: new(Element, (e["kind"], e["fields"], e["retired"]))
                for k, e in plan.elements.items()
            },
            links={
                (s, t): new(Link, (link["edge"], NO_ATTRIBUTES))
                if len(link) == 1
                else Link(link["edge"], {k: v for k, v in link.items() if k != "edge"})
                for s, targets in plan.links.items()  # iter_links, without its generator
                for t, link in targets.items()
            },
            status=plan.status,
        )

    def active(self) -> dict[str, Element]:
        return {k: e for k, e in self.elements.items() if not e.retired}


def keep_empty(stored: PlanState, target: PlanState) -> PlanState:
    """``target``, where it leaves a field of an element blank (None) that ``stored``
    holds empty (``""`` or ``[]``), with the stored empty value.

    For a plan read from a spreadsheet: a workbook cannot tell no results from an
    empty list of them, nor a CSV cell empty text from a blank one, so importing one
    must not turn the one into the other.

    >>> oc = Element("outcome", {"results": []})
    >>> read = Element("outcome", {"results": None})
    >>> keep_empty(PlanState("p", {}, {"OC1": oc}, {}), PlanState("p", {}, {"OC1": read}, {}))
    ... # doctest: +ELLIPSIS
    PlanState(... elements={'OC1': Element(kind='outcome', fields={'results': []}, ...
    """
    kept: dict[str, Element] = {}
    for key, element in target.elements.items():
        now = stored.elements.get(key)
        if now is None or now.retired or element.retired or now.kind != element.kind:
            continue
        empty = {
            name: value
            for name, value in now.fields.items()
            if value in ("", []) and element.fields.get(name) is None
        }
        if empty:
            kept[key] = Element(element.kind, {**element.fields, **empty}, element.retired)
    if not kept:
        return target
    elements = {key: kept.get(key, element) for key, element in target.elements.items()}
    return PlanState(target.plan_id, target.details, elements, target.links, target.status)


class Change(NamedTuple):
    """One step from a plan to another (a named tuple: a large import makes many).

    ``op`` is one of ``details``, ``add``, ``restore``, ``revise``, ``retire``,
    ``link``, ``relink`` (link attributes changed) and ``unlink``. Element steps
    carry ``kind`` and ``key``; ``revise``/``details``/``relink`` carry
    ``changes`` as ``{field: (before, after)}``; ``add``/``restore`` carry the
    new ``fields``; link steps carry ``edge``, ``source``, ``target`` and
    ``attributes``.
    """

    op: str
    kind: str | None = None
    key: str | None = None
    fields: Mapping[str, Any] | None = None
    changes: Mapping[str, tuple[Any, Any]] | None = None
    edge: str | None = None
    source: str | None = None
    target: str | None = None
    attributes: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op}
        for name in ("kind", "key", "edge", "source", "target"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.fields is not None:
            out["fields"] = dict(self.fields)
        if self.attributes is not None:
            out["attributes"] = dict(self.attributes)
        if self.changes is not None:
            out["changes"] = [
                {"field": f, "before": before, "after": after}
                for f, (before, after) in self.changes.items()
            ]
        return out


def plan_changes(current: PlanState, target: PlanState) -> list[Change]:
    """The smallest list of steps that turns ``current`` into ``target``.

    Order: details, unlinks, retirements, additions/restorations/revisions (in the
    target's order), then links. Links go before retirement so that retiring
    never removes a link implicitly, and after additions so both ends exist.
    """
    out: list[Change] = []
    detail_changes = _differences(current.details, target.details)
    if detail_changes:
        out.append(Change("details", changes=detail_changes))

    target_elements, current_elements = target.elements, current.elements
    target_links = target.links
    for ends, link in current.links.items():
        if ends not in target_links:
            source, target_key = ends
            out.append(Change("unlink", edge=link.edge, source=source, target=target_key))
    for key, element in current_elements.items():  # the active ones (not built apart)
        if not element.retired:
            wanted = target_elements.get(key)
            if wanted is None or wanted.retired:
                out.append(Change("retire", kind=element.kind, key=key))
    for key, element in target_elements.items():
        if element.retired:
            continue
        now = current_elements.get(key)
        if now is None:
            out.append(Change("add", kind=element.kind, key=key, fields=element.fields))
        elif now.retired:
            out.append(Change("restore", kind=element.kind, key=key, fields=element.fields))
        elif now.fields != element.fields:  # most elements of a revised file are unchanged
            revised = _differences(now.fields, element.fields)
            if revised:
                out.append(Change("revise", kind=element.kind, key=key, changes=revised))
    current_links = current.links
    for ends, link in target_links.items():
        now_link = current_links.get(ends)
        if now_link is not None and now_link.attributes is link.attributes:
            continue  # the same link, without attributes (NO_ATTRIBUTES)
        source, target_key = ends
        if now_link is None:
            out.append(
                Change(
                    "link",
                    edge=link.edge,
                    source=source,
                    target=target_key,
                    attributes=dict(link.attributes),
                )
            )
        elif now_link.attributes != link.attributes and dict(now_link.attributes) != dict(
            link.attributes
        ):
            out.append(
                Change(
                    "relink",
                    edge=link.edge,
                    source=source,
                    target=target_key,
                    attributes=dict(link.attributes),
                    changes=_differences(now_link.attributes, link.attributes),
                )
            )
    return out


def apply_changes(
    plan: DistrictPlan,
    changes: Iterable[Change],
    rev: Revision,
    after_each: Callable[[DistrictPlan], object] | None = None,
) -> None:
    """Replay steps on a plan through its commands (each checks its invariants).

    ``after_each`` is called with the plan after every step (the history takes
    snapshots inside a large import this way).
    """
    for change in changes:
        match change.op:
            case "details":
                plan.revise_details(_new_values(change), rev)
            case "add" | "restore":
                plan.add_element(_req(change.kind), change.key, change.fields or {}, rev)
            case "revise":
                plan.revise_element(
                    _req(change.key),
                    _new_values(change),
                    rev,
                )
            case "retire":
                plan.retire_element(_req(change.key), rev)
            case "link" | "relink":
                plan.link(_req(change.source), _req(change.target), rev, change.attributes)
            case "unlink":
                plan.unlink(_req(change.source), _req(change.target), rev)
            case _:  # pragma: no cover - closed set of ops
                raise ValueError(f"unknown change {change.op}")
        if after_each is not None:
            after_each(plan)


def _differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """``{name: (before, after)}`` for each value of ``after`` that differs from ``before``."""
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}


def _new_values(change: Change) -> dict[str, Any]:
    """The values a ``details`` or ``revise`` step sets."""
    return {k: after for k, (_, after) in (change.changes or {}).items()}


def _req(value: str | None) -> str:
    if value is None:  # pragma: no cover - built by plan_changes
        raise ValueError("incomplete change")
    return value


def undo_target(
    before: PlanState, after: PlanState, current: PlanState
) -> tuple[PlanState, list[str]]:
    """The plan ``current`` with the changes from ``before`` to ``after`` (one revision)
    reversed, and what stands in the way: the elements (the plan's details, links)
    that later revisions changed since, by key, in the order of the revision's changes.

    Only what the revision changed is reversed, and only where the plan still holds
    what the revision left (a field another revision changed since, an element retired,
    restored or linked since, is a conflict). ``plan_changes(current, target)`` are
    then the steps of the undo.
    """
    details = dict(current.details)
    elements = dict(current.elements)
    links = dict(current.links)
    conflicts: list[str] = []
    relinks: list[Change] = []
    for change in plan_changes(before, after):
        key = change.key or ""
        now = current.elements.get(key)
        match change.op:
            case "details":
                moved = [
                    f for f, (_, a) in (change.changes or {}).items() if current.details.get(f) != a
                ]
                if moved:
                    conflicts.append(f"plan details ({', '.join(moved)})")
                else:
                    details.update({f: b for f, (b, _) in (change.changes or {}).items()})
            case "add" | "restore":
                touched = {
                    pair: link
                    for pair, link in current.links.items()
                    if key in pair and after.links.get(pair) != link
                }
                if (
                    now is None
                    or now.retired
                    or dict(now.fields) != dict(after.elements[key].fields)
                    or touched
                ):
                    conflicts.append(key)
                else:
                    elements[key] = now._replace(retired=True)
            case "retire":
                if now is None or not now.retired:
                    conflicts.append(key)
                else:
                    elements[key] = before.elements[key]
            case "revise":
                changed = change.changes or {}
                if now is None or now.retired:
                    conflicts.append(key)
                    continue
                moved = [f for f, (_, a) in changed.items() if now.fields.get(f) != a]
                if moved:
                    conflicts.append(f"{key} ({', '.join(moved)})")
                else:
                    fields = {**now.fields, **{f: b for f, (b, _) in changed.items()}}
                    elements[key] = now._replace(fields=fields)
            case _:
                relinks.append(change)
    for change in relinks:  # once the elements are settled: a link needs both ends
        pair = (change.source or "", change.target or "")
        name = f"{pair[0]} -> {pair[1]}"
        link_now = current.links.get(pair)
        if change.op == "link":
            if link_now is None or dict(link_now.attributes) != dict(after.links[pair].attributes):
                conflicts.append(name)
            else:
                del links[pair]
            continue
        if change.op == "unlink" and link_now is not None:
            conflicts.append(name)
            continue
        if change.op == "relink" and (
            link_now is None or dict(link_now.attributes) != dict(after.links[pair].attributes)
        ):
            conflicts.append(name)
            continue
        ends = [elements.get(end) for end in pair]
        if any(end is None or end.retired for end in ends):
            conflicts.append(name)
            continue
        links[pair] = before.links[pair]
    target = PlanState(current.plan_id, details, elements, links, current.status)
    return target, list(dict.fromkeys(conflicts))
