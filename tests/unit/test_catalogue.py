"""One catalogue: every reader and writer of plans derives from it, so a new element
kind is one catalogue entry (read, written to a plan file and a workbook, served to the
page and programs)."""

from __future__ import annotations

import pytest
import yaml
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.history import PlanHistory
from coherence.application.planfile import (
    check_document,
    dump_document,
    read_document,
    state_to_document,
    top_level,
)
from coherence.application.settings import Settings
from coherence.application.workbook import read_workbook, write_workbook
from coherence.bootstrap import api_context
from coherence.domain.errors import PlanFileError
from coherence.domain.framework import FRAMEWORK, FieldSpec, KindSpec, LinkSpec
from coherence.queries.audit import ALL_ORDER
from coherence.queries.framework import framework_document
from tests.plans import plan_data

PARTNER = KindSpec(
    "community_partner",
    "Community partner",
    "Community partners",
    {
        "name": FieldSpec("name", "text", required=True),
        "sector": FieldSpec("sector", "enum", ("health", "higher_education", "business")),
        "since": FieldSpec("since", "date"),
    },
    (LinkSpec("partners_in", "partners_in", ("initiative",)),),
    section="community_partners",
    names=(("name",),),
    level=4,
    colour="#0891b2",
)
"""A kind the Framework does not have (districts list their community partners)."""


def extended_plan() -> dict[str, object]:
    data = plan_data()
    data["community_partners"] = [
        {
            "key": "CP1",
            "name": "Riverbend Health Center",
            "sector": "health",
            "since": "2024-09-01",
            "partners_in": ["SI1.1"],
        }
    ]
    return data


def test_a_kind_added_to_a_copy_of_the_catalogue_is_read_written_and_served() -> None:
    catalogue = FRAMEWORK.with_kind(PARTNER)
    text = dump_document(extended_plan(), catalogue=catalogue)

    document = read_document(text, filename="plan.yaml", catalogue=catalogue)
    partner = document.state.elements["CP1"]
    assert partner.kind == "community_partner"
    assert partner.fields["since"] == "2024-09-01"
    assert document.state.links[("CP1", "SI1.1")].edge == "partners_in"

    written = state_to_document(document.state, catalogue)
    assert written["community_partners"] == extended_plan()["community_partners"]
    assert "since: 2024-09-01" in dump_document(written, catalogue=catalogue)  # a date, unquoted
    assert (
        read_document(
            dump_document(written, catalogue=catalogue), filename="again.yaml", catalogue=catalogue
        )
        == document
    )

    workbook = write_workbook(document.state, catalogue=catalogue)  # a sheet of its own
    assert read_workbook(workbook, filename="plan.xlsx", catalogue=catalogue) == document

    served = framework_document(catalogue)
    kind = next(k for k in served["kinds"] if k["name"] == "community_partner")
    assert kind["section"] == "community_partners"
    assert [f["name"] for f in kind["fields"]] == ["name", "sector", "since"]
    assert kind["links"][0]["targets"] == ["initiative"]
    assert {
        "name": "partners_in",
        "sources": ["community_partner"],
        "targets": ["initiative"],
    }.items() <= next(e for e in served["edges"] if e["name"] == "partners_in").items()
    assert catalogue.edge_between("community_partner", "initiative") == "partners_in"
    assert catalogue.name("community_partner", "CP1", partner.fields) == (
        "Community partner CP1 'Riverbend Health Center'"
    )


def test_the_built_in_catalogue_refuses_a_kind_it_does_not_have() -> None:
    with pytest.raises(PlanFileError) as refused:
        check_document(extended_plan(), filename="plan.yaml")
    assert refused.value.path == "community_partners"
    assert "community_partners" not in top_level()


def test_every_kind_of_the_catalogue_round_trips_through_a_plan_file() -> None:
    """No kind can vanish from exports: each section the catalogue has is written."""
    document = check_document(plan_data(), filename="plan.yaml")
    written = state_to_document(document.state)
    kinds_in_plan = {e.kind for e in document.state.elements.values()}
    for spec in FRAMEWORK:
        if spec.name in kinds_in_plan:
            assert (spec.name if spec.singleton else spec.section) in written
    assert yaml.safe_load(dump_document(written)) is not None


def test_the_api_serves_the_catalogue_and_every_rule() -> None:
    client = TestClient(create_app(api_context(PlanHistory(Settings(store="memory://")))))
    response = client.get("/api/v1/framework")
    assert response.status_code == 200
    body = response.json()
    assert [k["name"] for k in body["kinds"]] == list(FRAMEWORK.kinds)
    benchmark = next(k for k in body["kinds"] if k["name"] == "benchmark")
    status = next(f for f in benchmark["fields"] if f["name"] == "status")
    assert status["type"] == "enum"
    assert "off_track" in status["choices"]
    description = next(f for f in benchmark["fields"] if f["name"] == "description")
    assert description["multiline"] is True and status["multiline"] is False
    assert benchmark["links"] == [
        {
            "field": "tracks",
            "label": "Tracks",
            "edge": "tracks",
            "targets": ["initiative"],
            "many": False,
            "reverse": False,
            "attributes": [],
        }
    ]
    rules = {r["rule"]: r for r in body["rules"]}
    assert list(rules) == list(ALL_ORDER)
    assert rules["stale-benchmark"]["history"] and not rules["unfunded-objective"]["history"]
    assert rules["unfunded-objective"]["severity"] == "error"
    assert (
        rules["orphaned-initiative"]["description"]
        == "Initiatives that support no active objective."
    )
    assert [s["name"] for s in body["severities"]] == ["error", "warning", "info"]
