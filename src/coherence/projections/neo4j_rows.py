"""A batch of graph changes as the rows of the Neo4j projection's statements.

Pure Python, no driver: each element's and each link's changes in a batch are folded
into one row (:func:`fold`), and the rows are grouped by the statement that writes them
(:func:`rows`): after a reset, what the store never wrote goes to the CREATE statements
(one for every kind, one for every edge: the labels or the type are values of the row),
the rest to the MERGE statements per kind and per edge. See
:mod:`coherence.projections.neo4j_store`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from coherence.projections.graph_changes import (
    GraphChange,
    RemoveEdge,
    RetireNode,
    SetPlan,
    UpsertEdge,
    UpsertNode,
)
from coherence.projections.neo4j_model import ACTIVE, ELEMENT, MODEL, UNLINKED

Rows = dict[tuple[str, str], list[dict[str, Any]]]
"""Rows by statement: ``(statement name, kind or edge or "")`` -> rows, in log order."""


@dataclass(frozen=True)
class PreparedBatch:
    """A batch's rows, ready to write (``Neo4jGraphStore.prepare`` makes it)."""

    plans: list[dict[str, Any]]
    """New plans' ids (register_plans)."""
    nodes: list[dict[str, Any]]
    """Elements to create (create_nodes), with their labels."""
    within: list[dict[str, Any]]
    """Links to create between elements of ``nodes``, by their positions there (created by
    create_nodes too)."""
    links: list[dict[str, Any]]
    """The other links to create, by plan and keys (create_edges once their ends' ids are
    known)."""
    changed: list[dict[str, Any]]
    """Elements this store created since its reset, to change (update_nodes by id, or
    upsert_nodes when their ids are unknown)."""
    others: list[tuple[str, list[dict[str, Any]]]]
    """The other statements and their rows, in the order they run."""
    position: int | None
    plan_ids: dict[str, str]


Fold = tuple[
    dict[tuple[str, str], dict[str, Any]],
    dict[tuple[str, str, str, str], dict[str, Any]],
    list[dict[str, Any]],
]


def fold(changes: Iterable[GraphChange]) -> Fold:
    """A batch's changes folded, in log order, in one pass: each element's into one row,
    each link's into one row, and the rows of ``set_plans`` (details changes in log
    order, then each plan's latest version).

    The same as applying them one by one (fields merged, the last version and activity
    kept; a link linked or unlinked as the last change left it), for the event sequences
    a plan can have: an element is added or restored only when it is not active, retired
    or revised only when it is.
    """
    nodes: dict[tuple[str, str], dict[str, Any]] = {}
    edges: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    plans: list[dict[str, Any]] = []
    latest: dict[str, tuple[int, str]] = {}
    for c in changes:
        if c.version >= latest.get(c.plan, (0, ""))[0]:
            latest[c.plan] = (c.version, c.at)
        if type(c) is UpsertEdge or type(c) is RemoveEdge:
            link = (c.plan, c.source, c.target, c.edge)
            row = edges.get(link)
            if row is None:
                row = edges[link] = {
                    "plan": c.plan,
                    "edge": c.edge,
                    "source": c.source,
                    "target": c.target,
                    "properties": {},
                }
            row["version"], row["at"] = c.version, c.at
            if type(c) is UpsertEdge:
                row["properties"].update(c.properties)
                row["active"] = True
            else:
                row["active"] = False
        elif type(c) is UpsertNode or type(c) is RetireNode:
            row = nodes.get((c.plan, c.key))
            if row is None:
                row = nodes[(c.plan, c.key)] = {
                    "plan": c.plan,
                    "key": c.key,
                    "kind": c.kind,
                    "properties": {},
                    "active": None,
                    "added_at": None,
                    "retired_at": None,
                }
            row["version"] = c.version
            if type(c) is UpsertNode:
                row["properties"].update(storable(c.properties))
                if c.activate and row["active"] is not True:
                    row["active"], row["added_at"] = True, c.at
            elif row["active"] is not False:
                row["active"], row["retired_at"] = False, c.at
            row["kind"] = row["kind"] or c.kind
        elif isinstance(c, SetPlan):
            plans.append(
                {"plan": c.plan, "version": c.version, "at": c.at, "properties": dict(c.properties)}
            )
    plans.extend(  # every plan's latest version, after its details
        {"plan": plan, "version": version, "at": at, "properties": {}}
        for plan, (version, at) in latest.items()
    )
    return nodes, edges, plans


