"""The ``DistrictPlan`` aggregate: one district plan and its whole history.

Every element of the plan lives in this one aggregate, so links are checked
against the plan itself and version *n* of its stream is a whole plan. Public
methods validate and then trigger events; the events' ``apply`` methods only
mutate, so replaying the stream always succeeds.

State is kept as plain JSON values (dicts, lists, str, numbers) so snapshots
are cheap and events never need an upcast for a Python type change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import repeat
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from coherence.domain.errors import (
    DuplicateKey,
    InvalidLink,
    InvalidTransition,
    InvalidValue,
    KeyKindConflict,
    RetiredElement,
    TimeWentBackwards,
    UnknownElement,
)
from coherence.domain.framework import (
    EDGES,
    KINDS,
    SINGLETON_KINDS,
    edge_between,
    kind_spec,
    with_article,
)
from coherence.domain.values import (
    MAX_NOTE,
    Fields,
    check_key,
    check_plan_ref,
    check_sha256,
    check_text,
    check_url,
    normalize_date,
    normalize_fields,
    normalize_number,
    normalize_value,
)

SOURCES = ("api", "cli", "import")
STATUSES = ("draft", "adopted", "redesign", "closed", "merged", "discarded")
"""A plan's statuses; ``merged`` and ``discarded`` are a scenario's ends."""
FINAL_STATUSES = ("closed", "merged", "discarded")
"""Statuses after which a plan (or scenario) can no longer change."""
_PLAN_NAMESPACE = uuid5(NAMESPACE_URL, "https://coherence.invalid/plans")


@lru_cache(maxsize=4096)
def plan_uuid(plan_id: str) -> UUID:
    """The stable aggregate id of a plan slug (remembered: a read asks for it often, and
    it is a SHA-1 each time)."""
    return uuid5(_PLAN_NAMESPACE, plan_id)


@dataclass(frozen=True)
class Revision:
    """Who, why, through what and when: shared by the events of one command."""

    number: int
    actor: str
    reason: str | None
    source: str
    at: datetime


def check_revision_fields(actor: object, reason: object, source: object) -> None:
    """Refuse a revision without an actor, with a non-text reason or an unknown source."""
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidValue("actor", "the name of who makes the change", actor)
    if reason is not None and not isinstance(reason, str):
        raise InvalidValue("reason", "text", reason)
    if source not in SOURCES:
        raise InvalidValue("source", "one of " + ", ".join(SOURCES), source)


class DistrictPlan(Aggregate):
    """A district plan under the Framework: elements, links and lifecycle."""

    published = False
    """Whether its report is public (:class:`Published`); False for a plan read back from
    a snapshot taken before plans could be published."""

    class Event(Aggregate.Event):
        """Every plan event says who, why, through what, and in which revision."""

        actor: str
        reason: str | None
        source: str
        revision: int

        def apply(self, aggregate: Any) -> None:
            aggregate.revision = self.revision
            self.apply_to(aggregate)

        def apply_to(self, plan: DistrictPlan) -> None:
            """Mutate the plan; overridden by each event."""

    class Drafted(Aggregate.Created, Event):
        """A plan was drafted: its identity, district, title and period."""

        plan_id: str
        district: str | None
        title: str | None
        period_start: str | None
        period_end: str | None

    class DetailsRevised(Event):
        """The plan's district, title or period changed."""

        changes: dict[str, Any]

        def apply_to(self, plan: DistrictPlan) -> None:
            for name, value in self.changes.items():
                setattr(plan, name, value)

    class ElementAdded(Event):
        """A new element was added to the plan."""

        kind: str
        key: str
        fields: dict[str, Any]

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.elements[self.key] = _active_element(self.kind, self.fields)

    class ElementRevised(Event):
        """Some fields of an element changed (only the new values are recorded)."""

        kind: str
        key: str
        changes: dict[str, Any]

        def apply_to(self, plan: DistrictPlan) -> None:
            element = plan.elements[self.key]
            plan.elements[self.key] = {**element, "fields": {**element["fields"], **self.changes}}

    class ElementRetired(Event):
        """An element left the plan; it stays in the history."""

        kind: str
        key: str

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.elements[self.key] = {**plan.elements[self.key], "retired": True}

    class ElementRestored(Event):
        """A retired element came back, under its old key, with these fields."""

        kind: str
        key: str
        fields: dict[str, Any]

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.elements[self.key] = _active_element(self.kind, self.fields)

    class Linked(Event):
        """A supporter was linked to what it supports."""

        edge: str
        source_key: str
        target_key: str
        attributes: dict[str, Any]

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.links.setdefault(self.source_key, {})[self.target_key] = {
                "edge": self.edge,
                **self.attributes,
            }

    class LinkRevised(Event):
        """The attributes of a link changed (the amount of an allocation)."""

        edge: str
        source_key: str
        target_key: str
        attributes: dict[str, Any]

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.links[self.source_key][self.target_key] = {"edge": self.edge, **self.attributes}

    class Unlinked(Event):
        """A link was removed."""

        edge: str
        source_key: str
        target_key: str

        def apply_to(self, plan: DistrictPlan) -> None:
            targets = plan.links[self.source_key]
            del targets[self.target_key]
            if not targets:
                del plan.links[self.source_key]

    class Adopted(Event):
        """The plan was adopted (first adoption, or the end of a redesign), with the
        record of the vote: the ``body`` that voted (``School Committee``), the
        ``meeting_date``, the ``vote`` (``7-0``) and the ``minutes_url``, each None when
        not given.

        Version 2 of the event; version 1 (stored before the vote was recorded) had none
        of them and reads back with them None (:meth:`upcast_v1_v2`).
        """

        class_version = 2
        body: str | None
        meeting_date: str | None
        vote: str | None
        minutes_url: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            for name in ADOPTION_RECORD:
                state.setdefault(name, None)

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.status = "adopted"

    class RedesignStarted(Event):
        """The adopted plan was opened for redesign."""

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.status = "redesign"

    class Closed(Event):
        """The plan's cycle ended; it is kept for the record."""

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.status = "closed"

    class Forked(Event):
        """This plan is a scenario: a draft copy of plan ``of_plan`` at ``of_version``,
        named ``name`` (recorded in its first revision, after ``Drafted``)."""

        of_plan: str
        of_version: int
        name: str

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.fork = {"plan": self.of_plan, "version": self.of_version, "name": self.name}

    class Discarded(Event):
        """The scenario was discarded: it stays, with its history, and no longer changes."""

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.status = "discarded"

    class Merged(Event):
        """The scenario's changes were merged into its plan, whose version ``into_version``
        holds them; it no longer changes."""

        into_version: int

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.status = "merged"

    class Published(Event):
        """An admin published the plan: anyone may read its report (of its latest
        version) at ``/public/{plan}``, with no credential, and nothing else of it."""

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.published = True

    class Unpublished(Event):
        """An admin unpublished the plan: its report is no longer public."""

        def apply_to(self, plan: DistrictPlan) -> None:
            plan.published = False

    class BenchmarkStatusReported(Event):
        """Progress on a benchmark was reported, with a ``note`` and ``evidence`` (links
        ``{"url"}`` and files ``{"sha256", "name", "media_type", "size"}``).

        Version 2 of the event; version 1 had no note nor evidence (:meth:`upcast_v1_v2`).
        """

        class_version = 2
        key: str
        status: str
        note: str | None
        evidence: list[dict[str, Any]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("note", None)
            state.setdefault("evidence", [])

        def apply_to(self, plan: DistrictPlan) -> None:
            element = plan.elements[self.key]
            plan.elements[self.key] = {
                **element,
                "fields": {**element["fields"], "status": self.status},
            }

    class OutcomeResultReported(Event):
        """A measured result of an outcome was reported (replacing one of the same date).

        ``results`` is the outcome's whole list of results afterwards, so a reader
        of this one event knows the outcome's results without replaying the others.
        ``note`` and ``evidence`` as for :class:`BenchmarkStatusReported`.

        Version 2 of the event; version 1 had no note nor evidence (:meth:`upcast_v1_v2`).
        """

        class_version = 2
        key: str
        as_of: str
        value: int | float
        results: list[dict[str, Any]]
        note: str | None
        evidence: list[dict[str, Any]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("note", None)
            state.setdefault("evidence", [])

        def apply_to(self, plan: DistrictPlan) -> None:
            element = plan.elements[self.key]
            fields = {**element["fields"], "results": [dict(r) for r in self.results]}
            plan.elements[self.key] = {**element, "fields": fields}

    def __init__(
        self,
        plan_id: str,
        district: str | None,
        title: str | None,
        period_start: str | None,
        period_end: str | None,
        actor: str,
        reason: str | None,
        source: str,
        revision: int,
    ) -> None:
        self.plan_id = plan_id
        self.district = district
        self.title = title
        self.period_start = period_start
        self.period_end = period_end
        self.status = "draft"
        self.published = False
        self.revision = revision
        self.elements: dict[str, dict[str, Any]] = {}
        self.links: dict[str, dict[str, dict[str, Any]]] = {}

    fork: dict[str, Any] | None = None
    """For a scenario: ``{plan, version, name}``, the plan and version it is a copy of
    (a class default: plans and snapshots from before scenarios have none)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> DistrictPlan:
        """A copy whose changes the original does not see: what a command works on.

        Its elements are the original's element dicts, shared: every event replaces an
        element's dict (and its fields) rather than changing it (see ``apply_to``), so
        copying the plan is copying its two tables, not every element's fields (which,
        even in C, took a fifth of a re-import). The links of an element are a dict that
        events change, so each is copied; a link's own dict is replaced too.
        """
        clone = object.__new__(type(self))
        state = dict(self.__dict__)
        state["elements"] = dict(self.elements)
        state["links"] = {source: dict(targets) for source, targets in self.links.items()}
        state["_pending_events"] = list(self.pending_events)  # events are immutable
        clone.__dict__.update(state)
        return clone

    # -- creation and revisions ------------------------------------------------

    @classmethod
    def draft(
        cls,
        plan_id: str,
        *,
        district: str | None = None,
        title: str | None = None,
        period_start: object = None,
        period_end: object = None,
        actor: str,
        reason: str | None = None,
        source: str = "api",
        at: datetime | None = None,
    ) -> DistrictPlan:
        """Start a new plan (revision 1); a scenario's id is ``plan~name``."""
        check_plan_ref(plan_id)
        check_revision_fields(actor, reason, source)
        details = _check_details(
            {
                "district": district,
                "title": title,
                "period_start": period_start,
                "period_end": period_end,
            }
        )
        return cls._create(
            cls.Drafted,
            id=plan_uuid(plan_id),
            plan_id=plan_id,
            actor=actor,
            reason=reason,
            source=source,
            revision=1,
            timestamp=_check_at(at, None) or _now(),
            **details,
        )

    def begin_revision(
        self,
        *,
        actor: str,
        reason: str | None = None,
        source: str = "api",
        at: datetime | None = None,
    ) -> Revision:
        """The next revision of this plan; ``at`` may not be before its last event."""
        check_revision_fields(actor, reason, source)
        return Revision(
            self.revision + 1, actor, reason, source, _check_at(at, self.modified_on) or _now()
        )

    def _trigger(self, event_class: type[DistrictPlan.Event], rev: Revision, **kwargs: Any) -> None:
        """Record the next event of this revision, apply it, and keep it as pending."""
        self.pending_events.append(self._record(event_class, rev, kwargs))

    def _record(
        self, event_class: type[DistrictPlan.Event], rev: Revision, attributes: dict[str, Any]
    ) -> DistrictPlan.Event:
        """The next event of this revision, applied to the plan.

        The event is built the way the library rebuilds a stored one (its attributes
        set directly) rather than through ``trigger_event``'s keyword checks: this is
        the hot path of a plan import, and every value was checked by the caller.
        """
        status = self.status
        if status in FINAL_STATUSES and not (status == "closed" and event_class in _VISIBILITY):
            what = "Scenario" if self.fork is not None else "Plan"
            raise InvalidTransition(f"{what} {self.plan_id} is {status}; it can no longer change")
        event = object.__new__(event_class)
        version = self._version + 1  # the library's properties, without their calls
        object.__setattr__(
            event,
            "__dict__",
            {
                "originator_id": self._id,
                "originator_version": version,
                "timestamp": rev.at,
                "actor": rev.actor,
                "reason": rev.reason,
                "source": rev.source,
                "revision": rev.number,
                **attributes,
            },
        )
        self.revision = rev.number
        event.apply_to(self)
        self._version = version
        self._modified_on = rev.at
        return event

    def populate(
        self,
        elements: Iterable[tuple[str, str, Mapping[str, object]]],
        links: Iterable[tuple[str, str, Mapping[str, object]]],
        rev: Revision,
    ) -> Iterator[DistrictPlan.Event]:
        """Add elements ``(kind, key, fields)``, then links ``(source, target, attributes)``.

        The same checks and the same events as :meth:`add_element` and :meth:`link`
        one by one, as a stream: each event is applied and handed over, not kept as
        pending, so that the importer of a whole new plan can store them as they come.
        Stop on the first error and discard the plan: it is then half-populated.
        """
        return self._stream(self._checked_elements(elements), self._checked_links(links), rev)

    def populate_checked(
        self,
        elements: Iterable[tuple[str, str, Mapping[str, object]]],
        links: Iterable[tuple[str, str, str, Mapping[str, object]]],
        rev: Revision,
    ) -> Iterator[DistrictPlan.Event]:
        """:meth:`populate` of a plan just drafted, with elements ``(kind, key, fields)``
        and links ``(source, target, edge, attributes)`` that a check of the whole plan
        already proved (the plan-file check: keys, normalized fields, dates, edges,
        attributes, each key and link once): the same events, without checking them a
        second time, which took a third of the stream's time.
        """
        if self._version != 1 or self.elements or self.links:
            raise InvalidTransition(
                f"Plan {self.plan_id} is not just drafted: its elements must be checked"
            )
        # Built column by column (zip and map run in C): a generator a row took about a
        # tenth of the stream's time.
        element_columns = tuple(zip(*elements, strict=True)) or ((), (), ())
        link_columns = tuple(zip(*links, strict=True)) or ((), (), (), ())
        kinds, keys, fields = element_columns
        sources, targets, edges, attributes = link_columns
        return self._stream(
            zip(repeat(self.ElementAdded), kinds, keys, fields),
            zip(sources, targets, edges, map(dict, attributes), strict=True),
            rev,
        )

    def _checked_elements(
        self, elements: Iterable[tuple[str, str, Mapping[str, object]]]
    ) -> Iterator[tuple[type[DistrictPlan.Event], str, str, Mapping[str, object]]]:
        for kind, key, fields in elements:
            key, normalized, restore = self._checked_new_element(kind, key, fields)
            yield (self.ElementRestored if restore else self.ElementAdded), kind, key, normalized

    def _checked_links(
        self, links: Iterable[tuple[str, str, Mapping[str, object]]]
    ) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """Each link checked against the plan as the links before it left it (the
        stream applies a link before asking for the next)."""
        for source, target, attributes in links:
            edge, attrs = self._checked_link(source, target, attributes)
            if target in self.links.get(source, ()):
                raise InvalidLink(f"{source} is already linked to {target}")
            yield source, target, edge, attrs

    def _stream(
        self,
        elements: Iterable[tuple[type[DistrictPlan.Event], str, str, Mapping[str, object]]],
        links: Iterable[tuple[str, str, str, dict[str, Any]]],
        rev: Revision,
    ) -> Iterator[DistrictPlan.Event]:
        """Record, apply and hand over element events ``(class, kind, key, fields)``
        (added or restored), then ``Linked`` events ``(source, target, edge, attributes)``.

        What :meth:`_record` does for each, in fewer steps: the events share their
        revision's attributes, and adding elements and links cannot end the plan, so its
        status is checked once.
        """
        status = self.status
        if status in FINAL_STATUSES:
            what = "Scenario" if self.fork is not None else "Plan"
            raise InvalidTransition(f"{what} {self.plan_id} is {status}; it can no longer change")
        new = object.__new__
        set_dict = object.__setattr__
        common = {  # the order of _record's event dicts: the stored bytes follow it
            "originator_id": self._id,
            "originator_version": 0,
            "timestamp": rev.at,
            "actor": rev.actor,
            "reason": rev.reason,
            "source": rev.source,
            "revision": rev.number,
        }
        # Each event's dict is a copy of one that has all its keys already, in order, so
        # that setting them does not grow it (adding four keys to a copy of seven resized
        # it, every event); each of these keys is set for every event.
        element_common = {**common, "kind": None, "key": None, "fields": None}
        link_common = {
            **common,
            "edge": None,
            "source_key": None,
            "target_key": None,
            "attributes": None,
        }
        version, number, at = self._version, rev.number, rev.at  # _record's bookkeeping
        plan_elements, plan_links = self.elements, self.links
        for event_class, kind, key, fields in elements:
            version += 1
            state = element_common.copy()
            state["originator_version"] = version
            state["kind"] = kind
            state["key"] = key
            state["fields"] = fields
            event = new(event_class)
            set_dict(event, "__dict__", state)
            plan_elements[key] = {
                "kind": kind,
                # read-only, so shared: events replace an element's fields, never change them
                "fields": fields if type(fields) is Fields else dict(fields),
                "retired": False,
            }
            self.revision, self._version, self._modified_on = number, version, at
            yield event
        linked = self.Linked
        for source, target, edge, attributes in links:
            version += 1
            state = link_common.copy()
            state["originator_version"] = version
            state["edge"] = edge
            state["source_key"] = source
            state["target_key"] = target
            state["attributes"] = attributes
            event = new(linked)
            set_dict(event, "__dict__", state)
            targets = plan_links.get(source)
            if targets is None:
                targets = plan_links[source] = {}
            targets[target] = {"edge": edge, **attributes}
            self.revision, self._version, self._modified_on = number, version, at
            yield event

    # -- plan details ----------------------------------------------------------

    def revise_details(self, changes: Mapping[str, object], rev: Revision) -> bool:
        """Change the district, title or period; returns whether anything changed."""
        current = self.details()
        checked = _check_details({**current, **changes})
        diff = {k: v for k, v in checked.items() if current[k] != v}
        if not diff:
            return False
        if self.fork is not None and "district" in diff:
            raise InvalidValue(
                "plan.district",
                f"the district of plan {self.fork['plan']} (a scenario's district is its plan's)",
                diff["district"],
            )
        self._trigger(self.DetailsRevised, rev, changes=diff)
        return True

    def details(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "title": self.title,
            "period_start": self.period_start,
            "period_end": self.period_end,
        }

    # -- elements --------------------------------------------------------------

    def add_element(
        self, kind: str, key: str | None, fields: Mapping[str, object], rev: Revision
    ) -> str:
        """Add an element, or restore a retired one of the same kind under its key.

        Returns the key (a singleton's key is its kind).
        """
        key, normalized, restore = self._checked_new_element(kind, key, fields)
        event_class = self.ElementRestored if restore else self.ElementAdded
        self._trigger(event_class, rev, kind=kind, key=key, fields=normalized)
        return key

    def _checked_new_element(
        self, kind: str, key: str | None, fields: Mapping[str, object]
    ) -> tuple[str, dict[str, Any], bool]:
        """The key, the normalized fields, and whether it restores a retired element."""
        spec = kind_spec(kind)
        if spec.singleton:
            if key not in (None, spec.name):
                raise InvalidValue(
                    "key", f"no key, or '{spec.name}', for the {spec.label.lower()}", key
                )
            key = spec.name
        key = check_key(key)
        if key in SINGLETON_KINDS and key != kind:
            raise KeyKindConflict(
                f"Key {key} is reserved for the plan's {KINDS[key].label.lower()}"
            )
        normalized = normalize_fields(kind, fields)
        _check_element_dates(kind, normalized)
        existing = self.elements.get(key)
        if existing is None:
            return key, normalized, False
        if existing["kind"] != kind:
            raise KeyKindConflict(
                f"Key {key} belongs to {KINDS[existing['kind']].label.lower()} {key}; "
                f"it cannot be used for {with_article(spec.label.lower())}"
            )
        if not existing["retired"]:
            raise DuplicateKey(f"{spec.label} {key} already exists")
        return key, normalized, True

    def revise_element(self, key: str, changes: Mapping[str, object], rev: Revision) -> bool:
        """Change some fields of an active element; returns whether anything changed."""
        element = self.active_element(key)
        kind = element["kind"]
        normalized = normalize_fields(kind, changes, partial=True)
        merged = {**element["fields"], **normalized}
        _check_element_dates(kind, merged)
        if KINDS[kind].singleton:
            normalize_fields(kind, merged)  # required text stays present
        diff = {k: v for k, v in normalized.items() if element["fields"].get(k) != v}
        if not diff:
            return False
        self._trigger(self.ElementRevised, rev, kind=kind, key=key, changes=diff)
        return True

    def retire_element(self, key: str, rev: Revision) -> None:
        """Retire an active element; its links are removed first, as events of their own."""
        element = self.active_element(key)
        touching: list[tuple[str, str, dict[str, Any]]] = []
        links = self.links
        for source in [s for s, targets in links.items() if key in targets or s == key]:
            targets = links[source]  # in the order of iter_links
            if source == key:
                touching.extend((source, target, link) for target, link in targets.items())
            else:
                touching.append((source, key, targets[key]))
        for source, target, link in touching:
            self._trigger(
                self.Unlinked, rev, edge=link["edge"], source_key=source, target_key=target
            )
        self._trigger(self.ElementRetired, rev, kind=element["kind"], key=key)

    def restore_element(self, key: str, rev: Revision) -> None:
        """Bring a retired element back under its key, with the fields it had when retired.

        Its links are not restored (they were removed as events of their own): link it
        again. :class:`DuplicateKey` when it is active."""
        element = self.element(key)
        if not element["retired"]:
            raise DuplicateKey(f"{KINDS[element['kind']].label} {key} is not retired")
        fields = normalize_fields(element["kind"], element["fields"])
        self._trigger(self.ElementRestored, rev, kind=element["kind"], key=key, fields=fields)

    def set_links(self, key: str, links: Mapping[str, object], rev: Revision) -> bool:
        """Make an element's links of each catalogue link field given (``supports``,
        ``funds``, ``informed_by``...) exactly those listed, as a plan file lists them:
        keys, or ``{target, amount}`` for an allocation; one key (or none) for a link
        that is not ``many``. Links to remove go first. A refused item names its path,
        ``links.<field>[i]``. Returns whether anything changed."""
        kind = self.active_element(key)["kind"]
        spec = KINDS[kind]
        changed = False
        for name, raw in links.items():
            link = spec.link(name)
            if link is None:
                fields = ", ".join(f.field for f in spec.links) or "none"
                raise InvalidValue(
                    f"links.{name}", f"a link field of {spec.label.lower()}: {fields}"
                )
            wanted = _wanted_links(link.field, raw, link.many, link.with_amount)
            current = self._links_of(key, link.edge, link.reverse)
            for other in [o for o in current if o not in wanted]:
                source, target = (other, key) if link.reverse else (key, other)
                self.unlink(source, target, rev)
                changed = True
            for index, (other, attributes) in enumerate(wanted.items()):
                path = f"links.{link.field}[{index}]"
                found = self.elements.get(other)
                if found is None or found["retired"] or found["kind"] not in link.targets:
                    targets = " or ".join(KINDS[t].label.lower() for t in link.targets)
                    raise InvalidValue(path, f"the key of an active {targets}", other)
                source, target = (other, key) if link.reverse else (key, other)
                try:
                    changed = self.link(source, target, rev, attributes) or changed
                except InvalidValue as e:
                    raise InvalidValue(
                        f"{path}.{e.path.split('.')[-1]}", e.expected, e.got
                    ) from None
        return changed

    def _links_of(self, key: str, edge: str, reverse: bool) -> list[str]:
        """The keys an element is linked to (or, ``reverse``, from) by ``edge``."""
        if not reverse:
            return [t for t, link in self.links.get(key, {}).items() if link["edge"] == edge]
        return [s for s, targets in self.links.items() if targets.get(key, {}).get("edge") == edge]

    def element(self, key: str) -> dict[str, Any]:
        """An element, active or retired, or :class:`UnknownElement`."""
        try:
            return self.elements[key]
        except KeyError:
            raise UnknownElement(f"Plan {self.plan_id} has no element {key}") from None

    def active_element(self, key: str) -> dict[str, Any]:
        """An active element, or :class:`UnknownElement` / :class:`RetiredElement`."""
        element = self.element(key)
        if element["retired"]:
            label = KINDS[element["kind"]].label
            raise RetiredElement(f"{label} {key} is retired")
        return element

    # -- links -----------------------------------------------------------------

    def link(
        self,
        source: str,
        target: str,
        rev: Revision,
        attributes: Mapping[str, object] | None = None,
    ) -> bool:
        """Link a supporter to what it supports, or change the link's attributes.

        Returns whether anything changed (linking twice the same way is a no-op).
        """
        edge, attrs = self._checked_link(source, target, attributes or {})
        current = self.links.get(source, {}).get(target)
        if current is None:
            self._trigger(
                self.Linked, rev, edge=edge, source_key=source, target_key=target, attributes=attrs
            )
            return True
        if {k: v for k, v in current.items() if k != "edge"} == attrs:
            return False
        self._trigger(
            self.LinkRevised, rev, edge=edge, source_key=source, target_key=target, attributes=attrs
        )
        return True

    def _checked_link(
        self, source: str, target: str, attributes: Mapping[str, object]
    ) -> tuple[str, dict[str, Any]]:
        """The edge between two active elements, and the link's checked attributes."""
        edge = self._edge_for(source, target)
        return edge, _check_link_attributes(edge, attributes)

    def unlink(self, source: str, target: str, rev: Revision) -> None:
        """Remove a link, or :class:`InvalidLink` when there is none."""
        current = self.links.get(source, {}).get(target)
        if current is None:
            raise InvalidLink(f"{source} is not linked to {target}")
        self._trigger(
            self.Unlinked, rev, edge=current["edge"], source_key=source, target_key=target
        )

    def _edge_for(self, source: str, target: str) -> str:
        start, end = self.elements.get(source), self.elements.get(target)
        if start is not None and end is not None and not (start["retired"] or end["retired"]):
            edge = edge_between(start["kind"], end["kind"])  # the common case, in few steps
            if edge is not None:
                return edge
        source_kind = self.active_element(source)["kind"]
        target_kind = self.active_element(target)["kind"]
        edge = edge_between(source_kind, target_kind)
        if edge is None:
            targets = sorted(
                KINDS[t].label.lower()
                for e in EDGES.values()
                if source_kind in e.sources
                for t in e.targets
            )
            expected = " or ".join(targets) if targets else "nothing (it supports no element)"
            raise InvalidLink(
                f"{with_article(KINDS[source_kind].label.lower()).capitalize()} "
                "cannot be linked to "
                f"{with_article(KINDS[target_kind].label.lower())} ({source} -> {target}); "
                f"it may link to {with_article(expected)}"
            )
        return edge

    def iter_links(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every stored link as (source, target, {edge, attributes...})."""
        for source, targets in self.links.items():
            for target, link in targets.items():
                yield source, target, link

    # -- lifecycle and progress ------------------------------------------------

    def adopt(self, rev: Revision, record: Mapping[str, object] | None = None) -> None:
        """Adopt a draft, or adopt the redesigned plan; ``record`` is the vote's record
        (``body``, ``meeting_date``, ``vote``, ``minutes_url``, each optional)."""
        checked = check_adoption_record(record or {})
        self._check_status("adopt", ("draft", "redesign"))
        self._trigger(self.Adopted, rev, **checked)

    def start_redesign(self, rev: Revision) -> None:
        """Open an adopted plan for redesign."""
        self._check_status("start a redesign of", ("adopted",))
        self._trigger(self.RedesignStarted, rev)

    def close(self, rev: Revision) -> None:
        """Close the plan at the end of its cycle."""
        self._check_status("close", ("draft", "adopted", "redesign"))
        self._trigger(self.Closed, rev)

    def publish(self, rev: Revision) -> bool:
        """Make the plan's report public (a closed plan too: it stays on the record);
        returns whether anything changed (publishing a published plan does not)."""
        if self.published:
            return False
        self._trigger(self.Published, rev)
        return True

    def unpublish(self, rev: Revision) -> bool:
        """Take the plan's report down; returns whether anything changed."""
        if not self.published:
            return False
        self._trigger(self.Unpublished, rev)
        return True

    def _check_status(self, verb: str, allowed: tuple[str, ...]) -> None:
        if self.fork is not None:
            raise InvalidTransition(
                f"Cannot {verb} scenario {self.plan_id}: a scenario is a draft; merge it "
                f"into plan {self.fork['plan']} and {verb} the plan"
            )
        if self.status not in allowed:
            raise InvalidTransition(
                f"Cannot {verb} plan {self.plan_id}: it is {self.status} "
                f"(expected {' or '.join(allowed)})"
            )

    # -- scenarios -------------------------------------------------------------

    def record_fork(
        self, of_plan: str, of_version: int, name: str, rev: Revision
    ) -> DistrictPlan.Event:
        """Record, in a new plan's first revision, that it is a scenario of ``of_plan`` at
        ``of_version`` (the event is applied and handed over, as :meth:`populate` does)."""
        if self.fork is not None or self.version != 1:
            raise InvalidTransition(f"Plan {self.plan_id} cannot become a scenario")
        return self._record(
            self.Forked, rev, {"of_plan": of_plan, "of_version": of_version, "name": name}
        )

    def retire_all(self, keys: Iterable[str], rev: Revision) -> Iterator[DistrictPlan.Event]:
        """Retire elements that have no links (a copy's retired elements), as a stream."""
        for key in keys:
            element = self.active_element(key)
            if key in self.links or any(key in targets for targets in self.links.values()):
                raise InvalidLink(f"{key} is linked; retire it with retire_element")
            yield self._record(self.ElementRetired, rev, {"kind": element["kind"], "key": key})

    def discard(self, rev: Revision) -> None:
        """Discard a scenario: it stays with its history, and no longer changes."""
        self._check_scenario("discard")
        self._trigger(self.Discarded, rev)

    def mark_merged(self, into_version: int, rev: Revision) -> None:
        """Record that the scenario was merged into its plan's version ``into_version``."""
        self._check_scenario("merge")
        self._trigger(self.Merged, rev, into_version=into_version)

    def _check_scenario(self, verb: str) -> None:
        if self.fork is None:
            raise InvalidTransition(f"Cannot {verb} plan {self.plan_id}: it is not a scenario")
        if self.status in FINAL_STATUSES:
            raise InvalidTransition(f"Cannot {verb} scenario {self.plan_id}: it is {self.status}")

    def report_benchmark_status(
        self,
        key: str,
        status: object,
        rev: Revision,
        note: object = None,
        evidence: Iterable[Mapping[str, object]] = (),
    ) -> None:
        """Record monitored progress on a benchmark, with a note and evidence."""
        self._check_kind(key, "benchmark")
        checked = normalize_value(KINDS["benchmark"].fields["status"], status, "status")
        if checked is None:
            raise InvalidValue("status", "a benchmark status", status)
        self._trigger(
            self.BenchmarkStatusReported,
            rev,
            key=key,
            status=checked,
            note=check_text(note, "note", MAX_NOTE),
            evidence=check_evidence(evidence),
        )

    def report_outcome_result(
        self,
        key: str,
        as_of: object,
        value: object,
        rev: Revision,
        note: object = None,
        evidence: Iterable[Mapping[str, object]] = (),
    ) -> None:
        """Record a measured result of an outcome, with a note and evidence."""
        self._check_kind(key, "outcome")
        day = normalize_date(as_of, "as_of")
        number = normalize_number(value, "value")
        checked_note = check_text(note, "note", MAX_NOTE)
        checked_evidence = check_evidence(evidence)
        current = self.elements[key]["fields"].get("results") or []
        results = [r for r in current if r["as_of"] != day] + [{"as_of": day, "value": number}]
        self._trigger(
            self.OutcomeResultReported,
            rev,
            key=key,
            as_of=day,
            value=number,
            results=sorted(results, key=lambda r: str(r["as_of"])),
            note=checked_note,
            evidence=checked_evidence,
        )

    def _check_kind(self, key: str, kind: str) -> None:
        element = self.active_element(key)
        if element["kind"] != kind:
            raise InvalidValue("key", f"the key of {with_article(KINDS[kind].label.lower())}", key)


_VISIBILITY: frozenset[type[DistrictPlan.Event]] = frozenset(
    {DistrictPlan.Published, DistrictPlan.Unpublished}
)
"""Events that change who may read the plan's report, not the plan: a closed plan may
still be published or unpublished."""

ADOPTION_RECORD = ("body", "meeting_date", "vote", "minutes_url")
"""What an adoption records of the vote, each optional."""
MAX_EVIDENCE = 20
"""The most links and files one progress report may carry."""
EVIDENCE_FILE = ("sha256", "name", "media_type", "size")
"""What a progress report records of a file: its content's digest, name, type and size."""


def check_adoption_record(record: Mapping[str, object]) -> dict[str, Any]:
    """The vote's record of an adoption, checked; unknown names are refused.

    >>> check_adoption_record({"body": "School Committee", "vote": "7-0"})["meeting_date"]
    """
    for name in record:
        if name not in ADOPTION_RECORD:
            raise InvalidValue(name, "one of " + ", ".join(ADOPTION_RECORD))
    date_ = record.get("meeting_date")
    url = record.get("minutes_url")
    return {
        "body": check_text(record.get("body"), "body"),
        "meeting_date": None if date_ in (None, "") else normalize_date(date_, "meeting_date"),
        "vote": check_text(record.get("vote"), "vote", 60),
        "minutes_url": None if url in (None, "") else check_url(url, "minutes_url"),
    }


_EVIDENCE_ITEM = "a link {url} or a file {sha256, name, media_type, size}"


def check_evidence(evidence: Iterable[Mapping[str, object]]) -> list[dict[str, Any]]:
    """The evidence of a progress report: links ``{"url"}`` and files ``{"sha256", "name",
    "media_type", "size"}``, at most :data:`MAX_EVIDENCE`, each checked by its path."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(evidence):
        path = f"evidence[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidValue(path, _EVIDENCE_ITEM, item)
        if set(item) == {"url"}:
            out.append({"url": check_url(item["url"], f"{path}.url")})
            continue
        if set(item) != set(EVIDENCE_FILE):
            raise InvalidValue(path, _EVIDENCE_ITEM, item)
        size = item["size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidValue(f"{path}.size", "a size in bytes, 1 or more", size)
        name = check_text(item["name"], f"{path}.name", 255)
        media_type = check_text(item["media_type"], f"{path}.media_type", 255)
        if name is None or media_type is None:
            raise InvalidValue(path, "a file with a name and a media type", item)
        out.append(
            {
                "sha256": check_sha256(item["sha256"], f"{path}.sha256"),
                "name": name,
                "media_type": media_type,
                "size": size,
            }
        )
    if len(out) > MAX_EVIDENCE:
        raise InvalidValue("evidence", f"at most {MAX_EVIDENCE} links and files", len(out))
    return out


def _active_element(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An element as the plan keeps it, added or restored."""
    return {"kind": kind, "fields": dict(fields), "retired": False}


def _now() -> datetime:
    return datetime.now(UTC)


def _check_at(at: datetime | None, last: datetime | None) -> datetime | None:
    if at is None:
        return None
    if at.tzinfo is None:
        raise InvalidValue("at", "a date and time with a time zone (e.g. 2026-08-01T09:00:00Z)", at)
    at = at.astimezone(UTC)
    if at > datetime.now(UTC):
        raise InvalidValue("at", "a recording time that is not in the future", at.isoformat())
    if last is not None and at < last:
        raise TimeWentBackwards(
            f"Recording time {at.isoformat()} is before the plan's last change "
            f"at {last.isoformat()}; history must not go backwards"
        )
    return at


def _check_details(details: Mapping[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("district", "title"):
        value = details.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidValue(f"plan.{name}", "text", value)
        out[name] = value
    for name in ("period_start", "period_end"):
        value = details.get(name)
        out[name] = None if value is None else normalize_date(value, f"plan.period.{name[7:]}")
    if out["period_start"] and out["period_end"] and out["period_end"] < out["period_start"]:
        raise InvalidValue(
            "plan.period.end", "a date on or after the period's start", out["period_end"]
        )
    return out


def _check_element_dates(kind: str, fields: Mapping[str, Any]) -> None:
    if (
        kind == "initiative"
        and fields.get("start")
        and fields.get("end")
        and fields["end"] < fields["start"]
    ):
        raise InvalidValue("end", "a date on or after start", fields["end"])


def _wanted_links(
    name: str, raw: object, many: bool, with_amount: bool
) -> dict[str, dict[str, Any]]:
    """The links a form or request lists in link field ``name``: target -> attributes."""
    items: list[object]
    if raw is None:
        items = []
    elif isinstance(raw, (str, dict)):
        items = [raw]
    elif isinstance(raw, list):
        items = raw
    else:
        raise InvalidValue(f"links.{name}", "a list of element keys", raw)
    if not many and len(items) > 1:
        raise InvalidValue(f"links.{name}", "one element key at most", raw)
    wanted: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        path = f"links.{name}[{index}]"
        if isinstance(item, dict) and with_amount:
            target, attributes = item.get("target"), {"amount": item.get("amount")}
        else:
            target, attributes = item, ({"amount": None} if with_amount else {})
        if not isinstance(target, str) or not target:
            raise InvalidValue(
                path, "an element key" + (" and an amount" if with_amount else ""), item
            )
        if target in wanted:
            raise InvalidValue(path, "each element once", target)
        wanted[target] = attributes
    return wanted


def _check_link_attributes(edge: str, attributes: Mapping[str, object]) -> dict[str, Any]:
    allowed = EDGES[edge].attributes
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        if name not in allowed:
            expected = ", ".join(allowed) if allowed else "no attributes"
            raise InvalidValue(f"attributes.{name}", f"{expected} on a '{edge}' link", value)
        if name == "amount":
            out[name] = (
                None
                if value is None
                else normalize_value(KINDS["budget_line"].fields["amount"], value, "amount")
            )
    if edge == "funds":
        out.setdefault("amount", None)
    return out
