"""Adoption with the record of the vote, the lifecycle commands, ``diff --from adopted``,
and events stored in their old shape reading back through their upcasts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.errors import InvalidValue, NeverAdopted
from coherence.domain.plan import DistrictPlan, plan_uuid
from coherence.queries.reader import PlanReader
from tests.plans import document, yaml_text

PLAN = "example-2025"
API = f"/api/v1/plans/{PLAN}"
VOTE = {
    "body": "School Committee",
    "meeting_date": "2026-06-12",
    "vote": "7-0",
    "minutes_url": "https://example.org/minutes/2026-06-12.pdf",
}


@pytest.fixture
def history() -> PlanHistory:
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("Dr. Alvarez"))
    return history


def test_adoption_records_the_vote_in_the_history(history: PlanHistory) -> None:
    result = history.adopt(PLAN, Author("Clerk", "Annual vote"), record=VOTE)
    (entry,) = result.events
    assert entry.summary == "Plan adopted by the School Committee on 2026-06-12 (7-0): Annual vote"
    last = history.history(PLAN)[-1].to_dict()
    assert last["type"] == "Adopted"
    assert last["record"] == VOTE
    assert history.get_plan(PLAN).status == "adopted"


def test_the_vote_record_is_optional_and_checked(history: PlanHistory) -> None:
    with pytest.raises(InvalidValue) as e:
        history.adopt(PLAN, Author("Clerk"), record={"minutes_url": "javascript:alert(1)"})
    assert e.value.path == "minutes_url"
    with pytest.raises(InvalidValue) as e:
        history.adopt(PLAN, Author("Clerk"), record={"meeting_date": "June 12"})
    assert e.value.path == "meeting_date"
    with pytest.raises(InvalidValue) as e:
        history.adopt(PLAN, Author("Clerk"), record={"quorum": "yes"})
    assert e.value.path == "quorum"
    assert history.get_plan(PLAN).status == "draft"  # nothing saved
    (entry,) = history.adopt(PLAN, Author("Clerk"), record={"body": "The Board"}).events
    assert entry.summary == "Plan adopted by The Board"
    assert entry.record == {"body": "The Board", "meeting_date": None, "vote": None,
                            "minutes_url": None}  # fmt: skip


def _store_old_shaped(history: PlanHistory, event_class: type[Any], **state: Any) -> None:
    """Append an event to the plan as version 1 of its class was stored (no
    ``class_version``, none of the attributes added since)."""
    plan = history.get_plan(PLAN)
    row = {
        "timestamp": plan.modified_on,
        "actor": "Clerk (2024)",
        "reason": None,
        "source": "import",
        "revision": plan.revision + 1,
        **state,
    }
    stored = StoredEvent(
        plan_uuid(PLAN),
        plan.version + 1,
        get_topic(event_class),
        history.mapper.transcoder.encode(row),
    )
    history.recorder.insert_events([stored])


def test_events_stored_in_their_old_shape_read_back_upcast(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'old.db'}"
    writer = PlanHistory(Settings(store=store))
    writer.import_plan(document(), Author("Dr. Alvarez"))
    _store_old_shaped(writer, DistrictPlan.Adopted)
    _store_old_shaped(writer, DistrictPlan.BenchmarkStatusReported, key="B1", status="at_risk")
    results = [{"as_of": "2026-06-30", "value": 47}, {"as_of": "2027-06-30", "value": 50}]
    _store_old_shaped(
        writer,
        DistrictPlan.OutcomeResultReported,
        key="OC1",
        as_of="2027-06-30",
        value=50,
        results=results,
    )
    writer.close()

    reader = PlanHistory(Settings(store=store))  # a fresh process: no cache
    plan = reader.get_plan(PLAN)
    assert plan.status == "adopted"
    assert plan.elements["B1"]["fields"]["status"] == "at_risk"
    adopted, status, result = reader.history(PLAN)[-3:]
    assert adopted.summary == "Plan adopted"
    assert adopted.record == dict.fromkeys(("body", "meeting_date", "vote", "minutes_url"))
    assert status.record == {"status": "at_risk", "note": None, "evidence": []}
    assert result.record == {"as_of": "2027-06-30", "value": 50, "note": None, "evidence": []}
    events = list(reader.events.get(plan_uuid(PLAN)))
    assert events[-3].vote is None and events[-2].evidence == []
    # a command after them works on the upcast plan, and writes version 2 events
    reader.start_redesign(PLAN, Author("Clerk"))
    reader.adopt(PLAN, Author("Clerk"), record={"vote": "5-2"})
    (last,) = reader.recorder.select_events(plan_uuid(PLAN), desc=True, limit=1)
    assert json.loads(last.state)["class_version"] == 2
    assert PlanHistory(Settings(store=store)).history(PLAN)[-1].summary == "Plan adopted (5-2)"


def test_diff_from_the_adopted_version(history: PlanHistory) -> None:
    reader = PlanReader(history)
    with pytest.raises(NeverAdopted) as e:
        reader.diff(PLAN, "adopted")
    assert "never been adopted" in str(e.value)
    adopted = history.adopt(PLAN, Author("Clerk"), record=VOTE).version
    history.revise_element(PLAN, "SI1.1", {"title": "High-dosage tutoring"}, Author("Ana"))
    diff = reader.diff(PLAN, "adopted").to_dict()
    assert (diff["from"], diff["to"]) == (adopted, adopted + 1)
    assert [r["key"] for r in diff["revised"]] == ["SI1.1"]
    assert reader.resolve(PLAN, "latest") == adopted + 1
    with pytest.raises(InvalidValue):
        reader.resolve(PLAN, "first", "from")
    # a later adoption (after a redesign) is the one compared with
    history.start_redesign(PLAN, Author("Clerk"))
    again = history.adopt(PLAN, Author("Clerk")).version
    assert reader.resolve(PLAN, "adopted") == again


def test_api_adopt_with_a_vote_and_diff_from_adopted(history: PlanHistory) -> None:
    client = TestClient(create_app(api_context(history)))
    r = client.get(f"{API}/diff", params={"from": "adopted"})
    assert r.status_code == 404, r.text
    assert r.json()["title"] == "Never adopted" and "never been adopted" in r.json()["detail"]
    r = client.post(f"{API}/adopt", json={**VOTE, "reason": "Annual vote"})
    assert r.status_code == 200, r.text
    (change,) = r.json()["changes"]
    assert change["summary"].startswith("Plan adopted by the School Committee on 2026-06-12 (7-0)")
    assert change["record"] == VOTE
    events = client.get(f"{API}/history").json()["events"]
    assert events[-1]["record"] == VOTE
    r = client.get(f"{API}/diff", params={"from": "adopted"})
    assert r.status_code == 200 and r.json()["added"] == []


def test_cli_adopt_redesign_close_and_diff_from_adopted(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--store", store], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml_text(), encoding="utf-8")
    assert run("import", str(plan_file))[0] == 0
    code, _, err = run("diff", PLAN, "--from", "adopted")
    assert code == 2 and "never been adopted" in err
    code, out, err = run(
        "adopt", PLAN, "--body", "School Committee", "--meeting-date", "2026-06-12",
        "--vote", "7-0", "--minutes", VOTE["minutes_url"], "--reason", "Annual vote",
        "--actor", "Clerk", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["changes"][0]["record"] == VOTE
    code, out, _ = run("history", PLAN, "--format", "json")
    last = json.loads(out)[-1]
    assert last["record"] == VOTE and last["actor"] == "Clerk"
    assert last["summary"].startswith("Plan adopted by the School Committee on 2026-06-12 (7-0)")
    code, out, _ = run("diff", PLAN, "--from", "adopted", "--format", "json")
    assert code == 0 and json.loads(out)["from"] == json.loads(out)["to"]
    code, out, err = run("redesign", PLAN, "--reason", "Year two")
    assert code == 0, err
    assert "Redesign started: Year two" in out
    code, _, err = run("redesign", PLAN, "--reason", "again")
    assert code == 2 and "Cannot start a redesign" in err
    code, out, err = run("close", PLAN, "--reason", "End of cycle", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["changes"][0]["type"] == "Closed"
    code, _, err = run("adopt", PLAN, "--minutes", "not a url")
    assert code == 2 and "minutes_url" in err
