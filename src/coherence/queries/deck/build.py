"""Building the deck from the plan reader: a title slide, one slide per objective, how
the plan changed, the findings to discuss."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from coherence.application.results import Diff
from coherence.domain.errors import NeverAdopted
from coherence.domain.framework import FRAMEWORK
from coherence.queries.audit.model import Finding
from coherence.queries.audit.values import natural_key
from coherence.queries.deck.model import LIMITS, Block, Deck, Limits, Slide, shorten
from coherence.queries.deck.words import (
    _change_counts,
    _count,
    _edge_order,
    _fte,
    _labelled,
    _money,
    _more,
    change_sentences,
    progress_of,
    rule_label,
)
from coherence.queries.framework import SEVERITIES
from coherence.queries.graph_layout import layered_x
from coherence.queries.graph_timeline import level_of
from coherence.queries.line_of_sight import beneath

# -- building ----------------------------------------------------------------------


def build_deck(
    reader: Any,
    plan_id: str,
    *,
    version: int | None = None,
    as_of: date | datetime | None = None,
    limits: Limits = LIMITS,
) -> Deck:
    """The deck of a plan at a version, as of a date, or now (a
    :class:`~coherence.queries.reader.PlanReader` answers every read)."""
    at = reader.at(plan_id, version=version, as_of=as_of)
    plan = reader.plan(plan_id, version=at.version)
    graph = reader.active(at)
    report = reader.audit(plan_id, version=version, as_of=as_of)
    funding = reader.funding(plan_id, version=at.version)
    details = plan.details()
    elements: dict[str, Mapping[str, Any]] = {
        key: e["fields"] for key, e in plan.elements.items() if not e["retired"]
    }
    kinds = {key: e["kind"] for key, e in plan.elements.items()}
    builder = DeckBuilder(limits, elements, kinds, graph)

    slides = [builder.title_slide(details, at.version, at.audit_date)]
    money = {o.key: o for o in funding.objectives}
    initiative_money = {i.key: i for i in funding.initiatives}
    objectives = sorted(
        (k for k, kind in kinds.items() if kind == "objective" and k in graph),
        key=natural_key,
    )
    for key in objectives:
        slides.append(
            builder.objective_slide(key, money.get(key), initiative_money, report.findings)
        )
    slides.append(builder.changes_slide(_diff_since_adoption(reader, plan_id, at.version)))
    slides.extend(builder.findings_slides(report.findings, report.score))
    return Deck(
        plan=plan_id,
        district=str(details.get("district") or ""),
        title=str(details.get("title") or plan_id),
        version=at.version,
        as_of=at.audit_date,
        slides=tuple(slides),
    )


def _diff_since_adoption(reader: Any, plan_id: str, version: int) -> tuple[str, Diff | None]:
    """The diff from the version last adopted (when that is on or before ``version``),
    else from the first version, to ``version``; and the words for where it starts."""
    try:
        adopted: int | None = reader.resolve(plan_id, "adopted")
    except NeverAdopted:
        adopted = None
    if adopted is not None and adopted <= version:
        start, since = adopted, f"Since the plan was adopted (version {adopted})"
    else:
        start, since = 1, "Since the first version"
    if start >= version:
        return since, None
    diff: Diff = reader.history.diff(plan_id, start, version)
    return since, diff


class DeckBuilder:
    def __init__(
        self,
        limits: Limits,
        elements: Mapping[str, Mapping[str, Any]],
        kinds: Mapping[str, str],
        graph: Any,
    ) -> None:
        self.limits = limits
        self.elements = elements
        self.kinds = kinds
        self.graph = graph

    # naming

    def title_of(self, key: str) -> str:
        kind = self.kinds.get(key)
        spec = FRAMEWORK.kinds.get(kind or "")
        fields = self.elements.get(key, {})
        return (spec.title(fields) if spec else None) or ""

    def named(self, key: str, limit: int) -> str:
        """``SI2.3 · Tutoring for…``: the key kept, the title shortened."""
        title = self.title_of(key)
        if not title:
            return key
        return f"{key} · {shorten(title, max(8, limit - len(key) - 3))}"

    def outcome_name(self, key: str, limit: int) -> str:
        """An outcome by its metric (shorter than its statement), else its statement."""
        metric = self.elements.get(key, {}).get("metric")
        if isinstance(metric, str) and metric.strip():
            return f"{key} · {shorten(metric, max(8, limit - len(key) - 3))}"
        return self.named(key, limit)

    def full_name(self, key: str) -> str:
        title = " ".join(self.title_of(key).split())
        return f"{key} · {title}" if title else key

    # slides

    def title_slide(self, details: Mapping[str, Any], version: int, on: date) -> Slide:
        lim = self.limits
        text = {k: self.elements.get(k, {}).get("text") for k in ("mission", "vision")}
        theory = self.elements.get("theory_of_action", {}).get("text")
        values = sorted(
            (k for k, kind in self.kinds.items() if kind == "core_value" and k in self.elements),
            key=natural_key,
        )
        blocks: list[Block] = []
        for key, label in (("mission", "Mission"), ("vision", "Vision")):
            if text[key]:
                blocks.append(Block("statement", label, shorten(text[key], lim.statement)))
        if values:
            shown = values[: lim.core_values]
            blocks.append(
                Block(
                    "bullets",
                    FRAMEWORK.kinds["core_value"].plural,
                    items=tuple(
                        {"text": shorten(self.title_of(k), 40), "key": k, "severity": None}
                        for k in shown
                    ),
                    more=_more(len(values) - len(shown)),
                )
            )
        if theory:
            blocks.append(Block("statement", "Theory of action", shorten(theory, lim.theory)))
        period = " to ".join(
            str(details[k]) for k in ("period_start", "period_end") if details.get(k)
        )
        subtitle = " · ".join(
            part
            for part in (str(details.get("district") or ""), period, f"version {version}")
            if part
        )
        notes = [f"{label}: {' '.join(str(t).split())}" for label, t in _labelled(text)]
        notes += [
            f"Core value {self.full_name(k)}: "
            + " ".join(str(self.elements[k].get("description") or "").split())
            for k in values
        ]
        if theory:
            notes.append("Theory of action: " + " ".join(theory.split()))
        notes.append(f"The plan at version {version}, audited as of {on.isoformat()}.")
        return Slide(
            id="plan",
            layout="title",
            title=shorten(str(details.get("title") or "The plan"), self.limits.title),
            subtitle=subtitle,
            blocks=tuple(blocks),
            notes=tuple(notes),
        )

    def objective_slide(
        self,
        key: str,
        money: Any,
        initiative_money: Mapping[str, Any],
        findings: Sequence[Finding],
    ) -> Slide:
        lim = self.limits
        g = self.graph
        under = beneath(g, key)
        keys = sorted(under.nodes, key=natural_key)
        edges = sorted(under.edges(keys=True), key=_edge_order)
        # The plan page's order across each level (the slides on screen and in the
        # downloads draw their bands in it).
        places = layered_x(
            {k: level_of(self.kinds.get(k, "")) for k in keys}, ((s, t) for s, t, _ in edges)
        )
        supports = sorted(
            (s for s, _, e in g.in_edges(key, keys=True) if e == "supports"), key=natural_key
        )
        measures = sorted(
            (s for s, _, e in g.in_edges(key, keys=True) if e == "measures"), key=natural_key
        )
        blocks: list[Block] = []
        notes: list[str] = [self.full_name(key)]
        description = self.elements.get(key, {}).get("description")
        if description:
            notes.append(" ".join(str(description).split()))

        rows: list[tuple[str, ...]] = []
        for i in supports:
            fields = self.elements.get(i, {})
            funded = initiative_money.get(i)
            amount = _money(funded.amount) if funded is not None and funded.amount else "—"
            rows.append((self.named(i, lim.cell), shorten(fields.get("owner") or "—", 28), amount))
            notes.append(
                f"Initiative {self.full_name(i)} — owner: {fields.get('owner') or 'none'}; "
                f"allocated {amount}"
            )
        if rows:
            shown = rows[: lim.initiatives]
            blocks.append(
                Block(
                    "table",
                    "Initiatives",
                    columns=("Initiative", "Owner", "Allocated"),
                    rows=tuple(shown),
                    more=_more(len(rows) - len(shown)),
                )
            )
        else:
            blocks.append(
                Block(
                    "bullets",
                    "Initiatives",
                    items=({"text": "No initiative supports it yet.", "key": None},),
                )
            )

        outcome_rows: list[tuple[str, ...]] = []
        for o in measures:
            fields = self.elements.get(o, {})
            latest, target, share = progress_of(fields)
            outcome_rows.append(
                (
                    self.outcome_name(o, lim.cell),
                    latest,
                    target,
                    share,
                )
            )
            notes.append(
                f"Outcome {self.full_name(o)} — latest {latest}, target {target}"
                + (f", {share} of the way from the baseline" if share != "—" else "")
            )
        if outcome_rows:
            shown = outcome_rows[: lim.outcomes]
            blocks.append(
                Block(
                    "table",
                    "Outcomes",
                    columns=("Outcome", "Latest", "Target", "Progress"),
                    rows=tuple(shown),
                    more=_more(len(outcome_rows) - len(shown)),
                )
            )
        else:
            blocks.append(
                Block(
                    "bullets",
                    "Outcomes",
                    items=({"text": "No outcome measures it yet.", "key": None},),
                )
            )

        blocks.append(self.money_block(money))
        notes.append("Money: " + "; ".join(str(i["text"]) for i in blocks[-1].items))

        mine = [f for f in findings if f.key is not None and f.key in under]
        items = [
            {"text": f"{f.key} · {rule_label(f.rule)}", "key": f.key, "severity": f.severity.value}
            for f in mine
        ]
        shown_items = items[: lim.objective_findings]
        blocks.append(
            Block(
                "bullets",
                "Findings",
                items=tuple(shown_items)
                or ({"text": "No finding: every rule passes here.", "key": None},),
                more=_more(len(items) - len(shown_items)),
            )
        )
        notes += [f"{f.severity.value.capitalize()}: {f.message}" for f in mine]
        return Slide(
            id=f"objective-{key}",
            layout="objective",
            title=self.named(key, lim.title),
            subtitle=" · ".join(
                (
                    FRAMEWORK.kinds["objective"].label,
                    _count(len(supports), "initiative"),
                    _count(len(measures), "outcome"),
                    _count(len(mine), "finding"),
                )
            ),
            key=key,
            blocks=tuple(blocks),
            graph={
                "root": key,
                "keys": keys,
                "nodes": [
                    {
                        "key": k,
                        "kind": self.kinds.get(k, ""),
                        "title": self.title_of(k),
                        "x": places.get(k),
                    }
                    for k in keys
                ],
                "edges": [{"source": s, "target": t, "edge": e} for s, t, e in edges],
            },
            notes=tuple(notes),
        )

    def money_block(self, money: Any) -> Block:
        if money is None or not money.amount:
            items = [{"text": "No money reaches it.", "key": None}]
        else:
            items = [
                {
                    "text": f"{_money(money.amount)} reaches it (its share {_money(money.share)})",
                    "key": None,
                }
            ]
            staff = f"{_fte(money.fte)} FTE" if money.fte else ""
            funds = f"from {', '.join(money.funds)}" if money.funds else ""
            if staff or funds:
                text = " ".join(p for p in (staff, funds) if p)
                items.append({"text": shorten(text[:1].upper() + text[1:], 70), "key": None})
        return Block("bullets", "Money", items=tuple(items))

    def changes_slide(self, found: tuple[str, Diff | None]) -> Slide:
        since, diff = found
        lim = self.limits
        sentences = list(change_sentences(diff.changes, self)) if diff else []
        if diff is None or not sentences:
            return Slide(
                id="changes",
                layout="list",
                title="How the plan changed",
                subtitle=since,
                blocks=(Block("statement", "", "Nothing has changed."),),
                notes=(f"{since}: nothing has changed.",),
            )
        counts = _change_counts(diff.changes)
        shown = sentences[: lim.changes]
        return Slide(
            id="changes",
            layout="list",
            title="How the plan changed",
            subtitle=f"{since} to version {diff.to_version}: {counts}",
            blocks=(
                Block(
                    "bullets",
                    "",
                    items=tuple(
                        {"text": shorten(s, lim.bullet), "key": k, "severity": None}
                        for k, s in shown
                    ),
                    more=_more(len(sentences) - len(shown), "change"),
                ),
            ),
            notes=(f"{since} to version {diff.to_version}: {counts}.", *(s for _, s in sentences)),
        )

    def findings_slides(self, findings: Sequence[Finding], score: int) -> list[Slide]:
        lim = self.limits
        if not findings:
            return [
                Slide(
                    id="findings",
                    layout="list",
                    title="Findings to discuss",
                    subtitle=f"Alignment score {score}",
                    blocks=(Block("statement", "", "No finding: every rule passes."),),
                    notes=("The audit found nothing to discuss.",),
                )
            ]
        pages = [findings[i : i + lim.findings] for i in range(0, len(findings), lim.findings)]
        counts = ", ".join(
            f"{n} {look['label'].lower() if n == 1 else look['plural']}"
            for severity, look in SEVERITIES.items()
            if (n := sum(1 for f in findings if f.severity == severity))
        )
        slides = []
        for number, page in enumerate(pages, 1):
            blocks = []
            for severity, look in SEVERITIES.items():
                mine = [f for f in page if f.severity == severity]
                if not mine:
                    continue
                blocks.append(
                    Block(
                        "bullets",
                        look["plural"].capitalize(),
                        items=tuple(
                            {
                                "text": shorten(f.message, lim.bullet),
                                "key": f.key,
                                "severity": severity.value,
                            }
                            for f in mine
                        ),
                    )
                )
            part = f" ({number} of {len(pages)})" if len(pages) > 1 else ""
            slides.append(
                Slide(
                    id=f"findings-{number}",
                    layout="list",
                    title=f"Findings to discuss{part}",
                    subtitle=f"Alignment score {score}: {counts}",
                    blocks=tuple(blocks),
                    notes=tuple(f"{f.severity.value.capitalize()}: {f.message}" for f in page),
                )
            )
        return slides
