"""Budget season: where the money and the staff go, and what if we cut this.

The demo's figures are worked out by hand from its plan file (the FY27 lines of
``riverbend-v4.yaml``), not from our code; generated plans check that nothing is lost
or counted twice; a what-if saves nothing.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.changes import PlanState
from coherence.domain.errors import InvalidValue
from coherence.domain.plan import DistrictPlan
from coherence.projections.networkx_store import active_graph
from coherence.projections.replay import replay
from coherence.projections.state_graph import state_graph
from coherence.queries.audit import audit
from coherence.queries.funding import funding_summary
from coherence.queries.reader import PlanReader
from coherence.queries.whatif import changed_state, what_if_request
from tests.plans import document, plan_data
from tests.strategies import COMMANDS, SETTINGS, run

DEMO = "riverbend-2024"
DEMO_FILE = Path(__file__).resolve().parents[2] / "src/coherence/demo/riverbend-v4.yaml"
API = "/api/v1"


@pytest.fixture(scope="module")
def demo() -> PlanHistory:
    """The demo plan in memory (read only: tests on it must not write)."""
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return history


def D(text: str) -> Decimal:
    return Decimal(text)


# -- the demo, by hand -------------------------------------------------------------------


def test_fy27_funding_of_the_demo_matches_the_hand_computation(demo: PlanHistory) -> None:
    s = PlanReader(demo).funding(DEMO, fiscal_year=" fy27 ")
    # The 11 FY27 lines of riverbend-v4.yaml: 150,000 + 58,500 + 180,000 + 74,000 + 24,000
    # + 88,000 + 27,000 + 172,000 + 96,000 + 60,000 + 124,000; FTE 0.6 + 2 + 1 + 2 + 1.5
    # + 1 + 2.
    assert (s.fiscal_year, s.totals.lines) == ("FY27", 11)
    assert (s.totals.amount, s.totals.fte) == (D("1053500.00"), D("10.10"))
    # BL-2705 allocates nothing; BL-2710 funds SI4.1, which supports no objective;
    # BL-2702 allocates 44,000 + 12,000 + 16,000 = 72,000 of 58,500.
    assert s.totals.unallocated == D("24000.00")
    assert s.totals.not_aligned == D("60000.00")
    assert s.totals.over_allocated == D("13500.00")
    assert s.totals.allocated == D("1043000.00")
    assert s.totals.aligned == D("983000.00")
    assert s.totals.aligned_share == D("0.9331")  # 983,000 / 1,053,500 = 0.93308...
    assert (s.totals.aligned_fte, s.totals.not_aligned_fte) == (D("9.10"), D("1.00"))

    by_key = {o.key: o for o in s.objectives}
    # SO1: BL-2701 150,000 (SI1.1) + BL-2703 90,000 + 90,000 (SI1.1, SI1.2) + BL-2704
    # 36,000 (PL3 -> SI1.2) + 18,000 (PL7 -> SI1.1 and SI3.1: SO1 and SO3) + 14,000
    # (PL8 -> SI1.1, SI1.2, SI3.1: SO1 and SO3); shared: half of PL7's and of PL8's.
    assert (by_key["SO1"].amount, by_key["SO1"].share) == (D("398000.00"), D("382000.00"))
    # SO2: PL11 6,000; SI2.1 80,000 and PL4 8,000; SI2.2 21,000 and PL5 6,000; SI4.2
    # 90,000 and PL9 6,000 (both also reach SO3); SI2.3 124,000.
    assert (by_key["SO2"].amount, by_key["SO2"].share) == (D("341000.00"), D("293000.00"))
    # SO3: BL-2702's 72,000; PL7 18,000 and PL8 14,000 (shared with SO1); BL-2708
    # 172,000; SI4.2 90,000 and PL9 6,000 (shared with SO2).
    assert (by_key["SO3"].amount, by_key["SO3"].share) == (D("372000.00"), D("308000.00"))
    assert (by_key["SO5"].amount, by_key["SO5"].funded, by_key["SO5"].funds) == (
        D("0.00"),
        False,
        (),
    )
    assert sum(o.share for o in s.objectives) == s.totals.aligned
    # FTE: BL-2702's 0.6 over 44,000/12,000/16,000 is 36.67/10/13.33 hundredths: 0.37,
    # 0.10, 0.13 (the hundredth left goes to the largest remainder); BL-2709's 1.5 over
    # 90,000/6,000 is 1.40625/0.09375: 1.41 and 0.09, each split SO2/SO3 as 0.71/0.70 and
    # 0.05/0.04; BL-2706's 1.0 over 80,000/8,000: 0.91 and 0.09.
    assert (by_key["SO1"].fte, by_key["SO1"].share_fte) == (D("2.00"), D("2.00"))
    assert (by_key["SO2"].fte, by_key["SO2"].share_fte) == (D("4.50"), D("3.76"))
    assert (by_key["SO3"].fte, by_key["SO3"].share_fte) == (D("4.10"), D("3.34"))
    initiatives = {i.key: i for i in s.initiatives}
    assert (initiatives["SI3.1"].amount, initiatives["SI3.1"].fte) == (D("44000.00"), D("0.37"))
    assert (initiatives["SI4.2"].amount, initiatives["SI4.2"].fte) == (D("90000.00"), D("1.41"))
    assert initiatives["SI4.1"].objectives == ()

    funds = {f.name: (f.lines, f.amount, f.fte) for f in s.funds}
    assert funds == {
        "Chapter 70": (1, D("172000.00"), D("2.00")),
        "General Fund": (5, D("446000.00"), D("4.00")),
        "Title I": (2, D("276000.00"), D("3.50")),
        "Title II-A": (1, D("74000.00"), D("0.00")),
        "Title III": (1, D("58500.00"), D("0.60")),
        "Title IV-A": (1, D("27000.00"), D("0.00")),
    }
    assert [(line.key, line.reaches_nothing) for line in s.not_reaching] == [
        ("BL-2705", D("24000.00")),
        ("BL-2710", D("60000.00")),
    ]


def _hand_reading(fiscal_year: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """From the plan file alone: the funds of the lines whose allocations above $0
    reach each objective (through an initiative, or learning enabling one), and the
    funds of each initiative's own allocations."""
    plan = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    supports = {i["key"]: set(i.get("supports", [])) for i in plan["initiatives"]}
    enables = {p["key"]: set(p.get("enables", [])) for p in plan["professional_learning"]}
    objectives: dict[str, set[str]] = {o["key"]: set() for o in plan["objectives"]}
    initiatives: dict[str, set[str]] = {k: set() for k in supports}
    for line in plan["budget_lines"]:
        if line["fiscal_year"] != fiscal_year:
            continue
        for allocation in line.get("funds", []):
            target, amount = allocation["target"], allocation["amount"]
            if amount <= 0:
                continue
            if target in supports:
                initiatives[target].add(line["fund"])
                reached = supports[target]
            else:
                reached = {o for i in enables[target] for o in supports[i]}
            for o in reached:
                objectives[o].add(line["fund"])
    return objectives, initiatives


