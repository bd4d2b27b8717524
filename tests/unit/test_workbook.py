"""Spreadsheets in and out: a plan as an XLSX workbook and back, CSV sections, budgets."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from openpyxl import Workbook, load_workbook

from coherence.application.planfile import PlanDocument, check_document, state_to_document
from coherence.application.workbook import (
    UnknownTarget,
    WorkbookError,
    merge_budget,
    merge_section,
    read_budget,
    read_section_csv,
    read_workbook,
    section_to_csv,
    tables,
    write_template,
    write_workbook,
)
from coherence.domain.changes import Element, PlanState
from coherence.domain.framework import BENCHMARK_STATUSES
from coherence.domain.plan import DistrictPlan
from tests.plans import BASE, document, plan_data
from tests.strategies import COMMANDS, SETTINGS, run


def as_plan_file(state: PlanState) -> PlanDocument:
    """The plan as its plan file gives it: what a workbook must import as."""
    return check_document(state_to_document(state), filename="plan.yaml")


def round_trip(state: PlanState) -> PlanDocument:
    return read_workbook(write_workbook(state), filename="plan.xlsx")


def test_the_example_plan_round_trips() -> None:
    state = document().state
    assert round_trip(state) == as_plan_file(state)


@settings(SETTINGS, max_examples=30)
@given(COMMANDS)
def test_generated_plans_round_trip(commands: list[tuple[Any, ...]]) -> None:
    plan = DistrictPlan.draft("gen-1", title="Generated", actor="tester")
    run(plan, commands)
    state = PlanState.of(plan)
    assert round_trip(state).state == without_empty_results(as_plan_file(state).state)


def without_empty_results(state: PlanState) -> PlanState:
    """A workbook cannot tell an empty list of results from none: both have no rows."""
    elements = {
        key: Element(e.kind, {**e.fields, "results": None}, e.retired)
        if e.fields.get("results") == []
        else e
        for key, e in state.elements.items()
    }
    return PlanState(state.plan_id, state.details, elements, state.links, state.status)


def test_no_results_and_an_empty_list_of_results_are_the_same_in_a_workbook() -> None:
    outcome = {**BASE["outcomes"][0], "results": [], "unit": ""}
    state = document(plan_data(outcomes=[outcome])).state
    back = round_trip(state).state
    assert back.elements["OC1"].fields["results"] is None
    assert back.elements["OC1"].fields["unit"] == ""  # empty text stays text


# -- refused workbooks ----------------------------------------------------------------


def exported() -> bytes:
    return write_workbook(document().state)


def edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    """The workbook changed by ``change(workbook)`` (openpyxl), saved again."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_members(data: bytes, extra: dict[str, bytes], patch: Any = None) -> bytes:
    """The workbook's zip with more parts (and parts rewritten by ``patch``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(info, patch(info.filename, content) if patch else content)
        for name, content in extra.items():
            dst.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def refused(data: bytes, filename: str = "plan.xlsx") -> WorkbookError:
    with pytest.raises(WorkbookError) as info:
        read_workbook(data, filename=filename)
    assert str(info.value).startswith(f"{filename}: ")
    return info.value


def test_a_key_that_is_not_in_the_workbook_is_named_by_sheet_cell_and_column() -> None:
    data = edit(exported(), lambda wb: wb["Initiatives"].__setitem__("G2", "SO9"))
    e = refused(data)
    assert str(e) == (
        "plan.xlsx: Initiatives!G2 (supports): "
        "expected the key of an objective in this workbook, got 'SO9'"
    )
    assert (e.file, e.sheet, e.cell, e.field) == ("plan.xlsx", "Initiatives", "G2", "supports")


def test_field_errors_name_their_cell() -> None:
    def change(wb: Any) -> None:
        wb["Benchmarks"]["G2"] = "late"
        wb["Outcome results"]["A2"] = "OC9"

    e = refused(edit(exported(), lambda wb: wb["Benchmarks"].__setitem__("G2", "late")))
    assert (e.sheet, e.cell, e.field) == ("Benchmarks", "G2", "status")
    assert "one of not_started, on_track" in str(e)
    e = refused(edit(exported(), lambda wb: wb["Outcome results"].__setitem__("C2", "many")))
    assert (e.sheet, e.cell, e.field) == ("Outcome results", "C2", "value")
    assert str(e).startswith("plan.xlsx: 'Outcome results'!C2 (value): expected a number")
    e = refused(edit(exported(), lambda wb: wb["Outcome results"].__setitem__("A2", "OC9")))
    assert (e.sheet, e.cell, e.field) == ("Outcome results", "A2", "outcome")
    e = refused(edit(exported(), lambda wb: wb["Allocations"].__setitem__("B3", "SO1")))
    assert (e.sheet, e.cell, e.field) == ("Allocations", "B3", "target")
    assert "(SO1 is an objective)" in str(e)
    e = refused(edit(exported(), lambda wb: wb["Plan"].__setitem__("B5", "2025-13-01")))
    assert (e.sheet, e.cell, e.field) == ("Plan", "B5", "period_start")


def test_a_duplicate_key_names_both_cells() -> None:
    e = refused(edit(exported(), lambda wb: wb["Objectives"].__setitem__("A3", "SO1")))
    assert (e.sheet, e.cell) == ("Objectives", "A3")
    assert "already at Objectives!A2" in str(e)


def test_a_number_in_a_key_column_is_refused() -> None:
    e = refused(edit(exported(), lambda wb: wb["Initiatives"].__setitem__("A2", 1001)))
    assert (e.sheet, e.cell, e.field) == ("Initiatives", "A2", "key")
    assert "a key as text, not a number" in str(e)


def test_not_a_zip_not_an_xlsx_and_too_big_are_refused() -> None:
    assert "not a zip archive" in str(refused(b"key,title\nSO1,Literacy\n"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "without xl/workbook.xml" in str(refused(out.getvalue()))
    assert "at most 8388608 bytes" in str(refused(b"PK" + b"\0" * 8 * 1024 * 1024))


def test_a_zip_bomb_is_refused_before_it_is_opened() -> None:
    big = with_members(exported(), {"xl/media/zeros.bin": b"\0" * (65 * 1024 * 1024)})
    assert len(big) < 1024 * 1024
    assert "uncompressed" in str(refused(big))
    dense = with_members(exported(), {"xl/media/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    assert "compressed at most 100 to 1" in str(refused(dense))


def test_macros_and_external_links_are_refused() -> None:
    assert "macros" in str(refused(exported(), filename="plan.xlsm"))
    assert "VBA" in str(refused(with_members(exported(), {"xl/vbaProject.bin": b"x"})))
    linked = with_members(exported(), {"xl/externalLinks/externalLink1.xml": b"<x/>"})
    assert "external links" in str(refused(linked))


def test_a_formula_without_a_saved_result_is_refused_naming_its_cell() -> None:
    data = edit(exported(), lambda wb: wb["Initiatives"].__setitem__("D2", '=UPPER("hr")'))
    e = refused(data)
    assert (e.sheet, e.cell) == ("Initiatives", "D2")
    assert "saved result" in str(e)


def test_a_formula_with_a_saved_result_reads_as_that_result() -> None:
    data = edit(exported(), lambda wb: wb["Initiatives"].__setitem__("D2", '=UPPER("hr")'))

    saved_cell = b'<c r="D2" t="str"><f>UPPER("hr")</f><v>HR</v>'

    def saved(name: str, content: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            # openpyxl writes an empty <v />, or <v></v> when lxml is installed (python-pptx's).
            return re.sub(rb'<c r="D2"><f>UPPER\("hr"\)</f>(<v ?/>|<v></v>)', saved_cell, content)
        return content

    back = read_workbook(with_members(data, {}, saved), filename="plan.xlsx")
    assert back.state.elements["SI1.1"].fields["owner"] == "HR"


def test_merged_cells_are_refused() -> None:
    e = refused(edit(exported(), lambda wb: wb["Initiatives"].merge_cells("B2:C2")))
    assert e.sheet == "Initiatives"
    assert "B2:C2" in str(e)


def test_hidden_sheets_with_data_and_unknown_sheets_are_refused() -> None:
    def hide(wb: Any) -> None:
        wb["Objectives"].sheet_state = "hidden"

    assert "hidden sheet" in str(refused(edit(exported(), hide)))

    def secret(wb: Any) -> None:
        wb.create_sheet("Notes")["A1"] = "x"

    e = refused(edit(exported(), secret))
    assert e.sheet == "Notes"


def test_unknown_missing_and_unnamed_columns_are_refused() -> None:
    e = refused(edit(exported(), lambda wb: wb["Initiatives"].__setitem__("H1", "colour")))
    assert (e.sheet, e.cell) == ("Initiatives", "H1")
    e = refused(edit(exported(), lambda wb: wb["Initiatives"].delete_cols(4)))
    assert "no column owner" in str(e)
    e = refused(edit(exported(), lambda wb: wb["Initiatives"].__setitem__("J2", "x")))
    assert (e.sheet, e.cell) == ("Initiatives", "J1")


def test_too_many_rows_or_columns_are_refused_before_reading_them() -> None:
    e = refused(edit(exported(), lambda wb: wb["Core values"].cell(100_002, 1, "x")))
    assert (e.sheet, "100000 rows") == ("Core values", "100000 rows")
    assert "at most 100000 rows and 200 columns" in str(e)
    e = refused(edit(exported(), lambda wb: wb["Core values"].cell(2, 201, "x")))
    assert "at most 100000 rows and 200 columns" in str(e)


def test_blank_rows_are_skipped_and_a_missing_sheet_is_refused() -> None:
    def spaced(wb: Any) -> None:
        wb["Objectives"].insert_rows(3, 2)

    state = document().state
    assert read_workbook(edit(exported(), spaced), filename="p.xlsx") == as_plan_file(state)

    def drop(wb: Any) -> None:
        del wb["Benchmarks"]

    assert "no sheet Benchmarks" in str(refused(edit(exported(), drop)))


# -- the template ----------------------------------------------------------------------


def test_a_filled_in_template_imports() -> None:
    def fill(wb: Any) -> None:
        plan = wb["Plan"]
        plan["B2"] = "newtown-2026"
        plan["B3"] = "Newtown Public Schools"
        plan["B7"] = "Every student thrives."
        wb["Objectives"].append(["SO1", "Literacy"])
        wb["Initiatives"].append(["SI1", "Tutoring", None, "HR", date(2026, 9, 1), None, "SO1"])

    template = write_template()
    wb = load_workbook(io.BytesIO(template))
    assert wb.sheetnames[:3] == ["About", "Plan", "Core values"]
    assert wb["Lists"].sheet_state == "hidden"
    back = read_workbook(edit(template, fill), filename="template.xlsx")
    assert back.plan_id == "newtown-2026"
    assert back.state.elements["mission"].fields["text"] == "Every student thrives."
    assert back.state.elements["SI1"].fields["start"] == "2026-09-01"
    assert back.state.links[("SI1", "SO1")].edge == "supports"


def test_the_workbook_is_laid_out_for_people() -> None:
    wb = load_workbook(io.BytesIO(exported()))
    assert wb.sheetnames == [
        "About", "Plan", "Core values", "Data findings", "Objectives", "Initiatives",
        "Outcomes", "Outcome results", "Professional learning", "Benchmarks",
        "Budget lines", "Allocations", "School plans", "Educator goals", "Lists",
    ]  # fmt: skip
    ws = wb["Initiatives"]
    assert [c.value for c in ws[1]] == [
        "key", "title", "description", "owner", "start", "end", "supports",
    ]  # fmt: skip
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("DBE4F0")
    assert ws["E2"].value == datetime(2025, 9, 1) and ws["E2"].number_format == "yyyy-mm-dd"
    assert 8 <= ws.column_dimensions["D"].width <= 60
    assert wb["Budget lines"]["F2"].value == 120000
    assert [c.value for c in wb["Allocations"][1]] == ["budget_line", "target", "amount"]
    assert [c.value for c in wb["Outcome results"][1]] == ["outcome", "as_of", "value"]
    validations = {
        str(dv.sqref).split(":")[0]: dv for dv in wb["Benchmarks"].data_validations.dataValidation
    }
    status = validations["G2"]
    assert status.type == "list" and status.formula1.startswith("Lists!")
    lists = wb["Lists"]
    column = status.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    assert [c.value for c in lists[column]][1:] == list(BENCHMARK_STATUSES)
    assert "H2" in validations  # tracks: the keys of initiatives
    assert wb["Plan"].column_dimensions["B"].width >= 80


# -- CSV sections ------------------------------------------------------------------------


@pytest.mark.parametrize("section", [t.name for t in tables()])
def test_every_section_round_trips_through_csv(section: str) -> None:
    state = document().state
    text = section_to_csv(state, section)
    rows = read_section_csv(text, section, filename=f"{section}.csv")
    assert merge_section(state, rows) == as_plan_file(state).state


def test_a_csv_section_replaces_that_part_of_the_plan_only() -> None:
    state = document().state
    text = section_to_csv(state, "benchmarks")
    assert text.splitlines()[0] == "key,description,kind,school_year,owner,due,status,tracks"
    edited = text.replace("on_track", "at_risk") + "B2,Tutors trained,,,,2026-01-15,,SI1.1\n"
    merged = merge_section(state, read_section_csv(edited, "benchmarks", filename="b.csv"))
    assert merged.elements["B1"].fields["status"] == "at_risk"
    assert merged.elements["B2"].fields["due"] == "2026-01-15"
    assert merged.links[("B2", "SI1.1")].edge == "tracks"
    before = as_plan_file(state).state
    assert {k: e for k, e in merged.elements.items() if k not in ("B1", "B2")} == {
        k: e for k, e in before.elements.items() if k != "B1"
    }
    # Outcomes replaced by CSV keep their results (which have a table of their own).
    outcomes = read_section_csv(section_to_csv(state, "outcomes"), "outcomes", filename="o.csv")
    assert merge_section(state, outcomes).elements["OC1"].fields["results"] == [
        {"as_of": "2026-06-30", "value": 47}
    ]


def test_csv_errors_name_the_cell() -> None:
    text = "key,description,kind,school_year,owner,due,status,tracks\nB1,x,,,,soon,,SI1.1\n"
    with pytest.raises(WorkbookError) as info:
        read_section_csv(text, "benchmarks", filename="b.csv")
    assert str(info.value).startswith("b.csv: F2 (due): expected an ISO date")
    text = "key,description,kind,school_year,owner,due,status,tracks\nB1,x,,,,,,SI9\n"
    rows = read_section_csv(text, "benchmarks", filename="b.csv")
    with pytest.raises(WorkbookError) as info:
        merge_section(document().state, rows)
    assert str(info.value) == (
        "b.csv: H2 (tracks): expected the key of an initiative in this plan, got 'SI9'"
    )
    with pytest.raises(WorkbookError, match=r"b.csv: A1: expected a column of this sheet"):
        read_section_csv("id,title\n", "benchmarks", filename="b.csv")
    with pytest.raises(WorkbookError, match=r"r.csv: C2 \(value\): expected a number"):
        read_section_csv(
            "outcome,as_of,value\nOC1,2026-01-01,lots\n", "outcome_results", filename="r.csv"
        )


# -- budget from a finance system ------------------------------------------------------

FINANCE = (
    "Line No,Year,Fund Name,Acct,Line Description,Budgeted,Program,Alloc Amt\n"
    'BL-1001,FY27,Title I,1000-2305,Tutors,"130,000.00",SI1.1,90000\n'
    'BL-1001,FY27,Title I,1000-2305,Tutors,"130,000.00",PL1,40000\n'
    "BL-2001,FY27,General,2000-1000,Coaches,$55000,SI9.9,55000\n"
    "BL-3001,FY27,General,2000-1100,Supplies,1200.50,,\n"
)
MAPPING = {
    "key": "Line No",
    "fiscal_year": "Year",
    "fund": "Fund Name",
    "account": "Acct",
    "description": "Line Description",
    "amount": "Budgeted",
    "funds.target": "Program",
    "funds.amount": "Alloc Amt",
}


def test_a_finance_budget_replaces_the_budget_lines_and_reports_unknown_targets() -> None:
    state = document().state
    budget = read_budget(FINANCE.encode(), filename="finance.csv", mapping=MAPPING, plan=state)
    assert budget.unknown_targets == (UnknownTarget(4, "G4", "BL-2001", "SI9.9"),)
    merged = merge_budget(state, budget)
    assert merged.elements["BL-1001"].fields["amount"] == 130000
    assert merged.elements["BL-1001"].fields["fiscal_year"] == "FY27"
    assert merged.elements["BL-3001"].fields["amount"] == 1200.5
    assert merged.links[("BL-1001", "SI1.1")].attributes == {"amount": 90000}
    assert merged.links[("BL-1001", "PL1")].attributes == {"amount": 40000}
    assert not any(s == "BL-2001" for s, _ in merged.links)
    before = as_plan_file(state).state
    kept = {k: e for k, e in before.elements.items() if e.kind != "budget_line"}
    assert {k: e for k, e in merged.elements.items() if e.kind != "budget_line"} == kept
    assert {k: v for k, v in merged.links.items() if v.edge != "funds"} == {
        k: v for k, v in before.links.items() if v.edge != "funds"
    }


def test_a_finance_budget_as_xlsx_and_its_errors() -> None:
    wb = Workbook()
    ws = wb.active
    for line in FINANCE.splitlines():
        ws.append(next(csv.reader([line])))
    ws["B3"] = "2027"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(WorkbookError) as info:
        read_budget(out.getvalue(), filename="finance.xlsx", mapping=MAPPING, plan=document().state)
    assert (info.value.sheet, info.value.cell, info.value.field) == ("Sheet", "B3", "fiscal_year")
    with pytest.raises(WorkbookError, match="a column named 'Line'"):
        read_budget(
            FINANCE.encode(), filename="f.csv", mapping={"key": "Line"}, plan=document().state
        )
    with pytest.raises(WorkbookError, match="mapping"):
        read_budget(
            FINANCE.encode(), filename="f.csv", mapping={"colour": "Acct"}, plan=document().state
        )
