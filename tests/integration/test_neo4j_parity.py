"""The Cypher twins of the audit give the networkx audit's findings, on a real Neo4j.

Every check first proves that the two projections hold the same active graph (so a
difference is named where it starts: in the projection or in a rule), then compares
the full audit reports: findings with their messages and order, summary and score.

- (a) the demo plan, at its latest version and at past versions (by version and by
  date), with and without a fiscal year;
- (b) generated plan files with random gaps (seeded), several plans in one database,
  then re-imported with changes so they have a history;
- (c) hypothesis: random plans and random histories (tests/strategies.py), at the
  latest and at past versions;
- (d) the reading rules, crafted case by case (white space, 0, period bounds, if/then,
  decimal sums);
- (e) line of sight, what stands beneath an element, and the state-wide queries;
- (f) the history-aware rules, computed from the event store for both engines: the
  reader's audit and the audit route answer alike on either engine.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.domain.errors import InvalidValue, PlanNotFound, UnknownElement
from coherence.domain.plan import DistrictPlan
from coherence.domain.values import PLAN_ID_PATTERN
from coherence.projections.neo4j_model import MODEL
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.projections.projector import Projector, plan_graph
from coherence.queries.audit import DEFINITIONS, audit
from coherence.queries.audit.neo4j import (
    audit_all_neo4j,
    audit_neo4j,
    audit_version_neo4j,
    beneath_neo4j,
    drop_scratch,
    line_of_sight_neo4j,
    materialize_version,
    materialized_version,
    rank_plans_by_score,
    rule_rows,
    statewide_budget_lines_reaching_no_objective,
    statewide_unfunded_objectives,
)
from coherence.queries.line_of_sight import beneath, paths_up
from tests.plans import BASE, document, plan_data
from tests.strategies import COMMANDS, run

pytestmark = pytest.mark.neo4j

FISCAL_YEARS = [None, "FY26", "FY27"]
BOOKKEEPING = {"plan", "key", "kind", "active", "last_version", "added_at", "retired_at"}

# ---------------------------------------------------------------- helpers


def project(app: PlanHistory, store: Neo4jGraphStore) -> None:
    Projector(app, store).catch_up()


def new_app() -> PlanHistory:
    return PlanHistory(Settings(store="memory://"))


def neo4j_graph(store: Neo4jGraphStore, plan_id: str) -> dict[str, Any]:
    """The active graph of one plan as Neo4j holds it (fields without None values)."""
    records, _, _ = store.driver.execute_query(
        "MATCH (p:Plan {plan: $plan}) "
        "RETURN p {.district, .title, .period_start, .period_end, .status, .version} AS plan",
        plan=plan_id,
    )
    details = {k: v for k, v in records[0]["plan"].items() if v is not None}
    nodes, _, _ = store.driver.execute_query(
        "MATCH (e:Element:Active {plan: $plan}) RETURN properties(e) AS props, labels(e) AS labels",
        plan=plan_id,
    )
    links, _, _ = store.driver.execute_query(
        "MATCH (a:Element:Active {plan: $plan})-[r]->(b:Element:Active) WHERE NOT r:UNLINKED "
        "RETURN a.key AS source, b.key AS target, toLower(type(r)) AS edge, r.amount AS amount",
        plan=plan_id,
    )
    elements = {}
    for record in nodes:
        props = dict(record["props"])
        if isinstance(props.get("results"), str):
            props["results"] = json.loads(props["results"])
        fields = {k: v for k, v in props.items() if k not in BOOKKEEPING and v is not None}
        (kind,) = [k for k, label in MODEL.labels.items() if label in record["labels"]]
        elements[props["key"]] = (kind, fields)
    edges = {(r["source"], r["target"], r["edge"], r["amount"]) for r in links}
    return {"plan": details, "elements": elements, "edges": edges}


def networkx_graph(app: PlanHistory, plan_id: str, version: int | None = None) -> dict[str, Any]:
    """The same view of the networkx active graph (implicit advances edges left out)."""
    g = plan_graph(app, plan_id, version=version)
    names = ("district", "title", "period_start", "period_end", "status", "version")
    details = {k: g.graph.get(k) for k in names if g.graph.get(k) is not None}
    elements = {
        key: (
            data["kind"],
            {k: v for k, v in data.items() if k not in BOOKKEEPING and v is not None},
        )
        for key, data in g.nodes(data=True)
    }
    edges = {
        (s, t, edge, data.get("amount"))
        for s, t, edge, data in g.edges(keys=True, data=True)
        if edge != "advances"
    }
    return {"plan": details, "elements": elements, "edges": edges}


def assert_same_graph(
    store: Neo4jGraphStore, app: PlanHistory, plan_id: str, *, scratch: str | None = None
) -> None:
    version = None
    if scratch is not None:
        version = int(scratch.split("@v")[1].split(".")[0])
    assert neo4j_graph(store, scratch or plan_id) == networkx_graph(app, plan_id, version), (
        "the Neo4j projection and the networkx active graph differ"
    )


def assert_same_audit(
    store: Neo4jGraphStore,
    app: PlanHistory,
    plan_id: str,
    *,
    as_of: date,
    fiscal_year: str | None = None,
    version: int | None = None,
    scratch: str | None = None,
) -> dict[str, Any]:
    expected = audit(
        plan_graph(app, plan_id, version=version), as_of=as_of, fiscal_year=fiscal_year
    )
    got = audit_neo4j(store.driver, scratch or plan_id, as_of=as_of, fiscal_year=fiscal_year)
    got_dict = {**got.to_dict(), "plan": plan_id}
    assert got_dict == expected.to_dict()
    assert got.rules_applied == expected.rules_applied
    return got_dict


def scratch_plans(store: Neo4jGraphStore) -> list[str]:
    records, _, _ = store.driver.execute_query(
        "MATCH (n) WHERE (n:Plan OR n:Element) AND n.plan CONTAINS '@' RETURN DISTINCT n.plan AS p"
    )
    return [r["p"] for r in records]


# ------------------------------------------------------------ (a) the demo


@pytest.fixture(scope="module")
def demo_app() -> PlanHistory:
    app = new_app()
    load_demo(app)
    return app


@pytest.fixture
def demo(demo_app: PlanHistory, neo4j_store: Neo4jGraphStore) -> tuple[PlanHistory, str]:
    project(demo_app, neo4j_store)
    return demo_app, demo_app.list_plans()[0].plan_id


@pytest.mark.parametrize("fiscal_year", [*FISCAL_YEARS, " fy26 "])
def test_demo_latest_version(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore, fiscal_year: str | None
) -> None:
    app, plan_id = demo
    assert_same_graph(neo4j_store, app, plan_id)
    for as_of in (date(2024, 9, 1), date(2025, 11, 15), date(2026, 9, 1), date(2027, 7, 1)):
        report = assert_same_audit(neo4j_store, app, plan_id, as_of=as_of, fiscal_year=fiscal_year)
        assert report["findings"], "the demo has planted gaps"


def test_demo_projected_in_small_batches(
    demo_app: PlanHistory, neo4j_store: Neo4jGraphStore
) -> None:
    Projector(demo_app, neo4j_store, batch_size=37).catch_up()
    plan_id = demo_app.list_plans()[0].plan_id
    assert_same_graph(neo4j_store, demo_app, plan_id)
    assert_same_audit(neo4j_store, demo_app, plan_id, as_of=date(2026, 9, 1), fiscal_year="FY27")


def test_demo_planted_gaps_are_found_in_neo4j(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    _, plan_id = demo
    report = audit_neo4j(neo4j_store.driver, plan_id, as_of=date(2026, 9, 1))
    found = {(f.rule, f.key) for f in report.findings}
    assert {
        ("orphaned-initiative", "SI4.1"),
        ("unfunded-objective", "SO5"),
        ("unfunded-initiative", "SI5.1"),
        ("objective-without-final-outcome", "SO3"),
        ("outcome-not-smart", "OC13"),
        ("initiative-without-benchmark", "SI2.3"),
        ("unaligned-budget-line", "BL-2705"),
        ("over-allocated-budget-line", "BL-2702"),
        ("unaligned-school-plan", "SIP-BRK"),
    } <= found


def test_demo_past_versions(demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore) -> None:
    app, plan_id = demo
    latest = app.get_plan(plan_id).version
    versions = sorted({1, 2, 10, 40, 90, 150, 230, 300, 360, 420, latest - 1, latest})
    for version in versions:
        recorded = app.get_plan(plan_id, version=version).modified_on.date()
        with materialized_version(neo4j_store, app, plan_id, version) as scratch:
            assert "@" in scratch
            assert_same_graph(neo4j_store, app, plan_id, scratch=scratch)
            for fiscal_year in FISCAL_YEARS:
                for as_of in (recorded, recorded + timedelta(days=200)):
                    assert_same_audit(
                        neo4j_store,
                        app,
                        plan_id,
                        as_of=as_of,
                        fiscal_year=fiscal_year,
                        version=version,
                        scratch=scratch,
                    )
            # scratch copies stay out of the state-wide audit
            assert set(audit_all_neo4j(neo4j_store.driver, as_of=recorded)) == {plan_id}
    assert scratch_plans(neo4j_store) == []


def test_demo_past_versions_by_date(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    app, plan_id = demo
    for day in (date(2024, 4, 1), date(2024, 10, 1), date(2025, 9, 1), date(2026, 3, 1)):
        version = app.version_at(plan_id, day)
        for fiscal_year in ("FY26", None):
            expected = audit(
                plan_graph(app, plan_id, version=version), as_of=day, fiscal_year=fiscal_year
            )
            got = audit_version_neo4j(
                neo4j_store, app, plan_id, version, as_of=day, fiscal_year=fiscal_year
            )
            assert got.to_dict() == expected.to_dict()
            assert got.plan == plan_id
    assert scratch_plans(neo4j_store) == []


def test_latest_version_by_scratch_copy_equals_the_live_projection(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    app, plan_id = demo
    live = audit_neo4j(neo4j_store.driver, plan_id, as_of=date(2026, 9, 1), fiscal_year="FY27")
    copy = audit_version_neo4j(
        neo4j_store.driver, app, plan_id, None, as_of=date(2026, 9, 1), fiscal_year="FY27"
    )
    assert copy == live


# ----------------------------------------------------- (b) generated plans


def generated_plan(seed: int, plan_id: str) -> dict[str, Any]:
    """A plan file with random gaps: every rule gets a chance to fire or to pass."""
    rng = random.Random(seed)

    def maybe(p: float) -> bool:
        return rng.random() < p

    def blank_or(text: str, p: float = 0.15) -> str | None:
        return rng.choice([None, "", "  ", "\u00a0", "\t\n"]) if maybe(p) else text

    start = date(2024 + rng.randint(0, 2), 7, 1)
    end = date(start.year + 3, 6, 30)
    data: dict[str, Any] = {
        "format": "coherence/plan@1",
        "plan": {
            "id": plan_id,
            "district": f"District {seed}",
            "title": f"Plan {seed}",
            "period": {"start": start.isoformat(), "end": end.isoformat()},
        },
    }
    if maybe(0.9):
        data["mission"] = "Every student thrives."
    if maybe(0.85):
        data["vision"] = "Students read, reason and belong."
    if maybe(0.9):
        data["theory_of_action"] = rng.choice(
            [
                "If we invest in teachers, then students learn more.",
                "IF we coach, THEN practice improves",
                "We invest in teachers so that students learn more.",
                "Then we act if needed.",
                "If-then thinking",
                "iffy, thenceforth",
            ]
        )
    data["core_values"] = [
        {"key": f"CV{i}", "name": blank_or("Equity", 0.4), "description": blank_or("All", 0.4)}
        for i in range(1, rng.randint(0, 2) + 1)
    ]
    findings = [f"DF{i}" for i in range(1, rng.randint(0, 4) + 1)]
    data["data_findings"] = [{"key": k, "statement": f"Gap {k}"} for k in findings]
    objectives = [f"SO{i}" for i in range(1, rng.randint(0, 7) + 1)]
    data["objectives"] = [
        {
            "key": k,
            "title": blank_or(f"Objective {k} " + "with a long title " * rng.randint(0, 6)),
            "informed_by": rng.sample(findings, rng.randint(0, min(2, len(findings)))),
        }
        for k in objectives
    ]
    initiatives = [f"SI{i}" for i in range(1, rng.randint(0, 10) + 1)]
    data["initiatives"] = [
        {
            "key": k,
            "title": blank_or(f"Initiative {k}"),
            "owner": blank_or("Director", 0.3),
            "supports": rng.sample(objectives, rng.randint(0, min(2, len(objectives)))),
        }
        for k in initiatives
    ]
    outcomes = []
    for i in range(rng.randint(0, 8)):
        if not objectives:
            break
        due = start + timedelta(days=rng.choice([-1, 0, 1, 400, 1094, 1095, 1096, 2000]))
        outcomes.append(
            {
                "key": f"OC{i}",
                "measures": rng.choice(objectives),
                "kind": rng.choice(["interim", "final", None]),
                "statement": blank_or(f"Outcome {i}"),
                "metric": blank_or("Percent proficient", 0.3),
                "baseline": rng.choice([0, 42, 12.5, None]),
                "target": rng.choice([0, 60, None, 75.25]),
                "due": None if maybe(0.2) else due.isoformat(),
            }
        )
    data["outcomes"] = outcomes
    learning = [f"PL{i}" for i in range(1, rng.randint(0, 3) + 1)]
    data["professional_learning"] = [
        {
            "key": k,
            "title": f"Learning {k}",
            "kind": rng.choice(["professional_development", "induction", "mentoring", None]),
            "enables": rng.sample(initiatives, rng.randint(0, min(2, len(initiatives)))),
        }
        for k in learning
    ]
    data["benchmarks"] = [
        {
            "key": f"B{i}",
            "tracks": rng.choice(initiatives),
            "kind": rng.choice(["process", "early_evidence", None]),
            "description": blank_or(f"Benchmark {i}"),
            "owner": blank_or("Principal", 0.3),
            "due": None
            if maybe(0.2)
            else (date(2025, 1, 1) + timedelta(days=rng.randint(0, 900))).isoformat(),
            "status": rng.choice([None, "not_started", "on_track", "complete", "at_risk"]),
        }
        for i in range(rng.randint(0, 10))
        if initiatives
    ]
    targets = initiatives + learning
    lines = []
    for i in range(rng.randint(0, 6)):
        funds = [
            {"target": t, "amount": rng.choice([0, 1000, 2500.5, 0.1, 0.2, 10000, None])}
            for t in rng.sample(targets, rng.randint(0, min(3, len(targets))))
        ]
        lines.append(
            {
                "key": f"BL-{i}",
                "fiscal_year": rng.choice(["FY25", "FY26", "FY27", None]),
                "fund": rng.choice(["Title I", "General Fund", None]),
                "description": blank_or(f"Line {i}"),
                "amount": rng.choice([None, 0, 0.3, 5000, 12000.25, 100000]),
                "funds": funds,
            }
        )
    data["budget_lines"] = lines
    aligned = objectives + initiatives
    data["school_plans"] = [
        {
            "key": f"SIP-{i}",
            "school": blank_or(f"School {i}"),
            "school_year": rng.choice(["2025-2026", None]),
            "title": blank_or("Plan", 0.6),
            "aligns_to": rng.sample(aligned, rng.randint(0, min(2, len(aligned)))),
        }
        for i in range(rng.randint(0, 3))
    ]
    data["educator_goals"] = [
        {
            "key": f"EG{i}",
            "educator": blank_or(f"Team {i}", 0.3),
            "kind": rng.choice(["student_learning", "professional_practice"]),
            "statement": blank_or("Raise fluency"),
            "aligns_to": rng.sample(aligned, rng.randint(0, min(2, len(aligned)))),
        }
        for i in range(rng.randint(0, 3))
    ]
    return data


def drop_some(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """The same plan with some elements gone (they are retired on import)."""
    rng = random.Random(seed)
    out = json.loads(json.dumps(data))
    for section in ("objectives", "initiatives", "professional_learning", "outcomes"):
        items = out.get(section, [])
        kept = [item for item in items if rng.random() > 0.3]
        gone = {item["key"] for item in items} - {item["key"] for item in kept}
        out[section] = kept
        for other in out.values():
            if not isinstance(other, list):
                continue
            for item in other:
                for link in ("supports", "enables", "aligns_to", "informed_by"):
                    if link in item:
                        item[link] = [k for k in item[link] if k not in gone]
                if "funds" in item:
                    item["funds"] = [f for f in item["funds"] if f["target"] not in gone]
        for item in out.get("outcomes", []):
            if item["measures"] in gone:
                item["measures"] = None
        out["outcomes"] = [o for o in out.get("outcomes", []) if o["measures"]]
        out["benchmarks"] = [b for b in out.get("benchmarks", []) if b["tracks"] not in gone]
    return out


Generated = tuple[PlanHistory, dict[str, int]]


@pytest.fixture
def generated(neo4j_store: Neo4jGraphStore) -> Generated:
    """Twelve generated plans, each imported twice (so each has a history): the app and
    ``{plan id: version after the first import}``."""
    app = new_app()
    first = {}
    for seed in range(12):
        plan_id = f"gen-{seed}"
        data = generated_plan(seed, plan_id)
        first[plan_id] = app.import_plan(document(data), Author("generator")).version
        app.import_plan(document(drop_some(data, seed)), Author("generator"))
    project(app, neo4j_store)
    return app, first


def test_generated_plans(generated: Generated, neo4j_store: Neo4jGraphStore) -> None:
    app, ids = generated
    as_of = date(2026, 1, 15)
    fired: set[str] = set()
    for plan_id in ids:
        assert_same_graph(neo4j_store, app, plan_id)
        for fiscal_year in (*FISCAL_YEARS, "FY25"):
            report = assert_same_audit(
                neo4j_store, app, plan_id, as_of=as_of, fiscal_year=fiscal_year
            )
            fired |= {f["rule"] for f in report["findings"]}
    assert fired == set(DEFINITIONS), f"rules never fired: {set(DEFINITIONS) - fired}"


def test_generated_plans_at_their_first_import(
    generated: Generated, neo4j_store: Neo4jGraphStore
) -> None:
    app, first_import = generated
    for plan_id, first in first_import.items():
        for version in sorted({1, first // 2 or 1, first}):
            with materialized_version(neo4j_store, app, plan_id, version) as scratch:
                assert_same_graph(neo4j_store, app, plan_id, scratch=scratch)
                for fiscal_year in ("FY26", None):
                    assert_same_audit(
                        neo4j_store,
                        app,
                        plan_id,
                        as_of=date(2025, 6, 1),
                        fiscal_year=fiscal_year,
                        version=version,
                        scratch=scratch,
                    )


def test_audit_all_plans_at_once(generated: Generated, neo4j_store: Neo4jGraphStore) -> None:
    app, ids = generated
    for fiscal_year in ("FY26", None):
        reports = audit_all_neo4j(
            neo4j_store.driver, as_of=date(2026, 1, 15), fiscal_year=fiscal_year
        )
        assert list(reports) == sorted(ids)
        for plan_id in ids:
            expected = audit(
                plan_graph(app, plan_id), as_of=date(2026, 1, 15), fiscal_year=fiscal_year
            )
            assert reports[plan_id].to_dict() == expected.to_dict()


def test_rank_plans_by_score(generated: Generated, neo4j_store: Neo4jGraphStore) -> None:
    app, ids = generated
    as_of = date(2026, 1, 15)
    ranked = rank_plans_by_score(neo4j_store.driver, as_of=as_of)
    scores = {p: audit(plan_graph(app, p), as_of=as_of).score for p in ids}
    assert [(r["plan"], r["score"]) for r in ranked] == sorted(
        scores.items(), key=lambda item: (-item[1], item[0])
    )
    for i, row in enumerate(ranked):
        tied = i > 0 and ranked[i - 1]["score"] == row["score"]
        assert row["rank"] == (ranked[i - 1]["rank"] if tied else i + 1)
    assert {r["district"] for r in ranked} == {f"District {s}" for s in range(12)}


def test_rule_queries_with_a_plan_or_for_every_plan(
    generated: Generated, neo4j_store: Neo4jGraphStore
) -> None:
    _, ids = generated
    for rule_id in DEFINITIONS:
        every = rule_rows(neo4j_store.driver, rule_id, None, as_of=date(2026, 1, 15))
        for plan_id in list(ids)[:3]:
            one = rule_rows(neo4j_store.driver, rule_id, plan_id, as_of=date(2026, 1, 15))
            assert one == [row for row in every if row["plan"] == plan_id]


def test_each_rule_file_finds_what_the_audit_finds(
    generated: Generated, neo4j_store: Neo4jGraphStore
) -> None:
    """The rule files (one rule at a time, as people run them) find, message for message,
    what the audit's set-based query (audit-plans.cypher, held to networkx above) finds."""
    from coherence.queries.audit.model import audit_context
    from coherence.queries.audit.neo4j.queries import shared_row
    from coherence.queries.audit.registry import make_finding

    driver, as_of = neo4j_store.driver, date(2026, 1, 15)
    for fiscal_year in ("FY26", None):
        ctx = audit_context(as_of, fiscal_year)
        reports = audit_all_neo4j(driver, as_of=as_of, fiscal_year=fiscal_year)
        for rule_id in DEFINITIONS:
            rows = rule_rows(driver, rule_id, None, as_of=as_of, fiscal_year=fiscal_year)
            by_file = sorted(
                (
                    row["plan"],
                    json.dumps(make_finding(rule_id, shared_row(rule_id, row), ctx).to_dict()),
                )
                for row in rows
            )
            by_audit = sorted(
                (plan, json.dumps(f.to_dict()))
                for plan, report in reports.items()
                for f in report.findings
                if f.rule == rule_id
            )
            assert by_file == by_audit, rule_id


