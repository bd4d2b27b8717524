"""The demo district plan: three years of history, replayed into a store.

The steps live in ``coherence/demo/history.yaml`` beside the plan files they
import; each step has its recording time, actor and reason, and one action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from coherence.application.history import PlanHistory
from coherence.application.plan_text import parse_text
from coherence.application.planfile import read_document
from coherence.application.results import Author, CommandResult
from coherence.domain.errors import InvalidInput

DEMO_PACKAGE = "coherence.demo"


@dataclass(frozen=True)
class DemoStep:
    at: datetime
    actor: str
    reason: str | None
    action: str
    argument: Any


def demo_steps() -> tuple[str, list[DemoStep]]:
    """The demo's plan id and its steps, in time order."""
    raw = parse_text(_read("history.yaml"), filename="history.yaml")
    steps = []
    for i, item in enumerate(raw["steps"]):
        actions = [k for k in item if k not in ("at", "actor", "reason")]
        if len(actions) != 1:
            raise InvalidInput(f"steps[{i}]", "exactly one action", actions)
        at = item["at"]
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        steps.append(DemoStep(at, item["actor"], item.get("reason"), actions[0], item[actions[0]]))
    return raw["plan"], steps


def load_demo(
    app: PlanHistory, progress: Callable[[int, int], None] | None = None
) -> list[CommandResult]:
    """Replay the demo's history into an empty store (a plan already there is left alone)."""
    plan_id, steps = demo_steps()
    if any(p.plan_id == plan_id for p in app.list_plans()):
        return []
    results = []
    for n, step in enumerate(steps, 1):
        results.append(_apply(app, plan_id, step))
        if progress:
            progress(n, len(steps))
    return results


def _apply(app: PlanHistory, plan_id: str, step: DemoStep) -> CommandResult:
    author = Author(step.actor, step.reason, "import", step.at)
    arg = step.argument or {}
    match step.action:
        case "import":
            name = str(arg)
            return app.import_plan(read_document(_read(name), filename=name), author)
        case "adopt":
            return app.adopt(plan_id, author, record=arg or None)
        case "start_redesign":
            return app.start_redesign(plan_id, author)
        case "close":
            return app.close_plan(plan_id, author)
        case "report_benchmark":
            return app.report_benchmark_status(plan_id, arg["key"], arg["status"], author)
        case "report_result":
            return app.report_outcome_result(
                plan_id, arg["key"], arg["as_of"], arg["value"], author
            )
        case "revise":
            return app.revise_element(plan_id, arg["key"], arg["fields"], author)
    raise InvalidInput(
        "action",
        "import, adopt, start_redesign, close, report_benchmark, report_result or revise",
        step.action,
    )


def demo_files() -> Iterator[str]:
    """Names of the demo's plan files."""
    for entry in resources.files(DEMO_PACKAGE).iterdir():
        if entry.name.endswith(".yaml") and entry.name != "history.yaml":
            yield entry.name


def _read(name: str) -> str:
    return resources.files(DEMO_PACKAGE).joinpath(name).read_text(encoding="utf-8")
