"""Importing many plan files at once, on every core.

A file's import is mostly Python work (checking the file, running the plan's
domain checks, encoding events) and a little database work (writing its rows).
With several files, worker processes do the Python work: each reads the store,
works the import out exactly as :meth:`PlanHistory.import_plan` does, and hands
back the encoded events instead of writing them (:class:`PreparedRevision`).
This process writes them, file by file, in the order given, one transaction
each, so the history is the one that importing the files one at a time makes.

A worker reads the plan as it was when it started on the file. If that is no
longer the latest version when the rows come to be written (the file before it
was for the same plan, or another writer got there first), writing fails with
:class:`VersionConflict` and nothing is written; the file is then imported here,
afresh. A file a worker could not import (a bad file, a refused change) is also
imported here, which raises the same error, naming the file, as it would alone:
the files before it are saved, it and the ones after are not.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.persistence import StoredEvent

from coherence.application.history import PlanHistory
from coherence.application.planfile import PlanSource
from coherence.application.results import Author, CommandResult, PreparedRevision
from coherence.application.settings import Settings
from coherence.application.store import Row, can_share, rows_of
from coherence.domain.errors import VersionConflict

WORKER_CACHE_SIZE = 8
"""Plans each worker keeps decoded; the files of one plan are usually near each other."""


@dataclass(frozen=True)
class FileImported:
    """What importing one file saved."""

    file: str
    plan_id: str
    version: int
    revision: int | None
    events: int
    created: bool

    @classmethod
    def of(cls, file: str, result: CommandResult) -> FileImported:
        events = len(result.events)
        return cls(file, result.plan_id, result.version, result.revision, events, result.created)

    @classmethod
    def written(cls, file: str, prepared: PreparedRevision) -> FileImported:
        """What a worker's revision saved, once written."""
        p = prepared
        return cls(file, p.plan_id, p.version, p.revision, len(p.events), p.created)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "plan": self.plan_id,
            "version": self.version,
            "revision": self.revision,
            "events": self.events,
            "created": self.created,
        }


def import_files(
    app: PlanHistory,
    sources: Iterable[PlanSource],
    author: Author,
    *,
    workers: int,
) -> Iterator[FileImported]:
    """Import plan files in order, with ``workers`` processes working them out.

    Yields what each file saved as soon as it is written. With ``workers`` below 2,
    or a store other processes cannot open, every file is imported here.
    """
    if workers < 2 or not can_share(app.settings):
        for source in sources:
            yield FileImported.of(source.name, app.import_plan(source.read(), author))
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(app.settings,),
    )
    ahead = 2 * workers  # files in the workers' hands while this process writes
    pending: deque[tuple[PlanSource, Future[PreparedRevision | None]]] = deque()
    try:
        for source in sources:
            pending.append((source, _submit(pool, source, author)))
            if len(pending) > ahead:
                yield _finish(app, author, *pending.popleft())
        while pending:
            yield _finish(app, author, *pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(
    pool: ProcessPoolExecutor, source: PlanSource, author: Author
) -> Future[PreparedRevision | None]:
    try:
        return pool.submit(_prepare, source, author)
    except RuntimeError as e:  # a broken pool: the file is imported here
        failed: Future[PreparedRevision | None] = Future()
        failed.set_exception(e)
        return failed


def _finish(
    app: PlanHistory,
    author: Author,
    source: PlanSource,
    future: Future[PreparedRevision | None],
) -> FileImported:
    """Write a worker's revision, or import the file here when that is not possible."""
    try:
        prepared = future.result()
    except Exception:  # a worker that died: the file is imported here
        prepared = None
    if prepared is not None:
        try:
            app.write_prepared(prepared)
        except VersionConflict:
            pass
        else:
            return FileImported.written(source.name, prepared)
    return FileImported.of(source.name, app.import_plan(source.read(), author))


# -- in the worker processes -------------------------------------------------------


class _PreparingHistory(PlanHistory):
    """A ``PlanHistory`` whose commands keep their revision instead of writing it."""

    name = PlanHistory.name  # the library names the tables it reads after the application

    kept: tuple[list[Row], list[Row]] | None = None
    cache_after_write = False  # nothing is written here

    def _write_revision(self, events: Sequence[Any], snapshots: Sequence[StoredEvent]) -> None:
        events_rows = [(version, topic, state) for _, version, topic, state in self._encode(events)]
        self.kept = (events_rows, rows_of(snapshots))


_worker: _PreparingHistory | None = None
_prepared_count = 0
COLLECT_EVERY = 50


def _start_worker(settings: Settings) -> None:
    global _worker
    _worker = _PreparingHistory(replace(settings, cache_size=WORKER_CACHE_SIZE))
    # What start-up loaded lives as long as the worker: out of the collector's sight.
    # The collector runs every COLLECT_EVERY files instead of after each check and
    # import: a file's objects are freed by reference counting as soon as it is done.
    gc.freeze()
    gc.disable()


def _collect_now_and_then() -> None:
    global _prepared_count
    _prepared_count += 1
    if _prepared_count % COLLECT_EVERY == 0:
        gc.collect()


def _prepare(source: PlanSource, author: Author) -> PreparedRevision | None:
    """Work a file's import out; ``None`` when it fails, for the importer to redo it."""
    app = _worker
    if app is None:  # pragma: no cover - the pool's initializer sets it
        return None
    app.kept = None
    _collect_now_and_then()
    try:
        result = app.import_plan(source.read(), author)
    except Exception:  # the importing process imports it again and reports why
        return None
    events, snapshots = app.kept or (list[Row](), list[Row]())
    app.kept = None
    return PreparedRevision(
        plan_id=result.plan_id,
        base=result.version - len(events),
        version=result.version,
        revision=result.revision,
        created=result.created,
        events=events,
        snapshots=snapshots,
    )


__all__ = ["FileImported", "import_files"]