FY27_FUND_CUTS = [
    ["General Fund"],
    ["Title I"],
    ["Title III"],
    ["Chapter 70"],
    ["General Fund", "Title I", "Title II-A"],
    ["Chapter 70", "Title III", "Title I", "Title II-A"],
]


@pytest.mark.parametrize("cut", FY27_FUND_CUTS, ids=["+".join(c) for c in FY27_FUND_CUTS])
def test_cutting_funds_loses_exactly_what_hand_analysis_says(
    demo: PlanHistory, cut: list[str]
) -> None:
    objectives, initiatives = _hand_reading("FY27")
    expected = {
        "objectives": sorted(o for o, funds in objectives.items() if funds and funds <= set(cut)),
        "initiatives": sorted(i for i, funds in initiatives.items() if funds and funds <= set(cut)),
    }
    version, events = demo.get_plan(DEMO).version, len(demo.history(DEMO))
    result = PlanReader(demo).what_if(DEMO, what_if_request(cut_funds=cut), fiscal_year="FY27")
    assert result["losing_all_funding"] == expected
    added = {(f["rule"], f["key"]) for f in result["findings"]["added"]}
    assert {k for r, k in added if r == "unfunded-objective"} == set(expected["objectives"])
    assert {k for r, k in added if r == "unfunded-initiative"} == set(expected["initiatives"])
    # Nothing was saved: no new event, the same plan.
    assert (demo.get_plan(DEMO).version, len(demo.history(DEMO))) == (version, events)


