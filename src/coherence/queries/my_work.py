""" "My work": the benchmarks and outcomes a person owns, across the plans they may read,
that need them: due in the next :data:`DUE_SOON_DAYS` days, overdue, or not reported
for more than :data:`STALE_DAYS` days.

**Who owns what.** Plans name owners in free text (``owner`` of a benchmark or an
initiative: "Director of Curriculum", "Ana Ruiz"). A person is known by their token's
owner (``Ana Ruiz, Director of Curriculum``) and, once people sign in, their e-mail
address. An owner field is theirs when, compared without regard to case or repeated
spaces, it equals the whole owner, one of its comma-separated parts (the name, the
role) or the e-mail address; an owner field may name several people separated by
``;``. A benchmark is theirs by its own owner or, when it names none, by the owner of
the initiative it tracks; an outcome by the owner of an initiative supporting the
objective it measures (outcomes have no owner of their own).

**Buckets** (as of a day, UTC today by default; an item can be in several):

- ``due_soon``: not done and due from today to today + 30 days, both included;
- ``overdue``: not done and due before today;
- ``stale``: not done and nothing reported for more than 90 days: its last status (a
  benchmark) or result (an outcome) was reported 91 days ago or earlier, or it never
  was and it was added to the plan that long ago.

A benchmark is done when its status is ``complete``; an outcome when it has a result
as of its due date or later. Closed plans are left out.

>>> person_names("Ana Ruiz, Director of Curriculum")
('ana ruiz, director of curriculum', 'ana ruiz', 'director of curriculum')
>>> owned_by("ana  RUIZ; Ben Ode", person_names("Ana Ruiz, Director of Curriculum"))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from coherence.application.history import PlanHistory
from coherence.application.results import PlanSummary
from coherence.domain.framework import FRAMEWORK
from coherence.domain.plan import DistrictPlan, plan_uuid

DUE_SOON_DAYS = 30
STALE_DAYS = 90
BUCKETS = ("overdue", "due_soon", "stale")
_REPORTS = ("BenchmarkStatusReported", "OutcomeResultReported")
_ADDITIONS = ("ElementAdded", "ElementRestored")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def person_names(owner: str, emails: Iterable[str] = ()) -> tuple[str, ...]:
    """What an owner field may say to name this person (normalized)."""
    names = [_norm(owner), *(_norm(p) for p in owner.split(",")), *(_norm(e) for e in emails)]
    return tuple(dict.fromkeys(n for n in names if n))


def owned_by(field: object, names: Sequence[str]) -> bool:
    """Whether an ``owner`` field names the person (see the module)."""
    if not isinstance(field, str) or not field.strip():
        return False
    return _norm(field) in names or any(_norm(part) in names for part in field.split(";"))


def _last_reports(history: PlanHistory, plan_id: str) -> dict[str, date]:
    """Per element key: the day of its last progress report, else of its addition."""
    out: dict[str, date] = {}
    for event in history.events.get(plan_uuid(plan_id)):
        name = type(event).__name__
        if name in _REPORTS or name in _ADDITIONS:
            out[event.key] = event.timestamp.date()  # type: ignore[attr-defined]
    return out


def _owners(plan: DistrictPlan, key: str, kind: str) -> list[object]:
    element = plan.elements[key]
    if kind == "benchmark":
        if element["fields"].get("owner"):
            return [element["fields"]["owner"]]
        return [
            plan.elements[target]["fields"].get("owner")
            for target in plan.links.get(key, {})
            if plan.elements[target]["kind"] == "initiative"
        ]
    objectives = [t for t, link in plan.links.get(key, {}).items() if link["edge"] == "measures"]
    return [
        plan.elements[source]["fields"].get("owner")
        for source, targets in plan.links.items()
        for target, link in targets.items()
        if link["edge"] == "supports"
        and target in objectives
        and not plan.elements[source]["retired"]
    ]


def _done(fields: dict[str, Any], kind: str) -> bool:
    if kind == "benchmark":
        return bool(fields.get("status") == "complete")
    due = fields.get("due")
    if not due:
        return False
    return any(str(r["as_of"]) >= str(due) for r in fields.get("results") or [])


def my_work(
    history: PlanHistory,
    plans: Iterable[PlanSummary],
    owner: str,
    today: date,
    emails: Iterable[str] = (),
) -> dict[str, Any]:
    """The person's work in these plans (see the module): each bucket a list of items,
    soonest due first, and ``other``: what else they own."""
    names = person_names(owner, emails)
    buckets: dict[str, list[dict[str, Any]]] = {b: [] for b in (*BUCKETS, "other")}
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for summary in plans:
        if summary.status == "closed":
            continue
        plan = history.get_plan(summary.plan_id)
        reported: dict[str, date] | None = None
        for key, element in plan.elements.items():
            kind = element["kind"]
            if element["retired"] or kind not in ("benchmark", "outcome"):
                continue
            if not any(owned_by(o, names) for o in _owners(plan, key, kind)):
                continue
            if reported is None:
                reported = _last_reports(history, plan.plan_id)
            fields = element["fields"]
            due = date.fromisoformat(fields["due"]) if fields.get("due") else None
            last = reported.get(key)
            item = {
                "plan": plan.plan_id,
                "district": plan.district,
                "plan_title": plan.title,
                "version": plan.version,
                "key": key,
                "kind": kind,
                "name": FRAMEWORK.name(kind, key, fields),
                "owner": fields.get("owner") if kind == "benchmark" else None,
                "due": fields.get("due"),
                "status": fields.get("status") if kind == "benchmark" else None,
                "last_result": (fields.get("results") or [None])[-1] if kind == "outcome" else None,
                "last_reported": last.isoformat() if last else None,
                "days_since_report": (today - last).days if last else None,
                "days_until_due": (due - today).days if due else None,
            }
            placed = False
            if not _done(fields, kind):
                in_buckets = {
                    "overdue": due is not None and due < today,
                    "due_soon": due is not None and today <= due <= soon,
                    "stale": last is not None and (today - last).days > STALE_DAYS,
                }
                for bucket, yes in in_buckets.items():
                    if yes:
                        buckets[bucket].append(item)
                        placed = True
            if not placed:
                buckets["other"].append(item)
    for items in buckets.values():
        items.sort(key=lambda i: (i["due"] or "9999-12-31", i["plan"], i["key"]))
    return {
        "person": owner,
        "as_of": today.isoformat(),
        "due_soon_days": DUE_SOON_DAYS,
        "stale_days": STALE_DAYS,
        **buckets,
    }
