"""A budget from a finance system: its CSV or XLSX export, with its own column names.

A mapping says which of the file's columns holds each of our fields: ``key`` (the
budget line's key: required), the budget line's fields (``fiscal_year``, ``fund``,
``account``, ``description``, ``amount``, ``fte``) and, optionally, an allocation per row:
``funds.target`` and ``funds.amount`` (the link's field, then ``target`` or an
attribute). Rows with the same key are one budget line with several allocations.

The import gives the budget lines and their allocations only, plus the rows whose
allocation target is not in the plan (left out, and reported); :func:`merge_budget`
puts them in place of the plan's budget lines and allocations, keeping everything
else, and returns the new plan for the usual reconciliation.

>>> budget_fields()  # doctest: +NORMALIZE_WHITESPACE
('key', 'fiscal_year', 'fund', 'account', 'description', 'amount', 'fte', 'funds.target',
 'funds.amount')
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coherence.application.plan_text import parse_text
from coherence.application.planfile import state_to_document
from coherence.domain.changes import PlanState
from coherence.domain.errors import WorkbookError
from coherence.domain.framework import FRAMEWORK, Catalogue

from .build import DocumentBuilder, Grid, Place, cell_name, convert
from .layout import LINK_TARGET, Column, Table, kind_tables
from .reader import open_workbook, saved_results, sheet_grid
from .sections import parse_csv

BUDGET_KIND = "budget_line"


def _budget_tables(catalogue: Catalogue) -> tuple[Table, Table]:
    """The budget lines' table and the table of their allocations (a link with attributes)."""
    lines, *children = kind_tables(catalogue.kinds[BUDGET_KIND])
    allocations = next(t for t in children if t.link is not None)
    return lines, allocations


def budget_fields(catalogue: Catalogue = FRAMEWORK) -> tuple[str, ...]:
    """The names a mapping may map to a finance file's columns."""
    lines, allocations = _budget_tables(catalogue)
    assert allocations.link is not None
    own = tuple(c.name for c in lines.columns if c.role in ("key", "field"))
    return (*own, *(f"{allocations.link.field}.{c.name}" for c in allocations.columns[1:]))


@dataclass(frozen=True)
class UnknownTarget:
    """A row whose allocation names no initiative or professional learning of the plan."""

    row: int
    cell: str
    budget_line: str
    target: str


@dataclass(frozen=True)
class BudgetImport:
    """Budget lines (plan-file items, with their allocations) read from a finance file."""

    filename: str
    lines: tuple[dict[str, Any], ...]
    unknown_targets: tuple[UnknownTarget, ...]
    where: Mapping[str, Place] = field(repr=False)


def read_mapping(
    data: bytes | str | Mapping[str, Any], *, filename: str, catalogue: Catalogue = FRAMEWORK
) -> dict[str, str]:
    """A mapping, given as YAML or JSON text (or parsed): ``FIELD: COLUMN`` pairs, at the
    top or under ``columns:``. Which fields are ours is checked by :func:`read_budget`.

    >>> read_mapping("columns: {key: Line No, amount: Total Budget}", filename="m.yaml")
    {'key': 'Line No', 'amount': 'Total Budget'}
    """
    parsed: Any = data if isinstance(data, Mapping) else parse_text(data, filename=filename)
    if isinstance(parsed, Mapping) and isinstance(parsed.get("columns"), Mapping):
        parsed = parsed["columns"]
    if (
        not isinstance(parsed, Mapping)
        or not parsed
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items())
    ):
        raise WorkbookError(
            filename,
            None,
            None,
            "mapping",
            "our field names with the file's column names, e.g. key: Line No (fields: "
            + ", ".join(budget_fields(catalogue))
            + ")",
            parsed if not isinstance(parsed, Mapping | list) else None,
        )
    return {k.strip(): v.strip() for k, v in parsed.items()}