def test_cutting_three_funds_of_fy27_leaves_so1_unfunded(demo: PlanHistory) -> None:
    # SO1's FY27 money comes from General Fund (BL-2701), Title I (BL-2703) and Title II-A
    # (BL-2704's learning): cut the three and it has none.
    result = PlanReader(demo).what_if(
        DEMO,
        what_if_request(cut_funds=["general fund ", "TITLE I", "Title II-A"]),
        fiscal_year="FY27",
    )
    assert result["losing_all_funding"]["objectives"] == ["SO1"]
    assert result["staff"] == {"before": "10.10", "after": "2.60", "change": "-7.50"}
    assert len(result["diff"]["retired"]) == 8  # 5 General Fund, 2 Title I, 1 Title II-A


def test_retiring_lines_and_scaling_a_fund(demo: PlanHistory) -> None:
    reader = PlanReader(demo)
    result = reader.what_if(
        DEMO, what_if_request(retire=["BL-2702", "BL-2705"]), fiscal_year="FY27"
    )
    assert sorted(r["key"] for r in result["diff"]["retired"]) == ["BL-2702", "BL-2705"]
    assert len(result["diff"]["unlinked"]) == 3
    assert {(f["rule"], f["key"]) for f in result["findings"]["resolved"]} == {
        ("unaligned-budget-line", "BL-2705"),
        ("over-allocated-budget-line", "BL-2702"),
    }
    assert result["losing_all_funding"] == {"objectives": [], "initiatives": ["SI3.1"]}
    assert result["budget"]["change"] == "-82500.00"
    assert result["staff"]["change"] == "-0.60"

    scaled = reader.what_if(DEMO, what_if_request(scale_funds={"Title I": 0.8}), fiscal_year="FY27")
    revised = {r["key"]: r for r in scaled["diff"]["revised"]}
    # BL-2703 180,000 x 0.8 and its two 90,000 allocations; 2.0 FTE x 0.8.
    assert [(c["field"], c["before"], c["after"]) for c in revised["BL-2703"]["changes"]] == [
        ("amount", 180000, 144000),
        ("fte", 2, 1.6),
    ]
    assert revised["BL-2703 funds SI1.1"]["changes"] == [
        {"field": "amount", "before": 90000, "after": 72000}
    ]
    assert scaled["losing_all_funding"] == {"objectives": [], "initiatives": []}
    assert scaled["funding"]["after"]["totals"]["amount"] == "998300.00"  # -55,200


def test_scaling_rounds_to_the_cent_and_never_over_allocates() -> None:
    data = plan_data()
    data["budget_lines"][0].update(
        amount=1000.01,
        fte=0.35,
        funds=[
            {"target": "SI1.1", "amount": 333.33},
            {"target": "PL1", "amount": 666.68},
        ],
    )
    state = check_document(data, filename="p.yaml").state
    after = changed_state(state, what_if_request(scale_funds={"Title I": "0.5"}))
    line = after.elements["BL-1001"].fields
    # 1,000.01 x 0.5 = 500.005 -> 500.01 (half up); 0.35 x 0.5 = 0.175 -> 0.18.
    assert (line["amount"], line["fte"]) == (500.01, 0.18)
    # The allocations' 1,000.01 x 0.5 -> 500.01, apportioned: 166.665 and 333.34 -> 166.67
    # (its remainder is the larger) and 333.34.
    parts = [after.links[("BL-1001", t)].attributes["amount"] for t in ("SI1.1", "PL1")]
    assert parts == [166.67, 333.34]
    assert sum(Decimal(str(p)) for p in parts) <= Decimal("500.01")


# -- generated plans ---------------------------------------------------------------------


