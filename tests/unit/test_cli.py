"""The command line, as a person or a program uses it: exit statuses, tables and JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from coherence.cli.main import cli
from tests.plans import plan_data, yaml_text


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--store", store], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def write(tmp_path: Path, name: str, data: dict[str, object]) -> str:
    path = tmp_path / name
    path.write_text(yaml_text(data), encoding="utf-8")
    return str(path)


def test_import_history_diff_export_round_trip(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v1 = write(tmp_path, "v1.yaml", plan_data())
    code, out, _ = run(
        "import",
        v1,
        "--actor",
        "Dr. Alvarez",
        "--reason",
        "first draft",
        "--at",
        "2025-03-01T19:00:00Z",
        "--format",
        "json",
    )
    assert code == 0
    first = json.loads(out)
    assert (first["plan"], first["version"], first["events"]) == (
        "example-2025",
        first["events"],
        first["events"],
    )

    code, out, _ = run("import", v1, "--format", "json")
    assert json.loads(out)["events"] == 0

    revised = plan_data()
    revised["initiatives"][1]["owner"] = "Family Engagement Office"
    v2 = write(tmp_path, "v2.yaml", revised)
    code, out, _ = run("import", v2, "--reason", "new owner", "--at", "2025-09-01T12:00:00Z")
    assert code == 0
    assert "revision 2, 1 events saved" in out

    code, out, _ = run("history", "example-2025", "--format", "json")
    history = json.loads(out)
    assert history[0]["actor"] == "Dr. Alvarez"
    assert history[-1]["summary"] == "Initiative SI2.1 'Family liaisons' revised (owner): new owner"
    assert {"version", "timestamp", "type", "actor", "reason", "summary"} <= set(history[0])

    code, out, _ = run(
        "diff",
        "example-2025",
        "--from",
        str(first["version"]),
        "--to",
        str(first["version"] + 1),
        "--format",
        "json",
    )
    diff = json.loads(out)
    assert diff["revised"] == [
        {
            "kind": "initiative",
            "key": "SI2.1",
            "changes": [
                {
                    "field": "owner",
                    "before": "Director of Family Engagement",
                    "after": "Family Engagement Office",
                }
            ],
        }
    ]
    code, out, _ = run(
        "diff", "example-2025", "--from", str(first["version"]), "--to", str(first["version"] + 1)
    )
    assert "revised" in out and "SI2.1" in out and "owner" in out

    code, out, _ = run("export", "example-2025", "--as-of", "2025-03-01")
    old = yaml.safe_load(out)
    assert old["initiatives"][1]["owner"] == "Director of Family Engagement"
    exported = tmp_path / "old.json"
    code, _, _ = run(
        "export",
        "example-2025",
        "--version",
        str(first["version"]),
        "--format",
        "json",
        "--output",
        str(exported),
    )
    assert (
        json.loads(exported.read_text())["initiatives"][1]["owner"]
        == "Director of Family Engagement"
    )

    code, out, _ = run("plans", "--format", "json")
    assert json.loads(out)[0]["version"] == first["version"] + 1
    code, out, _ = run("plans")
    assert "example-2025" in out


def test_dry_run_reports_and_saves_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "v1.yaml", plan_data())
    code, out, _ = run("import", path, "--dry-run", "--format", "json")
    assert code == 0 and json.loads(out)["dry_run"] is True and json.loads(out)["events"] > 0
    code, _, err = run("history", "example-2025")
    assert code == 2 and "No plan with id 'example-2025'" in err


def test_bad_input_exits_2_with_the_reason(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = plan_data()
    data["benchmarks"][0]["status"] = "done"
    code, _, err = run("import", write(tmp_path, "bad.yaml", data))
    assert code == 2
    assert "bad.yaml: benchmarks[0].status: expected one of not_started" in err
    code, _, err = run("import", write(tmp_path, "ok.yaml", plan_data()), "--at", "yesterday")
    assert code == 2 and "--at" in err
    code, _, err = run("export", "nope")
    assert code == 2 and "nope" in err


def test_history_must_not_go_backwards(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "v1.yaml", plan_data())
    assert run("import", path, "--at", "2025-09-01T00:00:00Z")[0] == 0
    revised = plan_data(vision="A new vision")
    code, _, err = run(
        "import", write(tmp_path, "v2.yaml", revised), "--at", "2025-03-01T00:00:00Z"
    )
    assert code == 2 and "must not go backwards" in err


def test_demo_loads_once_and_shows_its_history(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("demo")
    assert code == 0 and "riverbend-2024" in out and "Loaded the demo plan" in out
    code, out, _ = run("demo", "--no-history")
    assert "already in the store" in out


def test_audit_of_the_demo_lists_its_planted_gaps(run) -> None:  # type: ignore[no-untyped-def]
    run("demo", "--no-history")
    code, out, _ = run("audit", "riverbend-2024", "--format", "json")
    assert code == 1  # the demo has error findings
    report = json.loads(out)
    assert {"plan", "version", "as_of", "summary", "findings"} <= set(report)
    found = {(f["rule"], f["key"]) for f in report["findings"]}
    assert {
        ("orphaned-initiative", "SI4.1"),
        ("unfunded-objective", "SO5"),
        ("unfunded-initiative", "SI5.1"),
        ("objective-without-final-outcome", "SO3"),
        ("outcome-not-smart", "OC13"),
        ("initiative-without-benchmark", "SI2.3"),
        ("unaligned-budget-line", "BL-2705"),
        ("over-allocated-budget-line", "BL-2702"),
        ("unaligned-school-plan", "SIP-BRK"),
    } <= found
    assert report["summary"]["error"] == sum(f["severity"] == "error" for f in report["findings"])

    code, out, _ = run("audit", "riverbend-2024", "--as-of", "2025-09-01", "--format", "json")
    past = json.loads(out)
    assert code == 0
    assert past["as_of"] == "2025-09-01"
    assert past["version"] < report["version"]

    code, out, _ = run("audit", "riverbend-2024", "--format", "markdown")
    assert out.startswith("## Alignment audit: riverbend-2024")
    assert "| error | `orphaned-initiative` | SI4.1 |" in out


def test_graph_exports_and_line_of_sight(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("demo", "--no-history")
    out_file = tmp_path / "plan.graphml"
    code, _, _ = run("graph", "riverbend-2024", "--format", "graphml", "--output", str(out_file))
    assert code == 0 and out_file.read_text().startswith("<?xml")
    code, out, _ = run("graph", "riverbend-2024", "--format", "mermaid", "--version", "50")
    assert code == 0 and out.startswith("flowchart BT")
    code, out, _ = run("line-of-sight", "riverbend-2024", "BL-2702", "--format", "json")
    assert ["BL-2702", "SI3.1", "SO3", "mission"] in json.loads(out)["paths"]
    code, _, err = run("line-of-sight", "riverbend-2024", "NOPE")
    assert code == 2 and "NOPE" in err


def test_plans_json_is_what_the_api_lists(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`coherence plans --format json` and `GET /plans` describe a plan in the same words."""
    from fastapi.testclient import TestClient

    from coherence.api.app import create_app
    from coherence.application.history import PlanHistory
    from coherence.application.settings import Settings
    from coherence.bootstrap import api_context

    run("demo", "--no-history")
    code, out, _ = run("plans", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    store = f"sqlite:///{tmp_path / 'cli.db'}"  # the run fixture's store
    api = TestClient(create_app(api_context(PlanHistory(Settings(store=store)))))
    assert api.get("/api/v1/plans").json() == listed
    assert set(listed[0]["audit"]) == {"error", "warning", "info"}
    assert 0 <= listed[0]["score"] <= 100


def test_several_files_import_in_order_with_a_line_each(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = plan_data()
    other["plan"]["id"] = "other-2025"
    revised = plan_data()
    revised["initiatives"][1]["owner"] = "Family Engagement Office"
    paths = [
        write(tmp_path, "v1.yaml", plan_data()),
        write(tmp_path, "other.yaml", other),
        write(tmp_path, "v2.yaml", revised),
        write(tmp_path, "v2-again.yaml", revised),
    ]
    code, out, _ = run("import", *paths, "--jobs", "2", "--format", "json")
    assert code == 0
    lines = json.loads(out)
    assert [(Path(x["file"]).name, x["plan"], x["created"]) for x in lines] == [
        ("v1.yaml", "example-2025", True),
        ("other.yaml", "other-2025", True),
        ("v2.yaml", "example-2025", False),
        ("v2-again.yaml", "example-2025", False),
    ]
    assert lines[2]["events"] == 1 and lines[2]["version"] == lines[0]["version"] + 1
    assert lines[3]["events"] == 0

    code, out, _ = run("history", "example-2025", "--format", "json")
    assert json.loads(out)[-1]["summary"].endswith("revised (owner)")

    again = write(tmp_path, "other-v2.yaml", {**other, "vision": "Every student belongs."})
    code, out, _ = run("import", again, paths[0])
    assert code == 0
    assert "2 files imported" in out and "other-v2.yaml" in out


def test_several_files_stop_at_a_bad_one_naming_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = plan_data()
    bad["plan"]["id"] = "bad-2025"
    bad["initiatives"][0]["supports"] = ["SO9"]
    paths = [write(tmp_path, "ok.yaml", plan_data()), write(tmp_path, "bad.yaml", bad)]
    code, _, err = run("import", *paths, str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "bad.yaml: initiatives[0].supports[0]" in err
    assert json.loads(run("plans", "--format", "json")[1])[0]["plan"] == "example-2025"


def test_a_server_removes_what_a_killed_server_left_in_memory(tmp_path: Path) -> None:
    """Directories of a server that is gone (killed outright, it could not remove them)
    are removed by the next; a running server's, and names not of that form, are kept."""
    import subprocess

    from coherence.cli.server import RUN_PREFIX, sweep_orphans

    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = tmp_path / f"{RUN_PREFIX}{finished.pid}-a1b2"
    (dead / "reports").mkdir(parents=True)
    (dead / "reports" / "audit.json").write_bytes(b"{}")
    running = tmp_path / f"{RUN_PREFIX}{os.getpid()}-c3d4"
    running.mkdir()
    older = tmp_path / f"{RUN_PREFIX}e5f6g7"
    older.mkdir()
    assert sweep_orphans(str(tmp_path)) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, older.name])
