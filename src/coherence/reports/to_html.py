"""The progress report as one HTML page: for the browser, for print, and for the PDF.

Built with Jinja2 with autoescaping on for the whole template (``autoescape=True``),
not with ``html.escape`` by hand: every ``{{ value }}`` of the template is escaped
unless it is marked safe, so text from a plan (a title of ``<script>``, an owner with
``&``) is always shown as text, and forgetting to escape one value is not possible. The
only value marked safe is ours: the stylesheet. The charts are images (``data:`` URIs of
matplotlib's SVG, which draws no text of the plan) with their ``alt`` text escaped. Undefined names
are errors (``StrictUndefined``), so a misspelt field fails a test rather than printing
nothing.

The page is self-contained (its styles inline, the charts SVG images in ``data:`` URIs,
no script and no request for anything else), so it is served under the pages'
Content-Security-Policy, saved or mailed as one file, and handed as it is to WeasyPrint
for the PDF. Print styles: US letter pages with numbers, each section on a new page.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from coherence.application.narrative import format_money
from coherence.domain.framework import BENCHMARK_STATUSES, KINDS
from coherence.queries.audit import Severity
from coherence.queries.framework import SEVERITIES
from coherence.reports import charts
from coherence.reports.model import (
    NOT_ADOPTED,
    SECTIONS,
    Report,
    field_label,
    format_date,
    format_number,
    format_share,
    humanize,
)

TEMPLATES = "coherence.reports.templates"

STATUS_COLOURS: dict[str, str] = dict(
    zip(
        BENCHMARK_STATUSES,
        (
            KINDS["benchmark"].colour,  # not started: the benchmark kind's own grey
            SEVERITIES[Severity.INFO]["colour"],
            SEVERITIES[Severity.WARNING]["colour"],
            SEVERITIES[Severity.ERROR]["colour"],
            KINDS["budget_line"].colour,  # complete: the catalogue's green
        ),
        strict=True,
    )
)
"""A benchmark status's colour, from the catalogue's and the severities' colours."""


def _load(name: str) -> str:
    return resources.files(TEMPLATES).joinpath(name).read_text(encoding="utf-8")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_load),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = format_date
    env.filters["number"] = _number
    env.filters["money"] = format_money
    env.filters["share"] = format_share
    return env


def _number(value: float | int | Decimal | None) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return format_number(value)


def chart_images(report: Report) -> dict[str, str]:
    """Each outcome's chart as a ``data:`` URI of its SVG (see :func:`charts.svg_data_uri`)."""
    return {
        o.key: charts.svg_data_uri(o, salt=f"{report.plan}-{o.key}")
        for o in report.outcomes
        if charts.can_chart(o)
    }


def render_html(report: Report, *, images: dict[str, str] | None = None) -> str:
    """The report as a self-contained HTML page."""
    template = environment().get_template("report.html.j2")
    kinds: dict[str, Any] = dict(KINDS)
    return template.render(
        r=report,
        css=Markup(_load("report.css")),  # noqa: S704 - our own stylesheet
        sections=SECTIONS,
        kinds=kinds,
        severities=[{"name": s.value, **look} for s, look in SEVERITIES.items()],
        status_colours=STATUS_COLOURS,
        field=field_label,
        charts=chart_images(report) if images is None else images,
        describe=charts.describe,
        objective_titles=report.objective_titles,
        not_adopted=NOT_ADOPTED,
        benchmark_count=sum(len(g.benchmarks) for g in report.benchmarks),
        benchmark_statuses=_status_counts(report),
        learning=_learning_sections(report),
    )


def _learning_sections(report: Report) -> tuple[tuple[str, Any], ...]:
    """Professional development, then induction and mentoring: headings from the
    catalogue's kinds of professional learning."""
    choices = KINDS["professional_learning"].fields["kind"].choices
    first = choices[0].replace("_", " ").capitalize()
    others = " and ".join(c.replace("_", " ") for c in choices[1:]).capitalize()
    return ((first, report.professional_development), (others, report.induction_mentoring))


def _status_counts(report: Report) -> list[tuple[str, int]]:
    """How many benchmarks have each status, in the catalogue's order (those not reported
    last)."""
    counts: dict[str | None, int] = {}
    for group in report.benchmarks:
        for b in group.benchmarks:
            counts[b.status] = counts.get(b.status, 0) + 1
    order: list[str | None] = [*BENCHMARK_STATUSES, None]
    return [
        (humanize(status) if status else "not reported", counts[status])
        for status in order
        if counts.get(status)
    ]