@st.composite
def budget_plan(draw: st.DrawFn) -> PlanState:
    """A plan file with random objectives, initiatives, learning and budget lines
    (amounts in cents, FTE in hundredths, several funds and years, over-allocation too)."""
    data = plan_data()
    objectives = [f"SO{i}" for i in range(1, draw(st.integers(1, 4)) + 1)]
    data["objectives"] = [{"key": k, "title": k} for k in objectives]
    data["outcomes"] = []
    initiatives = [f"SI{i}" for i in range(1, draw(st.integers(1, 6)) + 1)]
    data["initiatives"] = [
        {"key": k, "supports": draw(st.lists(st.sampled_from(objectives), unique=True))}
        for k in initiatives
    ]
    learning = [f"PL{i}" for i in range(1, draw(st.integers(0, 3)) + 1)]
    data["professional_learning"] = [
        {"key": k, "enables": draw(st.lists(st.sampled_from(initiatives), unique=True))}
        for k in learning
    ]
    data["benchmarks"] = []
    data["educator_goals"] = []
    data["school_plans"] = []
    cents = st.integers(0, 10**9).map(lambda c: c / 100)
    data["budget_lines"] = [
        {
            "key": f"BL{n}",
            "fund": draw(st.sampled_from(["Title I", "title i ", "General Fund", "ESSER III", ""])),
            "fiscal_year": draw(st.sampled_from(["FY26", "FY27", "FY2027"])),
            "amount": draw(st.one_of(st.none(), cents)),
            "fte": draw(st.one_of(st.none(), st.integers(0, 1000).map(lambda h: h / 100))),
            "funds": [
                {"target": t, "amount": draw(cents)}
                for t in draw(st.lists(st.sampled_from(initiatives + learning), unique=True))
            ],
        }
        for n in range(draw(st.integers(0, 8)))
    ]
    return check_document(data, filename="generated.yaml").state


@SETTINGS
@given(budget_plan(), st.sampled_from([None, "FY27", "fy26"]))
def test_totals_are_conserved_to_the_cent_and_the_hundredth(
    state: PlanState, fiscal_year: str | None
) -> None:
    s = funding_summary(state_graph(state, version=1), fiscal_year)
    t = s.totals
    assert sum(o.share for o in s.objectives) + t.not_aligned == t.allocated
    assert sum(o.share for o in s.objectives) == t.aligned
    assert sum(o.share_fte for o in s.objectives) + t.not_aligned_fte == t.fte
    assert sum(f.amount for f in s.funds) == t.amount == sum(y.amount for y in s.fiscal_years)
    assert sum(f.fte for f in s.funds) == t.fte
    assert sum(line.reaches_nothing for line in s.not_reaching) == t.not_aligned + t.unallocated
    for value in (t.amount, t.fte, t.aligned, *(o.share for o in s.objectives)):
        assert value == value.quantize(Decimal("0.01"))
    for line in s.lines:
        if any(a.amount > 0 for a in line.allocations):
            assert sum(a.fte for a in line.allocations) == line.fte
    for o in s.objectives:
        assert o.share <= o.amount
        assert (o.single_fund is not None) == (len(o.funds) == 1)
    # "Funded" is the audit's reading.
    report = audit(state_graph(state, version=1), as_of=date(2026, 1, 1), fiscal_year=fiscal_year)
    unfunded = {f.key for f in report.findings if f.rule == "unfunded-objective"}
    assert unfunded == {o.key for o in s.objectives if not o.funded}
    unfunded = {f.key for f in report.findings if f.rule == "unfunded-initiative"}
    assert unfunded == {i.key for i in s.initiatives if not i.funded}


@SETTINGS
@given(COMMANDS)
def test_the_graph_of_a_state_is_the_graph_of_its_events(commands: list[Any]) -> None:
    plan = DistrictPlan.draft("p", title="P", actor="tester")
    run(plan, commands)
    events = plan.collect_events()
    from_events = active_graph(replay(events, "p"))
    from_state = state_graph(PlanState.of(plan), version=plan.version)
    assert dict(from_state.nodes(data=True)) == dict(from_events.nodes(data=True))
    assert sorted(from_state.edges(keys=True, data=True), key=str) == sorted(
        from_events.edges(keys=True, data=True), key=str
    )
    graph = {k: v for k, v in from_state.graph.items() if k != "updated_at"}
    assert graph == {k: v for k, v in from_events.graph.items() if k != "updated_at"}


