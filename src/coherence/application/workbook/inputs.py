"""A plan file or a workbook, told apart by name or by content.

``coherence import`` and ``POST /plans/import`` take either: a workbook is a file
named ``.xlsx`` (or ``.xlsm``, refused for its macros), a body sent as
:data:`XLSX_MEDIA`, or any zip archive (an XLSX file is one, with
``xl/workbook.xml`` inside: a zip without it is refused as "not an XLSX workbook"
rather than read as YAML). Both give the same :class:`PlanDocument`, reconciled
the same way.

>>> is_workbook(b"PK\\x03\\x04...", "plan"), is_workbook(b"format: x", "plan.yaml")
(True, False)
>>> is_workbook(b"", "Plan.XLSX")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coherence.application.planfile import PlanDocument, PlanSource, check_document, read_document
from coherence.domain.framework import FRAMEWORK, Catalogue

from .reader import read_workbook

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(data: bytes | str, filename: str) -> bool:
    """Whether a file is to be read as a workbook: by its name, else its first bytes."""
    if filename.lower().endswith(WORKBOOK_SUFFIXES):
        return True
    return isinstance(data, bytes) and data.startswith(ZIP_MAGIC)


def read_plan_input(
    data: bytes | str,
    *,
    filename: str,
    media: str | None = None,
    catalogue: Catalogue = FRAMEWORK,
) -> PlanDocument:
    """A plan file (YAML or JSON, ``media`` ``yaml`` or ``json``) or a workbook
    (``media`` ``xlsx``, or by :func:`is_workbook` when no media is given), checked."""
    if media == "xlsx" or (media is None and is_workbook(data, filename)):
        raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        return read_workbook(raw, filename=filename, catalogue=catalogue)
    return read_document(data, filename=filename, media=media, catalogue=catalogue)


@dataclass(frozen=True)
class PlanInput(PlanSource):
    """A :class:`PlanSource` that may also be a workbook (see :func:`read_plan_input`)."""

    def read(self) -> PlanDocument:
        data: bytes | str | Mapping[str, Any] = self.content()
        if isinstance(data, bytes | str):
            return read_plan_input(data, filename=self.name)
        return check_document(data, filename=self.name)