# ------------------------------------------------ (c) random plans, hypothesis


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    commands=COMMANDS,
    period=st.sampled_from([(None, None), ("2024-07-01", "2027-06-30"), ("2025-01-01", None)]),
    as_of=st.dates(date(2023, 1, 1), date(2031, 1, 1)),
    fiscal_year=st.sampled_from([None, "FY25", "fy26", "FY27"]),
    data=st.data(),
)
def test_random_histories(
    neo4j_store: Neo4jGraphStore,
    commands: list[tuple[Any, ...]],
    period: tuple[str | None, str | None],
    as_of: date,
    fiscal_year: str | None,
    data: st.DataObject,
) -> None:
    neo4j_store.reset()
    app = new_app()
    plan = DistrictPlan.draft(
        "prop", title="Property plan", period_start=period[0], period_end=period[1], actor="t"
    )
    versions = run(plan, commands)
    app.save(plan)
    # small batches too: a batch applies its changes grouped by statement, not in log order
    batch_size = data.draw(st.sampled_from([2, 7, 1000]), label="batch size")
    prefetch = data.draw(st.booleans(), label="overlapped batches")
    Projector(app, neo4j_store, batch_size=batch_size).catch_up(prefetch=prefetch)
    assert_same_graph(neo4j_store, app, "prop")
    assert_same_audit(neo4j_store, app, "prop", as_of=as_of, fiscal_year=fiscal_year)
    past = data.draw(st.lists(st.sampled_from(sorted(set(versions))), max_size=2, unique=True))
    for version in past:
        with materialized_version(neo4j_store, app, "prop", version) as scratch:
            assert_same_graph(neo4j_store, app, "prop", scratch=scratch)
            assert_same_audit(
                neo4j_store,
                app,
                "prop",
                as_of=as_of,
                fiscal_year=fiscal_year,
                version=version,
                scratch=scratch,
            )


