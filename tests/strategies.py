"""Hypothesis strategies: random command sequences on a district plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.domain.errors import CoherenceError
from coherence.domain.framework import KINDS, FieldSpec, edge_between
from coherence.domain.plan import DistrictPlan

POOL = {
    "mission": ["mission"],
    "vision": ["vision"],
    "theory_of_action": ["theory_of_action"],
    "core_value": ["CV1"],
    "data_finding": ["DF1", "DF2"],
    "objective": ["SO1", "SO2", "SO3"],
    "initiative": ["SI1", "SI2", "SI3"],
    "outcome": ["OC1", "OC2"],
    "professional_learning": ["PL1"],
    "benchmark": ["B1", "B2"],
    "budget_line": ["BL1", "BL2"],
    "school_plan": ["SP1"],
    "educator_goal": ["EG1"],
}
KIND_OF = {key: kind for kind, keys in POOL.items() for key in keys}
KEYS = list(KIND_OF)
TEXT = st.text(alphabet=st.sampled_from(list("ab 'é\"\\{}:#\n-—")), max_size=12)


def value_for(spec: FieldSpec) -> st.SearchStrategy[Any]:
    match spec.type:
        case "text":
            return (
                TEXT.filter(lambda t: bool(t.strip()))
                if spec.required
                else st.one_of(st.none(), TEXT)
            )
        case "date":
            return st.one_of(
                st.none(), st.dates(date(2020, 1, 1), date(2030, 12, 31)).map(date.isoformat)
            )
        case "number":
            return st.one_of(
                st.none(),
                st.integers(-5, 100),
                st.floats(0, 100, allow_nan=False).map(lambda f: round(f, 2)),
            )
        case "amount":
            return st.one_of(st.none(), st.integers(0, 10**6))
        case "fte":
            return st.one_of(st.none(), st.integers(0, 2000).map(lambda h: h / 100))
        case "enum":
            return st.one_of(st.none(), st.sampled_from(spec.choices))
        case "school_year":
            return st.one_of(st.none(), st.integers(2020, 2030).map(lambda y: f"{y}-{y + 1}"))
        case "fiscal_year":
            return st.one_of(st.none(), st.integers(20, 30).map(lambda y: f"FY{y}"))
        case "results":
            return st.lists(
                st.fixed_dictionaries(
                    {
                        "as_of": st.dates(date(2024, 1, 1), date(2028, 1, 1)).map(date.isoformat),
                        "value": st.integers(0, 100),
                    }
                ),
                max_size=3,
                unique_by=lambda r: r["as_of"],
            )
    raise AssertionError(spec.type)


@st.composite
def fields_for(draw: st.DrawFn, kind: str, partial: bool = False) -> dict[str, Any]:
    specs = KINDS[kind].fields.values()
    chosen = [s for s in specs if not partial or draw(st.booleans())]
    return {s.name: draw(value_for(s)) for s in chosen}


@st.composite
def command(draw: st.DrawFn) -> tuple[Any, ...]:
    """Mostly valid commands (so plans grow), some refused ones (so refusals are exercised)."""
    op = draw(
        st.sampled_from(
            ["add"] * 4 + ["revise"] * 2 + ["link"] * 5 + ["retire", "unlink", "report"]
        )
    )
    key = draw(st.sampled_from(KEYS))
    kind = KIND_OF[key] if draw(st.integers(0, 9)) else draw(st.sampled_from(list(KINDS)))
    if op == "add":
        return ("add", kind, key, draw(fields_for(kind)))
    if op == "revise":
        return ("revise", key, draw(fields_for(kind, partial=True)))
    if op in ("link", "unlink"):
        targets = [t for t in KEYS if edge_between(KIND_OF[key], KIND_OF[t])] or KEYS
        other = draw(st.sampled_from(targets))
        return (op, key, other, {"amount": draw(st.integers(0, 1000))})
    if op == "report":
        return (
            "report",
            key,
            draw(st.sampled_from(["on_track", "complete"])),
            draw(st.integers(0, 100)),
        )
    return ("retire", key)


def run(plan: DistrictPlan, commands: list[tuple[Any, ...]], actor: str = "tester") -> list[int]:
    """Apply commands one revision each; refused ones change nothing. Returns the versions."""
    versions = [plan.version]
    for cmd in commands:
        rev = plan.begin_revision(actor=actor, reason=str(cmd[0]))
        snapshot = len(plan.pending_events)
        try:
            match cmd:
                case ("add", kind, key, fields):
                    plan.add_element(kind, None if KINDS[kind].singleton else key, fields, rev)
                case ("revise", key, changes):
                    plan.revise_element(key, changes, rev)
                case ("retire", key):
                    plan.retire_element(key, rev)
                case ("link", source, target, attrs):
                    edge_attrs = (
                        attrs if plan.elements.get(source, {}).get("kind") == "budget_line" else {}
                    )
                    plan.link(source, target, rev, edge_attrs)
                case ("unlink", source, target, _):
                    plan.unlink(source, target, rev)
                case ("report", key, status, value):
                    if plan.elements.get(key, {}).get("kind") == "outcome":
                        plan.report_outcome_result(key, "2026-06-30", value, rev)
                    else:
                        plan.report_benchmark_status(key, status, rev)
        except CoherenceError:
            assert len(plan.pending_events) == snapshot
        versions.append(plan.version)
    return versions


COMMANDS = st.lists(command(), min_size=1, max_size=60)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_history(commands: list[tuple[Any, ...]], plans: int = 2) -> PlanHistory:
    """An in-memory app with a few plans, each with its share of the commands as its
    history, saved one command at a time (plans ``plan-0``, ``plan-1``...)."""
    app = PlanHistory(Settings(store="memory://"))
    for n in range(plans):
        plan = DistrictPlan.draft(f"plan-{n}", title=f"Plan {n}", actor="tester")
        app.save(plan)
        for cmd in commands[n::plans]:
            run(plan, [cmd])
            app.save(plan)
    return app
