"""Scenarios (a draft copy of a plan, ``plan~name``, with its own history) and the
rollover to the next school year: the use cases of budget season that write."""

from __future__ import annotations

import random
import time as clock
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from coherence.application.narrative import Entries
from coherence.application.results import (
    Author,
    CommandResult,
)
from coherence.application.revisions import MAX_RETRIES, PlanRevisions
from coherence.application.snapshots import RevisionSnapshots
from coherence.domain.changes import (
    PlanState,
    apply_changes,
    plan_changes,
)
from coherence.domain.errors import (
    InvalidTransition,
    InvalidValue,
    MergeConflict,
    ScenarioExists,
    VersionConflict,
)
from coherence.domain.merge import merge_target
from coherence.domain.plan import DistrictPlan, Revision
from coherence.domain.rollover import Rollover, rollover_target
from coherence.domain.values import (
    base_plan_id,
    check_scenario_name,
    is_scenario_id,
    scenario_id,
)


class ScenarioUseCases(PlanRevisions):
    """Create, discard and merge scenarios; roll a plan over to the next school year."""

    def create_scenario(
        self, plan_id: str, name: str, author: Author, *, version: int | None = None
    ) -> CommandResult:
        """A scenario of the plan at ``version`` (the latest by default): a draft copy,
        with a history of its own, as plan ``plan~name``. Its first revision drafts it,
        records the fork and copies every element (the retired ones retired, so that
        their keys stay taken) and link. A scenario of a scenario is refused."""
        if is_scenario_id(plan_id):
            raise no_scenario_of_scenario(plan_id)
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
            raise no_scenario_of_scenario(plan_id)
        check_scenario_name(name)
        self._latest_version(plan_id)  # PlanNotFound
        sid = scenario_id(plan_id, name)
        self._latest_version(sid)
        return sid


def no_scenario_of_scenario(plan_id: str) -> InvalidValue:
    return InvalidValue(
        "plan",
        "a plan, not a scenario (a scenario of a scenario is not kept: make another "
        f"scenario of {base_plan_id(plan_id)})",
        plan_id,
    )
