"""How a command becomes one saved revision, and how a plan is read at a version.

A command loads a fresh copy of the plan, checks the caller's expected version, runs
the domain method, and saves the events of that one revision atomically (with the
snapshots the policy asks for). Without an expected version it is retried on a fresh
copy when another writer got there first; with one, it fails with
:class:`VersionConflict`. Nothing is saved when a command fails half-way.

Several commands on one plan can also be saved together (:meth:`PlanRevisions.run_together`,
group commit): each is still its own revision, checked and run on the plan as the ones
before it left it, and they are written in one transaction. The server does so with
the writes that queued while another held the plan's turn.
"""

from __future__ import annotations

import bisect
import copy
import random
import time as clock
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import chain, islice
from operator import attrgetter, itemgetter
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent

from coherence.application.narrative import Entries
from coherence.application.planfile import PlanDocument
from coherence.application.results import (
    Author,
    CommandResult,
)
from coherence.application.settings import Settings
from coherence.application.snapshots import RevisionSnapshots
from coherence.application.store import EventTimestamps, StoreApplication, replay
from coherence.domain.changes import (
    PlanState,
    apply_changes,
    keep_empty,
    plan_changes,
)
from coherence.domain.errors import (
    PlanNotFound,
    ScenarioNotFound,
    VersionConflict,
    VersionNotFound,
)
from coherence.domain.plan import DistrictPlan, Revision, plan_uuid
from coherence.domain.values import (
    SCENARIO_MARK,
    base_plan_id,
    is_scenario_id,
)

MAX_RETRIES = 20

_KIND = _FIRST = itemgetter(0)  # of an Element, of a link's (source, target)
_FIELDS = _SECOND = itemgetter(1)
_EDGE = attrgetter("edge")
_ATTRIBUTES = attrgetter("attributes")


@dataclass
class _Together:
    """Commands on one plan being saved together (see :meth:`PlanRevisions.run_together`):
    the plan as the commands so far left it, and their events and snapshots, unwritten."""

    owner: PlanRevisions
    plan_id: str
    plan: DistrictPlan | None = None
    events: list[Any] = field(default_factory=list)
    snapshots: list[StoredEvent] = field(default_factory=list)

    def keep(self, events: Sequence[Any], snapshots: Sequence[StoredEvent]) -> None:
        self.events.extend(events)
        self.snapshots.extend(snapshots)


_TOGETHER: ContextVar[_Together | None] = ContextVar("coherence_together", default=None)
"""The group of commands being run, and by which application (a context variable: the
server's threads each run their own)."""


class WriteOutsideGroup(RuntimeError):
    """A write that is not a plain command ran among commands saved together: it would
    be written before the commands before it. Nothing was written (a programming error:
    such a write must not be grouped)."""


