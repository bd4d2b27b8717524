"""The alignment graph in Neo4j: every plan in one database, kept by the projector.

The store applies the same graph changes as the networkx store
(:mod:`coherence.projections.graph_changes`), with the statements in
``projections/*.cypher``, rendered from the catalogue (:mod:`.neo4j_model`): per batch,
each element's and each link's changes are folded into one row, and the rows go to one
``UNWIND`` statement per kind of change and per kind of element or edge, with the
checkpoint (the notification position applied) in the same transaction, so a crash
mid-batch neither loses nor doubles anything. Each transaction locks the checkpoint and
reads its position before it touches anything an earlier batch wrote, and skips a batch at
or before it (a retry whose first attempt committed, or another projector's), so a batch
is written once. A projector overlaps a rebuild's batches (:meth:`Neo4jGraphStore.write_next`):
a batch's new elements are created while the batch before commits, and its checkpoint
locked once that commit is done. Each element also
remembers the version of the last change it took, so changes applied by hand without a
position and replayed change nothing; a link keeps no version (one property less on each
of the graph's many relationships): a replay runs from the checkpoint on, in log order,
and leaves each link as its last change did.

After :meth:`reset` (a rebuild), or on a graph that holds no element at position 0 (an
initial load), the store knows what it has written and ``CREATE``s the rest instead of
``MERGE``-ing it: every new element of a batch in one statement (its labels are values of
the row), with the new links between them (their ends found by position in the rows), which
returns their element ids; every other new link in one statement that finds its ends by
element id (no index seek on plan and key); what it wrote before changes by element id
too. Following (a store that did not start from an empty graph) MERGEs, per kind and
per edge.

Model (see :mod:`.neo4j_model`): ``(:Plan {plan, uuid, district, title, period_start,
period_end, status, version})``; ``(:Element:<Kind> {plan, key, last_version, added_at,
retired_at?, ...fields})``, plus ``:Active`` while active (the label is the kind: no
property repeats it); a link is ``(a)-[:<EDGE> {amount?}]->(b)`` while active and
``(a)-[:UNLINKED {edge, ...}]->(b)`` after it is unlinked. Outcome results (a list of
maps, which Neo4j cannot store) are kept as JSON text.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import networkx as nx
from neo4j import Driver, GraphDatabase, ManagedTransaction, Transaction
from neo4j.exceptions import (
    ConfigurationError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from coherence.cypher import cypher
from coherence.domain.errors import InvalidValue, Neo4jUnavailable
from coherence.projections import neo4j_rows
from coherence.projections.graph_changes import GraphChange
from coherence.projections.neo4j_model import MODEL, MODEL_VERSION
from coherence.projections.networkx_store import active_graph

RETRYABLE = (ServiceUnavailable, SessionExpired, TransientError, OSError)

_Tx = ManagedTransaction | Transaction


class Rows(list[dict[str, Any]]):
    """A statement's rows, shown by their count. The driver formats every statement's
    parameters for its debug log even when that log is off: the ``repr`` of a batch's
    thousands of rows cost ~1.8 us per event, a tenth of the projection's Python time."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


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
        # The server's notifications (e.g. "property key not in the database" on the first
        # projection into an empty graph) are hints for people writing queries, not news
        # for people running ours: the server is asked not to send any.
        try:
            return GraphDatabase.driver(
                self.uri,
                auth=(self.user, self.password),
                max_transaction_retry_time=1.0,
                connection_timeout=5.0,
                notifications_min_severity="OFF",
            )
        except (ConfigurationError, ValueError) as e:
            raise InvalidValue(
                "neo4j", "a Neo4j URI: bolt://host:port or neo4j://host:port (+s for TLS)", self.uri
            ) from e


def _statements() -> dict[tuple[str, str], str]:
    """Every statement of a batch, rendered from the catalogue: ``(name, kind or edge)``."""
    rendered = {
        ("set_plans", ""): MODEL.statement("projections", "set_plans"),
        ("create_nodes", ""): cypher("projections", "create_nodes"),
        ("create_edges", ""): cypher("projections", "create_edges"),
        ("create_edges_by_key", ""): cypher("projections", "create_edges_by_key"),
        ("update_nodes", ""): cypher("projections", "update_nodes"),
    }
    for kind in MODEL.labels:
        rendered[("upsert_nodes", kind)] = MODEL.statement(
            "projections", "upsert_nodes", **MODEL.kind_bindings(kind)
        )
    for edge in MODEL.types:
        for name in ("upsert_edges", "remove_edges"):
            rendered[(name, edge)] = MODEL.statement(
                "projections", name, **MODEL.edge_bindings(edge)
            )
    return rendered