# ----------------------------------------------------- (d) the reading rules


def edge_case_app(**sections: Any) -> PlanHistory:
    app = new_app()
    app.import_plan(document(plan_data(**sections)), Author("tester"))
    return app


def check(
    store: Neo4jGraphStore, app: PlanHistory, *, as_of: date = date(2026, 1, 15), **opts: Any
) -> dict[str, Any]:
    store.reset()
    project(app, store)
    assert_same_graph(store, app, "example-2025")
    return assert_same_audit(store, app, "example-2025", as_of=as_of, **opts)


def rule_keys(report: dict[str, Any], rule: str) -> list[str | None]:
    return [f["key"] for f in report["findings"] if f["rule"] == rule]


# Every character Python's str.strip removes, and a few it keeps.
PYTHON_WHITE_SPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]
NOT_WHITE_SPACE = ["\u200b", "\u2060", "\ufeff", "\x00", "\x01", "_", "\u180e"]


def test_white_space_only_text_is_missing(neo4j_store: Neo4jGraphStore) -> None:
    owners = [*PYTHON_WHITE_SPACE, " \t\n\u00a0\u2007\u202f\x85 ", *NOT_WHITE_SPACE]
    initiatives = [
        {"key": f"SI{i}", "title": f"I {i}", "owner": owner, "supports": ["SO1"]}
        for i, owner in enumerate(owners)
    ]
    report = check(neo4j_store, edge_case_app(initiatives=[*BASE["initiatives"], *initiatives]))
    blank = rule_keys(report, "initiative-without-owner")
    assert blank == [f"SI{i}" for i in range(len(PYTHON_WHITE_SPACE) + 1)]