def read_budget(
    data: bytes,
    *,
    filename: str,
    mapping: Mapping[str, str],
    plan: PlanState,
    catalogue: Catalogue = FRAMEWORK,
) -> BudgetImport:
    """Read a finance system's budget (CSV, or the first sheet of an XLSX workbook).

    ``mapping``: our field name -> the file's column name. Every value is checked as
    it would be in a plan file, against ``plan`` (:class:`WorkbookError` naming the
    file, cell and field); allocations to keys the plan does not have are reported.
    """
    allowed = budget_fields(catalogue)
    for ours in mapping:
        if ours not in allowed:
            raise WorkbookError(
                filename, None, None, "mapping", "one of " + ", ".join(allowed), ours
            )
    if "key" not in mapping:
        raise WorkbookError(filename, None, None, "mapping", "a column for key")
    grid = _grid(data, filename)
    header = {v.strip(): i for i, v in enumerate(grid.header) if isinstance(v, str)}
    for ours, theirs in mapping.items():
        if theirs not in header:
            raise WorkbookError(
                filename, grid.sheet, None, ours, "a column named " + repr(theirs), list(header)
            )
    lines_table, allocations = _budget_tables(catalogue)
    link = allocations.link
    assert link is not None
    columns: dict[str, Column] = {c.name: c for c in lines_table.columns}
    for c in allocations.columns[1:]:
        columns[f"{link.field}.{c.name}"] = c
    active = plan.active()
    known = {k for k, e in active.items() if e.kind in link.targets}
    items: dict[str, dict[str, Any]] = {}
    first_row: dict[str, tuple[int, dict[str, Any]]] = {}
    where: dict[str, Place] = {}
    unknown: list[UnknownTarget] = []
    section = lines_table.section
    for r, values in grid.rows:
        record: dict[str, Any] = {}
        places: dict[str, Place] = {}
        for ours, theirs in mapping.items():
            i = header[theirs]
            place = places[ours] = Place(grid.sheet, cell_name(r, i + 1), ours)
            value = convert(values[i] if i < len(values) else None, columns[ours], place, filename)
            if value is not None:
                record[ours] = value
        key = record.pop("key", None)
        if key is None:
            raise WorkbookError(filename, grid.sheet, places["key"].cell, "key", "a key")
        target = record.pop(f"{link.field}.{LINK_TARGET}", None)
        share = {
            c.name: record.pop(f"{link.field}.{c.name}")
            for c in allocations.columns[2:]
            if f"{link.field}.{c.name}" in record
        }
        n = list(items).index(key) if key in items else len(items)
        base = f"{section}[{n}]"
        if key not in items:
            items[key] = {"key": key, **record, link.field: []}
            first_row[key] = (r, record)
            where[base] = places["key"]
            where.update({f"{base}.{name}": places[name] for name in record})
        else:
            row, fields = first_row[key]
            for name, value in record.items():
                if fields.get(name, value) != value:
                    raise WorkbookError(
                        filename,
                        grid.sheet,
                        places[name].cell,
                        name,
                        f"the same {name} as row {row} of budget line {key}",
                        value,
                    )
        if target is None:
            continue
        if target not in known:
            cell = places[f"{link.field}.{LINK_TARGET}"].cell or ""
            unknown.append(UnknownTarget(r, cell, key, target))
            continue
        shares = items[key][link.field]
        shares.append({LINK_TARGET: target, **share})
        at = f"{base}.{link.field}[{len(shares) - 1}]"
        where[at] = places[f"{link.field}.{LINK_TARGET}"]
        where.update({f"{at}.{name}": places[f"{link.field}.{name}"] for name in share})
    budget = BudgetImport(filename, tuple(items.values()), tuple(unknown), where)
    merge_budget(plan, budget, catalogue=catalogue)  # every value checked now
    return budget


def _grid(data: bytes, filename: str) -> Grid:
    if filename.lower().endswith(".csv") or not zipfile.is_zipfile(io.BytesIO(data)):
        return parse_csv(data, filename=filename)
    with open_workbook(data, filename) as (wb, archive), saved_results(data, filename) as cached:
        sheets: Any = wb.worksheets
        visible = [ws.title for ws in sheets if getattr(ws, "sheet_state", "") == "visible"]
        if not visible:
            raise WorkbookError(filename, None, None, None, "a workbook with a visible sheet")
        return sheet_grid(wb, archive, visible[0], filename, cached)


def merge_budget(
    state: PlanState, budget: BudgetImport, *, catalogue: Catalogue = FRAMEWORK
) -> PlanState:
    """The plan with its budget lines and their allocations replaced by ``budget``'s,
    everything else kept (a pure function); the plan as its plan file gives it."""
    doc = state_to_document(state, catalogue)
    lines, _ = _budget_tables(catalogue)
    doc[lines.section] = copy.deepcopy(list(budget.lines))
    builder = DocumentBuilder(budget.filename, catalogue=catalogue, doc=doc, scope="this plan")
    builder.where.update(budget.where)
    return builder.check().state
