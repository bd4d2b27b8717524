"""Importing many files with worker processes, on a SQLite file and on PostgreSQL.

The workers work each file out against the store and this process writes the
results in order, so the history must be exactly the one that importing the
files one at a time makes; a bad file must stop the import with its own error.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import psycopg
import pytest

from coherence.application.bulk import FileImported, import_files
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import PlanSource
from coherence.application.results import PreparedRevision
from coherence.application.settings import Settings
from coherence.domain.errors import PlanFileError, PlanNotFound, VersionConflict
from coherence.domain.plan import plan_uuid
from tests.plans import plan_data

pytestmark = pytest.mark.postgres

AUTHOR = Author("state office", reason="loading the district plans", source="import")


def demo_file(version: int) -> PlanSource:
    name = f"riverbend-v{version}.yaml"
    return PlanSource(name, (files("coherence.demo") / name).read_bytes())


def example(number: int, *, revised: bool = False) -> PlanSource:
    data = plan_data()
    data["plan"]["id"] = f"example-{number}"
    if revised:
        data["initiatives"][0]["title"] = f"Tutoring, revised for plan {number}"
        data["educator_goals"] = []
    return PlanSource(f"example-{number}{'-revised' if revised else ''}.json", data)


def sources() -> list[PlanSource]:
    """New plans, revisions far from and right after their plan's file, a repeat."""
    return [
        demo_file(1),
        example(1),
        demo_file(2),
        example(2),
        demo_file(3),
        demo_file(4),  # right after the same plan's file: worked out against a stale version
        example(3),
        example(1, revised=True),
        example(2),  # the same file again: saves nothing
        example(4),
        example(2, revised=True),
    ]


def event_log(app: PlanHistory, plan_id: str) -> list[tuple[int, str, dict[str, Any]]]:
    """Every event of a plan but its recording time."""
    return [
        (
            e.originator_version,
            type(e).__qualname__,
            {k: v for k, v in e.__dict__.items() if k != "timestamp"},
        )
        for e in app.events.get(plan_uuid(plan_id))
    ]


def tables(store_url: str) -> set[str]:
    if store_url.startswith("sqlite:///"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as con:
            rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    else:
        with psycopg.connect(store_url) as con:
            rows = con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchall()
    return {name for (name,) in rows}


def test_files_imported_by_workers_make_the_history_one_at_a_time_makes(store_url: str) -> None:
    app = PlanHistory(Settings(store=store_url))
    reference = PlanHistory(Settings(store="memory://"))
    before = tables(store_url)
    try:
        together = list(import_files(app, sources(), AUTHOR, workers=2))
        assert tables(store_url) == before  # the workers read the plans where they are
        alone = list(import_files(reference, sources(), AUTHOR, workers=1))

        assert [(r.file, r.plan_id, r.version, r.events, r.created) for r in together] == [
            (r.file, r.plan_id, r.version, r.events, r.created) for r in alone
        ]
        assert together[8].events == 0  # the repeated file
        plan_ids = sorted({r.plan_id for r in together})
        assert len(plan_ids) == 5
        for plan_id in plan_ids:
            assert event_log(app, plan_id) == event_log(reference, plan_id)
            latest = app.get_plan(plan_id).version
            for version in sorted({1, latest // 2, latest - 1, latest} - {0}):
                assert app.export_plan(plan_id, version=version) == reference.export_plan(
                    plan_id, version=version
                )
    finally:
        app.close()
        reference.close()


def test_a_bad_file_stops_the_import_with_its_own_error_and_later_files_are_not_saved(
    store_url: str,
) -> None:
    bad = copy.deepcopy(example(7).data)
    assert isinstance(bad, dict)
    bad["initiatives"][0]["supports"] = ["SO9"]
    given = [example(5), example(6), PlanSource("broken.json", bad), example(8)]
    app = PlanHistory(Settings(store=store_url))
    imported: list[FileImported] = []
    try:
        with pytest.raises(PlanFileError) as refused:
            imported.extend(import_files(app, given, AUTHOR, workers=2))
        assert refused.value.file == "broken.json"
        assert "initiatives[0].supports[0]" in str(refused.value)
        assert [r.file for r in imported] == ["example-5.json", "example-6.json"]
        assert app.get_plan("example-6").version == imported[1].version
        for never in ("example-7", "example-8"):
            with pytest.raises(PlanNotFound):
                app.get_plan(never)
    finally:
        app.close()


def test_a_file_changed_by_another_writer_meanwhile_is_imported_afresh(store_url: str) -> None:
    app = PlanHistory(Settings(store=store_url))
    other = PlanHistory(Settings(store=store_url))
    try:
        app.import_plan(example(9).read(), AUTHOR)

        def given() -> Iterator[PlanSource]:
            yield example(9, revised=True)
            # Asked for the next file while the first is in a worker's hands.
            other.adopt("example-9", Author("school committee", reason="vote"))
            yield example(10)

        list(import_files(app, given(), AUTHOR, workers=2))
        assert app.get_plan("example-9").status == "adopted"
        revised = app.export_plan("example-9")
        assert revised["initiatives"][0]["title"] == "Tutoring, revised for plan 9"
        assert not revised.get("educator_goals")
        assert app.get_plan("example-10").version > 1
    finally:
        app.close()
        other.close()


def test_rows_worked_out_from_an_old_version_are_refused_and_nothing_is_written(
    store_url: str,
) -> None:
    app = PlanHistory(Settings(store=store_url))
    try:
        first = app.import_plan(example(11).read(), AUTHOR)
        app.adopt("example-11", AUTHOR)
        rows = [
            (s.originator_version, s.topic, s.state)
            for s in app.recorder.select_events(plan_uuid("example-11"), gt=first.version - 2)
        ]
        stale = PreparedRevision("example-11", first.version - 2, first.version, 2, False, rows, [])
        with pytest.raises(VersionConflict):
            app.write_prepared(stale)
        unchanged = PreparedRevision(
            "example-11", first.version, first.version, None, False, [], []
        )
        with pytest.raises(VersionConflict):
            app.write_prepared(unchanged)
        assert app.get_plan("example-11").version == first.version + 1
    finally:
        app.close()
