"""My work: what a person owns and needs them, at the 30-day and 90-day boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context
from coherence.queries.my_work import my_work
from tests.plans import document, plan_data

PLAN, OTHER = "example-2025", "other-2025"
TODAY = date(2026, 9, 1)
START = datetime(2026, 1, 1, 12, tzinfo=UTC)


def benchmark(
    key: str, due: date | None, owner: str | None = "Ana Ruiz", **more: Any
) -> dict[str, Any]:
    return {
        "key": key,
        "tracks": "SI1.1",
        "school_year": "2026-2027",
        "kind": "process",
        "description": f"Benchmark {key}",
        "owner": owner,
        "due": due.isoformat() if due else None,
        "status": "on_track",
        **more,
    }


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def history() -> PlanHistory:
    """Benchmarks of Ana's due around the 30-day mark, reported around the 90-day one."""
    history = PlanHistory(Settings(store="memory://"))
    data = plan_data(
        benchmarks=[
            benchmark("B-DUE-TODAY", day(0)),
            benchmark("B-DUE-30", day(30)),
            benchmark("B-DUE-31", day(31)),
            benchmark("B-LATE", day(-1)),
            benchmark("B-DONE", day(-5), status="complete"),
            benchmark("B-ROLE", day(10), owner="director of CURRICULUM"),
            benchmark("B-INITIATIVE", day(20), owner=None),  # SI1.1's owner: the Director
            benchmark("B-BEN", day(3), owner="Ben Ode"),
            benchmark("B-90", None),
            benchmark("B-91", None),
        ]
    )
    history.import_plan(document(data), Author("setup", at=START))
    reported = TODAY - timedelta(days=91)
    at = datetime.combine(reported, datetime.min.time(), UTC) + timedelta(hours=9)
    for key in ("B-91", "B-DUE-TODAY", "B-DUE-30", "B-DUE-31", "B-LATE", "B-ROLE"):
        history.report_benchmark_status(PLAN, key, "on_track", Author("Ana", at=at))
    at = at + timedelta(days=1)
    for key in ("B-90", "B-INITIATIVE"):
        history.report_benchmark_status(PLAN, key, "at_risk", Author("Ana", at=at))
    other = plan_data(plan={"id": OTHER, "district": "Other Public Schools", "title": "Other"})
    history.import_plan(document(other), Author("setup", at=at))
    return history


def keys(items: list[dict[str, Any]]) -> list[str]:
    return [i["key"] for i in items if i["plan"] == PLAN]


def test_buckets_at_their_boundaries(history: PlanHistory) -> None:
    work = my_work(history, history.list_plans(), "Ana Ruiz, Director of Curriculum", TODAY)
    assert keys(work["due_soon"]) == ["B-DUE-TODAY", "B-ROLE", "B-INITIATIVE", "B-DUE-30"]
    assert keys(work["overdue"]) == ["B-LATE"]
    # reported 91 days ago: stale; 90 days ago: not yet; OC1: never, added in January
    stale = ["B-LATE", "B-DUE-TODAY", "B-ROLE", "B-DUE-30", "B-DUE-31", "OC1", "B-91"]
    assert keys(work["stale"]) == stale
    assert "B-90" in keys(work["other"]) and "B-DONE" in keys(work["other"])
    assert "B-BEN" not in str(work)
    late = next(i for i in work["overdue"] if i["key"] == "B-LATE")
    assert (late["days_until_due"], late["days_since_report"]) == (-1, 91)
    # the outcome of the objective SI1.1 supports, whose owner is the Director
    (outcome,) = [i for i in work["stale"] if i["kind"] == "outcome"]
    assert (outcome["key"], outcome["last_result"]) == ("OC1", {"as_of": "2026-06-30", "value": 47})
    # the day after: B-90 is stale too, B-DUE-TODAY overdue
    later = my_work(history, history.list_plans(), "Ana Ruiz", TODAY + timedelta(days=1))
    assert "B-90" in keys(later["stale"]) and "B-DUE-TODAY" in keys(later["overdue"])
    assert "B-ROLE" not in str(later)  # "Ana Ruiz" alone is not the Director


def test_api_my_work_for_the_token_owner_in_scope(history: PlanHistory) -> None:
    client = TestClient(create_app(api_context(history)))
    r = client.get("/api/v1/my-work", params={"owner": "Ben Ode", "as_of": TODAY.isoformat()})
    assert r.status_code == 200, r.text
    assert keys(r.json()["due_soon"]) == ["B-BEN"]
    ana, _ = issue_token(history, owner="Ana Ruiz, Director of Curriculum", role="editor",
                         plans=[PLAN])  # fmt: skip
    headers = {"Authorization": f"Bearer {ana}"}
    r = client.get("/api/v1/my-work", params={"as_of": TODAY.isoformat()}, headers=headers)
    body = r.json()
    assert body["person"] == "Ana Ruiz, Director of Curriculum"
    assert keys(body["overdue"]) == ["B-LATE"]
    everything = body["overdue"] + body["due_soon"] + body["stale"] + body["other"]
    assert {i["plan"] for i in everything} == {PLAN}  # not the other plan's, out of scope
    r = client.get("/api/v1/my-work", params={"owner": "Ben Ode"}, headers=headers)
    assert r.status_code == 403
    assert client.get("/api/v1/my-work").status_code == 401