def test_white_space_in_foundation_labels_and_educators(neo4j_store: Neo4jGraphStore) -> None:
    report = check(
        neo4j_store,
        edge_case_app(
            core_values=[
                {"key": "CV1", "name": "\u3000", "description": "\u2028"},
                {"key": "CV2", "name": None, "description": "\x1c"},
            ],
            objectives=[
                {"key": "SO1", "title": "\u00a0", "description": " Spread \n  out\ttitle "},
                {"key": "SO2", "title": "x" * 120},
            ],
            school_plans=[
                {
                    "key": "SP1",
                    "school": " Lincoln\u00a0",
                    "school_year": "2025-2026",
                    "title": " ",
                },
                {"key": "SP2", "school": "\u2007", "title": None},
            ],
            educator_goals=[
                {"key": "EG1", "educator": "\u202f", "kind": "student_learning"},
                {"key": "EG2", "educator": "  Grade 3\n team ", "kind": "student_learning"},
            ],
        ),
    )
    assert ("missing-foundation", "core_value") in {
        (f["rule"], f["kind"]) for f in report["findings"]
    }


def test_baseline_and_target_of_zero_are_present(neo4j_store: Neo4jGraphStore) -> None:
    outcome = BASE["outcomes"][0]
    outcomes = [
        {**outcome, "key": "OC1", "baseline": 0, "target": 0},
        {**outcome, "key": "OC2", "baseline": None, "target": 0.0},
        {**outcome, "key": "OC3", "baseline": 0.0, "target": None, "metric": "\u2029"},
    ]
    report = check(neo4j_store, edge_case_app(outcomes=outcomes))
    assert rule_keys(report, "outcome-not-smart") == ["OC2", "OC3"]