@dataclass(frozen=True)
class _InFlight:
    """A batch whose commit runs while the next batch is written."""

    batch: neo4j_rows.PreparedBatch
    commit: Future[None]
    """Done once the batch is committed; its error, should the commit fail."""


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
        self._model: int | None = None
        self._written: set[tuple[str, ...]] | None = None
        self._ids: dict[tuple[str, str], str] = {}
        self._statements = _statements()
        self._committer = ThreadPoolExecutor(1, thread_name_prefix="neo4j-commit")
        self._in_flight: _InFlight | None = None

    # -- set-up ----------------------------------------------------------------

    def create_schema(self) -> None:
        schema = MODEL.statements("projections", "schema")
        for kind in MODEL.labels:
            schema += MODEL.statements("projections", "schema_kind", **MODEL.kind_bindings(kind))
        for statement in schema:
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
        model = row["model"] if row else None
        self._model = int(model) if model is not None else (1 if self._position else None)
        self.plan_ids = {p["uuid"]: p["plan"] for p in (row["plans"] if row else []) if p["uuid"]}
        if not self._position and row and row["empty"] and self._written is None:
            self._written, self._ids = set(), {}  # an initial load: as after a reset
        self._loaded = True

    def model_version(self) -> int | None:
        """The version of the model the projected graph was written with (None when the
        graph holds no projection yet); :data:`MODEL_VERSION` is this code's."""
        self._load()
        return self._model

    def outdated(self) -> bool:
        """Whether the graph was projected with an older model: rebuild it (``coherence
        project neo4j --rebuild``, which the command does by itself in that case)."""
        model = self.model_version()
        return model is not None and model != MODEL_VERSION

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
        self.write(self.prepare(changes, position, plan_ids))

    def prepare(
        self,
        changes: Iterable[GraphChange],
        position: int | None = None,
        plan_ids: Mapping[str, str] | None = None,
    ) -> neo4j_rows.PreparedBatch:
        """The rows of :meth:`apply`, grouped by statement, not written yet: a projector
        prepares the next batch while the server writes this one.

        Batches must be prepared in log order and written in the same order. After a
        reset, what a batch writes counts as written as soon as it is prepared: should its
        transaction fail for good, a later batch MERGEs what it would have CREATEd
        (slower, never wrong); the element ids only count once committed.
        """
        self._load()
        groups = neo4j_rows.rows(changes, self._written)  # adds to self._written
        changed: list[dict[str, Any]] = []
        if self._written is not None:
            for key in [key for key in groups if key[0] == "upsert_nodes"]:
                changed += groups.pop(key)
        nodes = groups.pop(("create_nodes", ""), [])
        within, links = neo4j_rows.links_within(nodes, groups.pop(("create_edges", ""), []))
        return neo4j_rows.PreparedBatch(
            plans=[{"plan": plan, "uuid": uid} for uid, plan in (plan_ids or {}).items()],
            nodes=nodes,
            within=within,
            links=links,
            changed=changed,
            others=[
                (self._statements[key], rows)
                for name in neo4j_rows.ORDER
                for key, rows in groups.items()
                if key[0] == name and rows
            ],
            position=position,
            plan_ids=dict(plan_ids or {}),
        )

    def write(self, batch: neo4j_rows.PreparedBatch) -> None:
        """Write a prepared batch and its position: one transaction (retried while the
        server is unreachable)."""
        created: dict[tuple[str, str], str] = {}

        def work(tx: ManagedTransaction) -> None:
            created.clear()  # a retried transaction starts again
            if self._written_already(tx, batch):
                return  # its first attempt committed (its answer was lost), or another's did
            self._create_nodes(tx, batch, created)
            self._write_rest(tx, batch, created)

        self._retrying(lambda: self._write(work))
        self._committed(batch, created)

    def write_next(self, batch: neo4j_rows.PreparedBatch) -> None:
        """Write a prepared batch, and commit it while the next one is written (call
        :meth:`flush` after the last): batches in log order, as :meth:`write` does.

        The server would otherwise wait while the client packs and sends each batch's
        rows, and the client while the server commits. A batch's new elements (and the
        links between them) are created first, on a second connection, while the batch
        before commits: they touch nothing of it. Then, once that commit is done, the batch
        locks the checkpoint and writes the rest, which may end on the elements the batch
        before created. Should anything fail (that commit, or this batch), both are written
        again one at a time by :meth:`write`, which skips what was committed after all.
        """
        previous, self._in_flight = self._in_flight, None
        created: dict[tuple[str, str], str] = {}
        session = self.driver.session(database=self.database)
        tx = None
        try:
            tx = session.begin_transaction()
            self._create_nodes(tx, batch, created)
            if previous is not None:
                previous.commit.result()
                previous = None
            if self._written_already(tx, batch):
                tx.rollback()
                session.close()
                return
            self._write_rest(tx, batch, created)
        except Exception:
            if tx is not None:  # the server may be gone: then there is nothing to undo
                with contextlib.suppress(Exception):
                    tx.rollback()
            with contextlib.suppress(Exception):
                session.close()
            self._settle(previous)
            self.write(batch)
            return
        committing = tx

        def commit() -> None:
            try:
                committing.commit()
            finally:
                session.close()
            self._committed(batch, created)

        pending = self._committer.submit(commit)
        self._in_flight = _InFlight(batch, pending)

    def flush(self) -> None:
        """Wait until the batch :meth:`write_next` left committing is committed (written
        again by :meth:`write` should that commit fail)."""
        previous, self._in_flight = self._in_flight, None
        self._settle(previous)

    def _settle(self, in_flight: _InFlight | None) -> None:
        """Wait for a batch's commit; on failure, write the batch again by :meth:`write`."""
        if in_flight is None:
            return
        try:
            in_flight.commit.result()
        except Exception:
            self.write(in_flight.batch)

    def _create_nodes(
        self, tx: _Tx, batch: neo4j_rows.PreparedBatch, created: dict[tuple[str, str], str]
    ) -> None:
        """The batch's new elements and the links between them; their element ids go to
        ``created`` by (plan, key)."""
        if not batch.nodes:
            return
        statement = self._statements[("create_nodes", "")]
        result = tx.run(statement, rows=Rows(batch.nodes), links=Rows(batch.within))
        ids = result.single(strict=True)
        for row, element_id in zip(batch.nodes, ids["ids"], strict=True):
            created[(row["node"]["plan"], row["node"]["key"])] = element_id

    def _write_rest(
        self,
        tx: _Tx,
        batch: neo4j_rows.PreparedBatch,
        created: Mapping[tuple[str, str], str],
    ) -> None:
        """Everything of a batch but its new elements: new plans, changed elements, the
        other statements, the other new links, and the position."""
        if batch.plans:
            tx.run(cypher("projections", "register_plans"), rows=Rows(batch.plans)).consume()
        if batch.changed:
            by_id, by_kind = self._node_rows(batch.changed, created)
            if by_id:
                tx.run(self._statements[("update_nodes", "")], rows=Rows(by_id)).consume()
            for kind, rows in by_kind.items():
                tx.run(self._statements[("upsert_nodes", kind)], rows=Rows(rows)).consume()
        for statement, rows in batch.others:
            tx.run(statement, rows=Rows(rows)).consume()
        if batch.links:
            by_id, by_key = self._link_rows(batch.links, created)
            if by_id:
                tx.run(self._statements[("create_edges", "")], rows=Rows(by_id)).consume()
            if by_key:
                tx.run(self._statements[("create_edges_by_key", "")], rows=Rows(by_key)).consume()
        if batch.position is not None:
            tx.run(
                cypher("projections", "checkpoint"),
                name=self.name,
                position=batch.position,
                model=MODEL_VERSION,
            ).consume()

    def _committed(
        self, batch: neo4j_rows.PreparedBatch, created: Mapping[tuple[str, str], str]
    ) -> None:
        """What the store remembers of a committed batch."""
        self._ids.update(created)
        if batch.plan_ids:
            self.plan_ids.update(batch.plan_ids)
        if batch.position is not None:
            self._position = max(self._position, batch.position)
            self._model = MODEL_VERSION

    def _written_already(self, tx: _Tx, batch: neo4j_rows.PreparedBatch) -> bool:
        """Lock the checkpoint (until the transaction ends) and tell whether it holds the
        batch's position already: a connection lost during a commit leaves unknown whether
        it committed, and another projector may have written it; CREATEs must not run twice
        (the elements they make would be doubled) and links keep no version to tell an old
        change from a new one. A batch without a position is written as it is."""
        if batch.position is None:
            return False
        record = tx.run(
            cypher("projections", "lock_checkpoint"), name=self.name, model=MODEL_VERSION
        ).single()
        position = record["position"] if record else None
        return position is not None and position >= batch.position

    def _node_rows(
        self, rows: list[dict[str, Any]], created: Mapping[tuple[str, str], str]
    ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """Changed elements as rows by element id (those this store created), and the rest
        by kind (found by plan and key)."""
        by_id: list[dict[str, Any]] = []
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            node = (row["plan"], row["key"])
            element_id = created.get(node) or self._ids.get(node)
            if element_id is None:
                by_kind.setdefault(row["kind"], []).append(row)
            else:
                by_id.append({**row, "id": element_id})
        return by_id, by_kind

    def _link_rows(
        self, links: list[dict[str, Any]], created: Mapping[tuple[str, str], str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """New links as rows by the element ids of their ends (those this store created,
        earlier or in this transaction), and the rest as rows by plan and key."""
        by_id: list[dict[str, Any]] = []
        by_key: list[dict[str, Any]] = []
        known = self._ids
        for row in links:
            plan = row["plan"]
            source, target = (plan, row["source"]), (plan, row["target"])
            a = created.get(source) or known.get(source)
            b = created.get(target) or known.get(target)
            if a is None or b is None:
                by_key.append(row)
            else:
                by_id.append({"a": a, "b": b, "type": row["type"], "properties": row["properties"]})
        return by_id, by_key

    def reset(self) -> None:
        """Empty the graph; until this store is closed, it CREATEs what it never wrote."""
        self._retrying(self._reset)
        self.plan_ids = {}
        self._position = 0
        self._model = None
        self._loaded = True
        self._written = set()
        self._ids = {}

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
                MODEL.statement("projections", "read_plan"), plan=plan_id, database_=self.database
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
            data["active"] = True  # only active elements are read
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
        self._committer.shutdown(wait=True)
        self.driver.close()
