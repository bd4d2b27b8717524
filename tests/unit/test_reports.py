"""The progress report for the school committee (HTML, PDF, DOCX), from the command line
and the API; the public view of a published plan.

The PDF's text is read back with ``pdftotext`` (Debian's poppler-utils, installed by
``make reports``) and its first page drawn to PNG with ``pdftoppm`` (into
``artifacts/``); the DOCX is read back with python-docx.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context
from coherence.cli.main import cli
from coherence.domain.errors import InvalidTransition
from coherence.queries.reader import PlanReader
from coherence.reports import SECTIONS, build_report, charts, render
from coherence.reports.model import NO_CHANGES, NOT_ADOPTED, format_date, format_number
from coherence.reports.to_docx import OUTLINE
from coherence.reports.to_html import render_html
from tests.conftest import ROOT, need
from tests.plans import document, plan_data, yaml_text
from tests.unit.test_api_access import PLAN_ROUTES, call, plan_b_data

DEMO = "riverbend-2024"
PLAN, OTHER = "example-2025", "other-2025"
ARTIFACTS = ROOT / "artifacts" / "reports"
VOTE = {"body": "School Committee", "meeting_date": "2026-06-12", "vote": "7-0"}


def squeeze(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        need("pdftotext is not installed (apt-get install poppler-utils, or make reports)")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    )
    return squeeze(done.stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def demo() -> PlanReader:
    history = PlanHistory(Settings(store="memory://"))
    load_demo(history)
    return PlanReader(history)


@pytest.fixture
def history() -> PlanHistory:
    """Plan A, drafted by Dr. Alvarez, and plan B of another district."""
    history = PlanHistory(Settings(store="memory://"))
    history.import_plan(document(), Author("Dr. Alvarez"))
    history.import_plan(document(plan_b_data()), Author("setup"))
    return history


# -- the report of the demo plan ---------------------------------------------------------


def test_the_pdf_holds_every_section_the_district_objectives_and_latest_results(
    demo: PlanReader, tmp_path: Path
) -> None:
    report = build_report(demo, DEMO)
    pdf = render(report, "pdf")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for heading in SECTIONS.values():
        assert heading in text, heading
    assert "Riverbend Public Schools" in text
    assert report.objectives
    for objective in report.objectives:
        assert squeeze(objective.title) in text, objective.title
    shown = [o for o in report.outcomes if o.latest is not None]
    assert len(shown) >= 8
    for outcome in shown:
        latest = outcome.latest
        assert latest is not None
        cell = f"{format_number(latest.value)} {outcome.unit} ({format_date(latest.as_of)})"
        assert squeeze(cell) in text, (outcome.key, cell)
    # the cover: the adoption record of the last adoption
    assert "Plan adopted by the School Committee on 2026-08-25 (5-2)" in text
    minutes = "https://riverbend.example.org/school-committee/minutes/2026-08-25.pdf"
    assert minutes in text.replace(" ", "")  # a long link may wrap
    # the findings in sentences, the rule ids only in the appendix
    main, _, appendix = text.partition(SECTIONS["appendix"] + " Rule")
    assert "orphaned-initiative" not in main
    assert "orphaned-initiative" in appendix
    # the first page, as a picture
    if shutil.which("pdftoppm") is None:
        need("pdftoppm is not installed (apt-get install poppler-utils, or make reports)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
         str(ARTIFACTS / "report.pdf"), str(ARTIFACTS / "report-page1")],
        check=True,
    )  # fmt: skip
    assert (ARTIFACTS / "report-page1.png").stat().st_size > 10_000


def test_the_docx_has_dese_sections_as_headings_and_a_table_of_benchmarks(
    demo: PlanReader,
) -> None:
    report = build_report(demo, DEMO)
    doc: Any = Document(io.BytesIO(render(report, "docx")))
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")
    ]
    top = [text for style, text in headings if style == "Heading 1"]
    for numbered in OUTLINE[:4]:
        assert numbered in top, numbered
    assert top.index(OUTLINE[0]) < top.index(OUTLINE[1]) < top.index(OUTLINE[3])
    assert ("Heading 2", "Mission") in headings
    benchmarks = [
        t
        for t in doc.tables
        if [c.text for c in t.rows[0].cells][:3] == ["Initiative", "Key", "Benchmark"]
    ]
    assert len(benchmarks) == 1
    rows = [[c.text for c in row.cells] for row in benchmarks[0].rows[1:]]
    expected = sum(len(g.benchmarks) for g in report.benchmarks)
    assert len(rows) == expected > 20
    b35 = next(r for r in rows if r[1] == "B35")
    assert b35[4] == "On track" and "Fall screening window closed" in b35[7]
    assert len(doc.inline_shapes) == sum(1 for o in report.outcomes if charts.can_chart(o)) > 8


def test_the_html_is_one_page_with_print_styles_and_no_script(demo: PlanReader) -> None:
    html = render_html(build_report(demo, DEMO, fiscal_year="FY26"))
    assert "<script" not in html.lower()
    assert "@page" in html and "break-before: page" in html
    assert html.count('src="data:image/svg+xml;base64,') >= 8
    assert "In FY26," in html
    assert "https://" not in html.replace(
        "https://riverbend.example.org/school-committee/minutes/", ""
    )


def test_the_fiscal_year_defaults_to_that_of_the_reports_date(demo: PlanReader) -> None:
    assert build_report(demo, DEMO, as_of=_date("2025-09-01")).resources.fiscal_year == "FY26"
    assert build_report(demo, DEMO, as_of=_date("2025-06-30")).resources.fiscal_year == "FY25"
    report = build_report(demo, DEMO, as_of=_date("2025-06-30"))
    assert report.adoption is not None and report.adoption.meeting_date == "2024-06-18"


def _date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


# -- what changed since the last adoption ------------------------------------------------


def test_the_changes_since_adoption_are_exactly_those_made_with_who_and_why(
    history: PlanHistory, tmp_path: Path
) -> None:
    reader = PlanReader(history)
    before = build_report(reader, PLAN)
    assert before.adoption is None and before.changes == ()
    assert before.changes_note == NOT_ADOPTED
    history.adopt(PLAN, Author("Clerk", "Annual vote"), record=VOTE)
    assert build_report(reader, PLAN).changes_note == NO_CHANGES
    history.revise_element(
        PLAN,
        "SO2",
        {"title": "Belonging for every student"},
        Author("Ana Ruiz <ana@x.org>", "Family survey"),
    )
    history.publish(PLAN, Author("Clerk", "For the meeting"))  # not a change of the plan
    history.report_benchmark_status(
        PLAN, "B1", "at_risk", Author("Kevin Tran", "Two tutors left"), note="Hiring again"
    )
    history.retire_element(PLAN, "EG1", Author("Dr. Alvarez", "Goal met early"))
    report = build_report(reader, PLAN)
    assert [(c.actor, c.reason) for c in report.changes] == [
        ("Ana Ruiz", "Family survey"),
        ("Kevin Tran", "Two tutors left"),
        ("Dr. Alvarez", "Goal met early"),
    ]
    assert report.changes[0].sentences == (
        "Objective SO2 'Belonging for every student' revised (title)",
    )
    assert report.adoption is not None and report.adoption.vote == "7-0"
    text = pdf_text(render(report, "pdf"), tmp_path)
    # the last heading of each: the cover's contents name them first
    changes = text.rpartition(SECTIONS["changes"])[2].rpartition(SECTIONS["appendix"])[0]
    for actor, reason in [
        ("Ana Ruiz", "Family survey"),
        ("Kevin Tran", "Two tutors left"),
        ("Dr. Alvarez", "Goal met early"),
    ]:
        assert f"{actor}, because: {reason}" in changes
    assert "published" not in changes.lower()
    assert "ana@x.org" not in text
    assert "3 revisions" in changes
    # the benchmark's last note
    b1 = report.benchmarks[0].benchmarks[0]
    assert (b1.key, b1.status_label, b1.note) == ("B1", "At risk", "Hiring again")
    # the report of the version adopted has no changes since
    assert build_report(reader, PLAN, version=report.adoption.version).changes == ()


def test_a_plan_never_adopted_renders_in_every_format(history: PlanHistory, tmp_path: Path) -> None:
    report = build_report(PlanReader(history), PLAN)
    assert NOT_ADOPTED in pdf_text(render(report, "pdf"), tmp_path)
    assert NOT_ADOPTED in render(report, "html").decode()
    doc: Any = Document(io.BytesIO(render(report, "docx")))
    assert NOT_ADOPTED in [p.text for p in doc.paragraphs]


def test_plan_text_is_escaped(history: PlanHistory) -> None:
    data = plan_data(
        mission="<script>alert('m')</script> & more",
        objectives=[
            {"key": "SO1", "title": "<img src=x onerror=alert(1)>"},
            {"key": "SO2", "title": "Belonging"},
        ],
    )
    data["plan"]["title"] = "</title><script>alert(1)</script>"
    history.import_plan(document(data), Author("Mallory <m@x.org>"))
    html = render(build_report(PlanReader(history), PLAN), "html").decode()
    assert "<script" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt; &amp; more" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# -- publishing --------------------------------------------------------------------------


def test_publishing_is_kept_in_the_history(history: PlanHistory) -> None:
    assert history.get_plan(PLAN).published is False
    result = history.publish(PLAN, Author("Clerk", "Committee meeting"))
    assert [e.type for e in result.events] == ["Published"]
    assert history.publish(PLAN, Author("Clerk")).events == []  # already public
    assert history.get_plan(PLAN).published is True
    history.close_plan(PLAN, Author("Clerk"))
    with pytest.raises(InvalidTransition):
        history.revise_element(PLAN, "SO2", {"title": "x"}, Author("Clerk"))
    history.unpublish(PLAN, Author("Clerk", "Cycle over"))  # a closed plan may still be
    entries = history.history(PLAN)
    assert [e.summary for e in entries if e.type in ("Published", "Unpublished")] == [
        "Plan published: its report is public: Committee meeting",
        "Plan unpublished: its report is no longer public: Cycle over",
    ]
    assert history.get_plan(PLAN).published is False
    assert history.get_plan(PLAN, version=entries[-2].version).published is True


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(history)))


def bearer(history: PlanHistory, role: str) -> dict[str, str]:
    secret, _ = issue_token(history, owner=f"{role} person", role=role)
    return {"Authorization": f"Bearer {secret}"}


def test_the_public_view_is_open_only_while_published(
    history: PlanHistory, client: TestClient
) -> None:
    admin = bearer(history, "admin")
    viewer = bearer(history, "viewer")
    unknown = client.get("/public/no-such-plan")
    unpublished = client.get(f"/public/{PLAN}")
    assert unknown.status_code == unpublished.status_code == 404
    assert unknown.text.replace("no-such-plan", PLAN) == unpublished.text  # the same 404
    assert client.post(f"/api/v1/plans/{PLAN}/publish", headers=viewer).status_code == 403
    r = client.post(f"/api/v1/plans/{PLAN}/publish", json={"reason": "Meeting"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["changes"][0]["summary"].startswith("Plan published")
    assert client.get(f"/api/v1/plans/{PLAN}", headers=viewer).json()["published"] is True

    page = client.get(f"/public/{PLAN}")  # no token, no session
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "Example Public Schools" in page.text and "Early literacy" in page.text
    for other in ("Other Public Schools", OTHER):  # nothing of another plan
        assert other not in page.text
    assert client.get(f"/public/{OTHER}").status_code == 404

    r = client.delete(f"/api/v1/plans/{PLAN}/publish", headers=admin)
    assert r.status_code == 200, r.text
    gone = client.get(f"/public/{PLAN}")
    assert gone.status_code == 404 and gone.text == unpublished.text


def test_no_route_of_a_published_plan_opens_without_a_credential(
    history: PlanHistory, client: TestClient
) -> None:
    admin = bearer(history, "admin")
    assert client.post(f"/api/v1/plans/{PLAN}/publish", headers=admin).status_code == 200
    before = history.get_plan(PLAN).version
    for route in PLAN_ROUTES:
        r = call(client, history, route, PLAN)
        assert r.status_code == 401, (route.id, r.status_code)
    assert history.get_plan(PLAN).version == before
    assert client.get(f"/public/{PLAN}").status_code == 200


def test_the_report_route(history: PlanHistory, client: TestClient) -> None:
    viewer = bearer(history, "viewer")
    url = f"/api/v1/plans/{PLAN}/report"
    html = client.get(url, headers=viewer)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["etag"] == f'"{history.get_plan(PLAN).version}"'
    pdf = client.get(url, params={"format": "pdf", "version": 1}, headers=viewer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert 'filename="example-2025-v1-report.pdf"' in pdf.headers["content-disposition"]
    docx = client.get(url, params={"format": "docx"}, headers=viewer)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    bad = client.get(url, params={"format": "odt"}, headers=viewer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "query.format"
    assert client.get(url, params={"version": 99}, headers=viewer).status_code == 404
    assert client.get(url, params={"fiscal_year": "soon"}, headers=viewer).status_code == 422
    assert client.get("/api/v1/plans/nope/report", headers=viewer).status_code == 404
    assert client.get(url).status_code == 401


def test_the_report_command(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'x.db'}"
    (tmp_path / "plan.yaml").write_text(yaml_text(), encoding="utf-8")
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, [*args, "--store", store])

    assert run("import", str(tmp_path / "plan.yaml")).exit_code == 0
    for fmt, magic in [("html", b"<!doctype html>"), ("pdf", b"%PDF"), ("docx", b"PK")]:
        out = tmp_path / f"r.{fmt}"
        result = run("report", PLAN, "--format", fmt, "-o", str(out), "--fiscal-year", "FY26")
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
    assert run("report", PLAN, "--format", "odt", "-o", "x").exit_code == 2
    missing = run("report", PLAN, "--version", "99", "-o", str(tmp_path / "y.html"))
    assert missing.exit_code == 2 and "no version 99" in missing.stderr
    assert run("report", "nope", "-o", str(tmp_path / "z.html")).exit_code == 2
    published = run("publish", PLAN, "--reason", "Meeting", "--actor", "Clerk")
    assert published.exit_code == 0 and f"/public/{PLAN}" in published.output
    again = run("publish", PLAN)
    assert again.exit_code == 0 and "already public" in again.output
    assert run("unpublish", PLAN, "--format", "json").exit_code == 0
    history = PlanHistory(Settings(store=store))
    assert [e.type for e in history.history(PLAN)][-2:] == ["Published", "Unpublished"]


def test_the_report_gives_the_score_and_findings_of_the_audit(demo: PlanReader) -> None:
    """The committee sees the same score and findings (history rules included) as the
    audit of the same version and day, by the command line, the API and the page."""
    report = build_report(demo, DEMO)
    audit = demo.audit(DEMO)
    assert report.score == audit.score
    assert {g.severity: g.count for g in report.findings} == {
        severity: n for severity, n in audit.summary.items() if n
    }
