"""One table of a plan as a CSV file, both ways, and merging it into a plan.

A CSV file has the columns of the table's sheet (:mod:`.layout`): ``initiatives``,
``outcome_results``, ``allocations``... Reading one gives :class:`SectionRows`;
:func:`merge_section` puts them in place of that part of a plan and returns the new
plan, checked like a plan file, ready for the usual reconciliation. A CSV file
cannot tell empty text from a blank cell: both are blank.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from coherence.application.planfile import state_to_document
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidInput, WorkbookError
from coherence.domain.framework import FRAMEWORK, Catalogue
from coherence.domain.values import check_key, normalize_value

from .build import DocumentBuilder, Grid, Place, cell_name, convert
from .layout import Column, Table, table, tables
from .reader import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from .writer import table_rows


def _text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def section_to_csv(state: PlanState, section: str, *, catalogue: Catalogue = FRAMEWORK) -> str:
    """The rows of one table of a plan (``initiatives``, ``outcome_results``...) as CSV."""
    t = table(section, catalogue)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(t.column_names)
    for row in table_rows(t, state_to_document(state, catalogue)):
        writer.writerow([_text(c, v) for c, v in zip(t.columns, row, strict=True)])
    return out.getvalue()


def parse_csv(data: bytes | str, *, filename: str) -> Grid:
    """A CSV file as a grid of text (blank cells None), within the workbook's limits."""
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookError(
            filename, None, None, None, f"a file of at most {MAX_FILE_BYTES} bytes", len(data)
        )
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        raise WorkbookError(
            filename, None, None, None, "a CSV file (this is a zip archive: an XLSX workbook?)"
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # a spreadsheet's "CSV" on Windows
    else:
        text = data.removeprefix("\ufeff")
    header: tuple[Any, ...] = ()
    rows: list[tuple[int, tuple[Any, ...]]] = []
    try:
        for r, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if r > MAX_ROWS + 1 or len(cells) > MAX_COLUMNS:
                raise WorkbookError(
                    filename,
                    None,
                    cell_name(r, min(len(cells), MAX_COLUMNS + 1) or 1),
                    None,
                    f"a file of at most {MAX_ROWS} rows and {MAX_COLUMNS} columns",
                )
            values = tuple(c if c.strip() else None for c in cells)
            if r == 1:
                header = values
            elif any(v is not None for v in values):
                rows.append((r, values))
    except csv.Error as e:
        raise WorkbookError(filename, None, None, None, f"a CSV file ({e})") from None
    return Grid(None, header, tuple(rows))


@dataclass(frozen=True)
class SectionRows:
    """The rows of one table read from a file, not yet merged into a plan."""

    table: Table
    grid: Grid
    filename: str


def read_section_csv(
    data: bytes | str, section: str, *, filename: str, catalogue: Catalogue = FRAMEWORK
) -> SectionRows:
    """A CSV file of one table (``section``: ``initiatives``, ``outcome_results``...).

    Columns, keys and every field are checked now (:class:`WorkbookError` naming the
    cell); whether the keys it links to exist is checked by :func:`merge_section`.
    """
    t = table(section, catalogue)
    rows = SectionRows(t, parse_csv(data, filename=filename), filename)
    if t.child is None:
        # Fields checked on a plan of this table alone, its links left out.
        builder = DocumentBuilder(filename, catalogue=catalogue)
        builder.doc["plan"] = {"id": "section"}
        builder.table(t, rows.grid)
        for item in builder.doc[t.section]:
            for link in t.kind.links:
                item.pop(link.field, None)
        builder.check()
    else:
        _check_records(rows, DocumentBuilder(filename, catalogue=catalogue))
    return rows


def _check_records(rows: SectionRows, builder: DocumentBuilder) -> None:
    """Each value of a child table's rows (its owners are checked on merging)."""
    header = builder.header(rows.grid, rows.table.column_names)
    columns = {c.name: c for c in rows.table.columns}
    for r, values in rows.grid.rows:
        for i, name in header.items():
            column = columns[name]
            place = Place(None, cell_name(r, i + 1), name)
            value = convert(values[i] if i < len(values) else None, column, place, rows.filename)
            try:
                if column.holds_keys:
                    check_key(value, name)
                else:
                    normalize_value(column.spec, value, name)
            except InvalidInput as e:
                raise builder.error(place, e.expected, e.got) from None


def merge_section(
    state: PlanState, rows: SectionRows, *, catalogue: Catalogue = FRAMEWORK
) -> PlanState:
    """The plan with one table replaced by ``rows``, everything else kept (a pure function).

    Replacing a section keeps its elements' records that have their own table
    (an outcome's results, a budget line's allocations) for the keys it still has.
    The result is the plan as its plan file gives it (active elements only).
    """
    return _merge(state, rows, catalogue)


def _merge(state: PlanState, rows: SectionRows, catalogue: Catalogue) -> PlanState:
    t = rows.table
    builder = DocumentBuilder(
        rows.filename,
        catalogue=catalogue,
        doc=state_to_document(state, catalogue),
        scope="this plan",
    )
    kept = _records(builder.doc, t, catalogue)
    builder.table(t, rows.grid)
    if t.child is None:
        for item in builder.doc[t.section]:
            item.update(kept.get(item.get("key"), {}))
    return builder.check().state


def _records(doc: Mapping[str, Any], t: Table, catalogue: Catalogue) -> dict[Any, dict[str, Any]]:
    """The records of a section's elements that have their own table, by key."""
    if t.child is not None:
        return {}
    fields = [c.child for c in tables(catalogue) if c.kind is t.kind and c.child]
    return {
        item.get("key"): {f: item[f] for f in fields if f in item}
        for item in doc.get(t.section) or []
    }