# -- one fund only -----------------------------------------------------------------------


def test_an_objective_funded_through_one_fund_is_flagged() -> None:
    state = document().state
    s = funding_summary(state_graph(state, version=1))
    by_key = {o.key: o for o in s.objectives}
    # BL-1001 (Title I) funds SI1.1 (SO1) and PL1 (enabling SI1.1): SO1 has one fund.
    assert (by_key["SO1"].single_fund, by_key["SO1"].funds) == ("Title I", ("Title I",))
    assert by_key["SO2"].funds == ()  # unfunded: not a single point of failure
    data = plan_data()
    data["budget_lines"].append(
        {
            "key": "BL-1002",
            "fund": " title i",  # the same fund, written otherwise
            "amount": 5000,
            "funds": [{"target": "SI1.1", "amount": 5000}],
        }
    )
    s = funding_summary(state_graph(check_document(data, filename="p.yaml").state, version=1))
    assert s.objectives[0].single_fund == "Title I"
    data["budget_lines"][1]["fund"] = "General Fund"
    s = funding_summary(state_graph(check_document(data, filename="p.yaml").state, version=1))
    assert (s.objectives[0].single_fund, s.objectives[0].funds) == (
        None,
        ("General Fund", "Title I"),
    )


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ask", "path"),
    [
        ({}, "what_if"),
        ({"retire": ["BL-9999"]}, "retire[0]"),
        ({"retire": ["SI1.1"]}, "retire[0]"),
        ({"cut_funds": ["ESSER IV"]}, "cut_funds[0]"),
        ({"scale_funds": {"Title I": -0.5}}, "scale_funds.Title I"),
        ({"scale_funds": {"Title I": "lots"}}, "scale_funds.Title I"),
        ({"scale_funds": {"Nope": 0.5}}, "scale_funds.Nope"),
    ],
)
def test_a_bad_what_if_is_refused_naming_what(ask: dict[str, Any], path: str) -> None:
    state = document().state
    with pytest.raises(InvalidValue) as info:
        changed_state(state, what_if_request(**ask))
    assert info.value.path == path


def test_a_line_of_another_fiscal_year_is_refused(demo: PlanHistory) -> None:
    with pytest.raises(InvalidValue, match="of FY27"):
        PlanReader(demo).what_if(DEMO, what_if_request(retire=["BL-2502"]), fiscal_year="FY27")
    with pytest.raises(InvalidValue, match="fiscal_year"):
        PlanReader(demo).funding(DEMO, fiscal_year="2027")


# -- command line and HTTP ---------------------------------------------------------------


@pytest.fixture
def cli_store(tmp_path: Path) -> str:
    store = f"sqlite:///{tmp_path / 'budget.db'}"
    history = PlanHistory(Settings(store=store))
    load_demo(history)
    return store


def invoke(store: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--store", store], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_commands(cli_store: str) -> None:
    code, out, _ = invoke(cli_store, "history", DEMO, "--format", "json")
    latest = json.loads(out)[-1]["version"]
    code, out, _ = invoke(cli_store, "funding", DEMO, "--fiscal-year", "FY27")
    assert code == 0
    assert "By objective" in out and "$1,053,500" in out and "10.10 FTE" in out
    code, out, _ = invoke(cli_store, "funding", DEMO, "--fiscal-year", "fy27", "--format", "json")
    body = json.loads(out)
    assert (body["fiscal_year"], body["totals"]["amount"], body["totals"]["fte"]) == (
        "FY27",
        "1053500.00",
        "10.10",
    )
    code, out, _ = invoke(
        cli_store, "what-if", DEMO, "--retire", "BL-2702,BL-2705", "--fiscal-year", "FY27"
    )
    assert code == 0
    assert "Initiatives losing all funding: SI3.1" in out and "nothing is saved" in out
    code, out, _ = invoke(
        cli_store,
        "what-if",
        DEMO,
        "--cut-fund",
        "General Fund",
        "--scale-fund",
        "Title I=0.8",
        "--format",
        "json",
    )
    body = json.loads(out)
    assert body["asked"]["scale_funds"] == {"Title I": "0.8"}
    assert set(body) >= {"plan", "diff", "findings", "funding", "losing_all_funding", "staff"}
    assert set(body["findings"]) == {"added", "resolved"}
    assert set(body["funding"]) == {"before", "after"}
    code, out, _ = invoke(cli_store, "history", DEMO, "--format", "json")
    assert json.loads(out)[-1]["version"] == latest  # nothing saved


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "expected a budget line to retire, a fund to cut or a fund to scale"),
        (["--retire", "BL-9999"], "retire[0]: expected the key of an active budget line"),
        (["--cut-fund", "ESSER IV"], "cut_funds[0]: expected the fund of an active budget line"),
        (["--scale-fund", "Title I=-1"], "scale_funds.Title I: expected a factor from 0"),
        (["--scale-fund", "Title I"], "expected FUND=FACTOR"),
        (["--fiscal-year", "next year", "--retire", "BL-2702"], "fiscal_year: expected"),
    ],
)
def test_bad_what_ifs_exit_2_naming_what(cli_store: str, args: list[str], says: str) -> None:
    code, _, err = invoke(cli_store, "what-if", DEMO, *args)
    assert code == 2
    assert says in err


