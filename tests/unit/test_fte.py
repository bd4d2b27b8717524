"""Staff as well as money: a budget line's ``fte`` (positions it pays for) is one
catalogue entry, and every reader and writer of plans takes it from there."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from coherence.api.app import create_app
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document, state_to_document
from coherence.application.settings import Settings
from coherence.application.workbook import (
    merge_section,
    read_budget,
    read_section_csv,
    read_workbook,
    section_to_csv,
    write_workbook,
)
from coherence.bootstrap import api_context
from coherence.domain.errors import InvalidValue, PlanFileError, WorkbookError
from coherence.domain.framework import KINDS
from coherence.queries.exports import GRAPH_FORMATS
from coherence.queries.reader import PlanReader
from tests.plans import document, plan_data


def test_fte_is_a_field_of_budget_lines_in_the_catalogue() -> None:
    spec = KINDS["budget_line"].fields["fte"]
    assert (spec.type, spec.label, spec.required) == ("fte", "FTE", False)


@pytest.mark.parametrize("fte", [-1, 0.333, "two", float("inf")])
def test_a_bad_fte_is_refused_naming_its_path(fte: object) -> None:
    data = plan_data()
    data["budget_lines"][0]["fte"] = fte
    with pytest.raises((PlanFileError, InvalidValue)) as info:
        check_document(data, filename="plan.yaml")
    assert "budget_lines[0].fte" in str(info.value)


def test_fte_round_trips_through_the_plan_file_workbook_and_csv() -> None:
    state = document().state
    assert state.elements["BL-1001"].fields["fte"] == 1.5
    assert state_to_document(state)["budget_lines"][0]["fte"] == 1.5
    assert read_workbook(write_workbook(state), filename="p.xlsx").state == state
    sheet = load_workbook(io.BytesIO(write_workbook(state)))["Budget lines"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(2, header.index("fte") + 1)
    assert (cell.value, cell.number_format) == (1.5, "0.00")
    text = section_to_csv(state, "budget_lines")
    assert text.splitlines()[0] == "key,fiscal_year,fund,account,description,amount,fte"
    edited = text.replace(",1.5", ",2.25")
    merged = merge_section(state, read_section_csv(edited, "budget_lines", filename="b.csv"))
    assert merged.elements["BL-1001"].fields["fte"] == 2.25
    bad = text.replace(",1.5", ",1.555")
    with pytest.raises(WorkbookError, match=r"b.csv: G2 \(fte\): expected positions \(FTE\)"):
        read_section_csv(bad, "budget_lines", filename="b.csv")


def test_fte_comes_in_from_a_finance_system() -> None:
    text = "Line,Amt,Positions,Program,Alloc\nBL-1001,90000,1.25,SI1.1,90000\n"
    mapping = {
        "key": "Line",
        "amount": "Amt",
        "fte": "Positions",
        "funds.target": "Program",
        "funds.amount": "Alloc",
    }
    budget = read_budget(text.encode(), filename="f.csv", mapping=mapping, plan=document().state)
    assert budget.lines[0]["fte"] == 1.25


def test_fte_is_served_written_and_exported() -> None:
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("tester"))
    client = TestClient(create_app(api_context(history)))
    kinds = client.get("/api/v1/framework").json()["kinds"]
    budget = next(k for k in kinds if k["name"] == "budget_line")
    fte = next(f for f in budget["fields"] if f["name"] == "fte")
    assert {"label": "FTE", "type": "fte", "required": False, "choices": []}.items() <= fte.items()
    r = client.patch("/api/v1/plans/example-2025/elements/BL-1001", json={"fields": {"fte": 3}})
    assert r.status_code == 200, r.text
    r = client.patch("/api/v1/plans/example-2025/elements/BL-1001", json={"fields": {"fte": -1}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"].endswith("fte")
    assert (
        client.get("/api/v1/plans/example-2025").json()["document"]["budget_lines"][0]["fte"] == 3
    )
    reader = PlanReader(history)
    for fmt in GRAPH_FORMATS:
        if fmt in ("mermaid", "dot"):
            continue  # pictures: they show names, not fields
        body, _ = reader.export_graph("example-2025", fmt)
        assert b"fte" in body, fmt
