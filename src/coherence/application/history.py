"""``PlanHistory``: the event-sourced application, one method per use case.

Commands load the plan, check the caller's expected version, run the domain
method, and save the events of that one revision atomically. A command without
an expected version is retried on a fresh copy when another writer got there
first; with one, it fails with :class:`VersionConflict`. Nothing is saved when
a command fails half-way: its events are only pending on a copy of the plan.
"""

from __future__ import annotations

import bisect
import random
import time as clock
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    IntegrityError,
    InternalError,
    Mapper,
    StoredEvent,
    Transcoder,
)
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import get_topic

from coherence.application.memory import collector_paused
from coherence.application.narrative import Entries, HistoryEntry, describe_events
from coherence.application.planfile import PlanDocument, state_to_document
from coherence.application.settings import Settings, store_environment
from coherence.application.sqlite_recorder import BatchSQLiteApplicationRecorder
from coherence.application.transcoder import OrjsonTranscoder, PlanMapper
from coherence.domain.changes import Change, PlanState, apply_changes, plan_changes
from coherence.domain.errors import PlanNotFound, VersionConflict, VersionNotFound
from coherence.domain.plan import DistrictPlan, Revision, plan_uuid

T = TypeVar("T")
MAX_RETRIES = 20


@dataclass(frozen=True)
class Author:
    """Who makes a change, why, through what, and (for history imports) when."""

    actor: str
    reason: str | None = None
    source: str = "api"
    at: datetime | None = None


@dataclass(frozen=True)
class CommandResult:
    """What a command saved: the plan's new version and the events of the revision."""

    plan_id: str
    version: int
    revision: int | None
    events: Sequence[HistoryEntry] = field(default_factory=list)
    dry_run: bool = False
    created: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id,
            "version": self.version,
            "revision": self.revision,
            "events": len(self.events),
            "dry_run": self.dry_run,
            "created": self.created,
            "changes": [e.to_dict() for e in self.events],
        }


Row = tuple[int, str, bytes]
"""A stored event of a known plan: ``(version, topic, state)``."""


@dataclass(frozen=True)
class PreparedRevision:
    """An import worked out from version ``base`` of a plan but not yet written.

    Its events and snapshots are already encoded, as plain rows, so that the process
    that writes them (:meth:`PlanHistory.write_prepared`) does little more than the
    database does.
    """

    plan_id: str
    base: int
    version: int
    revision: int | None
    created: bool
    events: list[Row]
    snapshots: list[Row]


@dataclass(frozen=True)
class PlanSummary:
    plan_id: str
    district: str | None
    title: str | None
    status: str
    version: int
    revision: int
    modified_on: datetime


@dataclass(frozen=True)
class Diff:
    """Elements and links added, retired and revised between two versions."""

    plan_id: str
    from_version: int
    to_version: int
    changes: list[Change]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "plan": self.plan_id,
            "from": self.from_version,
            "to": self.to_version,
            "added": [],
            "retired": [],
            "revised": [],
            "linked": [],
            "unlinked": [],
        }
        for c in self.changes:
            d = c.to_dict()
            op = d.pop("op")
            if op in ("add", "restore"):
                d["restored"] = op == "restore"
                out["added"].append(d)
            elif op == "retire":
                out["retired"].append(d)
            elif op == "revise":
                out["revised"].append(d)
            elif op == "details":
                out["revised"].append({"kind": "plan", "key": self.plan_id, **d})
            elif op == "relink":
                out["revised"].append(
                    {"kind": "link", "key": f"{c.source} {c.edge} {c.target}", **d}
                )
            elif op == "link":
                out["linked"].append(d)
            elif op == "unlink":
                out["unlinked"].append(d)
        return out


