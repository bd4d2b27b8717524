"""Spreadsheets in and out: a plan as an XLSX workbook, a section as CSV, a budget.

A workbook holds exactly what the plan file holds, laid out from the catalogue
(:mod:`.layout`): an ``About`` sheet (how to fill it in; ignored on import), a
``Plan`` sheet (``field``/``value`` rows: the plan's id, district, title, period
and the one-per-plan elements), then a sheet per section named by its plural label,
each followed by the sheets of its records (``Outcome results``, ``Allocations``),
and a hidden ``Lists`` sheet holding the drop-down lists (ignored on import).

Reading a workbook builds the plan file's data and checks it with the plan-file
checker, so it is refused or accepted exactly like the plan file, and an export
imports back as a no-op. Every refusal is a :class:`WorkbookError` naming the file,
sheet, cell and column: ``plan.xlsx: Initiatives!F7 (supports): expected the key of
an objective in this workbook, got 'SO9'``. Nothing is returned (so nothing is
saved) unless the whole workbook is right.

Limits and safety (checked on the zip directory before openpyxl opens anything):

* at most :data:`MAX_FILE_BYTES` (8 MiB) of file, :data:`MAX_UNCOMPRESSED_BYTES`
  (64 MiB) uncompressed, compressed at most :data:`MAX_RATIO` (100) to 1 overall, at
  most :data:`MAX_MEMBERS` parts: a zip bomb is refused unopened (Python's zipfile
  never inflates a part past its declared size);
* XML is parsed through defusedxml (openpyxl uses it when it is installed);
* no macros (``.xlsm``, a ``vbaProject.bin`` or a macro-enabled content type), no
  links to other workbooks (``xl/externalLinks/``);
* a formula is read as its saved result (the value a spreadsheet showed when it
  saved the file); a formula without a saved result is refused, naming the cell;
* no merged cells in the Plan sheet and the tables; no hidden sheet with data other
  than ``Lists``; no unknown sheet or column; a key column holds text, never a number;
* at most :data:`MAX_ROWS` (100,000) rows and :data:`MAX_COLUMNS` (200) columns a sheet.

Values: a date is a date cell (``yyyy-mm-dd``), a number, amount or FTE a number cell;
an integer in a text column is read as its digits; blank rows are skipped. A
workbook cannot tell "no results" from an empty list of results (neither has rows).

Why openpyxl: well kept, pure Python, reads and writes XLSX with styles, data
validations (drop-down lists) and frozen panes, and streams large sheets in its
read-only mode.
"""

from coherence.domain.errors import WorkbookError

from .budget import (
    BudgetImport,
    UnknownTarget,
    budget_fields,
    merge_budget,
    read_budget,
    read_mapping,
)
from .inputs import XLSX_MEDIA, PlanInput, is_workbook, read_plan_input
from .layout import Table, table, tables
from .reader import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    read_workbook,
)
from .sections import SectionRows, merge_section, read_section_csv, section_to_csv
from .writer import write_template, write_workbook

__all__ = [
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "XLSX_MEDIA",
    "BudgetImport",
    "PlanInput",
    "SectionRows",
    "Table",
    "UnknownTarget",
    "WorkbookError",
    "budget_fields",
    "is_workbook",
    "merge_budget",
    "merge_section",
    "read_budget",
    "read_mapping",
    "read_plan_input",
    "read_section_csv",
    "read_workbook",
    "section_to_csv",
    "table",
    "tables",
    "write_template",
    "write_workbook",
]
