"""Reading an XLSX workbook defensively, then as a plan (see the package's docstring)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import time, timedelta
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from coherence.application.planfile import PlanDocument
from coherence.domain.errors import WorkbookError
from coherence.domain.framework import FRAMEWORK, Catalogue

from .build import EMPTY_TEXT, DocumentBuilder, Grid, cell_name, is_blank
from .layout import ABOUT_SHEET, LISTS_SHEET, PLAN_SHEET, data_sheets, tables

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 10_000
MAX_ROWS = 100_000
MAX_COLUMNS = 200

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([^\"]+)\"")


def _refuse(filename: str, expected: str, got: object = None, sheet: str | None = None) -> None:
    raise WorkbookError(filename, sheet, None, None, expected, got)


def check_archive(data: bytes, filename: str) -> zipfile.ZipFile:
    """The workbook's zip archive, once its directory shows nothing dangerous.

    Sizes come from the zip directory, before anything is decompressed; Python's
    zipfile never inflates a member past its declared size (it fails its CRC check).
    """
    if filename.lower().endswith((".xlsm", ".xltm", ".xlam")):
        _refuse(filename, "a workbook without macros (.xlsx, not .xlsm)", filename)
    if len(data) > MAX_FILE_BYTES:
        _refuse(filename, f"a file of at most {MAX_FILE_BYTES} bytes", f"{len(data)} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        _refuse(filename, "an XLSX workbook (this is not a zip archive: a CSV, XLS or ODS file?)")
    if len(members) > MAX_MEMBERS:
        _refuse(filename, f"a workbook of at most {MAX_MEMBERS} parts", len(members))
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        _refuse(
            filename,
            f"a workbook of at most {MAX_UNCOMPRESSED_BYTES} bytes uncompressed",
            f"{unpacked} bytes",
        )
    if unpacked > 1024 * 1024 and unpacked > MAX_RATIO * max(packed, 1):
        _refuse(
            filename,
            f"a workbook compressed at most {MAX_RATIO} to 1 (a zip bomb?)",
            f"{unpacked // max(packed, 1)} to 1",
        )
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        _refuse(filename, "an XLSX workbook (a zip archive without xl/workbook.xml)")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        _refuse(filename, "a workbook without macros (it holds a VBA project)")
    if any(n.startswith("xl/externalLinks/") for n in names):
        _refuse(filename, "a workbook without links to other workbooks (external links)")
    types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in types:
        _refuse(filename, "a workbook without macros (.xlsx, not a macro-enabled workbook)")
    return archive


@contextmanager
def open_workbook(
    data: bytes, filename: str, *, data_only: bool = False
) -> Iterator[tuple[Workbook, zipfile.ZipFile]]:
    """The workbook in openpyxl's read-only mode (streamed), with its zip archive."""
    archive = check_archive(data, filename)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
    except Exception as e:  # openpyxl raises many kinds on a malformed part
        raise WorkbookError(
            filename, None, None, None, f"a readable XLSX workbook ({type(e).__name__}: {e})"
        ) from None
    try:
        yield wb, archive
    finally:
        wb.close()
        archive.close()


@contextmanager
def saved_results(data: bytes, filename: str) -> Iterator[Callable[[], Workbook]]:
    """Opens the workbook a second time, for its formulas' saved results, when asked.

    Also turns an error found while streaming a malformed sheet into a refusal.
    """
    opened: list[Workbook] = []

    def cached() -> Workbook:
        if not opened:
            opened.append(
                load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            )
        return opened[0]

    try:
        yield cached
    except WorkbookError:
        raise
    except Exception as e:  # openpyxl raises many kinds on a malformed part
        raise WorkbookError(
            filename, None, None, None, f"a readable XLSX workbook ({type(e).__name__}: {e})"
        ) from None
    finally:
        for wb in opened:
            wb.close()


def sheet_grid(
    wb: Workbook,
    archive: zipfile.ZipFile,
    name: str,
    filename: str,
    cached: Callable[[], Workbook],
) -> Grid:
    """A sheet's header and non-blank rows, refusing what a plan cannot hold.

    Formulas are read as their saved results (``cached()`` opens the workbook for
    them); a formula without a saved result, an error value or a merged cell is refused.
    """
    ws: Any = wb[name]
    _no_merged_cells(archive, ws, filename)
    if (ws.max_row or 0) > MAX_ROWS + 1 or (ws.max_column or 0) > MAX_COLUMNS:
        _refuse(
            filename,
            f"a sheet of at most {MAX_ROWS} rows and {MAX_COLUMNS} columns",
            f"{ws.max_row} rows, {ws.max_column} columns",
            name,
        )
    ws.reset_dimensions()  # iterate every row, whatever the file says its size is
    header: tuple[Any, ...] = ()
    rows: dict[int, list[Any]] = {}
    formulas: dict[tuple[int, int], str] = {}
    for r, cells in enumerate(ws.iter_rows(), start=1):
        before = len(formulas)
        values = [_value(cell, r, c, formulas, filename, name) for c, cell in enumerate(cells, 1)]
        while values and values[-1] is None:
            values.pop()
        if not values and len(formulas) == before:
            continue
        if r > MAX_ROWS + 1 or len(values) > MAX_COLUMNS:
            _refuse(
                filename,
                f"a sheet of at most {MAX_ROWS} rows and {MAX_COLUMNS} columns",
                cell_name(r, len(values)),
                name,
            )
        if r == 1:
            header = tuple(values)
        else:
            rows[r] = values
    if formulas:
        _saved_results(cached()[name], rows, formulas, filename, name)
    kept = tuple((r, tuple(v)) for r, v in rows.items() if not all(is_blank(x) for x in v))
    return Grid(name, header, kept)