def test_due_dates_on_the_period_bounds(neo4j_store: Neo4jGraphStore) -> None:
    outcome = BASE["outcomes"][0]
    days = {
        "OC1": "2025-07-01",  # first day: inside
        "OC2": "2028-06-30",  # last day: inside
        "OC3": "2025-06-30",  # the day before: outside
        "OC4": "2028-07-01",  # the day after: outside
        "OC5": None,
    }
    outcomes = [{**outcome, "key": key, "due": due} for key, due in days.items()]
    report = check(neo4j_store, edge_case_app(outcomes=outcomes))
    assert rule_keys(report, "outcome-not-smart") == ["OC3", "OC4", "OC5"]


def test_overdue_is_strictly_before_the_audit_date(neo4j_store: Neo4jGraphStore) -> None:
    benchmark = BASE["benchmarks"][0]
    benchmarks = [
        {**benchmark, "key": "B1", "due": "2026-01-14", "status": "on_track"},
        {**benchmark, "key": "B2", "due": "2026-01-15", "status": "on_track"},
        {**benchmark, "key": "B3", "due": "2026-01-14", "status": "complete"},
        {**benchmark, "key": "B4", "due": "2026-01-14", "status": None},
        {**benchmark, "key": "B5", "due": None, "status": None, "owner": " "},
    ]
    report = check(neo4j_store, edge_case_app(benchmarks=benchmarks), as_of=date(2026, 1, 15))
    assert rule_keys(report, "benchmark-overdue") == ["B1", "B4"]
    assert rule_keys(report, "benchmark-incomplete") == ["B5"]


