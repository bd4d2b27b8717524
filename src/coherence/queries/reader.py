"""The one read path of a plan store, shared by the command line and the HTTP API.

A :class:`PlanReader` checks a read's parameters once (a version the store can hold,
a fiscal year in the Framework's form), resolves ``version`` or ``as_of`` once to a
version (:meth:`PlanReader.at`), applies the audit-date rule, and answers from its
caches (:mod:`coherence.queries.graph_cache`): the live timeline of each plan moved
forward, graphs, exports and audits of past versions.

The read's parameters are checked by :mod:`coherence.queries.read_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import networkx as nx

from coherence.application.history import PlanHistory
from coherence.application.narrative import Entries, HistoryEntry
from coherence.application.results import CommandResult, Diff, PlanSummary
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidValue, NeverAdopted
from coherence.domain.merge import merge_target
from coherence.domain.plan import DistrictPlan
from coherence.domain.values import fiscal_year_option
from coherence.projections.monitoring import MonitoringView
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.state_graph import state_graph
from coherence.queries.audit import AuditReport, audit, audit_context, history_part
from coherence.queries.audit.incremental import AuditRun, audit_run, audit_since
from coherence.queries.audit.neo4j import audit_neo4j, audit_version_neo4j
from coherence.queries.audit_change import audit_change
from coherence.queries.export_shelf import ExportShelf
from coherence.queries.exports import GRAPH_FORMATS
from coherence.queries.funding import FundingSummary, funding_summary
from coherence.queries.graph_cache import GraphCache, Memo
from coherence.queries.graph_picture import graph_picture, shown_index
from coherence.queries.graph_timeline import build_graph_timeline, graph_timeline_since
from coherence.queries.line_of_sight import beneath, paths_up
from coherence.queries.progress import outcome_progress
from coherence.queries.read_at import (
    ReadAt,
    VersionRef,
    audited_fiscal_year,
    check_at_least,
    check_version,
    today,
)
from coherence.queries.statewide import audited_plans_neo4j
from coherence.queries.timeline import audit_timeline
from coherence.queries.whatif import WhatIfRequest, changed_state, compare

AUDITS_REUSED_WITHIN = 16
"""How many versions back an audit is looked for, to make a later version's from."""
ReportKey = tuple[str, int, str | None, date]
"""A report's plan, version, fiscal year and audit date."""


