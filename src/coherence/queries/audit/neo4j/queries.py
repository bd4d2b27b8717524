"""Running the ``graph_queries/*.cypher`` files: rendering, reading, and each rule's columns.

Every audit rule has a detector in Cypher, ``graph_queries/<rule id>.cypher``, that
returns one row per finding (``plan``, ``kind``, ``key`` and the values the message
needs); :func:`rule_rows` runs one. The audit itself runs ``audit-plans.cypher``, which
answers every rule at once in those same columns (:func:`rule_columns`, read from the
rule's file), so a finding reads the same whichever file found it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction

from coherence.projections.neo4j_model import MODEL
from coherence.queries.audit.model import AuditContext, audit_context
from coherence.queries.audit.rules import DEFINITIONS

__all__ = [
    "Record",
    "params",
    "query",
    "read",
    "records",
    "rule_columns",
    "rule_rows",
    "shared_row",
]

_T = TypeVar("_T")
Record = dict[str, Any]


def query(name: str) -> str:
    """The query of ``graph_queries/<name>.cypher``, rendered from the catalogue."""
    return MODEL.statement("graph_queries", name)


_RETURN = re.compile(r"^RETURN\b(?P<columns>.*?)(?:^ORDER BY\b[^\n]*)?\s*\Z", re.M | re.S)
_COLUMN = re.compile(r"(?:.*\bAS\s+)?(\w+)", re.S)


def _columns(items: str) -> tuple[str, ...]:
    """The names of a RETURN clause's columns (``x.key AS key`` or a bare ``missing``)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(items):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(items[start:i])
            start = i + 1
    parts.append(items[start:])
    names = []
    for part in parts:
        found = _COLUMN.fullmatch(part.strip())
        if found is None:
            raise ValueError(f"a RETURN column without a name: {part.strip()!r}")
        names.append(found[1])
    return tuple(names)


@functools.cache
def rule_columns(rule_id: str) -> tuple[str, ...]:
    """The columns of a rule's findings after ``plan`` (``kind``, ``key``, ...), as its
    file ``graph_queries/<rule id>.cypher`` returns them."""
    found = _RETURN.search(query(rule_id))
    if found is None:
        raise ValueError(f"graph_queries/{rule_id}.cypher does not end with a RETURN")
    columns = _columns(found["columns"])
    if not columns or columns[0] != "plan":
        raise ValueError(f"graph_queries/{rule_id}.cypher must return plan first: {columns}")
    return columns[1:]


def read(driver: Driver, database: str | None, work: Callable[[ManagedTransaction], _T]) -> _T:
    """``work`` in one read transaction of a new session."""
    with driver.session(database=database) as session:
        return session.execute_read(work)


def records(tx: ManagedTransaction, name: str, **params: Any) -> list[Record]:
    """The rows of ``graph_queries/<name>.cypher`` as dicts."""
    return [record.data() for record in tx.run(query(name), params)]


def _from_cents(cents: object) -> Decimal | None:
    return None if cents is None else Decimal(int(str(cents))).scaleb(-2)


def shared_row(rule_id: str, row: Record) -> Record:
    """A Cypher row in the shape the rule's (shared) message reads."""
    if rule_id == "over-allocated-budget-line":
        row["allocated"] = _from_cents(row.pop("allocated_cents"))
        row["available"] = _from_cents(row.pop("available_cents"))
    return row


def params(plan_id: str | None, ctx: AuditContext) -> dict[str, Any]:
    """The parameters of a rule's file: ``$plan``, ``$as_of`` and ``$fiscal_year``."""
    return {"plan": plan_id, "as_of": ctx.as_of.isoformat(), "fiscal_year": ctx.fiscal_year}


def rule_rows(
    driver: Driver,
    rule_id: str,
    plan_id: str | None,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    database: str | None = None,
) -> list[Record]:
    """The raw rows of one rule's Cypher detector (every plan when ``plan_id`` is None)."""
    if rule_id not in DEFINITIONS:
        raise KeyError(f"no audit rule {rule_id!r}")
    values = params(plan_id, audit_context(as_of, fiscal_year))
    return read(driver, database, lambda tx: records(tx, rule_id, **values))