def _value(
    cell: Any, r: int, c: int, formulas: dict[tuple[int, int], str], filename: str, sheet: str
) -> Any:
    kind = getattr(cell, "data_type", "n")
    value = cell.value
    if kind == "f":
        formulas[(r, c)] = str(value)
        return None
    if kind == "e":
        raise WorkbookError(filename, sheet, cell_name(r, c), None, "a value, not an error", value)
    if value is None and kind in ("s", "inlineStr"):
        return EMPTY_TEXT
    if isinstance(value, time | timedelta):
        raise WorkbookError(
            filename, sheet, cell_name(r, c), None, "a date, number or text, not a time", value
        )
    return value


def _saved_results(
    ws: Any,
    rows: dict[int, list[Any]],
    formulas: dict[tuple[int, int], str],
    filename: str,
    sheet: str,
) -> None:
    """Put the saved result of each formula in its place (refused when there is none)."""
    ws.reset_dimensions()
    last = max(r for r, _ in formulas)
    for r, cells in enumerate(ws.iter_rows(max_row=last), start=1):
        for c, cell in enumerate(cells, start=1):
            if (r, c) not in formulas:
                continue
            if cell.value is None or getattr(cell, "data_type", "n") == "e":
                raise WorkbookError(
                    filename,
                    sheet,
                    cell_name(r, c),
                    None,
                    "a value, or a formula with a saved result (type the value, or "
                    "recalculate and save the workbook in Excel or LibreOffice)",
                    formulas[(r, c)],
                )
            if r == 1:
                continue  # a header made by a formula is refused as an unknown column
            values = rows.setdefault(r, [])
            values.extend([None] * (c - len(values)))
            values[c - 1] = cell.value


def _no_merged_cells(archive: zipfile.ZipFile, ws: Any, filename: str) -> None:
    """Refuse merged cells (read-only mode does not read them: the sheet's XML does)."""
    path = getattr(ws, "_worksheet_path", None)
    if not path:
        return
    found = _MERGE.search(archive.read(path.lstrip("/")))
    if found:
        _refuse(
            filename,
            "no merged cells in a sheet of the plan (unmerge them)",
            found.group(1).decode("ascii", "replace"),
            ws.title,
        )


def read_workbook(data: bytes, *, filename: str, catalogue: Catalogue = FRAMEWORK) -> PlanDocument:
    """A plan workbook as the plan file it stands for; :class:`WorkbookError` naming the
    file, sheet, cell and field of the first problem (the whole workbook is refused)."""
    expected = data_sheets(catalogue)
    with open_workbook(data, filename) as (wb, archive), saved_results(data, filename) as cached:
        grids = _grids(wb, archive, expected, filename, cached)
    builder = DocumentBuilder(filename, catalogue=catalogue)
    builder.plan(grids[PLAN_SHEET])
    for t in tables(catalogue):
        builder.table(t, grids[t.sheet])
    return replace(builder.check(), blank_is_empty=True)


def _grids(
    wb: Workbook,
    archive: zipfile.ZipFile,
    expected: tuple[str, ...],
    filename: str,
    cached: Callable[[], Workbook],
) -> dict[str, Grid]:
    known = {*expected, ABOUT_SHEET, LISTS_SHEET}
    for name in wb.sheetnames:
        sheet: Any = wb[name]
        if name not in known:
            _refuse(filename, "the sheets " + ", ".join((ABOUT_SHEET, *expected)), name, name)
        if getattr(sheet, "sheet_state", "visible") != "visible" and name != LISTS_SHEET:
            grid = sheet_grid(wb, archive, name, filename, cached)
            if grid.rows or any(not is_blank(v) for v in grid.header):
                _refuse(filename, "a visible sheet (this hidden sheet holds data)", None, name)
    missing = [n for n in expected if n not in wb.sheetnames]
    if missing:
        _refuse(
            filename,
            "every sheet of a plan workbook (a blank sheet for a part without elements)",
            "no sheet " + ", ".join(missing),
        )
    return {name: sheet_grid(wb, archive, name, filename, cached) for name in expected}
