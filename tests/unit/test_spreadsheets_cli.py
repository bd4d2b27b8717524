"""Spreadsheets through the command line, and the round trips a planner relies on.

``export --format xlsx``, ``import`` of a workbook (by name or by content), ``template``,
one section as CSV both ways (``--section``) and ``budget import`` from a finance
system, with their refusals (exit status 2 naming the sheet, cell or field).
Round trips: a plan's workbook imports back as a no-op, at any version, and a
workbook imported into a fresh store gives the same plan file as the YAML export.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from openpyxl import load_workbook

from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import dump_document, read_document
from coherence.application.settings import Settings
from coherence.application.workbook import read_plan_input, write_template, write_workbook
from coherence.cli import common
from coherence.cli.main import cli
from tests.plans import plan_data, yaml_text
from tests.strategies import COMMANDS, SETTINGS, random_history

PLAN = "example-2025"
ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = ROOT / "src" / "coherence" / "demo" / "riverbend-v4.yaml"


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def invoke(store: str, *args: str) -> Any:
    return CliRunner().invoke(cli, [*args, "--store", store], catch_exceptions=False)


@pytest.fixture
def imported(store: str, tmp_path: Path) -> Path:
    """The example plan imported (version 1 ...); its file."""
    path = tmp_path / "plan.yaml"
    path.write_text(yaml_text(), encoding="utf-8")
    assert invoke(store, "import", str(path)).exit_code == 0
    return path


def version(store: str) -> int:
    out = invoke(store, "plans", "--format", "json").stdout
    return int(next(p["version"] for p in json.loads(out) if p["plan"] == PLAN))


# -- whole workbooks ------------------------------------------------------------------


def test_export_a_workbook_and_import_it_back_as_a_no_op(
    store: str, imported: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    r = invoke(store, "export", PLAN, "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert load_workbook(out).sheetnames[:3] == ["About", "Plan", "Core values"]
    r = invoke(store, "import", str(out), "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["events"] == 0
    # Recognised by its content too, whatever its name.
    renamed = tmp_path / "plan.download"
    renamed.write_bytes(out.read_bytes())
    r = invoke(store, "import", str(renamed), "--dry-run", "--format", "json")
    assert json.loads(r.stdout)["events"] == 0


def test_an_edited_workbook_imports_as_that_edit_with_actor_and_reason(
    store: str, imported: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    invoke(store, "export", PLAN, "--format", "xlsx", "-o", str(out))
    wb = load_workbook(out)
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("owner") + 1, value="Literacy Office")
    wb.save(out)
    before = version(store)
    r = invoke(store, "import", str(out), "--dry-run", "--format", "json")
    preview = json.loads(r.stdout)
    assert preview["dry_run"] is True and preview["events"] == 1
    assert "owner" in preview["changes"][0]["summary"]
    assert set(preview["audit"]) >= {"resolved", "added", "before", "after"}
    assert version(store) == before
    r = invoke(store, "import", str(out), "--actor", "Ana Ruiz", "--reason", "owners")
    assert r.exit_code == 0, r.stderr
    assert version(store) == before + 1
    last = json.loads(invoke(store, "history", PLAN, "--format", "json").stdout)[-1]
    assert (last["actor"], last["reason"], last["source"]) == ("Ana Ruiz", "owners", "cli")


def test_several_workbooks_with_jobs(store: str, tmp_path: Path) -> None:
    files = []
    for n in range(3):
        data = plan_data()
        data["plan"]["id"] = f"plan-{n}"
        data["mission"] = f"Mission {n}"
        path = tmp_path / f"plan-{n}.xlsx"
        path.write_bytes(write_workbook(read_document(yaml_text(data), filename="x").state))
        files.append(str(path))
    r = invoke(store, "import", *files, "--jobs", "2", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert [f["plan"] for f in json.loads(r.stdout)] == ["plan-0", "plan-1", "plan-2"]
    r = invoke(store, "export", "plan-2")
    assert yaml.safe_load(r.stdout)["mission"] == "Mission 2"


def test_export_at_a_version_or_date(store: str, imported: Path, tmp_path: Path) -> None:
    first = version(store)
    changed = plan_data()
    changed["initiatives"][0]["owner"] = "Someone else"
    imported.write_text(yaml_text(changed), encoding="utf-8")
    invoke(store, "import", str(imported))
    out = tmp_path / "v1.xlsx"
    assert invoke(
        store, "export", PLAN, "--version", str(first), "-o", str(out), "--format", "xlsx"
    )
    doc = read_plan_input(out.read_bytes(), filename="v1.xlsx")
    assert doc.state.elements["SI1.1"].fields["owner"] == plan_data()["initiatives"][0]["owner"]
    r = invoke(store, "export", PLAN, "--as-of", "2999-01-01", "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0
    doc = read_plan_input(out.read_bytes(), filename="now.xlsx")
    assert doc.state.elements["SI1.1"].fields["owner"] == "Someone else"


def test_a_workbook_is_not_written_to_a_terminal(
    store: str, imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = invoke(store, "export", PLAN, "--format", "xlsx")
    assert r.exit_code == 0 and r.stdout_bytes.startswith(b"PK\x03\x04")  # a pipe: fine
    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True)
    r = invoke(store, "export", PLAN, "--format", "xlsx")
    assert r.exit_code == 2
    assert "an XLSX workbook is binary: give -o FILE.xlsx" in r.stderr
    r = CliRunner().invoke(cli, ["template"])
    assert r.exit_code == 2 and "-o FILE.xlsx" in r.stderr


def test_a_bad_workbook_exits_2_naming_sheet_and_cell(
    store: str, imported: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    invoke(store, "export", PLAN, "--format", "xlsx", "-o", str(out))
    wb = load_workbook(out)
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    column = header.index("supports") + 1
    ws.cell(row=2, column=column, value="SO9")
    wb.save(out)
    before = version(store)
    r = invoke(store, "import", str(out))
    assert r.exit_code == 2
    letter = ws.cell(row=2, column=column).column_letter
    assert f"plan.xlsx: Initiatives!{letter}2 (supports): expected the key" in r.stderr
    assert "'SO9'" in r.stderr
    assert version(store) == before
    (tmp_path / "not.xlsx").write_text("hello", encoding="utf-8")
    r = invoke(store, "import", str(tmp_path / "not.xlsx"))
    assert r.exit_code == 2 and "not a zip archive" in r.stderr


def test_a_filled_in_template_imports(store: str, tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    r = CliRunner().invoke(cli, ["template", "--format", "xlsx", "-o", str(blank)])
    assert r.exit_code == 0, r.stderr
    assert blank.read_bytes() == write_template() or blank.stat().st_size > 0
    wb = load_workbook(blank)
    plan = wb["Plan"]
    values = {"id": "new-2026", "district": "New District", "title": "A plan", "mission": "M"}
    for row in plan.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb["Objectives"].append(["SO1", "Read"])
    wb.save(blank)
    r = invoke(store, "import", str(blank), "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["created"] is True
    doc = yaml.safe_load(invoke(store, "export", "new-2026").stdout)
    assert doc["mission"] == "M" and doc["objectives"][0]["key"] == "SO1"


# -- one section as CSV ---------------------------------------------------------------


def test_a_section_as_csv_both_ways(store: str, imported: Path, tmp_path: Path) -> None:
    r = invoke(store, "export", PLAN, "--section", "budget_lines", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "key,fiscal_year,fund,account,description,amount,fte"
    path = tmp_path / "budget.csv"
    path.write_text(r.stdout.replace("120000", "125000"), encoding="utf-8")
    before = version(store)
    section = ("import", PLAN, "--section", "budget_lines", str(path))
    r = invoke(store, *section, "--dry-run", "--format", "json")
    assert r.exit_code == 0, r.stderr
    preview = json.loads(r.stdout)
    assert preview["events"] == 1 and "amount" in preview["changes"][0]["summary"]
    assert version(store) == before
    r = invoke(store, "import", PLAN, "--section", "budget_lines", str(path))
    assert r.exit_code == 0 and version(store) == before + 1
    doc = yaml.safe_load(invoke(store, "export", PLAN).stdout)
    assert doc["budget_lines"][0]["amount"] == 125000
    assert doc["budget_lines"][0]["funds"] == plan_data()["budget_lines"][0]["funds"]  # kept
    r = invoke(store, "import", PLAN, "--section", "budget_lines", str(path), "--format", "json")
    assert json.loads(r.stdout)["events"] == 0


def test_section_refusals(store: str, imported: Path, tmp_path: Path) -> None:
    r = invoke(store, "export", PLAN, "--section", "colours")
    assert r.exit_code == 2 and "section: expected one of core_values" in r.stderr
    r = invoke(store, "export", PLAN, "--format", "csv")
    assert r.exit_code == 2 and "--section goes with --format csv" in r.stderr
    path = tmp_path / "b.csv"
    path.write_text(
        "key,fiscal_year,fund,account,description,amount,fte\nBL-1001,FY26,,,,lots,\n",
        encoding="utf-8",
    )
    r = invoke(store, "import", PLAN, "--section", "budget_lines", str(path))
    assert r.exit_code == 2 and "b.csv: F2 (amount): expected" in r.stderr
    r = invoke(store, "import", "--section", "budget_lines", str(path))
    assert r.exit_code == 2 and "PLAN FILE.csv" in r.stderr


# -- budget from a finance system ---------------------------------------------------------

FINANCE = (
    "Line,Year,Fund Name,Total Budget,Program,Alloc\n"
    "BL-1001,FY26,Title I,130000,SI1.1,90000\n"
    "BL-1001,FY26,Title I,130000,PL1,40000\n"
    "BL-2001,FY26,General,5000,SI9.9,5000\n"
)


def test_budget_import_with_a_mapping_file_and_map_options(
    store: str, imported: Path, tmp_path: Path
) -> None:
    finance = tmp_path / "finance.csv"
    finance.write_text(FINANCE, encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n  key: Line\n  fiscal_year: Year\n  fund: Fund Name\n"
        "  amount: Total Budget\n  funds.target: Program\n",
        encoding="utf-8",
    )
    before = version(store)
    args = ("budget", "import", PLAN, str(finance), "--mapping", str(mapping))
    r = invoke(store, *args, "--map", "funds.amount=Alloc", "--dry-run", "--format", "json")
    assert r.exit_code == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["unknown_targets"] == [
        {"row": 4, "cell": "E4", "budget_line": "BL-2001", "target": "SI9.9"}
    ]
    assert body["dry_run"] and body["events"] > 0 and version(store) == before
    r = invoke(store, *args, "--map", "funds.amount=Alloc")
    assert r.exit_code == 0, r.stderr
    assert "1 allocations left out" in r.stdout and "SI9.9" in r.stdout
    doc = json.loads(invoke(store, "export", PLAN, "--format", "json").stdout)
    lines = {b["key"]: b for b in doc["budget_lines"]}
    assert lines["BL-1001"]["amount"] == 130000
    assert lines["BL-1001"]["funds"] == [
        {"target": "SI1.1", "amount": 90000},
        {"target": "PL1", "amount": 40000},
    ]
    assert lines["BL-2001"]["funds"] == []
    assert doc["initiatives"] == plan_data()["initiatives"]  # nothing else changed


def test_budget_import_refusals(store: str, imported: Path, tmp_path: Path) -> None:
    finance = tmp_path / "finance.csv"
    finance.write_text(FINANCE, encoding="utf-8")
    base = ("budget", "import", PLAN, str(finance))
    r = invoke(store, *base, "--map", "key=Line", "--map", "colour=Fund Name")
    assert r.exit_code == 2
    assert "finance.csv: mapping: expected one of key, fiscal_year" in r.stderr
    assert "'colour'" in r.stderr
    r = invoke(store, *base, "--map", "key=Line No")
    assert r.exit_code == 2 and "a column named 'Line No'" in r.stderr
    r = invoke(store, *base, "--map", "key")
    assert r.exit_code == 2 and "FIELD=COLUMN" in r.stderr
    r = invoke(store, *base)
    assert r.exit_code == 2 and "--mapping FILE.yaml" in r.stderr
    mapping = tmp_path / "m.yaml"
    mapping.write_text("- key\n", encoding="utf-8")
    r = invoke(store, *base, "--mapping", str(mapping))
    assert r.exit_code == 2 and "m.yaml: mapping: expected our field names" in r.stderr


# -- round trips ------------------------------------------------------------------------


def test_the_demo_plan_round_trips_through_its_workbook_as_a_no_op() -> None:
    app = PlanHistory(Settings(store="memory://"))
    load_demo(app)
    plan = "riverbend-2024"
    data = write_workbook(app.plan_state(plan))
    result = app.import_plan(read_plan_input(data, filename="demo.xlsx"), Author("t"))
    assert len(result.events) == 0
    # Also at past versions: imported into a fresh store, the YAML export is the same.
    for at in (120, 325):
        past = write_workbook(app.plan_state(plan, version=at))
        fresh = PlanHistory(Settings(store="memory://"))
        fresh.import_plan(read_plan_input(past, filename="past.xlsx"), Author("t"))
        assert without_empty_results(fresh.export_plan(plan)) == without_empty_results(
            app.export_plan(plan, version=at)
        )


def test_a_workbook_gives_the_same_yaml_export_as_its_plan_file() -> None:
    text = DEMO_FILE.read_text(encoding="utf-8")
    doc = read_document(text, filename=DEMO_FILE.name)
    from_yaml = PlanHistory(Settings(store="memory://"))
    from_yaml.import_plan(doc, Author("t"))
    from_xlsx = PlanHistory(Settings(store="memory://"))
    workbook = write_workbook(doc.state)
    from_xlsx.import_plan(read_plan_input(workbook, filename="plan.xlsx"), Author("t"))
    plan = doc.plan_id
    assert dump_document(without_empty_results(from_xlsx.export_plan(plan))) == dump_document(
        without_empty_results(from_yaml.export_plan(plan))
    )


def test_cli_versions_exported_as_workbooks_import_into_a_fresh_store_as_their_yaml(
    store: str, imported: Path, tmp_path: Path
) -> None:
    first = version(store)
    changed = plan_data()
    changed["objectives"][1]["title"] = "Belonging and attendance"
    del changed["educator_goals"]
    imported.write_text(yaml_text(changed), encoding="utf-8")
    invoke(store, "import", str(imported))
    second = version(store)
    for at in (first, second):
        xlsx = tmp_path / f"v{at}.xlsx"
        invoke(store, "export", PLAN, "--version", str(at), "--format", "xlsx", "-o", str(xlsx))
        fresh = f"sqlite:///{tmp_path / f'fresh-{at}.db'}"
        assert invoke(fresh, "import", str(xlsx)).exit_code == 0
        assert (
            invoke(fresh, "export", PLAN).stdout
            == invoke(store, "export", PLAN, "--version", str(at)).stdout
        )


@settings(SETTINGS, max_examples=20)
@given(COMMANDS)
def test_generated_histories_round_trip_at_every_few_versions(commands: list[Any]) -> None:
    app = random_history(commands, plans=1)
    plan = "plan-0"
    latest = app.get_plan(plan).version
    for at in sorted({1, max(1, latest // 2), latest}):
        data = write_workbook(app.plan_state(plan, version=at))
        fresh = PlanHistory(Settings(store="memory://"))
        fresh.import_plan(read_plan_input(data, filename="v.xlsx"), Author("t"))
        assert without_empty_results(fresh.export_plan(plan)) == without_empty_results(
            app.export_plan(plan, version=at)
        )
    # The latest version's workbook imports back into its own store as a no-op.
    data = write_workbook(app.plan_state(plan))
    result = app.import_plan(read_plan_input(data, filename="v.xlsx"), Author("t"))
    assert len(result.events) == 0


def without_empty_results(doc: dict[str, Any]) -> dict[str, Any]:
    """A workbook cannot tell an outcome's empty list of results from none: in a fresh
    store it has none (an import into the plan's own store keeps the empty list)."""
    out = dict(doc)
    out["outcomes"] = [
        {k: v for k, v in o.items() if not (k == "results" and v == [])}
        for o in doc.get("outcomes", [])
    ]
    return out


def test_workbook_bytes_are_a_zip(store: str, imported: Path) -> None:
    r = invoke(store, "export", PLAN, "--format", "xlsx")
    assert load_workbook(io.BytesIO(r.stdout_bytes))["Plan"]["A1"].value is not None
