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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from coherence.application.memory import collector_paused
from coherence.application.narrative import Entries, HistoryEntry, describe_events
from coherence.application.planfile import PlanDocument, state_to_document
from coherence.application.results import (
    Author,
    CommandResult,
    Diff,
    PlanSummary,
    PreparedRevision,
    ScenarioSummary,
)
from coherence.application.snapshots import RevisionSnapshots
from coherence.application.store import EventTimestamps, StoreApplication, replay
from coherence.domain.changes import (
    PlanState,
    apply_changes,
    keep_empty,
    plan_changes,
    undo_target,
)
from coherence.domain.errors import (
    InvalidTransition,
    InvalidValue,
    MergeConflict,
    PlanNotFound,
    ScenarioExists,
    ScenarioNotFound,
    UndoConflict,
    VersionConflict,
    VersionNotFound,
)
from coherence.domain.merge import merge_target
from coherence.domain.plan import DistrictPlan, Revision, plan_uuid
from coherence.domain.rollover import Rollover, rollover_target
from coherence.domain.values import (
    SCENARIO_MARK,
    base_plan_id,
    check_scenario_name,
    is_scenario_id,
    scenario_id,
)

MAX_RETRIES = 20


class PlanHistory(StoreApplication):
    """Every district plan and its history, in one event store."""

    name = "coherence"

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
                projector_func=replay,
                deepcopy_from_cache=for_update,
            )
        except AggregateNotFoundError:
            raise _not_found(plan_id) from None
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
        timestamps = EventTimestamps(self, plan_uuid(plan_id), latest)
        index = bisect.bisect_right(timestamps, moment)
        if index == 0:
            first = timestamps[0].isoformat()
            raise VersionNotFound(
                f"Plan {plan_id} did not exist yet at {moment.isoformat()} (first recorded {first})"
            )
        return index

    def list_plans(self) -> list[PlanSummary]:
        """Every plan with its version and status, by plan id (not their scenarios)."""
        out = []
        scenarios = set(self._scenario_ids())
        for uid in self.created_ids(DistrictPlan.Drafted):
            if uid in scenarios:
                continue
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

    def _scenario_ids(self) -> list[Any]:
        """The aggregate ids of every scenario (of every plan), oldest first."""
        return self.created_ids(DistrictPlan.Forked)

    def scenarios(self, plan_id: str) -> list[ScenarioSummary]:
        """The scenarios of a plan (draft, merged and discarded), by name."""
        if is_scenario_id(plan_id):
            raise _no_scenario_of_scenario(plan_id)
        self._latest_version(plan_id)  # PlanNotFound
        prefix = plan_id + SCENARIO_MARK
        out = []
        for uid in self._scenario_ids():
            plan: DistrictPlan = self.repository.get(uid)
            if not plan.plan_id.startswith(prefix) or plan.fork is None:
                continue
            first = self.event_timestamp(uid, 1)
            out.append(
                ScenarioSummary(
                    plan.plan_id,
                    plan.fork["name"],
                    plan_id,
                    plan.fork["version"],
                    plan.status,
                    plan.version,
                    plan.revision,
                    first,
                    plan.modified_on,
                )
            )
        return sorted(out, key=lambda s: s.name)

    def history(
        self, plan_id: str, *, since: int = 0, limit: int | None = None
    ) -> list[HistoryEntry]:
        """Every event of a plan after version ``since``, oldest first, each with a sentence."""
        uid = plan_uuid(plan_id)
        events = list(self.events.get(uid))
        if not events:
            raise _not_found(plan_id)
        entries = describe_events(events)
        selected = [e for e in entries if e.version > since]
        return selected if limit is None else selected[:limit]

    def last_event_version(self, plan_id: str, event_class: type[Any]) -> int | None:
        """The version of the plan's last event of that class (None when it has none),
        read from the stored events' topics, newest first, without decoding them."""
        uid = plan_uuid(plan_id)
        topic = get_topic(event_class)
        found = False
        before: int | None = None
        while True:
            batch = self.recorder.select_events(uid, lte=before, desc=True, limit=500)
            for stored in batch:
                found = True
                if stored.topic == topic:
                    return int(stored.originator_version)
            if len(batch) < 500:
                break
            before = int(batch[-1].originator_version) - 1
        if not found:
            raise _not_found(plan_id)
        return None

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

    def import_merged(
        self,
        plan_id: str,
        merge: Callable[[PlanState], PlanState],
        author: Author,
        *,
        dry_run: bool = False,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Make the stored plan equal to ``merge(plan)`` with the fewest events (a blank
        field of the merged plan keeps the stored empty value: see ``keep_empty``).

        For an import of part of a plan (a CSV section, a budget from a finance system):
        ``merge`` puts that part in place of the plan's own and returns the whole plan as
        its plan file gives it. It runs on the plan the command loads, so a retry after
        another writer got there first merges into that writer's plan, not an older one.
        """

        def run(plan: DistrictPlan, rev: Revision, snapshots: RevisionSnapshots) -> None:
            before = PlanState.of(plan)
            wanted = keep_empty(before, merge(before))
            apply_changes(plan, plan_changes(before, wanted), rev, snapshots)

        with collector_paused():
            return self._stepwise(plan_id, author, run, expected_version, dry_run=dry_run)

    def write_prepared(self, prepared: PreparedRevision) -> None:
        """Write a revision that another process worked out from version ``base``.

        :class:`VersionConflict` when the plan is no longer at that version (nothing
        is written then): the revision must be worked out again.
        """
        if not prepared.events:
            current = self._latest_version(prepared.plan_id) if prepared.base else 0
            if current != prepared.base:
                raise VersionConflict(prepared.plan_id, prepared.base, current)
            return
        try:
            self._write_rows(plan_uuid(prepared.plan_id), prepared.events, prepared.snapshots)
        except IntegrityError:
            raise VersionConflict(
                prepared.plan_id, prepared.base, self._latest_version(prepared.plan_id)
            ) from None

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
        if is_scenario_id(plan_id):
            raise InvalidValue(
                "plan.id", "a plan id (a scenario, plan~name, is made from its plan)", plan_id
            )
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
        links: Mapping[str, object] | None = None,
    ) -> CommandResult:
        """Add an element and, in the same revision, its ``links`` (see
        :meth:`DistrictPlan.set_links`): both are saved, or nothing is."""

        def run(plan: DistrictPlan, rev: Revision) -> None:
            added = plan.add_element(kind, key, fields, rev)
            if links:
                plan.set_links(added, links, rev)

        return self._command(plan_id, author, run, expected_version)

    def revise_element(
        self,
        plan_id: str,
        key: str,
        changes: Mapping[str, object],
        author: Author,
        expected_version: int | None = None,
        links: Mapping[str, object] | None = None,
    ) -> CommandResult:
        """Change some fields of an element and, in the same revision, the links of each
        link field in ``links``: both are saved, or nothing is."""

        def run(plan: DistrictPlan, rev: Revision) -> None:
            plan.revise_element(key, changes, rev)
            if links:
                plan.set_links(key, links, rev)

        return self._command(plan_id, author, run, expected_version)

    def restore_element(
        self, plan_id: str, key: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        """Bring a retired element back under its key, with its last fields (not its links)."""
        return self._command(
            plan_id, author, lambda p, r: p.restore_element(key, r), expected_version
        )

    def revise_details(
        self,
        plan_id: str,
        changes: Mapping[str, object],
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Change the plan's district, title or period (only those given)."""
        return self._command(
            plan_id, author, lambda p, r: p.revise_details(changes, r), expected_version
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
        self,
        plan_id: str,
        author: Author,
        expected_version: int | None = None,
        record: Mapping[str, object] | None = None,
    ) -> CommandResult:
        """Adopt the plan; ``record`` is the vote's (``body``, ``meeting_date``, ``vote``,
        ``minutes_url``, each optional)."""
        return self._command(plan_id, author, lambda p, r: p.adopt(r, record), expected_version)

    def start_redesign(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        return self._command(plan_id, author, lambda p, r: p.start_redesign(r), expected_version)

    def close_plan(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        return self._command(plan_id, author, lambda p, r: p.close(r), expected_version)

    def publish(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        """Make the plan's report public at ``/public/{plan}`` (nothing is saved when it
        already is)."""
        return self._command(plan_id, author, lambda p, r: p.publish(r), expected_version)

    def unpublish(
        self, plan_id: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        """Take the plan's public report down (nothing is saved when it is not public)."""
        return self._command(plan_id, author, lambda p, r: p.unpublish(r), expected_version)

    def undo_revision(
        self,
        plan_id: str,
        revision: int,
        author: Author,
        expected_version: int | None = None,
    ) -> CommandResult:
        """A new revision that reverses what ``revision`` changed (elements, fields,
        links, details), on the plan as it is now; its reason says which revision it
        undoes. :class:`UndoConflict` (nothing saved) when a later revision changed the
        same elements or fields since; lifecycle steps (adoption, redesign, closing)
        are not undone."""
        first, last = self.revision_versions(plan_id, revision)
        if first == 1:
            raise InvalidValue("revision", "a revision after the first (which drafted the plan)", 1)
        before = self.plan_state(plan_id, version=first - 1)
        after = self.plan_state(plan_id, version=last)
        if not plan_changes(before, after):
            raise InvalidValue(
                "revision",
                "a revision that changed elements, links or the plan's details "
                "(adoption, redesign and closing are not undone)",
                revision,
            )
        said = f"Undo of revision {revision}"
        by = replace(author, reason=f"{said}: {author.reason}" if author.reason else said)

        def undo(plan: DistrictPlan, rev: Revision) -> None:
            target, conflicts = undo_target(before, after, PlanState.of(plan))
            if conflicts:
                raise UndoConflict(plan_id, revision, conflicts)
            apply_changes(plan, plan_changes(PlanState.of(plan), target), rev)

        return self._command(plan_id, by, undo, expected_version)

    # -- scenarios and rollover ------------------------------------------------

    def create_scenario(
        self, plan_id: str, name: str, author: Author, *, version: int | None = None
    ) -> CommandResult:
        """A scenario of the plan at ``version`` (the latest by default): a draft copy,
        with a history of its own, as plan ``plan~name``. Its first revision drafts it,
        records the fork and copies every element (the retired ones retired, so that
        their keys stay taken) and link. A scenario of a scenario is refused."""
        if is_scenario_id(plan_id):
            raise _no_scenario_of_scenario(plan_id)
        check_scenario_name(name)
        sid = scenario_id(plan_id, name)
        live = self.get_plan(plan_id, version=version)
        if self._exists(sid):
            raise ScenarioExists(
                f"Plan {plan_id} already has a scenario {name!r} (a merged or discarded "
                "scenario keeps its name and history): choose another name"
            )
        state = PlanState.of(live)
        said = f"Scenario ~{name} of {plan_id} at version {live.version}"
        reason = f"{said}: {author.reason}" if author.reason else said
        plan = DistrictPlan.draft(
            sid,
            actor=author.actor,
            reason=reason,
            source=author.source,
            at=author.at,
            **state.details,
        )
        rev = Revision(1, author.actor, reason, author.source, plan.modified_on)
        events: list[Any] = list(plan.collect_events())
        snapshots = self._snapshots_from(0)
        events.append(plan.record_fork(plan_id, live.version, name, rev))
        elements = ((e.kind, key, e.fields) for key, e in state.elements.items())
        links = ((s, t, link.attributes) for (s, t), link in state.links.items())
        retired = [key for key, e in state.elements.items() if e.retired]
        for event in (*plan.populate(elements, links, rev), *plan.retire_all(retired, rev)):
            events.append(event)
            snapshots(plan)
        snapshots.end(plan)
        try:
            self._write_revision(events, snapshots.stored)
        except IntegrityError:
            raise ScenarioExists(f"Plan {plan_id} already has a scenario {name!r}") from None
        entries = Entries(events, known=plan.elements)
        return CommandResult(sid, plan.version, plan.revision, entries, False, True)

    def discard_scenario(
        self, plan_id: str, name: str, author: Author, expected_version: int | None = None
    ) -> CommandResult:
        """Discard a scenario: an event of its own history, which stays; it can no longer
        change nor be merged. ``expected_version`` is the scenario's."""
        sid = self._scenario(plan_id, name)
        return self._command(sid, author, lambda p, r: p.discard(r), expected_version)

    def merge_scenario(
        self,
        plan_id: str,
        name: str,
        author: Author,
        expected_version: int | None = None,
        *,
        dry_run: bool = False,
    ) -> CommandResult:
        """Apply a scenario's changes since its fork to the plan as it is now, as one
        revision whose reason names the scenario (``Merge of scenario ~name``), and mark
        the scenario merged, in one write (see :func:`merge_target`).

        ``expected_version`` is the live plan's. :class:`MergeConflict` (nothing saved)
        names the elements, links and details changed on both sides since the fork;
        a discarded or merged scenario, or one that changes nothing, is refused."""
        sid = self._scenario(plan_id, name)
        said = f"Merge of scenario ~{name}"
        reason = f"{said}: {author.reason}" if author.reason else said
        for attempt in range(MAX_RETRIES):
            if attempt:
                clock.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
            scenario = self._load(sid)
            if scenario.status != "draft" or scenario.fork is None:
                raise InvalidTransition(f"Cannot merge scenario {sid}: it is {scenario.status}")
            fork = self.plan_state(plan_id, version=int(scenario.fork["version"]))
            live = self._load(plan_id)
            if expected_version is not None and live.version != expected_version:
                raise VersionConflict(plan_id, expected_version, live.version)
            now = PlanState.of(live)
            target, conflicts = merge_target(fork, PlanState.of(scenario), now)
            if conflicts:
                raise MergeConflict(plan_id, name, conflicts)
            steps = plan_changes(now, target)
            if not steps:
                raise InvalidValue(
                    "scenario",
                    f"a scenario with changes to merge (~{name} has none since version "
                    f"{scenario.fork['version']} that the plan does not already have)",
                    name,
                )
            rev = live.begin_revision(
                actor=author.actor, reason=reason, source=author.source, at=author.at
            )
            base = live.version
            snapshots = self._snapshots_from(base)
            apply_changes(live, steps, rev, snapshots)
            marked = scenario.begin_revision(
                actor=author.actor,
                reason=f"Merged into {plan_id} at version {live.version}",
                source=author.source,
                at=author.at,
            )
            scenario.mark_merged(live.version, marked)
            events = live.collect_events()
            entries = Entries(events, known=live.elements)
            result = CommandResult(plan_id, live.version, live.revision, entries, dry_run)
            if dry_run:
                return result
            snapshots.end(live)
            try:
                self._write_revision([*events, *scenario.collect_events()], snapshots.stored)
            except IntegrityError:
                if expected_version is not None:
                    raise VersionConflict(
                        plan_id, expected_version, self._latest_version(plan_id)
                    ) from None
                continue
            return result
        raise VersionConflict(plan_id, expected_version or 0, self._latest_version(plan_id))

    def rollover(
        self,
        plan_id: str,
        to_year: str,
        choices: Mapping[str, tuple[str, str | None]],
        author: Author,
        expected_version: int | None = None,
        *,
        dry_run: bool = False,
        today: date | None = None,
    ) -> tuple[CommandResult, Rollover]:
        """Roll the plan over to the next school year (see :mod:`coherence.domain.rollover`)
        as one revision, ``Rollover to 2027-2028``; a dry run saves nothing."""
        on = today or datetime.now(UTC).date()
        found: list[Rollover] = []

        def run(plan: DistrictPlan, rev: Revision, snapshots: RevisionSnapshots) -> None:
            now = PlanState.of(plan)
            target, rollover = rollover_target(now, to_year, choices, on)
            found[:] = [rollover]
            apply_changes(plan, plan_changes(now, target), rev, snapshots)

        # The reason names the discontinued initiatives: worked out on the plan first.
        _, preview = rollover_target(self.plan_state(plan_id), to_year, choices, on)
        by = replace(author, reason=preview.reason(author.reason))
        result = self._stepwise(plan_id, by, run, expected_version, dry_run=dry_run)
        return result, found[0]

    def scenario_of(self, plan_id: str, name: str) -> str:
        """The id of an existing scenario of a plan (:class:`ScenarioNotFound`)."""
        return self._scenario(plan_id, name)

    def _scenario(self, plan_id: str, name: str) -> str:
        """The id of an existing scenario of a plan (:class:`ScenarioNotFound`)."""
        if is_scenario_id(plan_id):
            raise _no_scenario_of_scenario(plan_id)
        check_scenario_name(name)
        self._latest_version(plan_id)  # PlanNotFound
        sid = scenario_id(plan_id, name)
        self._latest_version(sid)
        return sid

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
                raise _not_found(plan_id)
            raise VersionNotFound(f"Plan {plan_id} has no revision {revision}")
        return versions[0], versions[-1]

    def report_benchmark_status(
        self,
        plan_id: str,
        key: str,
        status: str,
        author: Author,
        expected_version: int | None = None,
        *,
        note: str | None = None,
        evidence: Sequence[Mapping[str, object]] = (),
    ) -> CommandResult:
        """Report a benchmark's status, with a note and evidence (links ``{"url"}``, files
        as :meth:`EvidenceStore.resolve` describes them)."""
        return self._command(
            plan_id,
            author,
            lambda p, r: p.report_benchmark_status(key, status, r, note, evidence),
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
        *,
        note: str | None = None,
        evidence: Sequence[Mapping[str, object]] = (),
    ) -> CommandResult:
        """Report an outcome's result, with a note and evidence (as for a benchmark)."""
        return self._command(
            plan_id,
            author,
            lambda p, r: p.report_outcome_result(key, as_of, value, r, note, evidence),
            expected_version,
        )

    # -- plumbing --------------------------------------------------------------

    def _latest_version(self, plan_id: str) -> int:
        events = self.recorder.select_events(plan_uuid(plan_id), desc=True, limit=1)
        if not events:
            raise _not_found(plan_id)
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
            now = PlanState.of(plan)
            wanted = keep_empty(now, target) if document.blank_is_empty else target
            apply_changes(plan, plan_changes(now, wanted), rev, snapshots)

        if not self._exists(document.plan_id):
            if is_scenario_id(document.plan_id):  # a scenario is made by forking its plan
                raise _not_found(document.plan_id)
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
        snapshots = self._snapshots_from(0)
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
        action: Callable[[DistrictPlan, Revision, RevisionSnapshots], object],
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
            snapshots = self._snapshots_from(plan.version)
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
        snapshots: RevisionSnapshots | None = None,
    ) -> CommandResult:
        """Save the plan's pending events (one revision) and its snapshots, atomically."""
        before = plan.version - len(plan.pending_events)
        events = plan.collect_events()
        entries = Entries(events, known=plan.elements)
        revision = plan.revision if events else None
        if not dry_run and events:
            snapshots = snapshots or self._snapshots_from(before)
            snapshots.end(plan)
            self._write_revision(events, snapshots.stored)
        return CommandResult(
            plan.plan_id, plan.version if events else before, revision, entries, dry_run, created
        )

    def _snapshots_from(self, version: int) -> RevisionSnapshots:
        return RevisionSnapshots(
            version, self.settings, self.mapper if self.snapshots is not None else None
        )


def _not_found(plan_id: str) -> PlanNotFound:
    """:class:`ScenarioNotFound` for a scenario's id, else :class:`PlanNotFound`."""
    if is_scenario_id(plan_id):
        return ScenarioNotFound(base_plan_id(plan_id), plan_id.split(SCENARIO_MARK, 1)[1])
    return PlanNotFound(plan_id)


def _no_scenario_of_scenario(plan_id: str) -> InvalidValue:
    return InvalidValue(
        "plan",
        "a plan, not a scenario (a scenario of a scenario is not kept: make another "
        f"scenario of {base_plan_id(plan_id)})",
        plan_id,
    )


def _end_of(when: date | datetime) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when, time.max, tzinfo=UTC)


__all__ = ["Author", "PlanHistory"]
