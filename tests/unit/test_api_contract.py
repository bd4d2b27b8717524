"""The HTTP API against its own OpenAPI document, with schemathesis.

The demo plan is loaded and no token exists (the API is open). For every operation
schemathesis sends generated requests, valid and invalid, and checks each answer: no
server error, no status code or content type the document does not declare, and no
body or header that breaks the declared schema. Path parameters are steered towards
the demo's plan and keys as well as random ones, so the generated requests reach real
plans and elements rather than only 404s. Bounded and deterministic: 25 examples per
operation, derandomized.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import checks

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context

DEMO_PLAN = "riverbend-2024"
DEMO_KEYS = ("SO1", "SO4", "SI1.1", "SI1.3", "OC1", "OC9", "B1", "B39", "PL1", "BL-2702", "mission")


def demo_app() -> Any:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return create_app(api_context(history))


schema = schemathesis.openapi.from_asgi("/openapi.json", demo_app())
schema.config.generation.update(max_examples=25, deterministic=True)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Each path parameter: the generated value, or one the demo plan has."""
    choices: dict[str, Any] = {}
    for name, value in (path_parameters or {}).items():
        if name == "plan_id":
            choices[name] = st.sampled_from([DEMO_PLAN, value])
        elif name in ("key", "source", "target"):
            choices[name] = st.sampled_from([*DEMO_KEYS, value])
        else:
            choices[name] = st.just(value)
    return st.fixed_dictionaries(choices) if path_parameters is not None else st.none()


@schema.parametrize()
def test_api_keeps_its_contract(case: Any) -> None:
    # Every built-in check but one: ``positive_data_acceptance`` expects any request that
    # fits the OpenAPI schema to be accepted, but which kinds, fields and keys a plan
    # has, and which links and lifecycle steps are allowed, are the domain's rules
    # (answered 422 with the field's path, as documented), not the schema's.
    case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])