class PlanHistory(Application[UUID]):
    """Every district plan and its history, in one event store."""

    name = "coherence"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        env = store_environment(self.settings.store)
        env["AGGREGATE_CACHE_MAXSIZE"] = str(self.settings.cache_size)
        env["IS_SNAPSHOTTING_ENABLED"] = "y"
        for attempt in range(5):
            try:
                super().__init__(env=env)
                return
            except InternalError:
                # Several servers starting at once on an empty PostgreSQL database race to
                # create the same tables ("tuple concurrently updated"): try again.
                if attempt == 4:
                    raise
                clock.sleep(random.uniform(0.05, 0.2))

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    def construct_mapper(self) -> Mapper[UUID]:
        return PlanMapper(transcoder=self.construct_transcoder())

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Any:
        """Only the given settings: no hidden configuration from the process environment."""
        from eventsourcing.utils import Environment

        return Environment(name, dict(env or {}))

    # -- reading ---------------------------------------------------------------

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
        try:
            plan: DistrictPlan = self.repository.get(
                plan_uuid(plan_id),
                version=version,
                projector_func=_replay,
                deepcopy_from_cache=for_update,
            )
        except AggregateNotFoundError:
            raise PlanNotFound(plan_id) from None
        if version is not None and plan.version != version:
            raise VersionNotFound(
                f"Plan {plan_id} has no version {version} (latest is {plan.version})"
            )
        return plan

    def plan_state(
        self, plan_id: str, *, version: int | None = None, as_of: date | datetime | None = None
    ) -> PlanState:
        return PlanState.of(self.get_plan(plan_id, version=version, as_of=as_of))

    def export_plan(
        self, plan_id: str, *, version: int | None = None, as_of: date | datetime | None = None
    ) -> dict[str, Any]:
        """The plan file of a plan at a version or date (imports back as a no-op)."""
        return state_to_document(self.plan_state(plan_id, version=version, as_of=as_of))

    def version_at(self, plan_id: str, when: date | datetime) -> int:
        """The last version recorded at or before ``when`` (a date means its whole day, UTC).

        Recording times never go backwards within a plan, so this is a binary
        search over the versions, reading one event per step.
        """
        moment = _end_of(when)
        latest = self._latest_version(plan_id)
        timestamps = _LazyTimestamps(self, plan_uuid(plan_id), latest)
        index = bisect.bisect_right(timestamps, moment)
        if index == 0:
            first = timestamps[0].isoformat()
            raise VersionNotFound(
                f"Plan {plan_id} did not exist yet at {moment.isoformat()} (first recorded {first})"
            )
        return index

    def _latest_version(self, plan_id: str) -> int:
        events = self.recorder.select_events(plan_uuid(plan_id), desc=True, limit=1)
        if not events:
            raise PlanNotFound(plan_id)
        return int(events[0].originator_version)

    def _exists(self, plan_id: str) -> bool:
        """Whether the plan has been drafted (one row read, not the plan)."""
        try:
            self._latest_version(plan_id)
        except PlanNotFound:
            return False
        return True

    def event_timestamp(self, originator_id: UUID, version: int) -> datetime:
        stored = self.recorder.select_events(originator_id, gt=version - 1, lte=version, limit=1)
        event: DistrictPlan.Event = self.mapper.to_domain_event(stored[0])  # type: ignore[assignment]
        return event.timestamp

    def list_plans(self) -> list[PlanSummary]:
        """Every plan with its version and status, by plan id."""
        topic = get_topic(DistrictPlan.Drafted)
        out = []
        start = 1
        ids: list[UUID] = []
        while True:
            batch = self.recorder.select_notifications(start=start, limit=1000, topics=[topic])
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            if len(batch) < 1000:
                break
            start = batch[-1].id + 1
        for uid in ids:
            plan: DistrictPlan = self.repository.get(uid)
            out.append(
                PlanSummary(
                    plan.plan_id,
                    plan.district,
                    plan.title,
                    plan.status,
                    plan.version,
                    plan.revision,
                    plan.modified_on,
                )
            )
        return sorted(out, key=lambda p: p.plan_id)

    def history(
        self, plan_id: str, *, since: int = 0, limit: int | None = None
    ) -> list[HistoryEntry]:
        """Every event of a plan after version ``since``, oldest first, each with a sentence."""
        uid = plan_uuid(plan_id)
        events = list(self.events.get(uid))
        if not events:
            raise PlanNotFound(plan_id)
        entries = describe_events(events)
        selected = [e for e in entries if e.version > since]
        return selected if limit is None else selected[:limit]

    def diff(self, plan_id: str, from_version: int, to_version: int) -> Diff:
        """What changed between two versions, field by field."""
        before = self.plan_state(plan_id, version=from_version)
        after = self.plan_state(plan_id, version=to_version)
        return Diff(plan_id, from_version, to_version, plan_changes(before, after))

    # -- commands --------------------------------------------------------------

    def import_plan(
        self,
        document: PlanDocument,
        author: Author,
        *,
        dry_run: bool = False,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Make the stored plan equal to a plan file with the fewest events.

        Importing the same file twice emits nothing the second time.
        """
        with collector_paused():
            return self._import(
                document, author, dry_run=dry_run, expected_version=expected_version
            )

    def _import(
        self,
        document: PlanDocument,
        author: Author,
        *,
        dry_run: bool,
        expected_version: int | None,
    ) -> CommandResult:
        target = document.state

        def run(plan: DistrictPlan, rev: Revision, snapshots: _Snapshots) -> None:
            apply_changes(plan, plan_changes(PlanState.of(plan), target), rev, snapshots)

        if not self._exists(document.plan_id):
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
                return self._import_new(plan, target, rev, dry_run=dry_run)
            except IntegrityError:  # another writer created the plan meanwhile
                if expected_version is not None:
                    latest = self._latest_version(document.plan_id)
                    raise VersionConflict(document.plan_id, expected_version, latest) from None
        return self._stepwise(document.plan_id, author, run, expected_version, dry_run=dry_run)

    def _import_new(
        self, plan: DistrictPlan, target: PlanState, rev: Revision, *, dry_run: bool
    ) -> CommandResult:
        """The first import of a plan: its elements, then its links, as one revision.

        The same events as the step-by-step import (``plan.populate`` makes the same
        checks as adding and linking one by one), without building the list of steps
        first or keeping the events pending on the plan.
        """
        events: list[Any] = list(plan.collect_events())
        snapshots = _Snapshots(self, 0)
        elements = (
            (element.kind, key, element.fields)
            for key, element in target.elements.items()
            if not element.retired
        )
        links = ((source, dest, link.attributes) for (source, dest), link in target.links.items())
        for event in plan.populate(elements, links, rev):
            events.append(event)
            snapshots(plan)
        if not dry_run:
            snapshots.end(plan)
            self._write_revision(events, snapshots.stored)
        entries = Entries(events, known=plan.elements)
        return CommandResult(plan.plan_id, plan.version, plan.revision, entries, dry_run, True)

    def draft_plan(
        self,
        plan_id: str,
        author: Author,
        *,
        district: str | None = None,
        title: str | None = None,
        period_start: object = None,
        period_end: object = None,
    ) -> CommandResult:
        plan = DistrictPlan.draft(
            plan_id,
            district=district,
            title=title,
            period_start=period_start,
            period_end=period_end,
            actor=author.actor,
            reason=author.reason,
            source=author.source,
            at=author.at,
        )
        try:
            return self._save(plan, created=True)
        except IntegrityError:
            raise VersionConflict(plan_id, 0, self._latest_version(plan_id)) from None

    def add_element(
        self,
        plan_id: str,
        kind: str,
        key: str | None,
        fields: Mapping[str, object],
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._command(
            plan_id, author, lambda p, r: p.add_element(kind, key, fields, r), expected_version
        )

    def revise_element(
        self,
        plan_id: str,
        key: str,
        changes: Mapping[str, object],
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._command(
            plan_id, author, lambda p, r: p.revise_element(key, changes, r), expected_version
        )

    def retire_element(
        self, plan_id: str, key: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        return self._command(
            plan_id, author, lambda p, r: p.retire_element(key, r), expected_version
        )

    def link(
        self,
        plan_id: str,
        source: str,
        target: str,
        author: Author,
        attributes: Mapping[str, object] | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._command(
            plan_id, author, lambda p, r: p.link(source, target, r, attributes), expected_version
        )

    def unlink(
        self,
        plan_id: str,
        source: str,
        target: str,
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._command(
            plan_id, author, lambda p, r: p.unlink(source, target, r), expected_version
        )

    def adopt(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        return self._command(plan_id, author, lambda p, r: p.adopt(r), expected_version)

    def start_redesign(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        return self._command(plan_id, author, lambda p, r: p.start_redesign(r), expected_version)

    def close_plan(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        return self._command(plan_id, author, lambda p, r: p.close(r), expected_version)

    def report_benchmark_status(
        self,
        plan_id: str,
        key: str,
        status: str,
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._command(
            plan_id,
            author,
            lambda p, r: p.report_benchmark_status(key, status, r),
            expected_version,
        )

    def report_outcome_result(
        self,
        plan_id: str,
        key: str,
        as_of: object,
        value: object,
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._command(
            plan_id,
            author,
            lambda p, r: p.report_outcome_result(key, as_of, value, r),
            expected_version,
        )

    # -- plumbing --------------------------------------------------------------

    def _load(self, plan_id: str) -> DistrictPlan:
        return self.get_plan(plan_id, for_update=True)

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
        action: Callable[[DistrictPlan, Revision, _Snapshots], object],
        expected_version: int | None,
        *,
        dry_run: bool = False,
    ) -> CommandResult:
        """Run a command on a fresh copy of the plan, and save it; retried on a conflict
        when no version is expected. The action may take snapshots between its steps."""
        for attempt in range(MAX_RETRIES):
            if attempt:
                clock.sleep(
                    random.uniform(0, 0.002 * 2 ** min(attempt, 6))
                )  # back off, with jitter
            plan = self._load(plan_id)
            if expected_version is not None and plan.version != expected_version:
                raise VersionConflict(plan_id, expected_version, plan.version)
            rev = plan.begin_revision(
                actor=author.actor, reason=author.reason, source=author.source, at=author.at
            )
            snapshots = _Snapshots(self, plan.version)
            action(plan, rev, snapshots)
            try:
                return self._save(plan, dry_run=dry_run, snapshots=snapshots)
            except IntegrityError:
                if expected_version is not None:
                    raise VersionConflict(
                        plan_id, expected_version, self._latest_version(plan_id)
                    ) from None
        raise VersionConflict(plan_id, plan.version, self._latest_version(plan_id))

    def _save(
        self,
        plan: DistrictPlan,
        *,
        dry_run: bool = False,
        created: bool = False,
        snapshots: _Snapshots | None = None,
    ) -> CommandResult:
        """Save the plan's pending events (one revision) and its snapshots, atomically."""
        before = plan.version - len(plan.pending_events)
        events = plan.collect_events()
        entries = Entries(events, known=plan.elements)
        revision = plan.revision if events else None
        if not dry_run and events:
            snapshots = snapshots or _Snapshots(self, before)
            snapshots.end(plan)
            self._write_revision(events, snapshots.stored)
        return CommandResult(
            plan.plan_id, plan.version if events else before, revision, entries, dry_run, created
        )

    def _write_revision(self, events: Sequence[Any], snapshots: Sequence[StoredEvent]) -> None:
        """Map a revision's events and write them with its snapshots.

        The one place a command's events are written (a preparing process overrides it
        to keep them instead: see :mod:`coherence.application.bulk`).
        """
        self._write_stored(list(map(self.mapper.to_stored_event, events)), snapshots)

    def write_prepared(self, prepared: PreparedRevision) -> None:
        """Write a revision that another process worked out from version ``base``.

        :class:`VersionConflict` when the plan is no longer at that version (nothing
        is written then): the revision must be worked out again.
        """
        uid = plan_uuid(prepared.plan_id)
        if not prepared.events:
            current = self._latest_version(prepared.plan_id) if prepared.base else 0
            if current != prepared.base:
                raise VersionConflict(prepared.plan_id, prepared.base, current)
            return
        recorder = self.recorder
        snapshot_recorder = self.snapshots.recorder if self.snapshots else None
        try:
            if isinstance(recorder, BatchSQLiteApplicationRecorder) and isinstance(
                snapshot_recorder, SQLiteAggregateRecorder
            ):
                text = uid.hex
                recorder.insert_rows(
                    [(text, *row) for row in prepared.events],
                    [(text, *row) for row in prepared.snapshots],
                    snapshot_recorder,
                )
            else:
                self._write_stored(
                    [StoredEvent(uid, *row) for row in prepared.events],
                    [StoredEvent(uid, *row) for row in prepared.snapshots],
                )
        except IntegrityError:
            raise VersionConflict(
                prepared.plan_id, prepared.base, self._latest_version(prepared.plan_id)
            ) from None

    def _write_stored(
        self, stored: Sequence[StoredEvent], snapshots: Sequence[StoredEvent]
    ) -> None:
        """Write one plan's stored events and snapshots; in one commit on SQLite."""
        recorder = self.recorder
        snapshot_recorder = self.snapshots.recorder if self.snapshots else None
        if isinstance(recorder, BatchSQLiteApplicationRecorder) and isinstance(
            snapshot_recorder, SQLiteAggregateRecorder
        ):
            recorder.insert_events_and_snapshots(stored, snapshots, snapshot_recorder)
            return
        recorder.insert_events(stored)
        if snapshots and snapshot_recorder is not None:
            snapshot_recorder.insert_events(snapshots)


class _Snapshots:
    """Snapshots of a plan taken while a command changes it.

    Called after each step of a command, it takes a snapshot every
    ``snapshot_interval_in_revision`` events, so that a version inside a large
    import is a bounded replay away from one; :meth:`end` takes one when the
    command passed a multiple of ``snapshot_interval``, so that small revisions
    are snapshotted as often as that. Each is encoded at once, because the plan's
    later steps change the dicts it shares. Snapshots inside a revision are
    sparser than between revisions because each holds the whole plan so far: at
    one every 100 events, a new plan's import wrote three times more snapshot
    bytes than event bytes.
    """

    def __init__(self, app: PlanHistory, version: int) -> None:
        self.app = app
        self.last = version
        self.stored: list[StoredEvent] = []

    def __call__(self, plan: DistrictPlan) -> None:
        if plan.version - self.last >= self.app.settings.snapshot_interval_in_revision:
            self._take(plan)

    def end(self, plan: DistrictPlan) -> None:
        interval = self.app.settings.snapshot_interval
        if plan.version // interval > self.last // interval:
            self._take(plan)

    def _take(self, plan: DistrictPlan) -> None:
        if self.app.snapshots is not None:
            self.stored.append(self.app.mapper.to_stored_event(Snapshot.take(plan)))
        self.last = plan.version


def _replay(plan: Any, events: Iterable[Any]) -> Any:
    """Apply events in order (the library's default re-checks each event's type, slowly)."""
    for event in events:
        plan = event.mutate(plan)
    return plan


def _end_of(when: date | datetime) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when, time.max, tzinfo=UTC)


class _LazyTimestamps(Sequence[datetime]):
    """Event timestamps of one plan by version, read on demand (for bisect)."""

    def __init__(self, app: PlanHistory, originator_id: UUID, latest: int) -> None:
        self.app = app
        self.originator_id = originator_id
        self.latest = latest

    def __len__(self) -> int:
        return self.latest

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):  # pragma: no cover - bisect uses ints
            raise TypeError("no slices")
        return self.app.event_timestamp(self.originator_id, index + 1)

    def __iter__(self) -> Iterator[datetime]:  # pragma: no cover
        for i in range(self.latest):
            yield self[i]