def test_allocations_of_zero(neo4j_store: Neo4jGraphStore) -> None:
    line = BASE["budget_lines"][0]
    lines = [
        {**line, "key": "BL1", "amount": 0, "funds": [{"target": "SI1.1", "amount": 0}]},
        {**line, "key": "BL2", "amount": None, "funds": [{"target": "PL1", "amount": None}]},
        {**line, "key": "BL3", "amount": 0, "funds": []},
        {**line, "key": "BL4", "amount": None, "funds": [{"target": "SI2.1", "amount": 1}]},
    ]
    report = check(neo4j_store, edge_case_app(budget_lines=lines))
    assert rule_keys(report, "unaligned-budget-line") == ["BL3"]  # an allocation of 0 aligns
    assert rule_keys(report, "over-allocated-budget-line") == ["BL4"]
    assert "SO1" in rule_keys(report, "unfunded-objective")  # 0 does not fund
    assert rule_keys(report, "unfunded-initiative") == ["SI1.1"]


def test_decimal_sums(neo4j_store: Neo4jGraphStore) -> None:
    assert 0.1 + 0.2 > 0.3  # in floats; not in Decimal
    line = BASE["budget_lines"][0]
    lines = [
        {
            **line,
            "key": "BL1",
            "amount": 0.3,
            "funds": [{"target": "SI1.1", "amount": 0.1}, {"target": "PL1", "amount": 0.2}],
        },
        {
            **line,
            "key": "BL2",
            "amount": 0.3,
            "funds": [{"target": "SI2.1", "amount": 0.2}, {"target": "PL1", "amount": 0.11}],
        },
        {
            **line,
            "key": "BL3",
            "amount": 1234567.89,
            "funds": [{"target": "SI1.1", "amount": 1234567.8}, {"target": "PL1", "amount": 0.09}],
        },
        {
            **line,
            "key": "BL4",
            "amount": 1234567.89,
            "funds": [{"target": "SI2.1", "amount": 1234567.8}, {"target": "PL1", "amount": 0.1}],
        },
    ]
    report = check(neo4j_store, edge_case_app(budget_lines=lines))
    over = [f for f in report["findings"] if f["rule"] == "over-allocated-budget-line"]
    assert [f["key"] for f in over] == ["BL2", "BL4"]
    assert "allocates $0.31 but has only $0.30" in over[0]["message"]
    assert "allocates $1,234,567.90 but has only $1,234,567.89" in over[1]["message"]


IF_THEN = {
    "If we invest, then students learn.": True,
    "IF WE INVEST THEN": True,
    "if\nwe invest\nthen\n": True,
    "Then we invest, if needed.": False,
    "iffy thenceforth": False,
    "If_ then": False,
    "if then_": False,
    "if² then": False,  # a superscript two is a word character for Python's re
    "if\u0301 then": True,  # a combining accent is not
    "\u0130f we invest, then": True,  # dotted capital I folds to i
    "\u0131f we invest, then": True,  # so does dotless i
    "éif then": False,
    "1if then": False,
    "if-then": True,
    "(if)(then)": True,
    "If we invest, thence...": False,
    "if\U0001d400 then": False,  # a mathematical letter after "if"
    "\U0001d400if then": False,  # ... and before it
    "if \U0001d7ceth then": True,
}


def test_if_then_reads_like_python(neo4j_store: Neo4jGraphStore) -> None:
    for text, framed in IF_THEN.items():
        report = check(neo4j_store, edge_case_app(theory_of_action=text))
        assert (rule_keys(report, "theory-of-action-not-if-then") == []) is framed, text


def test_fiscal_year_option_is_trimmed_and_case_insensitive(neo4j_store: Neo4jGraphStore) -> None:
    line = BASE["budget_lines"][0]
    lines = [
        line,
        {**line, "key": "BL2", "fiscal_year": "FY27", "funds": []},
        {**line, "key": "BL3", "fiscal_year": None, "funds": []},
    ]
    app = edge_case_app(budget_lines=lines)
    for option in ("FY26", "fy26", " Fy26\u00a0", "\u2007fY26\t", "FY27", "fy2026", "", "  ", None):
        check(neo4j_store, app, fiscal_year=option)


