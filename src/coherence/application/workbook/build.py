"""From rows of cells to the plan file's data, remembering the cell of every value.

The data is checked by the plan-file checker (:func:`check_document`), so a workbook
or CSV file obeys exactly the rules of a plan file; an error's path in the document
(``initiatives[3].supports[0]``) is turned back into the cell it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter

from coherence.application.planfile import FORMAT, PlanDocument, check_document
from coherence.domain.errors import PlanFileError, WorkbookError
from coherence.domain.framework import FRAMEWORK, NUMBER_TYPES, Catalogue, with_article

from .layout import PLAN_COLUMNS, Column, Table, plan_rows

EMPTY_TEXT = object()
"""A cell that holds text with no characters (distinct from a blank cell)."""


@dataclass(frozen=True)
class Place:
    """Where a value came from: sheet (None in a CSV file), cell and column."""

    sheet: str | None
    cell: str | None
    field: str | None


@dataclass(frozen=True)
class Grid:
    """A sheet (or CSV file) as values: its header and its rows that are not blank.

    Each row is ``(row number, values)``; values are Python values as read (text,
    numbers, datetimes, :data:`EMPTY_TEXT`) or None for a blank cell.
    """

    sheet: str | None
    header: tuple[Any, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]


def cell_name(row: int, column: int) -> str:
    """``F7`` for row 7, column 6."""
    return f"{get_column_letter(column)}{row}"


def is_blank(value: Any) -> bool:
    return value is None or value is EMPTY_TEXT or (isinstance(value, str) and not value.strip())


def _number(text: str, *, money: bool) -> int | float | str:
    """A number from text (``1,200.50``; ``$`` too for amounts), else the text itself."""
    clean = text.strip().replace(",", "") if money else text.strip()
    if money and clean.startswith("$"):
        clean = clean[1:]
    try:
        return int(clean)
    except ValueError:
        pass
    try:
        return float(clean)
    except ValueError:
        return text


def convert(value: Any, column: Column, place: Place, filename: str) -> Any:
    """A cell's value as the plan file would hold it (the checker does the rest).

    Keys must be text: a number in a key column is refused (a spreadsheet turned the
    key ``1001`` into a number). Several keys are separated by commas. A date cell
    becomes a date; an integer in a text column becomes its digits (an account
    number typed as a number); text in a number column is read as a number.
    """
    if value is None:
        return None
    if column.holds_keys:
        if value is EMPTY_TEXT:
            return None
        if not isinstance(value, str):
            what = "a number" if isinstance(value, int | float) else "a value that is not text"
            raise WorkbookError(
                filename,
                place.sheet,
                place.cell,
                place.field,
                f"a key as text, not {what} (format the column as text)",
                value,
            )
        if column.type == "keys" or column.link is not None:
            keys = [k.strip() for k in value.split(",") if k.strip()]
            if column.type == "keys" or len(keys) > 1:
                return keys
            return keys[0] if keys else None
        return value.strip() or None
    if value is EMPTY_TEXT:
        return "" if column.type == "text" else None
    match column.type:
        case "date":
            if isinstance(value, datetime) and value == datetime(
                value.year, value.month, value.day
            ):
                return value.date()
            if isinstance(value, str):
                return value.strip() or None
            return value
        case kind if kind in NUMBER_TYPES:
            if isinstance(value, str):
                return _number(value, money=column.type == "amount") if value.strip() else None
            return value
        case _:
            if isinstance(value, bool):
                return value
            if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
                return str(int(value))
            if isinstance(value, datetime):
                return value.date().isoformat() if value.time() == datetime.min.time() else value
            if isinstance(value, date):
                return value.isoformat()
            return value


_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")
_ITEM = re.compile(r"\b[a-z_]+\[\d+\]")


class DocumentBuilder:
    """Builds a plan file's data from grids, remembering where each value came from.

    ``doc`` is the plan-file data to fill (an empty plan by default; a plan's own
    document when one table replaces its part of it). ``scope`` names what a missing
    key should have been in (``this workbook``, ``this plan``).
    """

    def __init__(
        self,
        filename: str,
        *,
        catalogue: Catalogue = FRAMEWORK,
        doc: dict[str, Any] | None = None,
        scope: str = "this workbook",
    ) -> None:
        self.filename = filename
        self.catalogue = catalogue
        self.doc: dict[str, Any] = doc if doc is not None else {"format": FORMAT, "plan": {}}
        self.where: dict[str, Place] = {}
        self.scope = scope

    def error(self, place: Place, expected: str, got: object = None) -> WorkbookError:
        return WorkbookError(self.filename, place.sheet, place.cell, place.field, expected, got)

    # -- the Plan sheet -------------------------------------------------------------

    def plan(self, grid: Grid) -> None:
        """The Plan sheet: a row per plan detail and one-per-plan element."""
        sheet = grid.sheet
        self.header(grid, PLAN_COLUMNS, exact=True)
        rows = {c.name: c for c in plan_rows(self.catalogue)}
        seen: dict[str, int] = {}
        for r, values in grid.rows:
            name = values[0] if values else None
            if not isinstance(name, str) or name.strip() not in rows:
                raise self.error(
                    Place(sheet, cell_name(r, 1), "field"),
                    "one of " + ", ".join(rows),
                    name,
                )
            name = name.strip()
            if name in seen:
                raise self.error(
                    Place(sheet, cell_name(r, 1), "field"),
                    f"each field once (already in row {seen[name]})",
                    name,
                )
            seen[name] = r
            column = rows[name]
            place = Place(sheet, cell_name(r, 2), name)
            self.where[".".join(column.path)] = place
            value = convert(values[1] if len(values) > 1 else None, column, place, self.filename)
            if value is None:
                continue
            target = self.doc
            for step in column.path[:-1]:
                target = target.setdefault(step, {})
            target[column.path[-1]] = value.isoformat() if isinstance(value, date) else value
        missing = [n for n in rows if n not in seen]
        if missing:
            raise self.error(
                Place(sheet, None, None),
                "a row for each of " + ", ".join(rows),
                "no " + ", ".join(missing),
            )

    # -- tables ---------------------------------------------------------------------

    def header(self, grid: Grid, names: Sequence[str], *, exact: bool = False) -> dict[int, str]:
        """The column index of each name of the header; refuses unknown and missing ones."""
        found: dict[int, str] = {}
        used: dict[str, int] = {}
        data_columns = {i for _, values in grid.rows for i, v in enumerate(values) if v is not None}
        for i in range(max(len(grid.header), max(data_columns, default=-1) + 1)):
            raw = grid.header[i] if i < len(grid.header) else None
            place = Place(grid.sheet, cell_name(1, i + 1), None)
            if is_blank(raw):
                if i in data_columns:
                    raise self.error(place, "a column name above the values of this column")
                continue
            name = raw.strip() if isinstance(raw, str) else None
            if name is None or name not in names:
                raise self.error(place, "a column of this sheet: " + ", ".join(names), raw)
            if name in used:
                raise self.error(place, "each column once", name)
            used[name] = i
            found[i] = name
        missing = [n for n in names if n not in used]
        if missing or (exact and list(used) != list(names)):
            raise self.error(
                Place(grid.sheet, "A1", None),
                "the columns " + ", ".join(names),
                "no column " + ", ".join(missing) if missing else list(used),
            )
        return found

    def table(self, t: Table, grid: Grid) -> None:
        """The rows of one table: elements of a section, or the records of their owners."""
        header = self.header(grid, t.column_names)
        columns = {c.name: c for c in t.columns}
        if t.child is None:
            items = self.doc[t.section] = []
            self.where[t.section] = Place(grid.sheet, None, None)
        else:
            for item in self.doc.get(t.section) or []:
                item.pop(t.child, None)  # replaced by this table's rows (never mutated)
        owners = {
            item.get("key"): n
            for n, item in reversed(list(enumerate(self.doc.get(t.section) or [])))
        }
        for r, values in grid.rows:
            record: dict[str, Any] = {}
            places: dict[str, Place] = {}
            for i, name in header.items():
                column = columns[name]
                place = places[name] = Place(grid.sheet, cell_name(r, i + 1), name)
                value = convert(
                    values[i] if i < len(values) else None, column, place, self.filename
                )
                if value is not None:
                    record[name] = value
            first = places[t.columns[0].name]
            if t.child is None:
                base = f"{t.section}[{len(items)}]"
                items.append(record)
                self.where[base] = first
            else:
                owner = record.pop(t.columns[0].name, None)
                if owner not in owners:
                    kind = t.kind.label.lower()
                    raise self.error(
                        first, f"the key of {with_article(kind)} in {self.scope}", owner
                    )
                item = self.doc[t.section][owners[owner]]
                records = item[t.child] = [*item.get(t.child, []), record]
                base = f"{t.section}[{owners[owner]}].{t.child}[{len(records) - 1}]"
                self.where[base] = places.get(t.columns[1].name, first)
            for name, place in places.items():
                self.where[f"{base}.{name}"] = place

    # -- the check ------------------------------------------------------------------

    def place_of(self, path: str) -> Place | None:
        """The cell of a path of the plan file, or of the nearest enclosing one."""
        while path:
            if path in self.where:
                return self.where[path]
            shorter = _STEP.sub("", path)
            if shorter == path:
                break
            path = shorter
        return None

    def check(self) -> PlanDocument:
        """The plan the data describes, or :class:`WorkbookError` naming the cell."""
        try:
            return check_document(self.doc, filename=self.filename, catalogue=self.catalogue)
        except PlanFileError as e:
            raise self.translate(e) from None

    def translate(self, e: PlanFileError) -> WorkbookError:
        expected = e.expected.replace("in this file", f"in {self.scope}")
        expected = _ITEM.sub(self._cell_of_item, expected)
        place = self.place_of(e.path)
        if place is None:
            return WorkbookError(self.filename, None, None, e.path, expected, e.got)
        return self.error(place, expected, e.got)

    def _cell_of_item(self, m: re.Match[str]) -> str:
        place = self.where.get(m.group(0))
        if place is None or place.cell is None:
            return m.group(0)
        return f"{_sheet_ref(place.sheet)}!{place.cell}" if place.sheet else place.cell


def _sheet_ref(sheet: str | None) -> str:
    if sheet is None:
        return ""
    return sheet if sheet.replace("_", "").isalnum() else f"'{sheet}'"
