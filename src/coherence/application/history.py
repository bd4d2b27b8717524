"""``PlanHistory``: the event-sourced application, one method per use case.

Commands load the plan, check the caller's expected version, run the domain
method, and save the events of that one revision atomically. A command without
an expected version is retried on a fresh copy when another writer got there
first; with one, it fails with :class:`VersionConflict`. Nothing is saved when
a command fails half-way: its events are only pending on a copy of the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from coherence.application.memory import collector_paused
from coherence.application.narrative import HistoryEntry, describe_events
from coherence.application.planfile import PlanDocument, state_to_document
from coherence.application.results import (
    Author,
    CommandResult,
    Diff,
    PlanSummary,
    PreparedRevision,
    ScenarioSummary,
)
from coherence.application.revisions import plan_not_found
from coherence.application.scenarios import ScenarioUseCases, no_scenario_of_scenario
from coherence.application.snapshots import RevisionSnapshots
from coherence.domain.changes import (
    PlanState,
    apply_changes,
    keep_empty,
    plan_changes,
    undo_target,
)
from coherence.domain.errors import (
    InvalidValue,
    UndoConflict,
    VersionConflict,
)
from coherence.domain.plan import DistrictPlan, Revision, plan_uuid
from coherence.domain.values import (
    SCENARIO_MARK,
    is_scenario_id,
)


class PlanHistory(ScenarioUseCases):
    """Every district plan and its history, in one event store."""

    name = "coherence"

    # -- reading ---------------------------------------------------------------

    def export_plan(
        self, plan_id: str, *, version: int | None = None, as_of: date | datetime | None = None
    ) -> dict[str, Any]:
        """The plan file of a plan at a version or date (imports back as a no-op)."""
        return state_to_document(self.plan_state(plan_id, version=version, as_of=as_of))

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
            raise no_scenario_of_scenario(plan_id)
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
            raise plan_not_found(plan_id)
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
            raise plan_not_found(plan_id)
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


__all__ = ["Author", "PlanHistory"]