def test_missing_foundation_and_plan_wide_rules(neo4j_store: Neo4jGraphStore) -> None:
    data = plan_data(core_values=[], professional_learning=[], objectives=[])
    data.pop("mission")
    data.pop("theory_of_action")
    data["initiatives"] = [{**i, "supports": []} for i in data["initiatives"]]
    data["outcomes"] = []
    data["school_plans"] = [{**s, "aligns_to": []} for s in data["school_plans"]]
    data["educator_goals"] = [{**g, "aligns_to": []} for g in data["educator_goals"]]
    data["budget_lines"] = [
        {**b, "funds": [f for f in b["funds"] if f["target"] != "PL1"]}
        for b in data["budget_lines"]
    ]
    app = new_app()
    app.import_plan(document(data), Author("tester"))
    report = check(neo4j_store, app)
    assert [f["kind"] for f in report["findings"] if f["rule"] == "missing-foundation"] == [
        "mission",
        "theory_of_action",
        "core_value",
    ]


def test_unknown_plan(neo4j_store: Neo4jGraphStore) -> None:
    with pytest.raises(PlanNotFound):
        audit_neo4j(neo4j_store.driver, "no-such-plan", as_of=date(2026, 1, 1))
    with pytest.raises(PlanNotFound):
        materialize_version(neo4j_store, new_app(), "no-such-plan", 3)