@pytest.fixture(scope="module")
def client(demo: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(demo)))


def test_get_funding_with_etag(client: TestClient, demo: PlanHistory) -> None:
    latest = demo.get_plan(DEMO).version
    r = client.get(f"{API}/plans/{DEMO}/funding", params={"fiscal_year": "FY27"})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == f'"{latest}"'
    assert r.json()["totals"]["aligned"] == "983000.00"
    again = client.get(
        f"{API}/plans/{DEMO}/funding",
        params={"fiscal_year": "FY27"},
        headers={"If-None-Match": f'"{latest}"'},
    )
    assert (again.status_code, again.content) == (304, b"")
    past = client.get(f"{API}/plans/{DEMO}/funding", params={"version": 100})
    assert (past.status_code, past.headers["etag"]) == (200, '"100"')
    bad = client.get(f"{API}/plans/{DEMO}/funding", params={"fiscal_year": "soon"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "fiscal_year"
    assert client.get(f"{API}/plans/nope/funding").status_code == 404


def test_post_what_if(client: TestClient, demo: PlanHistory) -> None:
    r = client.post(
        f"{API}/plans/{DEMO}/what-if",
        params={"fiscal_year": "FY27"},
        json={"cut_funds": ["General Fund", "Title I", "Title II-A"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["losing_all_funding"]["objectives"] == ["SO1"]
    assert body["version"] == demo.get_plan(DEMO).version  # the latest, unchanged
    for ask, path in [
        ({}, "what_if"),
        ({"retire": ["BL-9999"]}, "retire[0]"),
        ({"cut_funds": ["ESSER IV"]}, "cut_funds[0]"),
        ({"scale_funds": {"Title I": -1}}, "scale_funds.Title I"),
    ]:
        r = client.post(f"{API}/plans/{DEMO}/what-if", json=ask)
        assert r.status_code == 422, ask
        assert r.json()["errors"][0]["path"] == path
    r = client.post(f"{API}/plans/{DEMO}/what-if", json={"retire": [], "extra": 1})
    assert r.status_code == 422


def test_a_viewer_may_ask_what_if_and_nothing_is_saved() -> None:
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("tester"))
    secret, _ = issue_token(history, owner="Ana Ruiz, Business Manager", role="viewer")
    client = TestClient(create_app(api_context(history)))
    auth = {"Authorization": f"Bearer {secret}"}
    before = client.get(f"{API}/plans/example-2025/history", headers=auth).json()["total"]
    r = client.post(f"{API}/plans/example-2025/what-if", json={"retire": ["BL-1001"]}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["losing_all_funding"] == {"objectives": ["SO1"], "initiatives": ["SI1.1"]}
    assert client.get(f"{API}/plans/example-2025/funding", headers=auth).status_code == 200
    after = client.get(f"{API}/plans/example-2025/history", headers=auth).json()["total"]
    assert after == before
    assert (
        client.post(f"{API}/plans/example-2025/what-if", json={"retire": ["BL-1001"]}).status_code
        == 401
    )
