"""Every graph export of real plan text is a valid file that its reader opens,
and text with quotes, backslashes, newlines and non-ASCII survives."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from xml.etree import ElementTree

import networkx as nx
import pydot
import pytest

from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import check_document
from coherence.application.settings import Settings
from coherence.queries.exports import FORMATS
from coherence.queries.reader import PlanReader
from tests.plans import plan_data

TRICKY = "Señora \"Ana\" O'Neil's plan:\nline two \\ {braces} <b>#1</b> — MATCH (n) DETACH DELETE n"


def export_graph(app: PlanHistory, plan_id: str, fmt: str, **at: Any) -> str:
    return PlanReader(app).export_graph(plan_id, fmt, **at)[0].decode()


def line_of_sight(app: PlanHistory, plan_id: str, key: str) -> dict[str, Any]:
    return PlanReader(app).line_of_sight(plan_id, key)


@pytest.fixture(scope="module")
def app() -> PlanHistory:
    app = PlanHistory(Settings(store="memory://"))
    load_demo(app)
    data = plan_data()
    data["initiatives"][0]["title"] = TRICKY
    data["initiatives"][0]["description"] = TRICKY
    app.import_plan(check_document(data, filename="tricky.yaml"), Author("tester"))
    return app


def test_graphml_reads_back_with_the_text_intact(app: PlanHistory) -> None:
    g = nx.read_graphml(io.BytesIO(export_graph(app, "example-2025", "graphml").encode()))
    assert g.nodes["SI1.1"]["title"] == TRICKY
    assert g.nodes["SI1.1"]["kind"] == "initiative"
    demo = nx.read_graphml(io.BytesIO(export_graph(app, "riverbend-2024", "graphml").encode()))
    assert demo.number_of_nodes() == len(app.plan_state("riverbend-2024").active())


def test_gexf_carries_each_elements_lifetime(app: PlanHistory) -> None:
    g = nx.read_gexf(io.BytesIO(export_graph(app, "riverbend-2024", "gexf").encode()))
    state = app.plan_state("riverbend-2024")
    assert set(g.nodes) == set(state.elements)  # retired elements too, with their spells
    retired = next(k for k, e in state.elements.items() if e.retired)
    (start, end), *_ = g.nodes[retired]["spells"]
    assert start < end
    active = next(k for k, e in state.elements.items() if not e.retired)
    xml = ElementTree.fromstring(export_graph(app, "riverbend-2024", "gexf"))
    ns = {"g": "http://www.gexf.net/1.2draft"}
    node = xml.find(f".//g:node[@id='{active}']", ns)
    assert node is not None
    spells = node.findall("g:spells/g:spell", ns)
    assert "end" not in spells[-1].attrib  # still open: active today
    tricky = nx.read_gexf(io.BytesIO(export_graph(app, "example-2025", "gexf").encode()))
    assert tricky.nodes["SI1.1"]["description"] == TRICKY


@pytest.mark.parametrize("fmt", ["cytoscape", "node-link"])
def test_json_exports_parse(app: PlanHistory, fmt: str) -> None:
    data = json.loads(export_graph(app, "example-2025", fmt))
    if fmt == "cytoscape":
        nodes = {n["data"]["id"]: n["data"] for n in data["elements"]["nodes"]}
        edges = data["elements"]["edges"]
        assert len({e["data"]["id"] for e in edges}) == len(edges)
    else:
        nodes = {n["id"]: n for n in data["nodes"]}
        assert data["links"]
    assert nodes["SI1.1"]["title"] == TRICKY


def test_dot_parses_with_the_text_intact(app: PlanHistory) -> None:
    (graph,) = pydot.graph_from_dot_data(export_graph(app, "example-2025", "dot"))
    labels = {n.get_name().strip('"'): n.get_label() for n in graph.get_nodes()}
    label = labels["SI1.1"]
    unescaped = label[1:-1].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
    assert unescaped == f"Initiative SI1.1: {TRICKY}"
    assert len(graph.get_edges()) == nx.number_of_edges(
        nx.read_graphml(io.BytesIO(export_graph(app, "example-2025", "graphml").encode()))
    )


def test_mermaid_has_one_line_per_node_and_edge_and_no_raw_quotes(app: PlanHistory) -> None:
    text = export_graph(app, "example-2025", "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart BT"
    node_lines = [line for line in lines if re.match(r'^    n\d+\["', line)]
    for line in node_lines:
        inner = line.split('["', 1)[1].rsplit('"]', 1)[0]
        assert '"' not in inner and "\n" not in inner
    assert any("Se\u00f1ora #quot;Ana#quot;" in line for line in node_lines)


def test_every_format_exports_the_demo(app: PlanHistory) -> None:
    for fmt in FORMATS:
        assert export_graph(app, "riverbend-2024", fmt, version=100)


def test_line_of_sight_from_a_budget_line_to_the_mission(app: PlanHistory) -> None:
    sight = line_of_sight(app, "example-2025", "BL-1001")
    assert ["BL-1001", "SI1.1", "SO1", "mission"] in sight["paths"]
    assert ["BL-1001", "PL1", "SI1.1", "SO1", "mission"] in sight["paths"]
    under = line_of_sight(app, "example-2025", "SO1")
    assert {"SI1.1", "PL1", "BL-1001", "OC1", "DF1", "B1", "SIP-LIN", "EG1"} <= set(
        under["beneath"]
    )
    assert "SI2.1" not in under["beneath"]