class PlanRevisions(StoreApplication):
    """Reading a plan at a version, and saving a command's events as one revision."""

    cache_after_write = True
    """Whether a plan a command reads from the store (not cached) is its own, uncopied,
    and cached once written; not where commands keep their revision instead of writing
    it (bulk's workers): those cache the plan as read and copy it, as the library does."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(settings)
        self._caught_up: set[str] = set()
        """The plans brought up to date since the store's watch began (see
        :meth:`recorded`; the plans themselves stay in the library's cache)."""

    def get_plan(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        for_update: bool = False,
    ) -> DistrictPlan:
        """A plan at its latest version, at ``version``, or as it was at ``as_of``.

        Reads share the cached plan; a command (``for_update``) gets its own copy,
        so a refused command never touches what others read.
        """
        if as_of is not None:
            version = self.version_at(plan_id, as_of)
        if version is not None and version < 1:
            raise VersionNotFound(f"Plan {plan_id} has no version {version}")
        recorded = None
        if version is None and not for_update:
            recorded = self.recorded(plan_uuid(plan_id))
            if recorded is not None:
                current = self._current(plan_id, recorded)
                if current is not None:
                    return current
        try:
            plan: DistrictPlan = self.repository.get(
                plan_uuid(plan_id),
                version=version,
                projector_func=replay,
                deepcopy_from_cache=for_update,
            )
        except AggregateNotFoundError:
            raise plan_not_found(plan_id) from None
        if version is not None and plan.version != version:
            raise VersionNotFound(
                f"Plan {plan_id} has no version {version} (latest is {plan.version})"
            )
        if recorded is not None:
            self._caught_up.add(plan_id)
        return plan

    def _current(self, plan_id: str, newest: int) -> DistrictPlan | None:
        """The cached plan, when it holds every event of the plan recorded so far: no
        query to ask for events after it. ``newest`` is the newest version the store's
        watch saw recorded since it began (0: none since, so a plan brought up to date
        after that, by a read that looked at the watch first, is current). A plan this
        process just wrote is current until anyone else writes to it."""
        if plan_id not in self._caught_up or self.repository.cache is None:
            return None
        try:
            plan = self.repository.cache.get(plan_uuid(plan_id))
        except KeyError:
            return None
        if not isinstance(plan, DistrictPlan):
            return None
        return plan if newest <= plan.version else None

    def plan_state(
        self, plan_id: str, *, version: int | None = None, as_of: date | datetime | None = None
    ) -> PlanState:
        return PlanState.of(self.get_plan(plan_id, version=version, as_of=as_of))

    def version_at(self, plan_id: str, when: date | datetime) -> int:
        """The last version recorded at or before ``when`` (a date means its whole day, UTC).

        Recording times never go backwards within a plan, so this is a binary
        search over the versions, reading one event per step.
        """
        moment = end_of_day(when)
        latest = self._latest_version(plan_id)
        timestamps = EventTimestamps(self, plan_uuid(plan_id), latest)
        index = bisect.bisect_right(timestamps, moment)
        if index == 0:
            first = timestamps[0].isoformat()
            raise VersionNotFound(
                f"Plan {plan_id} did not exist yet at {moment.isoformat()} (first recorded {first})"
            )
        return index

    def revision_versions(self, plan_id: str, revision: int) -> tuple[int, int]:
        """The first and last version of a revision of the plan (its events)."""
        versions: list[int] = []
        for event in self.events.get(plan_uuid(plan_id)):
            number = getattr(event, "revision", None)
            if number == revision:
                versions.append(event.originator_version)
            elif versions:
                break
        if not versions:
            if not self._exists(plan_id):
                raise plan_not_found(plan_id)
            raise VersionNotFound(f"Plan {plan_id} has no revision {revision}")
        return versions[0], versions[-1]

    def _latest_version(self, plan_id: str) -> int:
        events = self.recorder.select_events(plan_uuid(plan_id), desc=True, limit=1)
        if not events:
            raise plan_not_found(plan_id)
        return int(events[0].originator_version)

    def _exists(self, plan_id: str) -> bool:
        """Whether the plan has been drafted (one row read, not the plan)."""
        try:
            self._latest_version(plan_id)
        except PlanNotFound:
            return False
        return True

    def _import(
        self,
        document: PlanDocument,
        author: Author,
        *,
        dry_run: bool,
        expected_version: int | None,
    ) -> CommandResult:
        target = document.state

        def run(plan: DistrictPlan, rev: Revision, snapshots: RevisionSnapshots) -> None:
            now = PlanState.view(plan)  # diffed before the plan changes
            wanted = keep_empty(now, target) if document.blank_is_empty else target
            apply_changes(plan, plan_changes(now, wanted), rev, snapshots)

        if not self._cached(document.plan_id) and not self._exists(document.plan_id):
            if is_scenario_id(document.plan_id):  # a scenario is made by forking its plan
                raise plan_not_found(document.plan_id)
            if expected_version not in (None, 0):
                raise VersionConflict(document.plan_id, expected_version or 0, 0)
            plan = DistrictPlan.draft(
                document.plan_id,
                actor=author.actor,
                reason=author.reason,
                source=author.source,
                at=author.at,
                district=target.details.get("district"),
                title=target.details.get("title"),
                period_start=target.details.get("period_start"),
                period_end=target.details.get("period_end"),
            )
            rev = Revision(1, author.actor, author.reason, author.source, plan.modified_on)
            try:
                return self._import_new(plan, document, rev, dry_run=dry_run)
            except IntegrityError:  # another writer created the plan meanwhile
                if expected_version is not None:
                    latest = self._latest_version(document.plan_id)
                    raise VersionConflict(document.plan_id, expected_version, latest) from None
        return self._stepwise(document.plan_id, author, run, expected_version, dry_run=dry_run)

    def _import_new(
        self, plan: DistrictPlan, document: PlanDocument, rev: Revision, *, dry_run: bool
    ) -> CommandResult:
        """The first import of a plan: its elements, then its links, as one revision.

        The same events as the step-by-step import (``plan.populate`` makes the same
        checks as adding and linking one by one), without building the list of steps
        first or keeping the events pending on the plan. A plan file's check already
        made those checks (``document.checked``): its elements and links are not checked
        twice.
        """
        target = document.state
        events: list[Any] = list(plan.collect_events())
        snapshots = self._snapshots_from(0)
        stream: Iterable[Any]
        if document.checked:
            by_key, by_ends = target.elements, target.links
            stream = plan.populate_checked(
                zip(
                    map(_KIND, by_key.values()),
                    by_key,
                    map(_FIELDS, by_key.values()),
                    strict=True,
                ),
                zip(
                    map(_FIRST, by_ends),
                    map(_SECOND, by_ends),
                    map(_EDGE, by_ends.values()),
                    map(_ATTRIBUTES, by_ends.values()),
                    strict=True,
                ),
                rev,
            )
        else:
            elements = (
                (element.kind, key, element.fields)
                for key, element in target.elements.items()
                if not element.retired
            )
            links = (
                (source, dest, link.attributes) for (source, dest), link in target.links.items()
            )
            stream = plan.populate(elements, links, rev)
        version = plan.version
        while True:  # the events up to the next snapshot due, taken in C (islice)
            wanted = snapshots.due - version
            events.extend(islice(stream, wanted))
            if plan.version - version < wanted:
                break  # the stream ended before
            version = plan.version
            snapshots(plan)
        if not dry_run:
            snapshots.end(plan)
            self._write_revision(events, snapshots.stored)
        entries = Entries(events, known=plan.elements)
        return CommandResult(plan.plan_id, plan.version, plan.revision, entries, dry_run, True)

    def _load(self, plan_id: str) -> DistrictPlan:
        return self.get_plan(plan_id, for_update=True)

    def _load_own(self, plan_id: str) -> tuple[DistrictPlan, bool]:
        """A command's own copy of the plan, and whether it was read from the store.

        A cached plan is copied (readers share it). A plan not in the cache is read
        from the store, and that copy is already the command's own: copying it again
        took a fifth of a re-import. The caller caches it once it is saved.
        """
        cache = self.repository.cache
        uid = plan_uuid(plan_id)
        if cache is None or not self.cache_after_write or _in_cache(cache, uid):
            return self._load(plan_id), False
        snapshots = list(self.snapshots.get(uid, desc=True, limit=1)) if self.snapshots else []
        after = snapshots[0].originator_version if snapshots else None
        plan = replay(None, chain(snapshots, self.events.get(uid, gt=after)))
        if plan is None:
            raise plan_not_found(plan_id)
        return plan, True

    def _cached(self, plan_id: str) -> bool:
        """Whether the plan is in the cache (then it exists: plans are never deleted)."""
        cache = self.repository.cache
        return cache is not None and _in_cache(cache, plan_uuid(plan_id))

    def _cache_written(self, plan: DistrictPlan) -> None:
        """Cache a plan a command has just written, as the store now holds it (a later
        writer's events are read on top), so that the next command on it copies it
        rather than reading it back from the store (a re-import of a plan file mostly
        comes after its first import). Not where commands keep their revisions instead
        of writing them (``cache_after_write``)."""
        cache = self.repository.cache
        if cache is not None and self.cache_after_write:
            cache.put(plan.id, plan)

    def _command(
        self,
        plan_id: str,
        author: Author,
        action: Callable[[DistrictPlan, Revision], object],
        expected_version: int | None,
    ) -> CommandResult:
        return self._stepwise(plan_id, author, lambda p, r, _: action(p, r), expected_version)

    def _stepwise(
        self,
        plan_id: str,
        author: Author,
        action: Callable[[DistrictPlan, Revision, RevisionSnapshots], object],
        expected_version: int | None,
        *,
        dry_run: bool = False,
    ) -> CommandResult:
        """Run a command on a fresh copy of the plan, and save it; retried on a conflict
        when no version is expected. The action may take snapshots between its steps.
        Among commands saved together, it is kept for their one write instead."""
        together = _TOGETHER.get()
        if together is not None and together.owner is self and together.plan_id == plan_id:
            return self._kept(together, author, action, expected_version, dry_run)
        for attempt in range(MAX_RETRIES):
            if attempt:
                clock.sleep(
                    random.uniform(0, 0.002 * 2 ** min(attempt, 6))
                )  # back off, with jitter
            plan, fresh = self._load_own(plan_id)
            if expected_version is not None and plan.version != expected_version:
                raise VersionConflict(plan_id, expected_version, plan.version)
            rev = plan.begin_revision(
                actor=author.actor, reason=author.reason, source=author.source, at=author.at
            )
            snapshots = self._snapshots_from(plan.version)
            action(plan, rev, snapshots)
            try:
                result = self._save(plan, dry_run=dry_run, snapshots=snapshots)
            except IntegrityError:
                if expected_version is not None:
                    raise VersionConflict(
                        plan_id, expected_version, self._latest_version(plan_id)
                    ) from None
            else:
                if not dry_run and result.revision is not None:
                    self._cache_written(plan)
                elif fresh and not dry_run and self.repository.cache is not None:
                    self.repository.cache.put(plan.id, plan)
                return result
        raise VersionConflict(plan_id, plan.version, self._latest_version(plan_id))

    def run_together(
        self, plan_id: str, commands: Sequence[Callable[[], CommandResult]]
    ) -> list[CommandResult | Exception]:
        """Run commands on one plan one after the other, each its own revision on the
        plan as the ones before left it, and write all their events in one transaction
        (group commit): what each answered, or the error it raised (nothing of it kept).

        Each command calls one of this application's plain commands on ``plan_id``
        (what :meth:`_stepwise` runs); any other write among them raises
        :class:`WriteOutsideGroup` before writing. If another writer got there first
        (one that does not share the server's write lock), each command runs again on
        its own, as it would have without the others.
        """
        together = _Together(self, plan_id)
        token = _TOGETHER.set(together)
        try:
            outcomes = [_outcome(command) for command in commands]
        finally:
            _TOGETHER.reset(token)
        if not together.events or together.plan is None:
            return outcomes
        try:
            self._write_revision(together.events, together.snapshots)
        except IntegrityError:
            return [_outcome(command) for command in commands]
        self._cache_written(together.plan)
        return outcomes

    def _kept(
        self,
        together: _Together,
        author: Author,
        action: Callable[[DistrictPlan, Revision, RevisionSnapshots], object],
        expected_version: int | None,
        dry_run: bool,
    ) -> CommandResult:
        """A command among commands saved together: run on a copy of the plan as the
        ones before left it (so that a refusal leaves it as it was), its events kept."""
        if together.plan is None:
            together.plan, _ = self._load_own(together.plan_id)
        plan = copy.deepcopy(together.plan)  # two tables: events replace elements
        if expected_version is not None and plan.version != expected_version:
            raise VersionConflict(together.plan_id, expected_version, plan.version)
        rev = plan.begin_revision(
            actor=author.actor, reason=author.reason, source=author.source, at=author.at
        )
        snapshots = self._snapshots_from(plan.version)
        action(plan, rev, snapshots)
        result = self._save(plan, dry_run=dry_run, snapshots=snapshots, write=together.keep)
        if not dry_run:
            together.plan = plan
        return result

    def _write_revision(self, events: Sequence[Any], snapshots: Sequence[StoredEvent]) -> None:
        together = _TOGETHER.get()
        if together is not None and together.owner is self:
            raise WriteOutsideGroup("only plain commands on one plan may be saved together")
        super()._write_revision(events, snapshots)

    def _save(
        self,
        plan: DistrictPlan,
        *,
        dry_run: bool = False,
        created: bool = False,
        snapshots: RevisionSnapshots | None = None,
        write: Callable[[Sequence[Any], Sequence[StoredEvent]], None] | None = None,
    ) -> CommandResult:
        """Save the plan's pending events (one revision) and its snapshots, atomically
        (or hand them to ``write``: commands saved together)."""
        before = plan.version - len(plan.pending_events)
        events = plan.collect_events()
        entries = Entries(events, known=dict(plan.elements))  # as now: a cached plan moves on
        revision = plan.revision if events else None
        if not dry_run and events:
            snapshots = snapshots or self._snapshots_from(before)
            snapshots.end(plan)
            (write or self._write_revision)(events, snapshots.stored)
        return CommandResult(
            plan.plan_id, plan.version if events else before, revision, entries, dry_run, created
        )

    def _snapshots_from(self, version: int) -> RevisionSnapshots:
        return RevisionSnapshots(
            version, self.settings, self.mapper if self.snapshots is not None else None
        )


def _outcome(command: Callable[[], CommandResult]) -> CommandResult | Exception:
    try:
        return command()
    except Exception as error:  # the command's own: it answers its request
        return error


def _in_cache(cache: Any, uid: UUID) -> bool:
    try:
        cache.get(uid)
    except KeyError:
        return False
    return True


def plan_not_found(plan_id: str) -> PlanNotFound:
    """:class:`ScenarioNotFound` for a scenario's id, else :class:`PlanNotFound`."""
    if is_scenario_id(plan_id):
        return ScenarioNotFound(base_plan_id(plan_id), plan_id.split(SCENARIO_MARK, 1)[1])
    return PlanNotFound(plan_id)


def end_of_day(when: date | datetime) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when, time.max, tzinfo=UTC)
