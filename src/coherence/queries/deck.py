"""The plan as slides, for a leadership retreat: pure data, built once on the server.

A :class:`Deck` is what the present page (``/plans/{id}/present``), the PDF and the
PowerPoint file all show, slide for slide (``GET /api/v1/plans/{id}/deck``):

1. **The plan**: its title, the mission, the vision, the core values and the theory of
   action.
2. **One slide per objective**, in key order: its initiatives with their owners and the
   money allocated to each, its outcomes with their progress (the latest result against
   the target, and how much of the way from the baseline it is), the money that reaches
   it (as ``GET /plans/{id}/funding`` counts it) and the audit's findings on it and on
   what stands beneath it. ``graph`` names the objective and everything beneath it (its
   part of the alignment graph).
3. **How the plan changed**: the diff, in sentences, from the version last adopted (on
   or before the version shown; the first version when the plan never was) to the
   version shown.
4. **Findings to discuss**, grouped by severity, errors first (several slides when
   there are many).

Text is cut to what a slide shows from the back of the room (every cut keeps its start
and ends with ``…``; the lists say ``and N more``); the speaker notes (``notes``) keep
everything in full. Nothing here draws: the renderers (the page, ``coherence.reports``)
only lay the blocks out.

>>> shorten("Tutoring for every student in grades 3 to 8", 20)
'Tutoring for every…'
>>> progress_of({"baseline": 24.6, "target": 16, "unit": "percent",
...              "results": [{"as_of": "2026-10-31", "value": 18.7}]})
('18.7% (Oct 2026)', '16%', '69%')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from coherence.application.narrative import format_money
from coherence.application.results import Diff
from coherence.domain.changes import Change
from coherence.domain.errors import NeverAdopted
from coherence.domain.framework import FRAMEWORK
from coherence.queries.audit.model import Finding
from coherence.queries.audit.values import natural_key
from coherence.queries.framework import SEVERITIES
from coherence.queries.line_of_sight import beneath

__all__ = [
    "LIMITS",
    "Block",
    "Deck",
    "Slide",
    "build_deck",
    "progress_of",
    "rule_label",
    "shorten",
]


@dataclass(frozen=True)
class Limits:
    """How much a slide shows (the notes keep the rest)."""

    title: int = 90
    statement: int = 300
    theory: int = 420
    cell: int = 48
    bullet: int = 150
    initiatives: int = 4
    outcomes: int = 3
    objective_findings: int = 2
    changes: int = 7
    findings: int = 6
    core_values: int = 6


LIMITS = Limits()


def shorten(text: str | None, limit: int) -> str:
    """``text`` on one line, cut at a word to at most ``limit`` characters with ``…``."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-—") + "…"


@dataclass(frozen=True)
class Block:
    """A part of a slide: a ``statement`` (a paragraph), ``bullets`` or a ``table``.

    Bullets may name an element (``key``) and a severity; ``more`` says what was left
    off (``and 3 more``)."""

    kind: str
    heading: str = ""
    text: str = ""
    items: tuple[Mapping[str, str | None], ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    more: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "heading": self.heading}
        if self.kind == "statement":
            out["text"] = self.text
        elif self.kind == "bullets":
            out["items"] = [dict(item) for item in self.items]
        else:
            out["columns"] = list(self.columns)
            out["rows"] = [list(row) for row in self.rows]
        out["more"] = self.more
        return out


@dataclass(frozen=True)
class Slide:
    """One slide: ``layout`` is ``title``, ``objective`` or ``list``. ``graph``, on an
    objective's slide, is its part of the alignment graph: ``{"root": key, "keys": [the
    root and what is beneath it], "nodes": [{key, kind, title}], "edges": [{source,
    target, edge}]}`` (edges from the supporter to the supported)."""

    id: str
    layout: str
    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    notes: tuple[str, ...] = ()
    key: str | None = None
    graph: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "layout": self.layout,
            "title": self.title,
            "subtitle": self.subtitle,
            "key": self.key,
            "blocks": [b.to_dict() for b in self.blocks],
            "graph": dict(self.graph) if self.graph is not None else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Deck:
    """The slides of a plan at one version."""

    plan: str
    district: str
    title: str
    version: int
    as_of: date
    slides: tuple[Slide, ...] = field(default=())

    @property
    def name(self) -> str:
        """The file name a download takes, without extension: ``riverbend-2024-v484``."""
        return f"{self.plan}-v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "district": self.district,
            "title": self.title,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "slides": [s.to_dict() for s in self.slides],
        }


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
    builder = _Builder(limits, elements, kinds, graph)

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


class _Builder:
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
                    {"key": k, "kind": self.kinds.get(k, ""), "title": self.title_of(k)}
                    for k in keys
                ],
                "edges": [
                    {"source": s, "target": t, "edge": e}
                    for s, t, e in sorted(under.edges(keys=True), key=_edge_order)
                ],
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


# -- pieces --------------------------------------------------------------------------


