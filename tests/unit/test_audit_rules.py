"""The audit rules, on small hand-built alignment graphs and through the real projection."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.projections.projector import plan_graph
from coherence.queries.audit import (
    DEFINITIONS,
    POPULATIONS,
    RULES,
    AuditContext,
    AuditReport,
    Finding,
    Severity,
    audit,
    element_kind,
    element_subkind,
    format_money,
    rule_population,
    score,
)
from tests.plans import BASE, document, plan_data

AS_OF = date(2026, 1, 15)

# The contract: rule ids and severities, in the documented order.
CONTRACT_RULES = [
    ("missing-foundation", "error"),
    ("orphaned-initiative", "error"),
    ("objective-without-initiative", "error"),
    ("unfunded-objective", "error"),
    ("objective-without-outcome", "error"),
    ("objective-without-final-outcome", "warning"),
    ("outcome-not-smart", "warning"),
    ("unfunded-initiative", "warning"),
    ("initiative-without-benchmark", "warning"),
    ("initiative-without-professional-learning", "warning"),
    ("initiative-without-owner", "warning"),
    ("benchmark-incomplete", "warning"),
    ("benchmark-overdue", "warning"),
    ("unaligned-budget-line", "warning"),
    ("over-allocated-budget-line", "warning"),
    ("unaligned-school-plan", "warning"),
    ("unaligned-educator-goal", "warning"),
    ("objective-count", "warning"),
    ("theory-of-action-not-if-then", "warning"),
    ("plan-without-induction-mentoring", "warning"),
    ("initiative-without-early-evidence", "info"),
    ("objective-not-data-informed", "info"),
    ("objective-without-school-plan", "info"),
    ("objective-without-educator-goal", "info"),
]

# Fields per element kind. As in the projection, the element's own `kind` field (of an
# outcome, professional learning, benchmark or educator goal) is stored as `subkind`,
# because the node attribute `kind` is the element kind.
FIELDS: dict[str, tuple[str, ...]] = {
    "mission": ("text",),
    "vision": ("text",),
    "theory_of_action": ("text",),
    "core_value": ("name", "description"),
    "data_finding": ("statement", "subject", "student_group", "source"),
    "objective": ("title", "description"),
    "initiative": ("title", "description", "owner", "start", "end"),
    "outcome": (
        "statement",
        "kind",
        "metric",
        "student_group",
        "baseline",
        "target",
        "unit",
        "due",
        "results",
    ),
    "professional_learning": ("title", "kind", "audience"),
    "benchmark": ("description", "kind", "school_year", "owner", "due", "status"),
    "budget_line": ("fiscal_year", "fund", "account", "description", "amount"),
    "school_plan": ("school", "school_year", "title"),
    "educator_goal": ("educator", "kind", "school_year", "statement"),
}


class PlanGraph:
    """Builds an alignment graph the way the projection does (active elements only)."""

    def __init__(self, **plan: Any) -> None:
        self.g = nx.MultiDiGraph()
        self.g.graph.update(
            plan="test-plan",
            district="Example Public Schools",
            title="District Plan 2025-2028",
            period_start="2025-07-01",
            period_end="2028-06-30",
            version=1,
        )
        self.g.graph.update(plan)

    def add_element(self, kind: str, key: str, /, **fields: Any) -> PlanGraph:
        unknown = set(fields) - set(FIELDS[kind])
        assert not unknown, f"unknown fields for {kind}: {unknown}"
        attrs = {name: fields.get(name) for name in FIELDS[kind]}
        if "kind" in attrs:
            attrs["subkind"] = attrs.pop("kind")
        self.g.add_node(key, kind=kind, key=key, **attrs)
        if kind == "objective" and "mission" in self.g:
            self.link("advances", key, "mission")
        return self

    def link(self, edge: str, source: str, target: str, **attrs: Any) -> PlanGraph:
        assert source in self.g, source
        assert target in self.g, target
        self.g.add_edge(source, target, key=edge, edge=edge, **attrs)
        return self

    def unlink(self, edge: str, source: str, target: str) -> PlanGraph:
        self.g.remove_edge(source, target, key=edge)
        return self

    def retire(self, key: str) -> PlanGraph:
        """Retired elements leave the active graph, with their links."""
        self.g.remove_node(key)
        return self

    def set(self, key: str, **fields: Any) -> PlanGraph:
        node = self.g.nodes[key]
        for name, value in fields.items():
            node["subkind" if name == "kind" else name] = value
        return self


def aligned_plan() -> PlanGraph:
    """A plan in which every rule passes."""
    p = PlanGraph()
    p.add_element("mission", "mission", text="Every student thrives.")
    p.add_element("vision", "vision", text="Graduates ready for college and career.")
    p.add_element(
        "theory_of_action",
        "theory_of_action",
        text="If we invest in teachers, then students will learn more.",
    )
    p.add_element("core_value", "CV1", name="Equity", description="Every student, every day.")
    p.add_element("professional_learning", "PL1", title="New teacher induction", kind="induction")
    p.add_element(
        "budget_line",
        "BL1",
        fiscal_year="FY26",
        fund="Title I",
        account="1000-2305",
        description="Coaches",
        amount=300_000,
    )
    p.add_element("school_plan", "SIP1", school="Lincoln Elementary", school_year="2025-2026")
    p.add_element(
        "educator_goal",
        "EG1",
        educator="Grade 3 team",
        kind="student_learning",
        school_year="2025-2026",
        statement="Raise reading fluency",
    )
    for n in (1, 2, 3):
        so, si, oc, df, bm = f"SO{n}", f"SI{n}", f"OC{n}", f"DF{n}", f"B{n}"
        p.add_element("objective", so, title=f"Objective {n}")
        p.add_element("data_finding", df, statement=f"Gap {n}").link("informs", df, so)
        p.add_element(
            "initiative",
            si,
            title=f"Initiative {n}",
            owner="Director of Curriculum",
            start="2025-09-01",
            end="2027-06-30",
        ).link("supports", si, so)
        p.add_element(
            "outcome",
            oc,
            statement=f"Outcome {n}",
            kind="final",
            metric="Grade 3 ELA meeting expectations",
            baseline=42,
            target=60,
            unit="percent",
            due="2028-06-30",
            results=[{"as_of": "2026-06-30", "value": 47}],
        ).link("measures", oc, so)
        p.add_element(
            "benchmark",
            bm,
            description=f"Benchmark {n}",
            kind="early_evidence",
            school_year="2025-2026",
            owner="Principal",
            due="2026-06-01",
            status="on_track",
        ).link("tracks", bm, si)
        p.link("enables", "PL1", si)
        p.link("funds", "BL1", si, amount=100_000)
        p.link("aligns_to", "SIP1", so)
        p.link("aligns_to", "EG1", so)
    return p


def run(p: PlanGraph, rule: str, *, as_of: date = AS_OF, fy: str | None = None) -> list[Finding]:
    """The findings of one rule, through `audit`, checked against the rule function."""
    report = audit(p.g, as_of=as_of, fiscal_year=fy)
    through_audit = [f for f in report.findings if f.rule == rule]
    check = {r.rule: r.check for r in RULES}[rule]
    direct = list(check(p.g, AuditContext(as_of=as_of, fiscal_year=fy)))
    assert sorted(direct, key=repr) == sorted(through_audit, key=repr)
    return through_audit


def hits(p: PlanGraph, rule: str, **opts: Any) -> list[tuple[str, str | None]]:
    return [(f.kind, f.key) for f in run(p, rule, **opts)]


def one(p: PlanGraph, rule: str, severity: str, kind: str, key: str | None, **opts: Any) -> Finding:
    found = run(p, rule, **opts)
    assert len(found) == 1, found
    finding = found[0]
    assert (finding.rule, finding.severity.value, finding.kind, finding.key) == (
        rule,
        severity,
        kind,
        key,
    )
    return finding


# ------------------------------------------------------------------ contract


def test_rules_table_matches_contract() -> None:
    assert [(r.rule, r.severity.value) for r in RULES] == CONTRACT_RULES
    for rule_id, severity, function in RULES:  # entries unpack as (id, severity, function)
        assert isinstance(severity, Severity)
        assert callable(function)
        assert function.__doc__, rule_id
        assert "Framework" in function.__doc__, rule_id


def test_aligned_plan_has_no_findings_and_scores_100() -> None:
    report = audit(aligned_plan().g, as_of=AS_OF)
    assert report.findings == ()
    assert report.summary == {"error": 0, "warning": 0, "info": 0}
    assert report.score == 100
    assert not report.has_errors


def test_severity_order() -> None:
    assert Severity.ERROR > Severity.WARNING > Severity.INFO
    assert sorted([Severity.INFO, Severity.ERROR, Severity.WARNING]) == [
        Severity.INFO,
        Severity.WARNING,
        Severity.ERROR,
    ]


def test_finding_is_frozen_and_serialises_to_contract_shape() -> None:
    finding = Finding("orphaned-initiative", Severity.ERROR, "initiative", "SI1", "msg")
    assert finding.to_dict() == {
        "rule": "orphaned-initiative",
        "severity": "error",
        "kind": "initiative",
        "key": "SI1",
        "message": "msg",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.key = "SI2"  # type: ignore[misc]


# ------------------------------------------------------------ missing-foundation


def test_missing_foundation_fires_for_missing_mission() -> None:
    p = aligned_plan().retire("mission")
    finding = one(p, "missing-foundation", "error", "mission", None)
    assert "mission" in finding.message


def test_missing_foundation_one_finding_per_missing_item_in_order() -> None:
    p = aligned_plan()
    for key in ("mission", "vision", "theory_of_action", "CV1"):
        p.retire(key)
    assert hits(p, "missing-foundation") == [
        ("mission", None),
        ("vision", None),
        ("theory_of_action", None),
        ("core_value", None),
    ]


def test_missing_foundation_treats_whitespace_text_as_missing() -> None:
    p = aligned_plan().set("vision", text="   \n")
    one(p, "missing-foundation", "error", "vision", None)


def test_missing_foundation_passes_when_all_present() -> None:
    assert run(aligned_plan(), "missing-foundation") == []


# ----------------------------------------------------------- orphaned-initiative


def test_orphaned_initiative_fires() -> None:
    p = aligned_plan()
    p.add_element("initiative", "SI3.2", title="Family liaisons", owner="Director")
    finding = one(p, "orphaned-initiative", "error", "initiative", "SI3.2")
    assert finding.message == "Initiative SI3.2 'Family liaisons' supports no active objective"


def test_orphaned_initiative_fires_when_its_objective_is_retired() -> None:
    p = aligned_plan().retire("SO2")
    one(p, "orphaned-initiative", "error", "initiative", "SI2")


def test_orphaned_initiative_passes_when_supporting_an_objective() -> None:
    p = aligned_plan()
    p.add_element("initiative", "SI4", title="Tutoring").link("supports", "SI4", "SO1")
    assert run(p, "orphaned-initiative") == []


# -------------------------------------------------- objective-without-initiative


def test_objective_without_initiative_fires() -> None:
    p = aligned_plan().retire("SI2")
    finding = one(p, "objective-without-initiative", "error", "objective", "SO2")
    assert "Objective SO2 'Objective 2'" in finding.message


def test_objective_without_initiative_passes() -> None:
    assert run(aligned_plan(), "objective-without-initiative") == []


# ------------------------------------------------------------ unfunded-objective


def test_unfunded_objective_fires_when_initiative_has_no_allocation() -> None:
    p = aligned_plan().unlink("funds", "BL1", "SI1")
    finding = one(p, "unfunded-objective", "error", "objective", "SO1")
    assert "SI1" in finding.message


def test_unfunded_objective_fires_when_allocation_is_zero_or_unspecified() -> None:
    p = aligned_plan()
    p.g.edges["BL1", "SI1", "funds"]["amount"] = 0
    p.g.edges["BL1", "SI2", "funds"]["amount"] = None
    assert hits(p, "unfunded-objective") == [("objective", "SO1"), ("objective", "SO2")]


def test_unfunded_objective_fires_for_objective_without_initiative() -> None:
    p = aligned_plan().retire("SI3")
    one(p, "unfunded-objective", "error", "objective", "SO3")


def test_unfunded_objective_counts_professional_learning_enabling_its_initiative() -> None:
    p = aligned_plan().unlink("funds", "BL1", "SI1")
    p.add_element("professional_learning", "PL2", title="Coaching", kind="mentoring")
    p.link("enables", "PL2", "SI1")
    p.add_element("budget_line", "BL2", fiscal_year="FY26", amount=5_000)
    p.link("funds", "BL2", "PL2", amount=5_000)
    assert run(p, "unfunded-objective") == []
    # ... whereas unfunded-initiative counts allocations to the initiative itself only.
    one(p, "unfunded-initiative", "warning", "initiative", "SI1")


def test_unfunded_objective_respects_fiscal_year() -> None:
    p = aligned_plan().set("BL1", fiscal_year="FY27")
    assert run(p, "unfunded-objective") == []
    assert run(p, "unfunded-objective", fy="FY27") == []
    assert run(p, "unfunded-objective", fy="fy27") == []  # case-insensitive
    assert hits(p, "unfunded-objective", fy="FY26") == [
        ("objective", "SO1"),
        ("objective", "SO2"),
        ("objective", "SO3"),
    ]


# ------------------------------------------------------ objective-without-outcome


def test_objective_without_outcome_fires() -> None:
    p = aligned_plan().retire("OC3")
    one(p, "objective-without-outcome", "error", "objective", "SO3")


def test_objective_without_outcome_passes() -> None:
    assert run(aligned_plan(), "objective-without-outcome") == []


# ------------------------------------------------ objective-without-final-outcome


def test_objective_without_final_outcome_fires_when_only_interim() -> None:
    p = aligned_plan().set("OC1", kind="interim")
    finding = one(p, "objective-without-final-outcome", "warning", "objective", "SO1")
    assert "OC1" in finding.message


def test_objective_without_final_outcome_passes_with_interim_and_final() -> None:
    p = aligned_plan().set("OC1", kind="interim")
    p.add_element(
        "outcome", "OC1b", kind="final", metric="m", baseline=1, target=2, due="2028-01-01"
    )
    p.link("measures", "OC1b", "SO1")
    assert run(p, "objective-without-final-outcome") == []


def test_objective_without_final_outcome_silent_when_no_outcomes() -> None:
    p = aligned_plan().retire("OC1")
    assert run(p, "objective-without-final-outcome") == []
    one(p, "objective-without-outcome", "error", "objective", "SO1")


# ------------------------------------------------------------- outcome-not-smart


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metric", None),
        ("metric", "  "),
        ("baseline", None),
        ("target", None),
        ("due", None),
        ("due", "not a date"),
    ],
)
def test_outcome_not_smart_fires_for_missing_part(field: str, value: Any) -> None:
    p = aligned_plan().set("OC2", **{field: value})
    one(p, "outcome-not-smart", "warning", "outcome", "OC2")


@pytest.mark.parametrize("due", ["2025-06-30", "2028-07-01"])
def test_outcome_not_smart_fires_when_due_outside_period(due: str) -> None:
    p = aligned_plan().set("OC2", due=due)
    finding = one(p, "outcome-not-smart", "warning", "outcome", "OC2")
    assert due in finding.message


@pytest.mark.parametrize("due", ["2025-07-01", "2028-06-30"])
def test_outcome_not_smart_period_first_and_last_days_are_inside(due: str) -> None:
    p = aligned_plan().set("OC2", due=due)
    assert run(p, "outcome-not-smart") == []


def test_outcome_not_smart_baseline_zero_is_present() -> None:
    p = aligned_plan().set("OC2", baseline=0, target=0.0)
    assert run(p, "outcome-not-smart") == []


def test_outcome_not_smart_one_finding_listing_every_gap() -> None:
    p = aligned_plan().set("OC2", metric=None, target=None, due="2030-01-01")
    finding = one(p, "outcome-not-smart", "warning", "outcome", "OC2")
    assert "metric" in finding.message
    assert "target" in finding.message
    assert "2030-01-01" in finding.message


def test_outcome_not_smart_without_period_only_checks_fields() -> None:
    p = aligned_plan()
    p.g.graph["period_start"] = None
    p.g.graph["period_end"] = None
    p.set("OC2", due="2040-01-01")
    assert run(p, "outcome-not-smart") == []


# ------------------------------------------------------------ unfunded-initiative


@pytest.mark.parametrize("amount", [0, None])
def test_unfunded_initiative_fires_without_positive_allocation(amount: Any) -> None:
    p = aligned_plan()
    p.g.edges["BL1", "SI2", "funds"]["amount"] = amount
    one(p, "unfunded-initiative", "warning", "initiative", "SI2")


def test_unfunded_initiative_passes_when_funded() -> None:
    assert run(aligned_plan(), "unfunded-initiative") == []


def test_unfunded_initiative_respects_fiscal_year() -> None:
    p = aligned_plan().unlink("funds", "BL1", "SI2")
    p.add_element("budget_line", "BL27", fiscal_year="FY27", amount=10)
    p.link("funds", "BL27", "SI2", amount=10)
    assert run(p, "unfunded-initiative") == []
    # In FY27 only BL27 counts: it funds SI2, so SI1 and SI3 are unfunded that year.
    assert hits(p, "unfunded-initiative", fy="FY27") == [
        ("initiative", "SI1"),
        ("initiative", "SI3"),
    ]
    finding = one(p, "unfunded-initiative", "warning", "initiative", "SI2", fy="FY26")
    assert "FY26" in finding.message


# -------------------------------------------------- initiative-without-benchmark


def test_initiative_without_benchmark_fires() -> None:
    p = aligned_plan().retire("B1")
    one(p, "initiative-without-benchmark", "warning", "initiative", "SI1")


def test_initiative_without_benchmark_passes() -> None:
    assert run(aligned_plan(), "initiative-without-benchmark") == []


# --------------------------------------- initiative-without-professional-learning


def test_initiative_without_professional_learning_fires() -> None:
    p = aligned_plan().unlink("enables", "PL1", "SI3")
    one(p, "initiative-without-professional-learning", "warning", "initiative", "SI3")


def test_initiative_without_professional_learning_passes() -> None:
    assert run(aligned_plan(), "initiative-without-professional-learning") == []


# ------------------------------------------------------- initiative-without-owner


@pytest.mark.parametrize("owner", [None, "", "   \t"])
def test_initiative_without_owner_fires(owner: Any) -> None:
    p = aligned_plan().set("SI1", owner=owner)
    finding = one(p, "initiative-without-owner", "warning", "initiative", "SI1")
    assert finding.message == "Initiative SI1 'Initiative 1' has no owner"


def test_initiative_without_owner_passes() -> None:
    assert run(aligned_plan(), "initiative-without-owner") == []


# ----------------------------------------------------------- benchmark-incomplete


@pytest.mark.parametrize(
    "fields", [{"owner": None}, {"owner": "  "}, {"due": None}, {"owner": None, "due": None}]
)
def test_benchmark_incomplete_fires_once_per_benchmark(fields: dict[str, Any]) -> None:
    p = aligned_plan().set("B2", **fields)
    one(p, "benchmark-incomplete", "warning", "benchmark", "B2")


def test_benchmark_incomplete_passes() -> None:
    assert run(aligned_plan(), "benchmark-incomplete") == []


# -------------------------------------------------------------- benchmark-overdue


@pytest.mark.parametrize("status", ["on_track", "at_risk", "not_started", None, " "])
def test_benchmark_overdue_fires_when_due_before_audit_date_and_not_complete(
    status: Any,
) -> None:
    p = aligned_plan().set("B1", due="2026-01-14", status=status)
    one(p, "benchmark-overdue", "warning", "benchmark", "B1")


def test_benchmark_due_on_audit_date_is_not_overdue() -> None:
    p = aligned_plan().set("B1", due=AS_OF.isoformat(), status="on_track")
    assert run(p, "benchmark-overdue") == []


def test_complete_benchmark_is_not_overdue() -> None:
    p = aligned_plan().set("B1", due="2025-10-01", status="complete")
    assert run(p, "benchmark-overdue") == []


def test_benchmark_without_due_date_is_never_overdue() -> None:
    p = aligned_plan().set("B1", due=None, status=None)
    assert run(p, "benchmark-overdue") == []
    one(p, "benchmark-incomplete", "warning", "benchmark", "B1")


def test_benchmark_overdue_depends_on_audit_date() -> None:
    p = aligned_plan()  # benchmarks due 2026-06-01, on track
    assert run(p, "benchmark-overdue", as_of=date(2026, 6, 1)) == []
    assert hits(p, "benchmark-overdue", as_of=date(2026, 6, 2)) == [
        ("benchmark", "B1"),
        ("benchmark", "B2"),
        ("benchmark", "B3"),
    ]


# ---------------------------------------------------------- unaligned-budget-line


def test_unaligned_budget_line_fires() -> None:
    p = aligned_plan()
    p.add_element("budget_line", "BL9", fiscal_year="FY26", description="Copiers", amount=9_000)
    finding = one(p, "unaligned-budget-line", "warning", "budget_line", "BL9")
    assert "Budget line BL9 'Copiers'" in finding.message


def test_unaligned_budget_line_fires_when_its_only_target_is_retired() -> None:
    p = aligned_plan()
    p.add_element("initiative", "SI9", title="Old", owner="x").link("supports", "SI9", "SO1")
    p.add_element("budget_line", "BL9", fiscal_year="FY26", amount=1)
    p.link("funds", "BL9", "SI9", amount=1)
    assert run(p, "unaligned-budget-line") == []
    p.retire("SI9")
    one(p, "unaligned-budget-line", "warning", "budget_line", "BL9")


def test_allocation_of_zero_still_aligns_a_budget_line() -> None:
    p = aligned_plan()
    p.add_element("budget_line", "BL9", fiscal_year="FY26", amount=9_000)
    p.link("funds", "BL9", "PL1", amount=0)
    assert run(p, "unaligned-budget-line") == []


def test_unaligned_budget_line_respects_fiscal_year() -> None:
    p = aligned_plan()
    p.add_element("budget_line", "BL9", fiscal_year="FY27", amount=9_000)
    assert run(p, "unaligned-budget-line", fy="FY26") == []
    one(p, "unaligned-budget-line", "warning", "budget_line", "BL9", fy="FY27")
    one(p, "unaligned-budget-line", "warning", "budget_line", "BL9")


# ----------------------------------------------------- over-allocated-budget-line


def over_allocated_plan() -> PlanGraph:
    p = aligned_plan()
    p.add_element(
        "budget_line", "BL-1001", fiscal_year="FY26", description="Literacy", amount=120_000
    )
    p.link("funds", "BL-1001", "SI1", amount=80_000)
    p.link("funds", "BL-1001", "PL1", amount=50_000)
    return p


def test_over_allocated_budget_line_fires_with_money_in_message() -> None:
    finding = one(
        over_allocated_plan(), "over-allocated-budget-line", "warning", "budget_line", "BL-1001"
    )
    assert finding.message == (
        "Budget line BL-1001 'Literacy' allocates $130,000 but has only $120,000"
    )


def test_over_allocated_budget_line_passes_when_allocations_equal_amount() -> None:
    p = over_allocated_plan()
    p.g.edges["BL-1001", "PL1", "funds"]["amount"] = 40_000
    assert run(p, "over-allocated-budget-line") == []


def test_over_allocated_budget_line_is_exact_with_cents() -> None:
    p = aligned_plan()
    p.add_element("budget_line", "BL5", fiscal_year="FY26", amount=0.3)
    p.link("funds", "BL5", "SI1", amount=0.1).link("funds", "BL5", "SI2", amount=0.2)
    assert run(p, "over-allocated-budget-line") == []


def test_over_allocated_budget_line_respects_fiscal_year() -> None:
    p = over_allocated_plan()
    assert run(p, "over-allocated-budget-line", fy="FY27") == []
    one(p, "over-allocated-budget-line", "warning", "budget_line", "BL-1001", fy="FY26")


# ---------------------------------------------------------- unaligned-school-plan


def test_unaligned_school_plan_fires() -> None:
    p = aligned_plan()
    p.add_element("school_plan", "SIP-LIN", school="Lincoln Elementary", school_year="2025-2026")
    finding = one(p, "unaligned-school-plan", "warning", "school_plan", "SIP-LIN")
    assert "Lincoln Elementary" in finding.message


def test_school_plan_aligned_to_an_initiative_is_aligned() -> None:
    p = aligned_plan()
    p.add_element("school_plan", "SIP2", title="Washington SIP").link("aligns_to", "SIP2", "SI1")
    assert run(p, "unaligned-school-plan") == []


# -------------------------------------------------------- unaligned-educator-goal


def test_unaligned_educator_goal_fires() -> None:
    p = aligned_plan()
    p.add_element("educator_goal", "EG2", educator="Ms. Rivera", statement="Use data")
    finding = one(p, "unaligned-educator-goal", "warning", "educator_goal", "EG2")
    assert "Ms. Rivera" in finding.message


def test_educator_goal_aligned_to_an_initiative_is_aligned() -> None:
    p = aligned_plan()
    p.add_element("educator_goal", "EG2", statement="Use data").link("aligns_to", "EG2", "SI2")
    assert run(p, "unaligned-educator-goal") == []


# ----------------------------------------------------------------- objective-count


def test_objective_count_fires_below_three() -> None:
    p = aligned_plan().retire("SO3")
    finding = one(p, "objective-count", "warning", "plan", None)
    assert "2 active objectives" in finding.message


def test_objective_count_fires_above_five() -> None:
    p = aligned_plan()
    for n in (4, 5, 6):
        p.add_element("objective", f"SO{n}", title=f"Objective {n}")
    one(p, "objective-count", "warning", "plan", None)


def test_objective_count_passes_for_three_to_five() -> None:
    p = aligned_plan()
    assert run(p, "objective-count") == []
    p.add_element("objective", "SO4").add_element("objective", "SO5")
    assert run(p, "objective-count") == []


# --------------------------------------------------- theory-of-action-not-if-then


@pytest.mark.parametrize(
    "text",
    [
        "Iffy thenceforth we will improve",
        "We will improve instruction",
        "Then students learn, if we teach",
        "If we teach well, students learn",
    ],
)
def test_theory_of_action_not_if_then_fires(text: str) -> None:
    p = aligned_plan().set("theory_of_action", text=text)
    one(p, "theory-of-action-not-if-then", "warning", "theory_of_action", "theory_of_action")


@pytest.mark.parametrize(
    "text",
    [
        "If ... then ...",
        "IF we coach teachers, THEN reading improves",
        "We believe that if we coach teachers,\nthen reading improves",
    ],
)
def test_theory_of_action_if_then_passes(text: str) -> None:
    p = aligned_plan().set("theory_of_action", text=text)
    assert run(p, "theory-of-action-not-if-then") == []


def test_theory_of_action_rule_silent_when_there_is_none() -> None:
    p = aligned_plan().retire("theory_of_action")
    assert run(p, "theory-of-action-not-if-then") == []
    one(p, "missing-foundation", "error", "theory_of_action", None)


# ----------------------------------------------- plan-without-induction-mentoring


def test_plan_without_induction_mentoring_fires() -> None:
    p = aligned_plan().set("PL1", kind="professional_development")
    one(p, "plan-without-induction-mentoring", "warning", "plan", None)


@pytest.mark.parametrize("kind", ["induction", "mentoring"])
def test_plan_with_induction_or_mentoring_passes(kind: str) -> None:
    p = aligned_plan().set("PL1", kind="professional_development")
    p.add_element("professional_learning", "PL2", title="Support", kind=kind)
    assert run(p, "plan-without-induction-mentoring") == []


# ---------------------------------------------- initiative-without-early-evidence


def test_initiative_without_early_evidence_fires_when_only_process() -> None:
    p = aligned_plan().set("B2", kind="process")
    finding = one(p, "initiative-without-early-evidence", "info", "initiative", "SI2")
    assert "B2" in finding.message


def test_initiative_with_process_and_early_evidence_passes() -> None:
    p = aligned_plan()
    p.add_element("benchmark", "B2p", kind="process", owner="x", due="2026-05-01")
    p.link("tracks", "B2p", "SI2")
    assert run(p, "initiative-without-early-evidence") == []


def test_initiative_without_benchmarks_is_not_flagged_for_early_evidence() -> None:
    p = aligned_plan().retire("B2")
    assert run(p, "initiative-without-early-evidence") == []


# ---------------------------------------------------- objective-not-data-informed


def test_objective_not_data_informed_fires() -> None:
    p = aligned_plan().retire("DF2")
    one(p, "objective-not-data-informed", "info", "objective", "SO2")


def test_objective_not_data_informed_passes() -> None:
    assert run(aligned_plan(), "objective-not-data-informed") == []


# -------------------------------------------------- objective-without-school-plan


def test_objective_without_school_plan_fires() -> None:
    p = aligned_plan().unlink("aligns_to", "SIP1", "SO1")
    one(p, "objective-without-school-plan", "info", "objective", "SO1")


def test_school_plan_aligned_to_initiative_does_not_count_for_objective() -> None:
    p = aligned_plan().unlink("aligns_to", "SIP1", "SO1").link("aligns_to", "SIP1", "SI1")
    one(p, "objective-without-school-plan", "info", "objective", "SO1")


def test_objective_without_school_plan_passes() -> None:
    assert run(aligned_plan(), "objective-without-school-plan") == []


# ------------------------------------------------ objective-without-educator-goal


def test_objective_without_educator_goal_fires() -> None:
    p = aligned_plan().unlink("aligns_to", "EG1", "SO3")
    one(p, "objective-without-educator-goal", "info", "objective", "SO3")


def test_objective_without_educator_goal_counts_goals_aligned_to_its_initiatives() -> None:
    p = aligned_plan().unlink("aligns_to", "EG1", "SO3").link("aligns_to", "EG1", "SI3")
    assert run(p, "objective-without-educator-goal") == []


# ------------------------------------------------------------ report and score


def gappy_plan() -> PlanGraph:
    p = aligned_plan()
    p.retire("vision")
    p.add_element("initiative", "SI10", title="Orphan ten", owner="x")
    p.add_element("initiative", "SI9", title="Orphan nine", owner="x")
    p.set("B1", due="2025-12-01")
    p.set("SI2", owner=None)
    p.retire("DF1")
    return p


def test_findings_sorted_by_severity_then_rule_order_then_natural_key() -> None:
    report = audit(gappy_plan().g, as_of=AS_OF)
    order = {rule.rule: i for i, rule in enumerate(RULES)}
    keys = [(-f.severity.rank, order[f.rule]) for f in report.findings]
    assert keys == sorted(keys)
    orphans = [f.key for f in report.findings if f.rule == "orphaned-initiative"]
    assert orphans == ["SI9", "SI10"]
    assert report.findings[0].rule == "missing-foundation"
    assert report.findings[-1].severity is Severity.INFO


def test_summary_counts_findings_per_severity() -> None:
    report = audit(gappy_plan().g, as_of=AS_OF)
    for severity in ("error", "warning", "info"):
        expected = sum(1 for f in report.findings if f.severity.value == severity)
        assert report.summary[severity] == expected
    assert report.summary["error"] > 0
    assert report.has_errors


def test_report_to_dict_shape() -> None:
    report = audit(gappy_plan().g, as_of=AS_OF, fiscal_year="FY26")
    data = report.to_dict()
    assert data["plan"] == "test-plan"
    assert data["version"] == 1
    assert data["as_of"] == "2026-01-15"
    assert data["fiscal_year"] == "FY26"
    assert data["summary"] == report.summary
    assert data["findings"][0] == report.findings[0].to_dict()
    assert set(data["findings"][0]) == {"rule", "severity", "kind", "key", "message"}


def test_score_decreases_when_a_gap_is_added() -> None:
    p = aligned_plan()
    assert audit(p.g, as_of=AS_OF).score == 100
    p.set("SI1", owner=None)  # one warning
    one_gap = audit(p.g, as_of=AS_OF).score
    assert one_gap < 100
    p.unlink("funds", "BL1", "SI2")  # errors and warnings on top
    two_gaps = audit(p.g, as_of=AS_OF).score
    assert two_gaps < one_gap


def test_score_worked_example_from_module_docstring() -> None:
    # 24 rules apply (weights 5x3 + 15x2 + 4x1 = 49); 1 of 4 initiatives has no owner.
    p = aligned_plan()
    p.add_element("initiative", "SI4", title="Four", owner=None).link("supports", "SI4", "SO1")
    p.add_element(
        "benchmark", "B4", kind="early_evidence", owner="Principal", due="2026-06-01"
    ).link("tracks", "B4", "SI4")
    p.link("enables", "PL1", "SI4").link("funds", "BL1", "SI4", amount=1)
    p.set("BL1", amount=300_001)
    report = audit(p.g, as_of=AS_OF)
    assert [(f.rule, f.key) for f in report.findings] == [("initiative-without-owner", "SI4")]
    assert len(report.rules_applied) == len(RULES)
    assert report.score == 98  # floor(100 * (49 - 2 * 1/4) / 49) = floor(98.97...)


def test_score_of_an_empty_plan_is_zero() -> None:
    report = audit(PlanGraph().g, as_of=AS_OF)
    assert report.score == 0
    assert [(f.rule, f.kind) for f in report.findings] == [
        ("missing-foundation", "mission"),
        ("missing-foundation", "vision"),
        ("missing-foundation", "theory_of_action"),
        ("missing-foundation", "core_value"),
        ("objective-count", "plan"),
        ("plan-without-induction-mentoring", "plan"),
    ]


def test_rule_population_follows_fiscal_year() -> None:
    p = aligned_plan()
    p.add_element("budget_line", "BL27", fiscal_year="FY27", amount=1)
    assert rule_population("unaligned-budget-line", p.g, AuditContext(AS_OF)) == 2
    assert rule_population("unaligned-budget-line", p.g, AuditContext(AS_OF, "FY26")) == 1


def test_audit_is_deterministic_whatever_the_build_order() -> None:
    source = gappy_plan().g
    nodes = list(source.nodes(data=True))
    edges = list(source.edges(keys=True, data=True))
    expected = audit(source, as_of=AS_OF)
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(nodes)
        rng.shuffle(edges)
        g = nx.MultiDiGraph(**source.graph)
        g.add_nodes_from(nodes)
        g.add_edges_from(edges)
        assert audit(g, as_of=AS_OF) == expected


# ------------------------------------------------- one reading of the graph per audit


def test_rule_functions_list_findings_and_row_keys_in_natural_order() -> None:
    # audit() shares one reading of the graph between its rules; a rule function called
    # on the graph itself still yields its findings, and a row its keys, in natural order.
    p = aligned_plan()
    for key in ("SI100", "SI10", "SI9"):
        p.add_element("initiative", key, title=key, owner="x")
    p.add_element("initiative", "SI4", title="Four", owner="x").link("supports", "SI4", "SO1")
    for key in ("B10", "B9"):
        p.add_element("benchmark", key, kind="process", owner="x", due="2026-06-01")
        p.link("tracks", key, "SI4")
    ctx = AuditContext(AS_OF)
    check = {r.rule: r.check for r in RULES}
    assert [f.key for f in check["orphaned-initiative"](p.g, ctx)] == ["SI9", "SI10", "SI100"]
    assert [f.key for f in check["initiative-without-benchmark"](p.g, ctx)] == [
        "SI9",
        "SI10",
        "SI100",
    ]
    (row,) = DEFINITIONS["initiative-without-early-evidence"].detect(p.g, ctx)
    assert (row["key"], row["benchmarks"]) == ("SI4", ["B9", "B10"])
    assert [f.key for f in audit(p.g, as_of=AS_OF).findings if f.rule == "orphaned-initiative"] == [
        "SI9",
        "SI10",
        "SI100",
    ]


def test_edge_type_is_the_edge_attribute_else_the_edge_key() -> None:
    p = aligned_plan().unlink("supports", "SI1", "SO1")
    assert hits(p, "orphaned-initiative") == [("initiative", "SI1")]
    p.g.add_edge("SI1", "SO1", key=0, edge="supports")
    assert run(p, "orphaned-initiative") == []
    p.g.remove_edge("SI1", "SO1", key=0)
    p.g.add_edge("SI1", "SO1", key="supports")
    assert run(p, "orphaned-initiative") == []
    p.g.remove_edge("SI1", "SO1", key="supports")
    p.g.add_edge("SI1", "SO1", key="supports", edge="aligns_to")
    assert hits(p, "orphaned-initiative") == [("initiative", "SI1")]


@pytest.mark.parametrize(
    "amounts",
    [(100, 200), (100, 0.5, 0.25), (10**25, 10**25 + 1), (10**30, 1), (7, None, Decimal("0.10"))],
)
def test_over_allocated_budget_line_adds_allocations_as_decimals(amounts: tuple[Any, ...]) -> None:
    p = aligned_plan()
    p.add_element("budget_line", "BL7", fiscal_year="FY26", amount=0)
    for target, amount in zip(("SI1", "SI2", "PL1"), amounts, strict=False):
        p.link("funds", "BL7", target, amount=amount)
    rows = list(DEFINITIONS["over-allocated-budget-line"].detect(p.g, AuditContext(AS_OF)))
    expected = sum((Decimal(str(a)) for a in amounts if a is not None), Decimal(0))
    assert [(r["key"], r["allocated"], r["available"]) for r in rows] == [
        ("BL7", expected, Decimal(0))
    ]
    assert str(rows[0]["allocated"]) == str(expected)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_score_is_the_floor_of_the_exact_weighted_mean(data: st.DataObject) -> None:
    counts = {name: data.draw(st.integers(0, 40), label=name) for name in POPULATIONS}
    findings = []
    for rule in RULES:
        failed = data.draw(st.integers(0, 45), label=rule.rule)
        keys = [f"K{i}" for i in range(failed)] + (["K0"] if failed else [])  # one twice
        findings += [Finding(rule.rule, rule.severity, "initiative", k, "m") for k in keys]
    total, weights, applied = Fraction(0), 0, []
    for rule in RULES:
        checked = counts[DEFINITIONS[rule.rule].population]
        if checked > 0:
            failed = len({(f.kind, f.key) for f in findings if f.rule == rule.rule})
            total += rule.severity.rank * Fraction(max(checked - failed, 0), checked)
            weights += rule.severity.rank
            applied.append(rule.rule)
    expected = math.floor(100 * total / weights) if weights else 100
    assert score(findings, counts) == (expected, tuple(applied))


def test_format_money() -> None:
    assert format_money(130000) == "$130,000"
    assert format_money(1234.5) == "$1,234.50"
    assert format_money(0) == "$0"
    assert format_money(-2500) == "-$2,500"


# ------------------------------------------------------- graph convention


def test_element_kind_and_subkind_follow_the_projection_convention() -> None:
    data = {"kind": "outcome", "key": "OC1", "subkind": "final"}
    assert element_kind(data) == "outcome"
    assert element_subkind(data) == "final"
    assert element_kind({"kind": "early_evidence"}) is None  # a sub-kind is not a kind
    assert element_subkind({"kind": "benchmark", "subkind": " "}) is None


# ------------------------------------------------------- through the projection


def projected_findings(data: dict[str, Any]) -> set[tuple[str, str | None]]:
    """Import a plan file, project its graph and audit it: ``{(rule, key)}``."""
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(data), Author("tester"))
    report = audit(plan_graph(app, "example-2025"), as_of=AS_OF)
    return {(f.rule, f.key) for f in report.findings}


def with_kind(section: str, kind: str) -> list[dict[str, Any]]:
    """The base plan's only element of ``section``, with its own ``kind`` field changed."""
    (element,) = BASE[section]
    return [{**element, "kind": kind}]


