"""Writes to a plan that queue while another holds its turn, saved together (group commit).

When many people report progress at once (budget season), their writes to one plan
wait for the plan's turn (:class:`~coherence.api.write_locks.WriteLocks`). Taken one
at a time, each turn pays for bringing the plan up to date, a commit, handing the
lock to the other worker process, and the audit and graph of a version that nobody
reads before the next write replaces it. Here the writes of one process to one plan
queue; one task per plan takes the turn and runs every write queued by then, each its
own revision, in one transaction (:meth:`PlanRevisions.run_together`). Once the turn
is handed on, it works out what each did to today's audit and answers it, one write at
a time with the reads that wait in between (a read must not wait for a whole group's
audits); the graphs of the group's versions are made first, oldest first, since the
reader's live graph of the plan only moves forward. The reads that waited meanwhile run
next, before the first answer (a read there would otherwise wait for the save, the
graphs and up to ``ANSWERING_TURN_S`` of answers in one go: the tail of every read's
latency under writes). A write that arrives while a group is being written goes in the
next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from coherence.api.scheduling import PerLoop, Scheduler
from coherence.api.write_locks import WriteLocks
from coherence.application.history import PlanHistory
from coherence.application.narrative import Entries
from coherence.application.results import CommandResult
from coherence.queries.reader import PlanReader

MAX_GROUP = 12
"""The most writes saved in one transaction: a bound on how long one turn lasts, and
well within the graphs a reader keeps (``GraphCache``: 64), so that each version's
graph is still there when its write is answered (else it is replayed from the first
event: half a second once the history has 10,000 events)."""

ANSWERING_TURN_S = 0.002
"""How long a group's answers may keep the event loop before the reads that wait run."""

Command = Callable[[], CommandResult]
AuditChange = dict[str, Any] | None
Written = tuple[CommandResult, AuditChange]
"""A write's answer: what the command saved, and what it did to today's audit."""


def audit_change_of(reader: PlanReader, plan_id: str, result: CommandResult) -> AuditChange:
    """Which findings of today's audit of the plan a command resolved and which it
    added (None when it created the plan: there was no audit before)."""
    if result.dry_run or not result.events:
        return {"resolved": [], "added": []}
    before = result.version - len(result.events)
    if before < 1:
        return None
    return reader.audit_change(plan_id, before, result.version)


def _answer(
    reader: PlanReader, plan_id: str, outcome: CommandResult | Exception
) -> Written | Exception:
    if isinstance(outcome, Exception):
        return outcome
    try:
        return outcome, audit_change_of(reader, plan_id, outcome)
    except Exception as error:  # this write's answer only
        return error


def _saved(outcomes: Sequence[CommandResult | Exception]) -> list[CommandResult]:
    """The writes of a group that saved events."""
    return [o for o in outcomes if isinstance(o, CommandResult) and o.events and not o.dry_run]


def _versions(saved: Sequence[CommandResult]) -> list[int]:
    """The versions whose audits the answers compare: before and after each write."""
    versions = [v for o in saved for v in (o.version - len(o.events), o.version)]
    return [v for v in versions if v >= 1]


def _events(saved: Sequence[CommandResult]) -> list[Any]:
    """The events the writes saved, in order (when the results hold them)."""
    return [e for o in saved if isinstance(o.events, Entries) for e in o.events.events]


@dataclass
class _Queue:
    """The writes to one plan waiting in this event loop, and whether a task runs them."""

    waiting: list[tuple[Command, asyncio.Future[Written]]] = field(default_factory=list)
    running: asyncio.Task[None] | None = None


class GroupCommit:
    """Queues a process's writes to each plan and saves those that wait together."""

    def __init__(
        self, history: PlanHistory, reader: PlanReader, locks: WriteLocks, scheduler: Scheduler
    ) -> None:
        self.history = history
        self.reader = reader
        self.locks = locks
        self.scheduler = scheduler
        self._queues: PerLoop[dict[str, _Queue]] = PerLoop(dict)

    async def run(self, plan_id: str, command: Command) -> Written:
        """Run ``command`` (one plain command on ``plan_id``) in the plan's next group;
        its answer, or its error raised here."""
        queues = self._queues.get()
        queue = queues.setdefault(plan_id, _Queue())
        future: asyncio.Future[Written] = asyncio.get_running_loop().create_future()
        queue.waiting.append((command, future))
        if queue.running is None:
            queue.running = asyncio.create_task(self._drain(plan_id, queue))
        return await future

    async def _drain(self, plan_id: str, queue: _Queue) -> None:
        """Take the plan's turn and run what waits, until nothing does."""
        group: list[tuple[Command, asyncio.Future[Written]]] = []
        try:
            while queue.waiting:
                async with self.locks.hold_async(plan_id):
                    group = queue.waiting[:MAX_GROUP]  # all that queued while we waited
                    del queue.waiting[: len(group)]
                    run = partial(self.history.run_together, plan_id, [c for c, _ in group])
                    try:
                        outcomes = await self.scheduler.on_store(run)
                    except Exception as error:  # the store failed: every write of the group
                        outcomes = [error] * len(group)
                with contextlib.suppress(Exception):  # then each answer makes its own
                    saved = _saved(outcomes)
                    keep = partial(
                        self.reader.keep_graphs, plan_id, _versions(saved), _events(saved)
                    )
                    await self.scheduler.on_store(keep)
                await asyncio.sleep(0)  # not before the graphs: see the module's docstring
                turn = time.perf_counter()
                for (_, future), outcome in zip(group, outcomes, strict=True):
                    answer = partial(_answer, self.reader, plan_id, outcome)
                    _settle(future, await self.scheduler.on_store(answer))
                    if time.perf_counter() - turn > ANSWERING_TURN_S:
                        await asyncio.sleep(0)  # the reads that wait go first
                        turn = time.perf_counter()
                group = []
        except Exception as error:  # no turn (nothing ran), or no store to answer from
            for _, future in (*group, *queue.waiting):
                _settle(future, error)
        finally:
            queue.running = None
            for _, future in (*group, *queue.waiting):  # this task was cancelled
                if not future.done():
                    future.cancel()
            queue.waiting.clear()


def _settle(future: asyncio.Future[Written], answer: Written | Exception) -> None:
    if future.done():  # its request went away
        return
    if isinstance(answer, Exception):
        future.set_exception(answer)
    else:
        future.set_result(answer)
