"""What the history's use cases take and give back: plain, frozen values.

Kept apart from :mod:`coherence.application.history` so that the API, the command
line and the bulk importer can name these shapes without the application itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coherence.application.narrative import HistoryEntry
from coherence.application.store import Row
from coherence.domain.changes import Change


@dataclass(frozen=True)
class Author:
    """Who makes a change, why, through what, and (for history imports) when."""

    actor: str
    reason: str | None = None
    source: str = "api"
    at: datetime | None = None


@dataclass(frozen=True)
class CommandResult:
    """What a command saved: the plan's new version and the events of the revision."""

    plan_id: str
    version: int
    revision: int | None
    events: Sequence[HistoryEntry] = field(default_factory=list)
    dry_run: bool = False
    created: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id,
            "version": self.version,
            "revision": self.revision,
            "events": len(self.events),
            "dry_run": self.dry_run,
            "created": self.created,
            "changes": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True)
class PreparedRevision:
    """An import worked out from version ``base`` of a plan but not yet written.

    Its events and snapshots are already encoded, as plain rows, so that the process
    that writes them (:meth:`PlanHistory.write_prepared`) does little more than the
    database does.
    """

    plan_id: str
    base: int
    version: int
    revision: int | None
    created: bool
    events: list[Row]
    snapshots: list[Row]


@dataclass(frozen=True)
class PlanSummary:
    plan_id: str
    district: str | None
    title: str | None
    status: str
    version: int
    revision: int
    modified_on: datetime


@dataclass(frozen=True)
class Diff:
    """Elements and links added, retired and revised between two versions."""

    plan_id: str
    from_version: int
    to_version: int
    changes: list[Change]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "plan": self.plan_id,
            "from": self.from_version,
            "to": self.to_version,
            "added": [],
            "retired": [],
            "revised": [],
            "linked": [],
            "unlinked": [],
        }
        for c in self.changes:
            d = c.to_dict()
            op = d.pop("op")
            if op in ("add", "restore"):
                d["restored"] = op == "restore"
                out["added"].append(d)
            elif op == "retire":
                out["retired"].append(d)
            elif op == "revise":
                out["revised"].append(d)
            elif op == "details":
                out["revised"].append({"kind": "plan", "key": self.plan_id, **d})
            elif op == "relink":
                out["revised"].append(
                    {"kind": "link", "key": f"{c.source} {c.edge} {c.target}", **d}
                )
            elif op == "link":
                out["linked"].append(d)
            elif op == "unlink":
                out["unlinked"].append(d)
        return out


@dataclass(frozen=True)
class ScenarioSummary:
    """A scenario of a plan: its id (``plan~name``), the version of the plan it was
    forked from, its status (``draft``, ``merged``, ``discarded``) and its own version."""

    plan_id: str
    name: str
    of_plan: str
    forked_from: int
    status: str
    version: int
    revision: int
    created_on: datetime
    modified_on: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id,
            "name": self.name,
            "of": self.of_plan,
            "forked_from": self.forked_from,
            "status": self.status,
            "version": self.version,
            "revision": self.revision,
            "created_on": self.created_on.isoformat(),
            "modified_on": self.modified_on.isoformat(),
        }
