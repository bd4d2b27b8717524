"""Errors of the application layer, beside the domain's (see ``coherence.domain.errors``)::

CoherenceError
├── InvalidInput
│   ├── PlanFileError       a plan file refused: file, path in the document, expected
│   │   └── WorkbookError   a workbook or CSV refused: file, sheet, cell, field, expected
│   └── BadStoreURL         a store URL that names no supported store
├── PlanNotFound            no plan has that id
├── VersionNotFound         the plan has no such version, or none at that date
└── VersionConflict         the plan moved on since the expected version
"""

from __future__ import annotations

from coherence.domain.errors import CoherenceError, InvalidInput


class PlanFileError(InvalidInput):
    """A plan file that cannot be imported; nothing was saved."""

    def __init__(self, file: str, path: str, expected: str, got: object = None) -> None:
        self.file = file
        super().__init__(path, expected, got)
        self.args = (f"{file}: {self.args[0]}",)


class WorkbookError(PlanFileError):
    """A workbook (or CSV file) that cannot be imported; nothing was saved.

    Names the ``sheet`` (None for a CSV file or the whole workbook), the ``cell``
    (``F7``) and the ``field`` (the column's name): ``plan.xlsx: Initiatives!F7
    (supports): expected ...``. (Beside :class:`PlanFileError` for now: the error
    classes are moving to ``coherence.domain.errors``; move it with them.)
    """

    def __init__(
        self,
        file: str,
        sheet: str | None,
        cell: str | None,
        field: str | None,
        expected: str,
        got: object = None,
    ) -> None:
        self.sheet = sheet
        self.cell = cell
        self.field = field
        ref = f"'{sheet}'" if sheet and not sheet.replace("_", "").isalnum() else sheet
        where = f"{ref}!{cell}" if ref and cell else ref or cell
        if where and field:
            where += f" ({field})"
        super().__init__(file, where or field or "(workbook)", expected, got)


class BadStoreURL(InvalidInput):
    """A store URL that is neither sqlite://, postgresql:// nor memory://."""


class PlanNotFound(CoherenceError):
    """No plan has that id."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(f"No plan with id {plan_id!r}")


class VersionNotFound(CoherenceError):
    """The plan has no such version, or no version at or before that date."""


class VersionConflict(CoherenceError):
    """The plan changed since the version the caller expected."""

    def __init__(self, plan_id: str, expected: int, current: int) -> None:
        self.plan_id = plan_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"Plan {plan_id} is at version {current}, not {expected}: "
            "reload it and apply your change again"
        )
