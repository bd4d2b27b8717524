"""A three-way merge of plan states: a scenario's changes since its fork, on the plan.

A scenario is a draft copy of a plan at a version (the *fork*). Merging it makes the
plan as it is now (*live*) take every element, link and detail that the scenario
changed since the fork, and keeps everything else as the live plan has it::

    target = live + (scenario - fork)

The unit is the element (its kind, fields and whether it is retired, compared whole),
the link (by its two ends, with its attributes) and each of the plan's details. One
changed on both sides since the fork is a *conflict*, unless both sides made the same
change. A link of the target whose ends are not both active there (the scenario
retired an element the live plan linked since, or linked one the live plan retired)
is a conflict too, named by the link.

>>> from coherence.domain.changes import Element, PlanState
>>> so = lambda title: Element("objective", {"title": title})
>>> fork = PlanState("p", {}, {"SO1": so("Read"), "SO2": so("Count")}, {})
>>> scenario = PlanState("p~s", {}, {"SO1": so("Read well"), "SO2": so("Count")}, {})
>>> live = PlanState("p", {}, {"SO1": so("Read"), "SO2": so("Count more")}, {})
>>> target, conflicts = merge_target(fork, scenario, live)
>>> {k: e.fields["title"] for k, e in target.elements.items()}, conflicts
({'SO1': 'Read well', 'SO2': 'Count more'}, [])
>>> live = PlanState("p", {}, {"SO1": so("Read!"), "SO2": so("Count")}, {})
>>> merge_target(fork, scenario, live)[1]
['SO1']
"""

from __future__ import annotations

from typing import Any

from coherence.domain.changes import Element, Link, PlanState

__all__ = ["merge_target"]


def _same_element(a: Element | None, b: Element | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.kind == b.kind and a.retired == b.retired and dict(a.fields) == dict(b.fields)


def _same_link(a: Link | None, b: Link | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.edge == b.edge and dict(a.attributes) == dict(b.attributes)


def merge_target(
    fork: PlanState, scenario: PlanState, live: PlanState
) -> tuple[PlanState, list[str]]:
    """The live plan with the scenario's changes since the fork, and the conflicts: the
    elements (``SOURCE -> TARGET`` for a link, ``plan details (field)``) changed on both
    sides since the fork, in key order of the scenario's changes.

    Where there is a conflict the target holds the scenario's side (what a comparison
    shows); a merge must refuse it. ``plan_changes(live, target)`` are the merge's steps.
    """
    conflicts: list[str] = []
    details: dict[str, Any] = dict(live.details)
    moved: list[str] = []
    for name in dict.fromkeys([*fork.details, *scenario.details]):
        was, now = fork.details.get(name), scenario.details.get(name)
        if was == now:
            continue
        theirs = live.details.get(name)
        if theirs != was and theirs != now:
            moved.append(name)
        details[name] = now
    if moved:
        conflicts.append(f"plan details ({', '.join(moved)})")

    elements: dict[str, Element] = dict(live.elements)
    for key in dict.fromkeys([*fork.elements, *scenario.elements]):
        was_element, now_element = fork.elements.get(key), scenario.elements.get(key)
        if _same_element(was_element, now_element):
            continue
        theirs_element = live.elements.get(key)
        if not _same_element(theirs_element, was_element) and not _same_element(
            theirs_element, now_element
        ):
            conflicts.append(key)
        if now_element is None:  # pragma: no cover - a plan never forgets an element
            continue
        elements[key] = now_element

    links: dict[tuple[str, str], Link] = dict(live.links)
    for pair in dict.fromkeys([*fork.links, *scenario.links]):
        was_link, now_link = fork.links.get(pair), scenario.links.get(pair)
        if _same_link(was_link, now_link):
            continue
        theirs_link = live.links.get(pair)
        if not _same_link(theirs_link, was_link) and not _same_link(theirs_link, now_link):
            conflicts.append(f"{pair[0]} -> {pair[1]}")
        if now_link is None:
            links.pop(pair, None)
        else:
            links[pair] = now_link

    for pair in list(links):  # a link needs both its ends active
        ends = [elements.get(end) for end in pair]
        if any(end is None or end.retired for end in ends):
            del links[pair]
            name = f"{pair[0]} -> {pair[1]}"
            if name not in conflicts:
                conflicts.append(name)

    target = PlanState(live.plan_id, details, elements, links, live.status)
    return target, list(dict.fromkeys(conflicts))
