"""The plan as slides: the deck model, its PDF and PowerPoint files, through the
reader, the HTTP API and the command line.

The PDF and the PowerPoint file hold exactly the deck's slides (the page shows the
same: tests/browser/test_present.py); the PowerPoint file's text is text, not only
pictures; a plan of twelve objectives with long titles, an objective without
initiatives and a plan without outcomes still make a deck.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pptx import Presentation
from pypdf import PdfReader

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.queries.audit.values import natural_key
from coherence.queries.deck import LIMITS, build_deck, progress_of, shorten
from coherence.queries.reader import PlanReader
from coherence.reports.slides import render_slides
from coherence.reports.slides.picture import layered
from tests.plans import LONG, document, stress_plan

DEMO = "riverbend-2024"


@pytest.fixture(scope="module")
def demo() -> PlanHistory:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return history


@pytest.fixture(scope="module")
def client(demo: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(demo)))


def pptx_slides(data: bytes) -> list[Any]:
    return list(Presentation(io.BytesIO(data)).slides)


def texts(slide: Any) -> str:
    """Every text of a slide: its text boxes and its tables' cells."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(out)


def test_the_demo_deck(demo: PlanHistory) -> None:
    reader = PlanReader(demo)
    deck = build_deck(reader, DEMO)
    audit = reader.audit(DEMO)
    objectives = sorted(
        k
        for k, e in demo.get_plan(DEMO).elements.items()
        if e["kind"] == "objective" and not e["retired"]
    )
    finding_pages = math.ceil(len(audit.findings) / LIMITS.findings)
    assert [s.layout for s in deck.slides] == (
        ["title"] + ["objective"] * len(objectives) + ["list"] * (1 + finding_pages)
    )
    assert [s.key for s in deck.slides if s.layout == "objective"] == objectives
    title = deck.slides[0]
    assert [b.heading for b in title.blocks] == [
        "Mission",
        "Vision",
        "Core values",
        "Theory of action",
    ]
    so1 = deck.slides[1]
    assert so1.title.startswith("SO1 · Accelerate literacy")
    assert so1.graph is not None
    assert so1.graph["root"] == "SO1"
    assert set(so1.graph["keys"]) == {"SO1", *reader.element(DEMO, "SO1")["beneath"]}
    # The downloads' picture draws each level in the plan page's order (the deck's x).
    x = {n["key"]: n["x"] for n in so1.graph["nodes"]}
    assert None not in x.values()
    bands = layered(so1.graph)
    assert bands[0] == ["SO1"]
    assert all(band == sorted(band, key=x.__getitem__) for band in bands)
    assert any(band != sorted(band, key=natural_key) for band in bands)  # not by key
    funding = {o.key: o for o in reader.funding(DEMO).objectives}
    money = next(b for b in so1.blocks if b.heading == "Money")
    assert f"${int(funding['SO1'].amount):,}" in money.items[0]["text"]
    # Findings on the objectives and beneath them, and all of them at the end, by severity.
    so5 = next(s for s in deck.slides if s.key == "SO5")
    assert any("SO5" in str(i["text"]) for b in so5.blocks for i in b.items)
    listed = [
        i for s in deck.slides if s.id.startswith("findings") for b in s.blocks for i in b.items
    ]
    assert len(listed) == len(audit.findings)
    assert [i["severity"] for i in listed] == [f.severity.value for f in audit.findings]
    changes = next(s for s in deck.slides if s.id == "changes")
    assert changes.subtitle.startswith("Since the plan was adopted (version")
    assert "new result" in changes.blocks[0].items[0]["text"]
    # Notes keep what the slides cut.
    assert any(LIMITS.title < len(n) for s in deck.slides for n in s.notes)


def test_a_past_version_and_a_date(demo: PlanHistory) -> None:
    reader = PlanReader(demo)
    early = build_deck(reader, DEMO, version=60)
    assert early.version == 60
    assert early.slides[-1].notes  # its own audit
    changes = next(s for s in early.slides if s.id == "changes")
    assert changes.subtitle.startswith("Since the first version")  # adopted later
    dated = build_deck(reader, DEMO, as_of=early.as_of.replace(year=2025, month=1, day=1))
    assert dated.version == demo.version_at(DEMO, dated.as_of)