class PlanReader:
    """Every read of plans, over one history (and, for ``engine="neo4j"``, one Neo4j store).

    Thread-safe; graphs and reports it hands out are shared: do not change them.
    """

    def __init__(
        self,
        history: PlanHistory,
        *,
        neo4j: Neo4jGraphStore | None = None,
        graphs: GraphCache | None = None,
        reports: int = 512,
        timelines: int = 16,
        shelf: ExportShelf | None = None,
    ) -> None:
        self.history = history
        self.neo4j = neo4j
        self.graphs = graphs if graphs is not None else GraphCache(history, shelf=shelf)
        self._reports: Memo[ReportKey, AuditReport] = Memo(reports)
        """Audits as answered (with the history-aware rules), by version and date."""
        self._runs: Memo[ReportKey, AuditRun] = Memo(AUDITS_REUSED_WITHIN)
        """The audits this process made lately, with what a later version's may reuse."""
        self._funding: Memo[tuple[str, int, str | None], FundingSummary] = Memo(reports)
        self._timelines: Memo[tuple[str, int], dict[str, Any]] = Memo(timelines)
        self._states: Memo[tuple[str, int], PlanState] = Memo(timelines)
        self._pictures: Memo[tuple[str, int, int], str] = Memo(timelines)
        """The graph's picture by plan version and the revision shown."""

    # -- resolving ---------------------------------------------------------------

    def at(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        latest: DistrictPlan | None = None,
    ) -> ReadAt:
        """Resolve a read, once: ``as_of`` (the last version on or before it; audited as
        of that date), else ``version`` (checked; audited as of its own date), else the
        latest (``latest``'s, when the caller has just read the plan; audited today)."""
        if as_of is not None:
            resolved = self.history.version_at(plan_id, as_of)
            on = as_of.date() if isinstance(as_of, datetime) else as_of
            return ReadAt(plan_id, resolved, on, True)
        if version is not None:
            check_version(version)
            plan = self.history.get_plan(plan_id, version=version)
            return ReadAt(plan_id, plan.version, plan.modified_on.astimezone(UTC).date(), True)
        plan = latest if latest is not None else self.history.get_plan(plan_id)
        return ReadAt(plan_id, plan.version, today(), False)

    def plan(
        self, plan_id: str, *, version: int | None = None, as_of: date | datetime | None = None
    ) -> DistrictPlan:
        """The plan at a version, as of a date, or now (shared: do not change it)."""
        check_version(version)
        return self.history.get_plan(plan_id, version=version, as_of=as_of)

    # -- graphs ------------------------------------------------------------------

    def active(self, at: ReadAt) -> nx.MultiDiGraph:
        """The active graph of a resolved read (shared: do not change it)."""
        return self.graphs.active(at.plan_id, at.version)

    def keep_graphs(
        self, plan_id: str, versions: Iterable[int], written: Sequence[Any] = ()
    ) -> None:
        """Make the active graphs of saved versions, oldest first, and keep them: the
        plan's live timeline only moves forward, so a version asked for after a later
        one would be replayed from the start (a group of writes, whose answers are
        worked out between reads of the latest version). ``written``: the events this
        process just saved, in order, which the timeline then need not read back."""
        self.graphs.written(plan_id, written)
        for version in sorted(set(versions)):
            self.graphs.active(plan_id, version)

    def export_graph(
        self,
        plan_id: str,
        fmt: str,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        latest: DistrictPlan | None = None,
    ) -> tuple[bytes, int]:
        """The graph in an export format (UTF-8; GEXF carries the whole timeline) and the
        version it is of."""
        if fmt not in GRAPH_FORMATS:
            raise InvalidValue("format", "one of " + ", ".join(GRAPH_FORMATS), fmt)
        at = self.at(plan_id, version=version, as_of=as_of, latest=latest)
        return self.graphs.export(plan_id, fmt, at.version), at.version

    def newest_export(self, plan_id: str, fmt: str, at_least: int) -> tuple[bytes, int] | None:
        """The newest export already made of the plan, if of version ``at_least`` or later."""
        return self.graphs.newest(plan_id, fmt, at_least)

    def line_of_sight(
        self, plan_id: str, key: str, *, version: int | None = None
    ) -> dict[str, Any]:
        """An element's paths up to the mission and, for an objective, what stands beneath it."""
        g = self.active(self.at(plan_id, version=version))
        under = beneath(g, key)
        return {
            "plan": plan_id,
            "key": key,
            "kind": g.nodes[key]["kind"],
            "paths": paths_up(g, key),
            "beneath": sorted(n for n in under.nodes if n != key),
        }

    def element(self, plan_id: str, key: str, *, version: int | None = None) -> dict[str, Any]:
        """An element at a version: its fields, line of sight, what is beneath it, its history."""
        plan = self.plan(plan_id, version=version)
        element = plan.element(key)
        graph = self.graphs.active(plan_id, plan.version)
        active = key in graph
        return {
            "plan": plan_id,
            "version": plan.version,
            "key": key,
            "kind": element["kind"],
            "retired": element["retired"],
            "fields": element["fields"],
            "line_of_sight": paths_up(graph, key) if active else [],
            "beneath": sorted(n for n in beneath(graph, key).nodes if n != key) if active else [],
            "history": [
                e.to_dict()
                for e in self.history.history(plan_id)
                if e.version <= plan.version and key in (e.key, *e.keys)
            ],
        }

    def outcome_progress(
        self,
        plan_id: str,
        key: str,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        latest: DistrictPlan | None = None,
    ) -> dict[str, Any]:
        """An outcome's trajectory, results and whether it is on track, at a resolved
        read (as of the read's audit date: see :func:`outcome_progress`)."""
        at = self.at(plan_id, version=version, as_of=as_of, latest=latest)
        body = outcome_progress(self.active(at), key, at.audit_date)
        return {"plan": plan_id, "version": at.version, **body}

    # -- audits ------------------------------------------------------------------

    def monitoring(self, at: ReadAt) -> MonitoringView:
        """The plan's monitoring facts at a resolved read: the events up to its version,
        recorded up to its audit date (what the history-aware rules read)."""
        return self.graphs.monitor(at.plan_id, at.version).at(at.version, at.audit_date)

    def audit(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        fiscal_year: str | None = None,
        engine: str = "networkx",
        latest: DistrictPlan | None = None,
    ) -> AuditReport:
        """The audit of a plan: as of a date, at a version (as of its date), or now (today).

        With ``engine="neo4j"`` the rules run as Cypher in the reader's Neo4j store: on
        the projected plan when it is at the version asked for, else on a scratch copy.
        Either way the history-aware rules run here, on the plan's monitoring facts (from
        the event store), and are merged into the report the same way.
        """
        audited_fiscal_year(fiscal_year)
        at = self.at(plan_id, version=version, as_of=as_of, latest=latest)
        if engine == "neo4j":
            return self._audit_neo4j(at, fiscal_year)
        if engine != "networkx":
            raise InvalidValue("engine", "networkx or neo4j", engine)
        return self.audit_at(at, fiscal_year)

    def audit_at(self, at: ReadAt, fiscal_year: str | None = None) -> AuditReport:
        """The audit of a saved version as of the read's date, history rules included:
        the one report that every answer about that version shares (the audit, a write's
        audit change, a preview's or scenario's "before", the report), made once per
        process (each worker audits a version from its own audit of an earlier one)."""
        key = (at.plan_id, at.version, fiscal_year, at.audit_date)

        def make() -> AuditReport:
            return self._runs.get(key, lambda: self._audit_run(at, fiscal_year)).report

        return self._reports.get(key, make)

    def _audit_run(self, at: ReadAt, fiscal_year: str | None) -> AuditRun:
        """The audit of a saved version, made from this process's latest audit of an
        earlier version as of the same date (what a status or a result leaves as it was
        is not audited again: see :func:`audit_since`), or in full."""
        graph, view = self.active(at), self.monitoring(at)
        for earlier in range(at.version - 1, max(at.version - AUDITS_REUSED_WITHIN, 0), -1):
            previous = self._runs.peek((at.plan_id, earlier, fiscal_year, at.audit_date))
            if previous is not None:
                return audit_since(
                    previous, graph, as_of=at.audit_date, fiscal_year=fiscal_year, history=view
                )
        return audit_run(graph, as_of=at.audit_date, fiscal_year=fiscal_year, history=view)

    def audit_preview(
        self, result: CommandResult, *, fiscal_year: str | None = None
    ) -> dict[str, Any]:
        """What a dry run would do to today's audit: the findings of the plan now that
        it would resolve, those it would add, and each side's summary and score.

        Computed on the graph the dry run's events would make (nothing is saved or
        cached). A finding is the same on both sides when its rule, kind and key are.
        """
        audited_fiscal_year(fiscal_year)
        plan_id = result.plan_id
        events = result.events.events if isinstance(result.events, Entries) else []
        base = result.version - len(events)
        on = today()
        before: AuditReport | None = None
        history: MonitoringView | None = None
        if base:
            now = ReadAt(plan_id, base, on, False)
            before = self.audit_at(now, fiscal_year)
            history = self.monitoring(now)
        if before is not None and not events:
            after = before
        else:
            # The history rules read the monitoring facts saved so far: what the dry run
            # would add to them (a status it reports, say) shows once it is saved.
            graph = self.graphs.preview(plan_id, base, events)
            after = audit(graph, as_of=on, fiscal_year=fiscal_year, history=history)
        if before is None:  # a new plan: nothing to resolve, every finding added
            before = replace(after, findings=(), summary=dict.fromkeys(after.summary, 0), score=0)
        return {
            "as_of": on.isoformat(),
            **audit_change(before.findings, after.findings),
            "before": {"summary": dict(before.summary), "score": before.score},
            "after": {"summary": dict(after.summary), "score": after.score},
        }

    def audit_change(self, plan_id: str, before: int, after: int) -> dict[str, Any]:
        """What the versions from ``before`` to ``after`` did to the plan's audit as of
        today (the audit a read of the plan answers): ``{resolved: [finding], added:
        [finding]}`` (both audits kept, and shared with the server's other workers)."""
        on = today()

        reports = [self.audit_at(ReadAt(plan_id, v, on, False)) for v in (before, after)]
        return audit_change(reports[0].findings, reports[1].findings)

    def _audit_neo4j(self, at: ReadAt, fiscal_year: str | None) -> AuditReport:
        neo4j = self.neo4j
        if neo4j is None:
            raise InvalidValue(
                "engine", "networkx (Neo4j is not configured on this server)", "neo4j"
            )
        ctx = audit_context(at.audit_date, fiscal_year)
        part = history_part(self.active(at), self.monitoring(at), ctx)
        if neo4j.plan_version(at.plan_id) == at.version:
            return audit_neo4j(
                neo4j.driver,
                at.plan_id,
                as_of=at.audit_date,
                fiscal_year=fiscal_year,
                database=neo4j.database,
                history=part,
            )
        return audit_version_neo4j(
            neo4j,
            self.history,
            at.plan_id,
            at.version,
            as_of=at.audit_date,
            fiscal_year=fiscal_year,
            history=part,
        )

    # -- budget season ---------------------------------------------------------

    def funding(
        self,
        plan_id: str,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        fiscal_year: str | None = None,
        latest: DistrictPlan | None = None,
    ) -> FundingSummary:
        """Where the plan's money and staff go (see :mod:`coherence.queries.funding`), at
        a version, as of a date, or now; of one fiscal year's lines, or of all."""
        year = fiscal_year_option(fiscal_year)
        at = self.at(plan_id, version=version, as_of=as_of, latest=latest)
        return self._funding.get(
            (plan_id, at.version, year), lambda: funding_summary(self.active(at), year)
        )

    def what_if(
        self,
        plan_id: str,
        request: WhatIfRequest,
        *,
        version: int | None = None,
        as_of: date | datetime | None = None,
        fiscal_year: str | None = None,
        latest: DistrictPlan | None = None,
    ) -> dict[str, Any]:
        """The plan with budget lines retired or funds cut or scaled (see
        :mod:`coherence.queries.whatif`) against the plan as it is: nothing is saved.

        Both are audited as of the same date (the read's, as :meth:`audit` has it) and
        with the same fiscal year."""
        year = fiscal_year_option(fiscal_year)
        at = self.at(plan_id, version=version, as_of=as_of, latest=latest)
        before = self.state(plan_id, at.version)
        after = changed_state(before, request, year)
        return self._compare(at, before, after, year, request.to_dict())

    def _compare(
        self,
        at: ReadAt,
        before: PlanState,
        after: PlanState,
        year: str | None,
        asked: dict[str, Any],
    ) -> dict[str, Any]:
        """The plan at ``at`` (``before``) against a state never saved (``after``): the
        diff, both audits (as of the read's date) and both funding summaries."""
        graph = state_graph(after, version=at.version)
        reports = (
            self.audit_at(at, year),
            audit(graph, as_of=at.audit_date, fiscal_year=year, history=self.monitoring(at)),
        )
        funding = (
            self.funding(at.plan_id, version=at.version, fiscal_year=year),
            funding_summary(graph, year),
        )
        return compare(
            before,
            after,
            asked=asked,
            reports=reports,
            funding=funding,
            version=at.version,
            as_of=at.audit_date,
        )

    def compare_scenario(
        self, plan_id: str, name: str, *, fiscal_year: str | None = None
    ) -> dict[str, Any]:
        """A scenario against its plan as it is now: the plan now ("before") and the plan
        as merging the scenario would leave it ("after", see :func:`merge_target`), in the
        what-if's shape (:func:`compare`), with the ``conflicts`` a merge would refuse
        (where the scenario's side is shown) and the ``scenario``.

        Both are audited as of today, with the same fiscal year."""
        year = fiscal_year_option(fiscal_year)
        sid = self.history.scenario_of(plan_id, name)
        scenario = self.history.get_plan(sid)
        fork = scenario.fork or {}
        live = self.history.get_plan(plan_id)
        at = self.at(plan_id, latest=live)
        before = self.state(plan_id, at.version, live)
        forked = self.state(plan_id, int(fork["version"]))
        mine = self.state(sid, scenario.version, scenario)
        after, conflicts = merge_target(forked, mine, before)
        asked = {"scenario": name, "forked_from": fork["version"]}
        result = self._compare(at, before, after, year, asked)
        result["scenario"] = {
            "plan": sid,
            "name": name,
            "status": scenario.status,
            "version": scenario.version,
            "forked_from": fork["version"],
        }
        result["conflicts"] = conflicts
        return result

    def state(self, plan_id: str, version: int, plan: DistrictPlan | None = None) -> PlanState:
        """The plan's state at a version (``plan``, when the caller holds it at that
        version), kept by version as the audits are (shared: do not change it)."""

        def read() -> PlanState:
            found = plan if plan is not None and plan.version == version else None
            return PlanState.of(found or self.history.get_plan(plan_id, version=version))

        return self._states.get((plan_id, version), read)

    def scenarios(self, plan_id: str) -> list[dict[str, Any]]:
        """The plan's scenarios (see :meth:`PlanHistory.scenarios`)."""
        return [s.to_dict() for s in self.history.scenarios(plan_id)]

    def audit_timeline(
        self, plan_id: str, *, fiscal_year: str | None = None
    ) -> list[dict[str, Any]]:
        """The audit summary after every revision (see :func:`audit_timeline`)."""
        return audit_timeline(self.history, plan_id, fiscal_year=audited_fiscal_year(fiscal_year))

    def graph_timeline(self, plan_id: str) -> tuple[dict[str, Any], int]:
        """Every element and link that ever existed, with the revisions each was active
        in and each revision's audit (see :func:`build_graph_timeline`); and the version."""
        version = self.history.get_plan(plan_id).version
        found = self._timelines.get(
            (plan_id, version), lambda: build_graph_timeline(self.history, plan_id, version)
        )
        return found, version

    def graph_picture(self, plan_id: str, shown: int | None = None) -> str:
        """The picture of the plan's graph (SVG, see :func:`graph_picture`) at its latest
        version, showing the revision of version ``shown`` (the latest without)."""
        timeline, version = self.graph_timeline(plan_id)
        index = shown_index(timeline["revisions"], shown)
        return self._pictures.get((plan_id, version, index), lambda: graph_picture(timeline, index))

    def graph_timeline_since(self, plan_id: str, since: int) -> tuple[dict[str, Any], int]:
        """Only the revisions after version ``since`` (see :func:`graph_timeline_since`)."""
        check_version(since, "since")
        version = self.history.get_plan(plan_id).version
        found = graph_timeline_since(self.history, self.graphs, plan_id, since, version)
        return found, version

    # -- plans -------------------------------------------------------------------

    def audited_plans(self, engine: str = "networkx") -> list[tuple[PlanSummary, AuditReport]]:
        """Every plan, with today's audit of its latest version: the same reports on
        either engine (with ``engine="neo4j"``, one state-wide audit in Neo4j, see
        :func:`~coherence.queries.statewide.audited_plans_neo4j`)."""
        plans = self.history.list_plans()
        if engine == "neo4j":
            on = today()
            reads = [ReadAt(p.plan_id, p.version, on, False) for p in plans]
            return audited_plans_neo4j(self, plans, reads)
        if engine != "networkx":
            raise InvalidValue("engine", "networkx or neo4j", engine)
        return [(p, self.audit(p.plan_id)) for p in plans]

    def plan_summaries(self, engine: str = "networkx") -> list[dict[str, Any]]:
        """Every plan as :func:`plan_summary` shows it."""
        return [plan_summary(p, report) for p, report in self.audited_plans(engine)]

    def history_of(
        self, plan_id: str, *, since: int = 0, limit: int | None = None
    ) -> list[HistoryEntry]:
        """The plan's events after version ``since`` (at most ``limit``), oldest first."""
        check_at_least(since, "since")
        if limit is not None:
            check_at_least(limit, "limit")
        return self.history.history(plan_id, since=since, limit=limit)

    def diff(self, plan_id: str, from_version: VersionRef, to_version: VersionRef = None) -> Diff:
        """What changed between two versions, field by field (from the later to the
        earlier one, a diff backwards, when ``from`` is the later). Either may be
        ``"adopted"`` (the version last adopted, see :meth:`resolve`); ``to`` defaults
        to the latest version."""
        start = self.resolve(plan_id, from_version, "from")
        end = self.resolve(plan_id, to_version, "to")
        return self.history.diff(plan_id, start, end)

    def resolve(self, plan_id: str, ref: VersionRef, name: str = "version") -> int:
        """A version named by a client: a number, ``"latest"`` or None (the latest), or
        ``"adopted"``: the version the plan was last adopted at (its last ``Adopted``
        event), :class:`NeverAdopted` when it never was. The one place that resolves it,
        for the command line and the API."""
        if ref is None or ref == "latest":
            return self.history.get_plan(plan_id).version
        if ref == "adopted":
            version = self.history.last_event_version(plan_id, DistrictPlan.Adopted)
            if version is None:
                raise NeverAdopted(plan_id)
            return version
        if isinstance(ref, str):
            try:
                ref = int(ref.strip())
            except ValueError:
                raise InvalidValue(name, "a version number, 'adopted' or 'latest'", ref) from None
        check_version(ref, name)
        return ref

    def export_plan(
        self, plan_id: str, *, version: int | None = None, as_of: date | datetime | None = None
    ) -> dict[str, Any]:
        """The plan file of a plan at a version or date (imports back as a no-op)."""
        check_version(version)
        return self.history.export_plan(plan_id, version=version, as_of=as_of)


def plan_summary(plan: PlanSummary, report: AuditReport) -> dict[str, Any]:
    """A plan in a list of plans (``coherence plans``, ``GET /plans``): its status,
    version and its audit's summary and score, in the words of the audit's JSON."""
    return {
        "plan": plan.plan_id,
        "district": plan.district,
        "title": plan.title,
        "status": plan.status,
        "version": plan.version,
        "revision": plan.revision,
        "modified_on": plan.modified_on.isoformat(),
        "audit": dict(report.summary),
        "score": report.score,
    }
