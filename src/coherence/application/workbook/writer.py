"""Writing a plan, or a blank template, as an XLSX workbook (see the package's docstring)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from coherence.application.planfile import FORMAT, state_to_document
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidInput
from coherence.domain.framework import FRAMEWORK, Catalogue

from .layout import (
    ABOUT_SHEET,
    LISTS_SHEET,
    PLAN_COLUMNS,
    PLAN_SHEET,
    Column,
    Table,
    plan_rows,
    tables,
)

HEADER_FONT = Font(name="Calibri", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DBE4F0")
TITLE_FONT = Font(name="Calibri", bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
LEFT_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
FTE_FORMAT = "0.00"
MIN_WIDTH = 8
MAX_WIDTH = 60
PLAN_VALUE_WIDTH = 100
EXTRA_VALIDATED_ROWS = 1000
"""Rows below the last one that still get the column's drop-down list."""
FIRST_EXCEL_DATE = date(1900, 3, 1)
"""Earlier dates are written as ISO text (spreadsheets count days from 1900)."""


def write_workbook(state: PlanState, *, catalogue: Catalogue = FRAMEWORK) -> bytes:
    """The active plan as an XLSX workbook: the same content as its plan file."""
    return document_to_workbook(state_to_document(state, catalogue), catalogue=catalogue)


def write_template(*, catalogue: Catalogue = FRAMEWORK) -> bytes:
    """A blank workbook (every sheet, header, drop-down list and the About sheet)."""
    return document_to_workbook({"format": FORMAT, "plan": {}}, catalogue=catalogue)


def document_to_workbook(doc: Mapping[str, Any], *, catalogue: Catalogue = FRAMEWORK) -> bytes:
    """A plan file's data (as :func:`state_to_document` gives it) as an XLSX workbook."""
    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = ABOUT_SHEET
    lists = _Lists(wb.create_sheet(LISTS_SHEET))
    _plan_sheet(wb.create_sheet(PLAN_SHEET, index=1), doc, catalogue)
    keys_by_kind: dict[str, list[str]] = {}
    for spec in catalogue.sections:
        for item in doc.get(spec.section or spec.name) or []:
            keys_by_kind.setdefault(spec.name, []).append(item["key"])
    all_tables = tables(catalogue)
    for n, t in enumerate(all_tables):
        ws = wb.create_sheet(t.sheet, index=2 + n)
        _table_sheet(ws, t, list(table_rows(t, doc)), lists, keys_by_kind)
    _about_sheet(about, all_tables, catalogue)
    lists.ws.sheet_state = "hidden"
    for ws in wb.worksheets:  # printed (or made a PDF) landscape, as wide as a page
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_rows(t: Table, doc: Mapping[str, Any]) -> Iterable[list[Any]]:
    """The rows of a table, as plan-file values in column order."""
    for item in doc.get(t.section) or []:
        if t.child is None:
            yield [item.get(c.name) for c in t.columns]
            continue
        for record in item.get(t.child) or []:
            yield [item["key"], *(record.get(c.name) for c in t.columns[1:])]


def _header(ws: Worksheet, names: Sequence[str]) -> None:
    ws.append(list(names))
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    ws.freeze_panes = "A2"


def _set(cell: Cell | MergedCell, column: Column, value: Any, where: str) -> int:
    """Write one value in its cell type; returns its width in characters."""
    if value is None:
        return 0
    if column.holds_keys:
        value = ", ".join(value) if isinstance(value, list) else value
    elif column.type == "date" and isinstance(value, str):
        day = date.fromisoformat(value)
        if day >= FIRST_EXCEL_DATE:
            cell.value = day
            cell.number_format = DATE_FORMAT
            return 11
    try:
        cell.value = value
    except IllegalCharacterError:
        raise InvalidInput(where, "text without control characters", value) from None
    if isinstance(value, str):
        cell.data_type = "s"  # text, even if it starts with "=" (never a formula)
        if "\n" in value or len(value) > MAX_WIDTH:
            cell.alignment = WRAP
        return max(len(line) for line in value.split("\n")) if value else 0
    if column.type == "amount":
        cell.number_format = AMOUNT_FORMAT
        return len(f"{value:,.2f}")
    if column.type == "fte":
        cell.number_format = FTE_FORMAT
        return len(f"{value:.2f}")
    return len(str(value))


def _fit(ws: Worksheet, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))


def _plan_sheet(ws: Worksheet, doc: Mapping[str, Any], catalogue: Catalogue) -> None:
    _header(ws, PLAN_COLUMNS)
    for n, row in enumerate(plan_rows(catalogue), start=2):
        value: Any = doc
        for step in row.path:
            value = value.get(step) if isinstance(value, Mapping) else None
        ws.cell(n, 1, row.name).font = HEADER_FONT
        cell = ws.cell(n, 2)
        _set(cell, row, value, ".".join(row.path))
        cell.alignment = LEFT_WRAP
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = PLAN_VALUE_WIDTH


