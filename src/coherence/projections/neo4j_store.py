"""The alignment graph in Neo4j: every plan in one database, kept by the projector.

The store applies the same graph changes as the networkx store
(:mod:`coherence.projections.graph_changes`), with the statements in
``projections/*.cypher``: one ``UNWIND`` statement per kind of change, and the
checkpoint (the notification position applied) in the same transaction, so a
crash mid-batch neither loses nor doubles anything. Each node and link remembers
the version of the last change it took, so a replayed batch changes nothing.

Model: ``(:Plan {plan, uuid, district, title, period_start, period_end, status,
version})``, ``(:Element {plan, key, kind, active, ...fields})`` and
``(:Element)-[:LINK {edge, plan, active, amount?}]->(:Element)``. Retired
elements and removed links stay, inactive; queries read ``active`` ones only.
Outcome results (a list of maps, which Neo4j cannot store) are kept as JSON text.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import (
    ConfigurationError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from coherence.cypher import cypher, statements
from coherence.domain.errors import InvalidValue, Neo4jUnavailable
from coherence.projections.graph_changes import (
    GraphChange,
    RemoveEdge,
    RetireNode,
    SetPlan,
    UpsertEdge,
    UpsertNode,
)
from coherence.projections.networkx_store import active_graph

RETRYABLE = (ServiceUnavailable, SessionExpired, TransientError, OSError)


@dataclass(frozen=True)
class Neo4jSettings:
    """Where the graph lives (read by :func:`coherence.bootstrap.read_settings` from
    ``--neo4j URI`` or ``COHERENCE_NEO4J_URI`` and friends)."""

    uri: str
    user: str = "neo4j"
    password: str = ""
    database: str | None = None

    def driver(self) -> Driver:
        """A driver for the URI; :class:`InvalidValue` for a URI the driver cannot use."""
        # The store retries (and reports) outages itself, so the driver gives up quickly.
        try:
            return GraphDatabase.driver(
                self.uri,
                auth=(self.user, self.password),
                max_transaction_retry_time=1.0,
                connection_timeout=5.0,
            )
        except (ConfigurationError, ValueError) as e:
            raise InvalidValue(
                "neo4j", "a Neo4j URI: bolt://host:port or neo4j://host:port (+s for TLS)", self.uri
            ) from e


def _rows(changes: Iterable[GraphChange]) -> dict[str, list[dict[str, Any]]]:
    """Changes grouped by statement, each group in log order."""
    groups: dict[str, list[dict[str, Any]]] = {
        "set_plans": [],
        "create_nodes": [],
        "upsert_nodes": [],
        "retire_nodes": [],
        "create_edges": [],
        "upsert_edges": [],
        "remove_edges": [],
    }
    latest: dict[str, dict[str, Any]] = {}
    for c in changes:
        base = {"plan": c.plan, "version": c.version, "at": c.at}
        if c.version >= latest.get(c.plan, {}).get("version", 0):
            latest[c.plan] = {**base, "properties": {}}
        match c:
            case SetPlan():
                groups["set_plans"].append({**base, "properties": dict(c.properties)})
            case UpsertNode():
                groups["upsert_nodes"].append(
                    {
                        **base,
                        "key": c.key,
                        "kind": c.kind,
                        "activate": c.activate,
                        "properties": _storable(c.properties),
                    }
                )
            case RetireNode():
                groups["retire_nodes"].append({**base, "key": c.key})
            case UpsertEdge():
                groups["upsert_edges"].append(
                    {
                        **base,
                        "edge": c.edge,
                        "source": c.source,
                        "target": c.target,
                        "properties": dict(c.properties),
                    }
                )
            case RemoveEdge():
                groups["remove_edges"].append(
                    {**base, "edge": c.edge, "source": c.source, "target": c.target}
                )
    groups["set_plans"].extend(latest.values())  # every plan's latest version, after its details
    return groups


def _storable(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: json.dumps(v) if k == "results" and v is not None else v for k, v in properties.items()
    }


class Neo4jGraphStore:
    """A projection target in Neo4j (see the module docstring)."""

    def __init__(
        self,
        driver: Driver,
        *,
        database: str | None = None,
        name: str = "coherence",
        retries: int = 8,
        on_retry: Callable[[int, float, BaseException], None] | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.name = name
        self.retries = retries
        self.on_retry = on_retry
        self.plan_ids: dict[str, str] = {}
        self._position = 0
        self._loaded = False
        self._written: set[tuple[str, ...]] | None = None

    # -- set-up ----------------------------------------------------------------

    def create_schema(self) -> None:
        for statement in statements("projections", "schema"):
            self._retrying(
                functools.partial(self.driver.execute_query, statement, database_=self.database)
            )

    def _load(self) -> None:
        if self._loaded:
            return
        records, _, _ = self._retrying(
            lambda: self.driver.execute_query(
                cypher("projections", "read_checkpoint"), name=self.name, database_=self.database
            )
        )
        row = records[0] if records else None
        self._position = int(row["position"] or 0) if row else 0
        self.plan_ids = {p["uuid"]: p["plan"] for p in (row["plans"] if row else []) if p["uuid"]}
        self._loaded = True

    # -- the GraphStore protocol -----------------------------------------------

    def max_tracking_id(self) -> int:
        self._load()
        return self._position

    def apply(
        self,
        changes: Iterable[GraphChange],
        position: int | None = None,
        plan_ids: Mapping[str, str] | None = None,
    ) -> None:
        """Apply changes, remember new plans, and record the position: one transaction."""
        groups = _rows(changes)
        written = self._split_new(groups) if self._written is not None else None
        plans = [{"plan": plan, "uuid": uid} for uid, plan in (plan_ids or {}).items()]

        def work(tx: ManagedTransaction) -> None:
            if plans:
                tx.run(cypher("projections", "register_plans"), rows=plans).consume()
            for name, rows in groups.items():
                if rows:
                    tx.run(cypher("projections", name), rows=rows).consume()
            if position is not None:
                tx.run(
                    cypher("projections", "checkpoint"), name=self.name, position=position
                ).consume()

        self._retrying(lambda: self._write(work))
        if written is not None and self._written is not None:
            self._written |= written
        if plan_ids:
            self.plan_ids.update(plan_ids)
        if position is not None:
            self._position = max(self._position, position)

    def reset(self) -> None:
        """Empty the graph; until this store is closed, it CREATEs what it never wrote."""
        self._retrying(self._reset)
        self.plan_ids = {}
        self._position = 0
        self._loaded = True
        self._written = set()

    def _split_new(self, groups: dict[str, list[dict[str, Any]]]) -> set[tuple[str, ...]]:
        """Move the first row of each element or link never written into the CREATE groups.

        Only after a reset in this process, when the store alone has written the graph.
        Returns the keys written, to remember once the transaction commits.
        """
        seen = self._written if self._written is not None else set()
        new: set[tuple[str, ...]] = set()
        for group, create, ident in (
            ("upsert_nodes", "create_nodes", ("plan", "key")),
            ("upsert_edges", "create_edges", ("plan", "source", "target", "edge")),
        ):
            keep = []
            for row in groups[group]:
                key = (group, *(row[i] for i in ident))
                if key in seen or key in new:
                    keep.append(row)
                else:
                    new.add(key)
                    groups[create].append(row)
            groups[group] = keep
        return new

    # -- reading ---------------------------------------------------------------

    def plan_version(self, plan_id: str) -> int | None:
        """The plan version the graph holds, or None when it holds no such plan."""
        records, _, _ = self._retrying(
            lambda: self.driver.execute_query(
                cypher("projections", "plan_version"), plan=plan_id, database_=self.database
            )
        )
        version = records[0]["version"] if records else None
        return None if version is None else int(version)

    def active_graph(self, plan_id: str) -> nx.MultiDiGraph | None:
        """The plan's active graph read back from Neo4j, in the networkx store's shape."""
        records, _, _ = self._retrying(
            lambda: self.driver.execute_query(
                cypher("projections", "read_plan"), plan=plan_id, database_=self.database
            )
        )
        if not records:
            return None
        row = records[0]
        timeline = nx.MultiDiGraph(**row["plan"])
        for props in row["elements"]:
            data = dict(props)
            if isinstance(data.get("results"), str):
                data["results"] = json.loads(data["results"])
            key = data.pop("key")
            timeline.add_node(key, key=key, **data)
        for link in row["links"]:
            attrs = {"amount": link["amount"]} if link["edge"] == "funds" else {}
            timeline.add_edge(
                link["source"],
                link["target"],
                key=link["edge"],
                edge=link["edge"],
                active=True,
                **attrs,
            )
        return active_graph(timeline)

    # -- plumbing --------------------------------------------------------------

    @property
    def address(self) -> str:
        """Where the driver connects (``host:port``), for messages."""
        return str(getattr(self.driver, "address", None) or "the configured address")

    def _reset(self) -> None:
        # CALL { } IN TRANSACTIONS needs an implicit (auto-commit) transaction.
        with self.driver.session(database=self.database) as session:
            session.run(cypher("projections", "reset")).consume()

    def _write(self, work: Callable[[ManagedTransaction], None]) -> None:
        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    def _retrying(self, action: Callable[[], Any]) -> Any:
        """Run ``action``, retrying with exponential back-off while Neo4j is unreachable."""
        delay = 0.25
        for attempt in range(1, self.retries + 1):
            try:
                return action()
            except RETRYABLE as e:
                if attempt == self.retries:
                    raise Neo4jUnavailable(
                        self.address,
                        "start it (scripts/neo4j start) or pass --neo4j URI "
                        f"(or set COHERENCE_NEO4J_URI); {attempt} attempts",
                        e,
                    ) from e
                if self.on_retry:
                    self.on_retry(attempt, delay, e)
                time.sleep(delay)
                delay = min(delay * 2, 8.0)
        raise Neo4jUnavailable(self.address)  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        self.driver.close()