def element_labels(kind: str, active: bool) -> list[str]:
    """The labels of an element node (every name from the catalogue)."""
    return [ELEMENT, MODEL.labels[kind], ACTIVE] if active else [ELEMENT, MODEL.labels[kind]]


def rows(changes: Iterable[GraphChange], written: set[tuple[str, ...]] | None = None) -> Rows:
    """Changes as rows by statement. With ``written`` (the elements and links this store
    has written since it emptied the graph: ``(plan, key)`` and ``(plan, source, target,
    edge)``, as :func:`fold` keys them), the ones never written go to the CREATE
    statements (one for every kind, one for every edge: the label or type is a value of
    the row), and every element and link of the batch is added to ``written``."""
    nodes, edges, plans = fold(changes)
    groups: Rows = {("set_plans", ""): plans}
    for ident, row in nodes.items():
        if written is not None and ident not in written:
            node = row["properties"]  # the row's own dict: filled in, not copied
            node["plan"], node["key"] = row["plan"], row["key"]  # the label is the kind
            node["last_version"] = row["version"]
            if row["added_at"] is not None:
                node["added_at"] = row["added_at"]
            if row["retired_at"] is not None:
                node["retired_at"] = row["retired_at"]
            labels = element_labels(row["kind"], bool(row["active"]))
            groups.setdefault(("create_nodes", ""), []).append({"labels": labels, "node": node})
        else:
            groups.setdefault(("upsert_nodes", row["kind"]), []).append(row)
    for link, row in edges.items():
        if written is not None and link not in written:
            props = row["properties"]  # the row's own dict: filled in, not copied
            if row["active"]:
                rel_type = MODEL.types[row["edge"]]
            else:
                rel_type = UNLINKED
                props |= {"edge": row["edge"], "unlinked_at": row["at"]}
            ends = {"plan": row["plan"], "source": row["source"], "target": row["target"]}
            row = {**ends, "type": rel_type, "properties": props}
            groups.setdefault(("create_edges", ""), []).append(row)
        else:
            name = "upsert_edges" if row["active"] else "remove_edges"
            groups.setdefault((name, row["edge"]), []).append(row)
    if written is not None:
        written.update(nodes)
        written.update(edges)
    return groups


def links_within(
    nodes: list[dict[str, Any]], links: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """New links between new elements, as rows by the positions of their ends in ``nodes``
    (the rows of create_nodes, which creates them with the elements: no element id goes to
    the client and back), and the other new links, as they were."""
    position = {(row["node"]["plan"], row["node"]["key"]): i for i, row in enumerate(nodes)}
    within: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for row in links:
        a = position.get((row["plan"], row["source"]))
        b = position.get((row["plan"], row["target"]))
        if a is None or b is None:
            others.append(row)
        else:
            within.append({"a": a, "b": b, "type": row["type"], "properties": row["properties"]})
    return within, others


ORDER = (
    "set_plans",
    "create_nodes",
    "upsert_nodes",
    "create_edges",
    "upsert_edges",
    "remove_edges",
)
"""The statements of a batch in the order they run: elements before the links between
them."""


def storable(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    """Properties as Neo4j can store them: outcome results (a list of maps) as JSON."""
    if properties.get("results") is None:
        return properties
    return {**properties, "results": json.dumps(properties["results"])}