def _labelled(text: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for key, label in (("mission", "Mission"), ("vision", "Vision")):
        if text.get(key):
            yield label, str(text[key])


def rule_label(rule: str) -> str:
    """``Objective without final outcome`` for ``objective-without-final-outcome``."""
    text = rule.replace("-", " ")
    return text[:1].upper() + text[1:]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _more(n: int, noun: str = "") -> str:
    if n <= 0:
        return ""
    return f"and {n} more{f' {noun}' + ('s' if n != 1 else '') if noun else ''} (in the notes)"


def _edge_order(edge: tuple[str, str, str]) -> tuple[Any, ...]:
    return (natural_key(edge[0]), natural_key(edge[1]), edge[2])


def _money(value: Decimal) -> str:
    return format_money(value)


def _fte(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _number(value: Any, unit: str | None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not unit:
        return text
    if unit.strip().lower() in ("percent", "%", "percentage"):
        return f"{text}%"
    return f"{text} {unit.strip()}"


def _month(when: Any) -> str:
    """``Oct 2026`` for ``2026-10-31`` (else the value as it is)."""
    try:
        return date.fromisoformat(str(when)[:10]).strftime("%b %Y")
    except ValueError:
        return str(when)


def progress_of(fields: Mapping[str, Any]) -> tuple[str, str, str]:
    """An outcome's latest result (with its date), its target, and how much of the way
    from the baseline to the target the latest result is (``—`` when it cannot say)."""
    unit = fields.get("unit")
    results = [r for r in fields.get("results") or [] if isinstance(r, Mapping) and "value" in r]
    results.sort(key=lambda r: str(r.get("as_of") or ""))
    target = fields.get("target")
    baseline = fields.get("baseline")
    target_text = _number(target, unit) if target is not None else "—"
    if not results:
        return "no result yet", target_text, "—"
    last = results[-1]
    value = last["value"]
    latest = f"{_number(value, unit)} ({_month(last.get('as_of'))})"
    numbers = [v for v in (value, baseline, target) if isinstance(v, int | float)]
    if len(numbers) == 3 and not any(isinstance(v, bool) for v in numbers):
        now, start, goal = (float(v) for v in numbers)
        if goal != start:
            return latest, target_text, f"{round((now - start) / (goal - start) * 100)}%"
    return latest, target_text, "—"


_VERB = {"add": "added", "restore": "restored", "retire": "retired"}


def change_sentences(changes: Iterable[Change], names: _Builder) -> Iterable[tuple[str, str]]:
    """``(key, sentence)`` for each change: additions and retirements first, then
    revisions, then links."""
    order = {"add": 0, "restore": 0, "retire": 1, "details": 2, "revise": 3, "relink": 4}
    for c in sorted(changes, key=lambda c: order.get(c.op, 5)):
        key = c.key or c.source or ""
        if c.op in _VERB and c.kind and c.key:
            fields = c.fields if c.fields is not None else names.elements.get(c.key, {})
            yield key, f"{FRAMEWORK.name(c.kind, c.key, fields)} {_VERB[c.op]}"
        elif c.op == "details":
            yield key, "Plan details revised (" + ", ".join(c.changes or {}) + ")"
        elif c.op == "revise" and c.kind and c.key:
            yield key, _revision_sentence(c, names)
        elif c.op in ("link", "unlink", "relink") and c.source and c.target:
            source = _kind_key(c.source, names)
            target = _kind_key(c.target, names).lower()
            verb = (c.edge or "").replace("_", " ")
            amount = (c.attributes or {}).get("amount")
            money = f" ({format_money(amount)})" if amount is not None else ""
            if c.op == "link":
                yield key, f"{source} now {verb} {target}{money}"
            elif c.op == "unlink":
                yield key, f"{source} no longer {verb} {target}"
            else:
                yield key, f"{source}: allocation to {target} changed to {format_money(amount)}"


def _kind_key(key: str, names: _Builder) -> str:
    kind = names.kinds.get(key)
    if kind is None:
        return key
    return FRAMEWORK.name(kind, key, {})


def _revision_sentence(c: Change, names: _Builder) -> str:
    assert c.kind is not None
    assert c.key is not None
    name = FRAMEWORK.name(c.kind, c.key, names.elements.get(c.key, {}), limit=60)
    changes = c.changes or {}
    if set(changes) == {"results"}:
        before, after = changes["results"]
        new = [r for r in after or [] if r not in (before or [])]
        if new:
            unit = names.elements.get(c.key, {}).get("unit")
            last = new[-1]
            return (
                f"{name}: new result {_number(last.get('value'), unit)} as of {last.get('as_of')}"
            )
    if set(changes) == {"status"}:
        before, after = changes["status"]
        was = f" (was {str(before).replace('_', ' ')})" if before else ""
        return f"{name} now {str(after).replace('_', ' ')}{was}"
    labels = [
        FRAMEWORK.kinds[c.kind].fields[f].label.lower()
        if f in FRAMEWORK.kinds[c.kind].fields
        else f
        for f in changes
    ]
    return f"{name} revised: {', '.join(labels)}"


def _change_counts(changes: Sequence[Change]) -> str:
    groups = (
        ("added", ("add", "restore")),
        ("retired", ("retire",)),
        ("revised", ("revise", "details")),
        ("links changed", ("link", "unlink", "relink")),
    )
    parts = [f"{n} {word}" for word, ops in groups if (n := sum(1 for c in changes if c.op in ops))]
    return ", ".join(parts) or "no change"