def test_scratch_copies_never_touch_real_plans(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    app, plan_id = demo
    before = neo4j_graph(neo4j_store, plan_id)
    position = neo4j_store.max_tracking_id()
    scratch = materialize_version(neo4j_store.driver, app, plan_id, 100)
    other = materialize_version(neo4j_store, app, plan_id, 100)
    assert scratch != other and scratch.startswith(f"{plan_id}@v100.")
    assert not PLAN_ID_PATTERN.match(scratch)  # no real plan can have a scratch id
    assert sorted(scratch_plans(neo4j_store)) == sorted([scratch, other])
    with pytest.raises(InvalidValue, match="a scratch plan id"):
        drop_scratch(neo4j_store, plan_id)
    assert drop_scratch(neo4j_store, scratch) > 0
    assert drop_scratch(neo4j_store.driver, other) > 0
    assert scratch_plans(neo4j_store) == []
    assert neo4j_graph(neo4j_store, plan_id) == before
    assert Neo4jGraphStore(neo4j_store.driver).max_tracking_id() == position


# -------------------------------------------- (e) line of sight, state-wide


def check_line_of_sight(store: Neo4jGraphStore, app: PlanHistory, plan_id: str) -> None:
    g = plan_graph(app, plan_id)
    for key in g.nodes:
        assert line_of_sight_neo4j(store.driver, plan_id, key) == paths_up(g, key), key
        if g.nodes[key]["kind"] in ("mission", "objective", "initiative", "professional_learning"):
            expected = beneath(g, key)
            got = beneath_neo4j(store.driver, plan_id, key)
            assert got["key"] == key
            assert {n["key"]: n["kind"] for n in got["nodes"]} == dict(expected.nodes(data="kind"))
            assert {(e["source"], e["target"], e["edge"], e["amount"]) for e in got["edges"]} == {
                (s, t, k, d.get("amount")) for s, t, k, d in expected.edges(keys=True, data=True)
            }
    with pytest.raises(UnknownElement):
        line_of_sight_neo4j(store.driver, plan_id, "NO-SUCH-KEY")
    with pytest.raises(UnknownElement):
        beneath_neo4j(store.driver, plan_id, "NO-SUCH-KEY")


def test_line_of_sight_on_the_demo(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    app, plan_id = demo
    check_line_of_sight(neo4j_store, app, plan_id)
    assert line_of_sight_neo4j(neo4j_store.driver, plan_id, "BL-2702")[0] == [
        "BL-2702",
        "SI3.1",
        "SO3",
        "mission",
    ]


def test_line_of_sight_on_generated_plans(
    generated: Generated, neo4j_store: Neo4jGraphStore
) -> None:
    app, ids = generated
    for plan_id in ids:
        check_line_of_sight(neo4j_store, app, plan_id)


def reaches_an_objective(g: Any, key: str) -> bool:
    return any(
        any(g.nodes[k]["kind"] == "objective" for k in path[1:]) for path in paths_up(g, key)
    )


def test_statewide_queries(generated: Generated, neo4j_store: Neo4jGraphStore) -> None:
    app, first_import = generated
    load_demo(app)  # the demo beside the generated plans
    project(app, neo4j_store)
    plans = [*first_import, "riverbend-2024"]
    for fiscal_year in (None, "FY26", " fy27 "):
        check_statewide(neo4j_store, app, plans, fiscal_year)


def check_statewide(
    store: Neo4jGraphStore, app: PlanHistory, plans: list[str], fiscal_year: str | None
) -> None:
    unfunded = set()
    unreached = set()
    year = fiscal_year.strip().lower() if fiscal_year else None
    for plan_id in plans:
        g = plan_graph(app, plan_id)
        report = audit(g, as_of=date(2026, 1, 1), fiscal_year=fiscal_year)
        unfunded |= {(plan_id, f.key) for f in report.findings if f.rule == "unfunded-objective"}
        for key, data in g.nodes(data=True):
            if data["kind"] != "budget_line":
                continue
            if year and (data.get("fiscal_year") or "").lower() != year:
                continue
            if not reaches_an_objective(g, key):
                unreached.add((data.get("fund"), plan_id, key))
    rows = statewide_unfunded_objectives(store.driver, fiscal_year=fiscal_year)
    assert {(r["plan"], r["key"]) for r in rows} == unfunded
    assert len(rows) == len(unfunded)
    lines = statewide_budget_lines_reaching_no_objective(store.driver, fiscal_year=fiscal_year)
    assert {(r["fund"], r["plan"], r["key"]) for r in lines} == unreached
    assert len(lines) == len(unreached)
    funds = [r["fund"] for r in lines]
    assert funds == sorted(funds, key=lambda f: (f is None, f or ""))  # grouped by fund


def test_statewide_queries_leave_scratch_copies_out(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    app, plan_id = demo
    live = statewide_unfunded_objectives(neo4j_store.driver)
    lines = statewide_budget_lines_reaching_no_objective(neo4j_store.driver)
    with materialized_version(neo4j_store, app, plan_id, 200):
        assert statewide_unfunded_objectives(neo4j_store.driver) == live
        assert statewide_budget_lines_reaching_no_objective(neo4j_store.driver) == lines
        assert [r["plan"] for r in rank_plans_by_score(neo4j_store.driver, as_of=date.today())] == [
            plan_id
        ]


# ------------------------------------------- (f) the history-aware rules, both engines


def test_the_audit_route_answers_alike_on_both_engines(
    demo: tuple[PlanHistory, str], neo4j_store: Neo4jGraphStore
) -> None:
    """The history-aware rules are computed from the event store for both engines and
    merged into the Neo4j report the same way: the route's answer is identical."""
    from fastapi.testclient import TestClient

    from coherence.api.app import create_app
    from coherence.bootstrap import api_context
    from coherence.queries.audit import HISTORY_ORDER

    app, plan_id = demo
    client = TestClient(create_app(api_context(app, neo4j=neo4j_store)))
    url = f"/api/v1/plans/{plan_id}/audit"
    latest = app.get_plan(plan_id).version
    reads: list[dict[str, Any]] = [
        {},  # today
        {"as_of": "2026-12-01"},
        {"as_of": "2025-11-15"},
        {"version": latest},
        {"version": 300},
        {"version": 420, "fiscal_year": "FY27"},
        {"as_of": "2027-06-30", "fiscal_year": "FY27"},
    ]
    history_rules = set(HISTORY_ORDER)
    seen: set[str] = set()
    for params in reads:
        on_networkx = client.get(url, params={**params, "engine": "networkx"})
        on_neo4j = client.get(url, params={**params, "engine": "neo4j"})
        assert on_networkx.status_code == on_neo4j.status_code == 200, on_neo4j.text
        assert on_neo4j.json() == on_networkx.json(), params
        seen |= {f["rule"] for f in on_neo4j.json()["findings"]} & history_rules
    assert {
        "stale-benchmark",
        "off-track-without-response",
        "target-revised-without-reason",
        "outcome-off-trajectory",
        "amended-since-adoption",
        "outcome-without-recent-result",
    } <= seen
    assert scratch_plans(neo4j_store) == []


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commands=COMMANDS, data=st.data())
def test_random_histories_with_the_history_rules(
    neo4j_store: Neo4jGraphStore, commands: list[Any], data: st.DataObject
) -> None:
    """The reader's audit on both engines (history-aware rules included), now, at a past
    version and as of a date."""
    from coherence.queries.reader import PlanReader

    neo4j_store.reset()
    app = new_app()
    plan = DistrictPlan.draft(
        "prop",
        title="Property plan",
        period_start="2024-07-01",
        period_end="2027-06-30",
        actor="t",
    )
    versions = run(plan, commands)
    app.save(plan)
    project(app, neo4j_store)
    reader = PlanReader(app, neo4j=neo4j_store)
    version = data.draw(st.sampled_from(sorted(set(versions))))
    today = app.get_plan("prop").modified_on.date()  # the commands are recorded now
    on = data.draw(st.dates(today, today + timedelta(days=600)))
    for read in ({}, {"version": version}, {"as_of": on}):
        assert reader.audit("prop", engine="neo4j", **read) == reader.audit("prop", **read)
    assert scratch_plans(neo4j_store) == []


def test_the_statewide_answer_is_the_same_on_both_engines(neo4j_store: Neo4jGraphStore) -> None:
    """Every plan's audit today (the state-wide reads: ``GET /statewide``, ``coherence
    plans``) carries the history-aware rules on Neo4j too: the same reports as networkx,
    also for a plan whose latest version the projection has not caught up with."""
    from fastapi.testclient import TestClient

    from coherence.api.app import create_app
    from coherence.bootstrap import api_context
    from coherence.queries.audit import ENGINES, HISTORY_ORDER
    from coherence.queries.reader import PlanReader

    neo4j_store.reset()
    app = new_app()
    load_demo(app)
    for seed in (1, 2):
        app.import_plan(document(generated_plan(seed, f"gen-{seed}")), Author("generator"))
    project(app, neo4j_store)
    data = generated_plan(2, "gen-2")
    app.import_plan(document(drop_some(data, 2)), Author("generator"))  # not projected yet

    reader = PlanReader(app, neo4j=neo4j_store)
    on_networkx = [(p, r.to_dict()) for p, r in reader.audited_plans()]
    on_neo4j = [(p, r.to_dict()) for p, r in reader.audited_plans("neo4j")]
    assert on_neo4j == on_networkx
    assert len(on_neo4j) == 3
    history_rules = set(HISTORY_ORDER)
    assert any(f["rule"] in history_rules for _, r in on_neo4j for f in r["findings"])

    client = TestClient(create_app(api_context(app, neo4j=neo4j_store)))
    for path in ("/api/v1/statewide", "/api/v1/plans"):
        answers = [client.get(path, params={"engine": engine}) for engine in ENGINES]
        assert [a.status_code for a in answers] == [200, 200], answers[1].text
        assert answers[1].json() == answers[0].json()
        assert client.get(path, params={"engine": "gremlin"}).status_code == 422
    assert scratch_plans(neo4j_store) == []