def test_pptx_and_pdf_hold_the_decks_slides(client: TestClient, demo: PlanHistory) -> None:
    deck = client.get(f"/api/v1/plans/{DEMO}/deck").json()
    count = len(deck["slides"])
    answer = client.get(f"/api/v1/plans/{DEMO}/slides?format=pptx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{DEMO}-v{deck["version"]}.pptx"' in answer.headers["content-disposition"]
    slides = pptx_slides(answer.content)
    assert len(slides) == count
    objectives = [s for s in deck["slides"] if s["layout"] == "objective"]
    assert len(objectives) == 4
    for model, slide in zip(deck["slides"], slides, strict=True):
        text = texts(slide)
        assert model["title"] in text  # as text, not only as a picture
        assert slide.notes_slide.notes_text_frame.text == "\n\n".join(model["notes"])
        if model["layout"] == "objective":
            assert any(s.shape_type == 13 for s in slide.shapes)  # the graph's picture
            table = next(b for b in model["blocks"] if b["kind"] == "table")
            assert table["rows"][0][0] in text
    pdf = client.get(f"/api/v1/plans/{DEMO}/slides?format=pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == count
    assert "SO1" in reader.pages[1].extract_text()


def test_slides_refusals(client: TestClient) -> None:
    assert client.get("/api/v1/plans/nope/deck").status_code == 404
    assert client.get("/api/v1/plans/nope/slides?format=pdf").status_code == 404
    assert client.get(f"/api/v1/plans/{DEMO}/slides?format=docx").status_code == 422
    assert client.get(f"/api/v1/plans/{DEMO}/deck?version=999999").status_code == 404


def test_a_large_plan_without_outcomes_still_makes_a_deck(tmp_path: Path) -> None:
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(stress_plan()), Author("test", source="cli"))
    deck = build_deck(PlanReader(history), "retreat-stress")
    objective_slides = [s for s in deck.slides if s.layout == "objective"]
    assert len(objective_slides) == 12
    first = objective_slides[0]
    assert first.blocks[0].items[0]["text"] == "No initiative supports it yet."
    assert first.blocks[1].items[0]["text"] == "No outcome measures it yet."
    second = objective_slides[1]
    assert len(second.blocks[0].rows) == LIMITS.initiatives
    assert second.blocks[0].more == f"and {7 - LIMITS.initiatives} more (in the notes)"
    assert all(len(s.title) <= LIMITS.title for s in deck.slides)
    assert all(
        len(cell) <= LIMITS.cell
        for s in objective_slides
        for b in s.blocks
        for r in b.rows
        for cell in r
    )
    changes = next(s for s in deck.slides if s.id == "changes")
    assert changes.subtitle.startswith("Since the first version")  # never adopted
    assert changes.blocks[0].more.endswith("more changes (in the notes)")
    assert len(PdfReader(io.BytesIO(render_slides(deck, "pdf"))).pages) == len(deck.slides)
    assert len(pptx_slides(render_slides(deck, "pptx"))) == len(deck.slides)


def test_coherence_slides(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'c.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--store", store]).exit_code == 0
    out = tmp_path / "deck.pptx"
    result = runner.invoke(cli, ["slides", DEMO, "--store", store, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pptx_slides(out.read_bytes())) >= 8
    pdf = tmp_path / "deck.pdf"
    result = runner.invoke(
        cli,
        ["slides", DEMO, "--store", store, "--format", "pdf", "--version", "60", "-o", str(pdf)],
    )
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "at version 60" in result.output
    bad = runner.invoke(cli, ["slides", "nope", "--store", store, "-o", str(pdf)])
    assert bad.exit_code == 2
    both = runner.invoke(
        cli,
        [
            "slides",
            DEMO,
            "--store",
            store,
            "--version",
            "3",
            "--as-of",
            "2025-01-01",
            "-o",
            str(pdf),
        ],
    )
    assert both.exit_code == 2


def test_pieces() -> None:
    assert shorten("a b c", 10) == "a b c"
    assert shorten(LONG, 30).endswith("…")
    assert len(shorten(LONG, 30)) <= 30
    assert progress_of({"baseline": 38, "target": 50, "results": []}) == (
        "no result yet",
        "50",
        "—",
    )
    assert progress_of({"target": 50, "results": [{"as_of": "2026-06-30", "value": 46}]})[2] == "—"


def test_a_scenario_is_presented_like_its_plan() -> None:
    """Present mode takes a scenario (``plan~name``) like any plan: its own deck."""
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    history.create_scenario(DEMO, "cuts", Author("Business office"))
    history.retire_element(f"{DEMO}~cuts", "SI2.3", Author("Business office"))
    client = TestClient(create_app(api_context(history)))
    plan = client.get(f"/api/v1/plans/{DEMO}/deck").json()
    draft = client.get(f"/api/v1/plans/{DEMO}~cuts/deck")
    assert draft.status_code == 200
    assert "SI2.3" in str(plan) and "SI2.3" not in str(draft.json())
    assert client.get(f"/plans/{DEMO}~cuts/present").status_code == 200