def test_audit_reads_sub_kinds_through_the_real_projection() -> None:
    base = projected_findings(plan_data())
    # The base plan: a final outcome, development-only learning, a process benchmark.
    assert ("objective-without-final-outcome", "SO1") not in base
    assert ("plan-without-induction-mentoring", None) in base
    assert ("initiative-without-early-evidence", "SI1.1") in base

    changed = projected_findings(
        plan_data(
            outcomes=with_kind("outcomes", "interim"),
            professional_learning=with_kind("professional_learning", "mentoring"),
            benchmarks=with_kind("benchmarks", "early_evidence"),
        )
    )
    assert changed - base == {("objective-without-final-outcome", "SO1")}
    assert base - changed == {
        ("plan-without-induction-mentoring", None),
        ("initiative-without-early-evidence", "SI1.1"),
    }


# ------------------------------------------------------------ properties

OPTIONAL_KEYS = ["vision", "CV1", "DF1", "SI1", "OC2", "B3", "PL1", "SIP1", "EG1", "BL1", "SO3"]


@settings(max_examples=40, deadline=None)
@given(
    retired=st.sets(st.sampled_from(OPTIONAL_KEYS)),
    no_owner=st.booleans(),
    as_of=st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 1, 1)),
)
def test_score_is_100_exactly_when_there_are_no_findings(
    retired: set[str], no_owner: bool, as_of: date
) -> None:
    p = aligned_plan()
    for key in sorted(retired):
        p.retire(key)
    if no_owner and "SI2" in p.g:
        p.set("SI2", owner=" ")
    report: AuditReport = audit(p.g, as_of=as_of)
    assert 0 <= report.score <= 100
    assert (report.score == 100) == (report.findings == ())
    assert sum(report.summary.values()) == len(report.findings)