class _Lists:
    """The hidden sheet of drop-down values: one column per list, made once."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.columns: dict[tuple[str, ...], str] = {}

    def range(self, name: str, values: Sequence[str]) -> str:
        """``Lists!$B$2:$B$7``: the cells of the list ``name`` holding ``values``."""
        ident = (name, *values)
        if ident not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            self.ws[f"{col}1"] = name
            for n, value in enumerate(values, start=2):
                self.ws[f"{col}{n}"] = value
                self.ws[f"{col}{n}"].data_type = "s"
            last = max(2, len(values) + 1)
            self.columns[ident] = f"{LISTS_SHEET}!${col}$2:${col}${last}"
        return self.columns[ident]


def _table_sheet(
    ws: Worksheet,
    t: Table,
    rows: list[list[Any]],
    lists: _Lists,
    keys_by_kind: Mapping[str, list[str]],
) -> None:
    _header(ws, t.column_names)
    widths = [len(c.name) for c in t.columns]
    for r, values in enumerate(rows, start=2):
        for i, (column, value) in enumerate(zip(t.columns, values, strict=True)):
            width = _set(ws.cell(r, i + 1), column, value, f"{t.section}.{column.name}")
            widths[i] = max(widths[i], width)
    _fit(ws, widths)
    last = len(rows) + 1 + EXTRA_VALIDATED_ROWS
    for i, column in enumerate(t.columns, start=1):
        letter = get_column_letter(i)
        if column.type == "enum":
            dv = DataValidation(
                type="list",
                formula1=lists.range(f"{t.kind.name}.{column.name}", column.choices),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.name,
                error="Choose one of: " + ", ".join(column.choices),
            )
        elif column.holds_keys and column.role != "key":
            keys = [k for kind in column.kinds for k in keys_by_kind.get(kind, [])]
            many = column.type == "keys"
            dv = DataValidation(
                type="list",
                formula1=lists.range("keys of " + " or ".join(column.kinds), keys),
                allow_blank=True,
                # Several keys ("SO1, SO2") or a key added in this workbook are allowed:
                # the list helps, and the import checks every key.
                showErrorMessage=not many,
                errorStyle="warning",
                errorTitle=column.name,
                error="Not a key of this workbook when it was written: is it a new row?",
                promptTitle=column.name,
                prompt="Keys separated by ', '" if many else "",
                showInputMessage=many,
            )
        else:
            continue
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)


_TYPES = {
    "key": "key",
    "keys": "keys, separated by ', '",
    "plan_id": "lower-case letters, digits and '-'",
    "text": "text",
    "date": "date (YYYY-MM-DD)",
    "number": "number",
    "amount": "amount in dollars and cents",
    "fte": "positions (FTE) to the hundredth, e.g. 2.5",
    "enum": "one of a list",
    "school_year": "school year, e.g. 2025-2026",
    "fiscal_year": "fiscal year, e.g. FY26",
}


def _about_sheet(ws: Worksheet, all_tables: Sequence[Table], catalogue: Catalogue) -> None:
    ws["A1"] = "How to fill in this workbook"
    ws["A1"].font = TITLE_FONT
    intro = [
        "Each sheet after this one is a part of the plan; this sheet is ignored on import.",
        "Row 1 of a sheet names its columns: keep it as it is. One row per element; "
        "blank rows are skipped; a row deleted removes its element from the plan.",
        "A key is 1 to 64 letters, digits, '.', '_' or '-' and names its element "
        "everywhere: a link column holds the keys of other elements, several separated "
        "by ', '.",
        "Type values, not formulas; do not merge cells or hide sheets. "
        "The whole workbook is refused if any cell is wrong, and the error names the cell.",
    ]
    for n, line in enumerate(intro, start=2):
        ws.cell(n, 1, line)
    start = len(intro) + 3
    _header_at(ws, start, ("sheet", "column", "type", "required", "values", "about"))
    rows: list[tuple[str, ...]] = [
        (
            PLAN_SHEET,
            c.name,
            _TYPES[c.type],
            "yes" if c.required else "",
            "",
            _about_plan(c, catalogue),
        )
        for c in plan_rows(catalogue)
    ]
    for t in all_tables:
        for c in t.columns:
            rows.append(
                (
                    t.sheet,
                    c.name,
                    _TYPES[c.type],
                    "yes" if c.required else "",
                    ", ".join(c.choices) if c.type == "enum" else "",
                    _about_column(t, c, catalogue),
                )
            )
    for n, row in enumerate(rows, start=start + 1):
        for i, value in enumerate(row, start=1):
            ws.cell(n, i, value).alignment = WRAP
    for letter, width in zip("ABCDEF", (22, 18, 28, 9, 40, 70), strict=True):
        ws.column_dimensions[letter].width = width


def _header_at(ws: Worksheet, row: int, names: Sequence[str]) -> None:
    for i, name in enumerate(names, start=1):
        cell = ws.cell(row, i, name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL


def _about_plan(c: Column, catalogue: Catalogue) -> str:
    if c.path[0] == "plan":
        return "The plan's " + c.name.replace("_", " ")
    kind = catalogue.kinds.get(c.name)
    return kind.description if kind else ""


def _about_column(t: Table, c: Column, catalogue: Catalogue) -> str:
    def labels(kinds: Sequence[str]) -> str:
        return " or ".join(catalogue.kinds[k].label.lower() for k in kinds)

    match c.role:
        case "key":
            return f"The key of the {t.kind.label.lower()}. {t.kind.description}"
        case "owner":
            return f"The key of the {t.kind.label.lower()} (sheet {t.kind.plural})"
        case "link" | "target":
            assert c.link is not None or t.link is not None
            link = c.link or t.link
            assert link is not None
            verb = link.edge.replace("_", " ")
            if link.reverse:
                return f"Keys of the {labels(c.kinds)} that {verb} it"
            return f"The {labels(c.kinds)} it {verb}"
        case _:
            return ""
