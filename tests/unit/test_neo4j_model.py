"""The Neo4j model derives every label and relationship type from the catalogue, renders
every Cypher file with names from it only, and folds a batch's changes per element and
link (no server needed: the statements' effect is tested against a real Neo4j in
tests/integration/test_neo4j_projection.py and test_neo4j_parity.py)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from coherence.domain.framework import FRAMEWORK, KINDS
from coherence.projections import neo4j_rows
from coherence.projections.graph_changes import RemoveEdge, RetireNode, UpsertEdge, UpsertNode
from coherence.projections.neo4j_model import (
    MODEL,
    GraphModel,
    browser_style,
    label_of,
    type_of,
)
from tests.conftest import ROOT


def test_labels_and_types_come_from_the_catalogue() -> None:
    assert list(MODEL.labels) == list(FRAMEWORK.kinds)
    assert MODEL.labels["budget_line"] == "BudgetLine"
    assert MODEL.labels["professional_learning"] == "ProfessionalLearning"
    assert set(MODEL.types) == set(FRAMEWORK.edges)
    assert MODEL.types["aligns_to"] == "ALIGNS_TO"
    for edge, rel_type in MODEL.types.items():
        assert MODEL.edge_of_type(rel_type) == edge


@pytest.mark.parametrize(
    "name", ["Initiative", "budget line", "x-y", "a)-[r]-(b", "", "_x", "a__b"]
)
def test_names_that_could_not_be_labels_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="cannot name"):
        label_of(name)
    with pytest.raises(ValueError, match="cannot name"):
        type_of(name)


def test_a_new_kind_in_the_catalogue_is_a_new_label_and_statements() -> None:
    spec = dataclasses.replace(KINDS["school_plan"], name="family_compact", label="Compact")
    model = GraphModel(FRAMEWORK.with_kind(spec))
    assert model.labels["family_compact"] == "FamilyCompact"
    text = model.statement("projections", "upsert_nodes", **model.kind_bindings("family_compact"))
    assert "SET e:FamilyCompact" in text


def test_render_fills_placeholders_with_catalogue_names_only() -> None:
    assert (
        MODEL.render("MATCH (i:{{label:initiative}}:Active)-[:{{type:supports}}]->(o)")
        == "MATCH (i:Initiative:Active)-[:SUPPORTS]->(o)"
    )
    assert (
        MODEL.render("RETURN i {{names:school_plan}}") == "RETURN i {.title, .school, .school_year}"
    )
    assert MODEL.render("-[:{{types}}*]->").count("|") == len(MODEL.types) - 1
    for bad in (
        "{{label:nope}}",
        "{{type:advances}}",
        "{{label}}",
        "{{whatever:x}}",
        "{{ label:Initiative }}",
    ):
        with pytest.raises((KeyError, ValueError)):
            MODEL.render(bad)
    with pytest.raises(ValueError, match="not a name"):
        MODEL.render("{{label}}", label="X) DETACH DELETE (n")


def test_every_cypher_file_renders() -> None:
    placeholder = re.compile(r"\{\{")
    for folder in ("projections", "graph_queries"):
        for path in sorted((ROOT / folder).glob("*.cypher")):
            name = path.stem
            text = path.read_text()
            if "{{kind}}" in text or "{{label}}" in text:
                rendered = [MODEL.statement(folder, name, **MODEL.kind_bindings(k)) for k in KINDS]
            elif "{{type}}" in text:
                rendered = [
                    MODEL.statement(folder, name, **MODEL.edge_bindings(e)) for e in MODEL.types
                ]
            else:
                rendered = [MODEL.statement(folder, name)]
            for statement in rendered:
                assert not placeholder.search(statement), (folder, name)
                code = "\n".join(
                    line for line in statement.splitlines() if not line.startswith("//")
                )
                assert ":LINK" not in code and "active: true" not in code, name


def test_the_browser_style_file_matches_the_catalogue() -> None:
    style = (ROOT / "graph_queries" / "style.grass").read_text()
    assert style == browser_style(), (
        "regenerate it: python -m coherence.projections.neo4j_model > graph_queries/style.grass"
    )
    for kind, label in MODEL.labels.items():
        assert f"node.{label} {{\n  color: {KINDS[kind].colour.lower()};" in style


BASE = {"plan": "p", "at": "2026-01-01T00:00:00+00:00"}


def test_kind_of_renders_the_kind_name_from_the_labels() -> None:
    rendered = MODEL.render("RETURN {{kind_of:e}} AS kind")
    for kind, label in MODEL.labels.items():
        assert f"WHEN e:{label} THEN '{kind}'" in rendered
    with pytest.raises(ValueError, match="cannot name a label or type"):
        MODEL.kind_of("e) DETACH DELETE (e")


def test_a_batch_is_folded_per_element_and_per_link() -> None:
    changes = [
        UpsertNode(
            version=1,
            key="SI1",
            kind="initiative",
            properties={"title": "A"},
            activate=True,
            **BASE,
        ),
        UpsertNode(
            version=2, key="SO1", kind="objective", properties={"title": "O"}, activate=True, **BASE
        ),
        UpsertEdge(version=3, edge="supports", source="SI1", target="SO1", **BASE),
        UpsertNode(version=4, key="SI1", kind="initiative", properties={"owner": "B"}, **BASE),
        RemoveEdge(version=5, edge="supports", source="SI1", target="SO1", **BASE),
        RetireNode(version=6, key="SI1", kind="initiative", **BASE),
    ]
    written: set[tuple[str, ...]] = set()
    fresh = neo4j_rows.rows(changes, written=written)
    assert written == {("p", "SI1"), ("p", "SO1"), ("p", "SI1", "SO1", "supports")}
    again = neo4j_rows.rows(changes, written=written)  # written now: MERGEd, not CREATEd
    assert sorted(again) == [
        ("remove_edges", "supports"),
        ("set_plans", ""),
        ("upsert_nodes", "initiative"),
        ("upsert_nodes", "objective"),
    ]
    created, _ = fresh[("create_nodes", "")]  # SI1, then SO1
    assert created["labels"] == ["Element", "Initiative"]  # retired: not Active
    assert created["node"] | {"added_at": None, "retired_at": None} == {
        "plan": "p",
        "key": "SI1",
        "title": "A",
        "owner": "B",
        "last_version": 6,
        "added_at": None,
        "retired_at": None,
    }
    (unlinked,) = fresh[("create_edges", "")]
    assert unlinked["type"] == "UNLINKED"
    # the label is the kind, and a link keeps no version (the checkpoint guards replays)
    assert unlinked["properties"] == {"edge": "supports", "unlinked_at": BASE["at"]}

    known = neo4j_rows.rows(changes)  # not after a reset: every row MERGEs
    (row,) = known[("upsert_nodes", "initiative")]
    assert (row["version"], row["active"], row["properties"]) == (
        6,
        False,
        {"title": "A", "owner": "B"},
    )
    assert [r["version"] for r in known[("remove_edges", "supports")]] == [5]
