"""History-aware rules: what only an event-sourced plan can check.

Each detector reads the plan at the audited version (its index), the plan's monitoring
facts at that version (a :class:`~coherence.projections.monitoring.MonitoringView`:
when statuses were set, when the plan was adopted, what changed since) and the audit
date D. Only the events up to the audited version and recorded up to D count. Days are
counted between calendar dates (UTC): "more than 90 days before D" is
``(D - day).days > 90``.

These rules have no Cypher twin: both engines take their findings from the event store
(see :func:`~coherence.queries.audit.report.history_part`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from coherence.projections.monitoring import TROUBLED, MonitoringView
from coherence.queries.audit.index import PlanIndex, element_row
from coherence.queries.audit.model import AuditContext, Row, Severity
from coherence.queries.audit.names import ELEMENT_KINDS, NAME_FIELDS, display_name
from coherence.queries.audit.registry import history_rule, row_name
from coherence.queries.audit.values import amount, as_date, normalized, school_year

__all__ = [
    "HISTORY_POPULATIONS_READ",
    "STALE_AFTER_DAYS",
    "UNANSWERED_AFTER_DAYS",
    "amended_since_adoption",
    "expected_on",
    "history_populations",
    "is_short",
    "latest_result",
    "off_track_without_response",
    "outcome_off_trajectory",
    "outcome_without_recent_result",
    "stale_benchmark",
    "target_revised_without_reason",
    "trajectory",
]

STALE_AFTER_DAYS: Final = 90
UNANSWERED_AFTER_DAYS: Final = 30
RECENT_RESULT_DAYS: Final = 365

_STATUS_WORDS: Final[Mapping[str, str]] = {
    "not_started": "not started",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "complete": "complete",
}


def _status_words(status: object) -> str:
    found = normalized(status)
    return _STATUS_WORDS.get(found, found) if found else "without a status"


# ------------------------------------------------------------------ stale-benchmark


def _of_year(value: object, year: str) -> bool:
    """Whether a benchmark's school year is ``year`` (as written, or trimmed)."""
    return value == year or normalized(value) == year


def _benchmarks(index: PlanIndex, ctx: AuditContext) -> tuple[list[Any], list[Any]]:
    """One pass over the active benchmarks, shared by the rules of one audit: those of
    the audit date's school year ``(key, data)``, and those at risk or off track."""
    year = school_year(ctx.as_of)
    found: tuple[list[Any], list[Any]] | None = index.memo.get(("history-benchmarks", year))
    if found is None:
        of_year: list[Any] = []
        troubled: list[Any] = []
        years: dict[Any, bool] = {}  # few distinct values: each read once
        states: dict[Any, bool] = {}
        for item in index.elements("benchmark"):
            data = item[1]
            raw_year = data.get("school_year")
            in_year = years.get(raw_year)
            if in_year is None:
                in_year = years[raw_year] = _of_year(raw_year, year)
            if in_year:
                of_year.append(item)
            status = data.get("status")
            bad = states.get(status)
            if bad is None:
                bad = states[status] = normalized(status) in TROUBLED
            if bad:
                troubled.append(item)
        found = index.memo[("history-benchmarks", year)] = (of_year, troubled)
    return found


def _stale_message(row: Row, ctx: AuditContext) -> str:
    return (
        f"{row_name(row)} ({row['school_year']}) is {_status_words(row['status'])}; its "
        f"status was last set or reported on {row['last']} ({row['days']} days before "
        f"{ctx.as_of.isoformat()})"
    )


@history_rule(
    "stale-benchmark",
    Severity.WARNING,
    "benchmarks_of_the_school_year",
    _stale_message,
    reads=("benchmark.status", "statuses"),
)
def stale_benchmark(index: PlanIndex, view: MonitoringView, ctx: AuditContext) -> Iterator[Row]:
    """Find benchmarks of the audit date's school year, not complete, whose status was
    last set or reported more than 90 days before the audit date.

    Framework: monitoring; an action plan is reviewed during the year. Set or reported:
    added or restored, a revision of its status, a status report (even of the same
    status). Row: ``school_year``, ``status``, ``last`` (ISO date), ``days``.
    """
    year = school_year(ctx.as_of)
    for key, data in _benchmarks(index, ctx)[0]:
        status = data.get("status")
        if status == "complete" or normalized(status) == "complete":
            continue
        last = view.last_set(key)
        if last is None:
            continue
        days = (ctx.as_of - last).days
        if days > STALE_AFTER_DAYS:
            yield element_row(
                "benchmark",
                key,
                data,
                school_year=year,
                status=status,
                last=last.isoformat(),
                days=days,
            )


# ------------------------------------------------------- off-track-without-response


def _off_track_message(row: Row, ctx: AuditContext) -> str:
    entered, now = _status_words(row["entered"]), _status_words(row["status"])
    state = now if entered == now else f"{entered}, now {now},"
    initiative = display_name("initiative", row["initiative"], row["initiative_fields"])
    return (
        f"{row_name(row)} has been {state} since {row['since']} ({row['days']} days) "
        f"and nothing about {initiative} has changed since"
    )


@history_rule(
    "off-track-without-response",
    Severity.WARNING,
    "monitored_benchmarks",
    _off_track_message,
    reads=("benchmark.status", "statuses", "changes"),
)
def off_track_without_response(
    index: PlanIndex, view: MonitoringView, ctx: AuditContext
) -> Iterator[Row]:
    """Find benchmarks at risk or off track for more than 30 days while nothing about
    the initiative they track changed.

    Framework: monitoring and mid-course corrections. The clock starts when the
    benchmark entered at risk / off track from another status (or was added or
    restored with one); at risk -> off track does not restart it. A response is any
    later change of the initiative: its fields, a link to or from it, or another
    benchmark tracking it; the benchmark's own changes are none. Row: ``status``,
    ``entered``, ``since`` (ISO date), ``days``, ``initiative``, ``initiative_fields``.
    """
    nodes = index.graph.nodes
    succ = index.graph.succ
    for key, data in _benchmarks(index, ctx)[1]:
        mark = view.troubled_since(key)
        if mark is None or mark.since is None:
            continue
        since_revision, since_day = mark.since
        days = (ctx.as_of - since_day).days
        if days <= UNANSWERED_AFTER_DAYS:
            continue
        tracked = sorted(
            str(target)
            for target, keyed in succ[key].items()
            if any(e.get("edge", k) == "tracks" for k, e in keyed.items())
            and nodes[target].get("kind") == "initiative"
        )
        for initiative in tracked:
            change = view.last_change(initiative, besides=key)
            if change is not None and change.revision > since_revision:
                continue
            fields = nodes[initiative]
            yield element_row(
                "benchmark",
                key,
                data,
                status=data.get("status"),
                entered=mark.entered_as,
                since=since_day.isoformat(),
                days=days,
                initiative=initiative,
                initiative_fields={name: fields.get(name) for name in NAME_FIELDS},
            )


# ---------------------------------------------------- target-revised-without-reason


def _target_message(row: Row, ctx: AuditContext) -> str:
    fields = " and ".join(row["fields_changed"])
    return (
        f"{row_name(row)} had its {fields} changed on {row['day']} by a revision "
        "with no reason recorded"
    )


@history_rule(
    "target-revised-without-reason",
    Severity.WARNING,
    "monitored_outcomes",
    _target_message,
    reads=("target_changes",),
)
def target_revised_without_reason(
    index: PlanIndex, view: MonitoringView, ctx: AuditContext
) -> Iterator[Row]:
    """Find outcomes whose target or baseline was changed by a revision with no reason.

    Framework: outcomes; moving a target is a decision the plan's history should
    explain. A revision by a command or by a file import counts; the message names the
    last such revision. Row: ``fields_changed``, ``day`` (ISO date), ``version``.
    """
    for key, data in index.elements("outcome"):
        change = view.target_changed_without_reason(key)
        if change is not None:
            yield element_row(
                "outcome",
                key,
                data,
                fields_changed=list(change.fields),
                day=change.day.isoformat(),
                version=change.version,
            )


# ---------------------------------------------------------- amended-since-adoption

_ACTION_ORDER: Final[tuple[str, ...]] = (
    "added",
    "revised",
    "retired",
    "restored",
    "linked",
    "relinked",
    "unlinked",
)
_ACTION_WORDS: Final[Mapping[str, str]] = {"relinked": "had a link revised"}


def _amended_message(row: Row, ctx: AuditContext) -> str:
    actions = [_ACTION_WORDS.get(a, a) for a in row["actions"]]
    done = actions[0] if len(actions) == 1 else ", ".join(actions[:-1]) + " and " + actions[-1]
    count = int(row["changes"])
    shown = "1 change" if count == 1 else f"{count} changes"
    return (
        f"{row_name(row)} was {done} after the plan's adoption on {row['adopted']} "
        f"({shown}, the last on {row['last']})"
    )


@history_rule(
    "amended-since-adoption",
    Severity.INFO,
    "elements_of_an_adopted_plan",
    _amended_message,
    reads=("lifecycle", "amendments"),
)
def amended_since_adoption(
    index: PlanIndex, view: MonitoringView, ctx: AuditContext
) -> Iterator[Row]:
    """Find elements added, revised, retired or restored, or whose links changed, after
    the plan's last adoption while it is adopted.

    Framework: the adopted plan is the one the School Committee voted; amendments since
    are worth a look. Progress (benchmark status, outcome results) is not an amendment;
    a link's change is its source's. Row: ``actions``, ``changes``, ``adopted`` and
    ``last`` (ISO dates).
    """
    status, adoption = view.status()
    if status != "adopted" or adoption is None:
        return
    adopted_version, adopted_day = adoption
    found: dict[str, list[Any]] = {}
    for amendment in view.amendments_since(adopted_version):
        entry = found.get(amendment.key)
        if entry is None:
            found[amendment.key] = [amendment, {amendment.action}, 1]
        else:
            entry[0] = amendment
            entry[1].add(amendment.action)
            entry[2] += 1
    nodes = index.graph.nodes
    for key, (last, actions, count) in found.items():
        data: Mapping[str, Any] = nodes.get(key, last.names)
        kind = last.kind or str(data.get("kind", ""))
        yield element_row(
            kind,
            key,
            data,
            actions=[a for a in _ACTION_ORDER if a in actions],
            changes=count,
            adopted=adopted_day.isoformat(),
            last=last.day.isoformat(),
        )


# ------------------------------------------------------------- outcome trajectories


Line = tuple[tuple[date, Fraction], tuple[date, Fraction]]
"""A trajectory: ``((period start, baseline), (due date, target))``."""


def _number(value: object) -> Fraction | None:
    """A number, exactly (a float as the decimal it reads as: 0.1 is 1/10)."""
    if type(value) is int or type(value) is float:
        key = (type(value), value)
        found = _NUMBERS_READ.get(key)
        if found is None:
            if len(_NUMBERS_READ) >= _NUMBERS_KEPT:
                _NUMBERS_READ.clear()
            found = _NUMBERS_READ[key] = _exact(value)
        return found
    return _exact(value)


def _exact(value: object) -> Fraction | None:
    found = amount(value)
    return None if found is None else Fraction(found)


_NUMBERS_READ: Final[dict[tuple[type, Any], Fraction | None]] = {}
"""Numbers read lately (baselines, targets and results recur from audit to audit)."""
_NUMBERS_KEPT: Final = 16_384


def trajectory(data: Mapping[str, Any], start: date | None) -> Line | None:
    """The outcome's trajectory: ``((start, baseline), (due, target))``, or None when it
    has none (no period start, baseline, target or due date, or target = baseline)."""
    baseline, target = _number(data.get("baseline")), _number(data.get("target"))
    due = as_date(data.get("due"))
    if start is None or baseline is None or target is None or due is None:
        return None
    if target == baseline:
        return None
    return (start, baseline), (due, target)


def expected_on(line: Line, day: date) -> Fraction:
    """The value on the trajectory at ``day``, exactly (the fraction of the way is
    clamped to the line's two dates)."""
    (start, baseline), (due, target) = line
    span = (due - start).days
    if span <= 0:
        part = Fraction(1) if day >= due else Fraction(0)
    else:
        part = min(max(Fraction((day - start).days, span), Fraction(0)), Fraction(1))
    return baseline + part * (target - baseline)


_NUMBERS: Final = (int, float)
"""The types of a result's value as the plan keeps it (others are read as numbers)."""


def latest_result(data: Mapping[str, Any], day: date) -> tuple[date, Fraction, Any] | None:
    """The outcome's latest result dated on or before ``day``: (date, value, raw value).

    Results hold ISO dates (as the plan keeps them): the latest is found by comparing
    them as text, and only it is read; any other form is read as a date."""
    results = data.get("results")
    if not results:
        return None
    text = day.isoformat()
    latest: Mapping[str, Any] | None = None
    latest_text = ""
    others = False
    for result in results:
        if type(result) is not dict and not isinstance(result, Mapping):
            continue
        raw = result.get("as_of")
        if type(raw) is str and len(raw) == 10 and raw[4] == "-":
            if latest_text <= raw <= text and type(result.get("value")) in _NUMBERS:
                latest, latest_text = result, raw
        else:
            others = True
    best: tuple[date, Fraction, Any] | None = None
    if latest is not None:
        on, value = as_date(latest_text), _number(latest.get("value"))
        if on is not None and value is not None:
            best = (on, value, latest.get("value"))
    if others:  # results whose date is not ISO text: read each
        for result in results:
            if not isinstance(result, Mapping):
                continue
            if type(result.get("as_of")) is str and type(result.get("value")) in _NUMBERS:
                continue  # read above
            on, value = as_date(result.get("as_of")), _number(result.get("value"))
            if on is None or value is None or on > day:
                continue
            if best is None or on >= best[0]:
                best = (on, value, result.get("value"))
    return best


def is_short(line: Line, day: date, value: Fraction) -> bool:
    """Whether ``value`` on ``day`` falls short of the trajectory (exactly on it is not).

    The same comparison as with :func:`expected_on`, in whole numbers: ``value x span``
    against ``baseline x span + elapsed x (target - baseline)``, over the common
    denominator of the three values."""
    (start, baseline), (due, target) = line
    span = (due - start).days
    if span <= 0:
        elapsed, span = (1 if day >= due else 0), 1
    else:
        elapsed = min(max((day - start).days, 0), span)
    bn, bd = baseline.numerator, baseline.denominator
    tn, td = target.numerator, target.denominator
    vn, vd = value.numerator, value.denominator
    mine = vn * bd * td * span
    line_value = bn * vd * td * span + elapsed * vd * (tn * bd - bn * td)
    rising = tn * bd > bn * td
    return mine < line_value if rising else mine > line_value


def _outcomes(index: PlanIndex, ctx: AuditContext) -> list[Any]:
    """One pass over the active outcomes, shared by the rules of one audit:
    ``(key, data, trajectory or None, latest result by the audit date or None)``."""
    found: list[Any] | None = index.memo.get(("history-outcomes", ctx.as_of))
    if found is None:
        day, start = ctx.as_of, as_date(index.graph.graph.get("period_start"))
        found = index.memo[("history-outcomes", day)] = [
            (key, data, *read)
            for key, data, read in index.each(
                ("history-outcomes", day, start),
                "outcome",
                lambda _, data: (trajectory(data, start), latest_result(data, day)),
            )
        ]
    return found


def _shown(value: Fraction) -> str:
    """An exact value as a planner reads it: whole, or to two decimal places."""
    if value.denominator == 1:
        return str(value.numerator)
    rounded = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))
    return format(rounded.normalize(), "f")


def _trajectory_message(row: Row, ctx: AuditContext) -> str:
    side = "below" if row["rising"] else "above"
    return (
        f"{row_name(row)}: the result of {row['value']} on {row['result_date']} is {side} "
        f"the trajectory from {row['baseline']} on {row['start']} to {row['target']} by "
        f"{row['due']} ({row['expected']} expected then)"
    )


@history_rule(
    "outcome-off-trajectory",
    Severity.WARNING,
    "outcomes_with_a_trajectory",
    _trajectory_message,
    reads=("outcome.results",),
)
def outcome_off_trajectory(
    index: PlanIndex, view: MonitoringView, ctx: AuditContext
) -> Iterator[Row]:
    """Find outcomes whose latest result falls short of the straight line from the
    baseline at the period's start to the target at the due date.

    Framework: outcomes, monitored with interim results. Only results dated on or
    before the audit date count; "short" is below the line when the target is above
    the baseline, above it when below; a result exactly on the line is not short
    (compared exactly). Row: ``value``, ``result_date``, ``baseline``, ``target``,
    ``start``, ``due``, ``expected``, ``rising``.
    """
    read = {key: (line, latest) for key, _, line, latest in _outcomes(index, ctx)}
    start = as_date(index.graph.graph.get("period_start"))
    for _, _, row in index.each(
        ("outcome-off-trajectory", ctx.as_of, start),
        "outcome",
        lambda key, data: _off_trajectory(key, data, *read[key]),
    ):
        if row is not None:
            yield row


def _off_trajectory(
    key: str,
    data: Mapping[str, Any],
    line: Line | None,
    latest: tuple[date, Fraction, Any] | None,
) -> Row | None:
    """An outcome's row of ``outcome-off-trajectory``, if its latest result is short."""
    if line is None or latest is None:
        return None
    on, value, raw = latest
    if not is_short(line, on, value):
        return None
    return element_row(
        "outcome",
        key,
        data,
        value=raw,
        result_date=on.isoformat(),
        baseline=data.get("baseline"),
        target=data.get("target"),
        start=line[0][0].isoformat(),
        due=line[1][0].isoformat(),
        expected=_shown(expected_on(line, on)),
        rising=line[1][1] > line[0][1],
    )


# --------------------------------------------------- outcome-without-recent-result


def _recent_message(row: Row, ctx: AuditContext) -> str:
    last = row.get("last")
    shown = f"the last is of {last}" if last else "none has been reported"
    return (
        f"{row_name(row)} has no result dated in the {RECENT_RESULT_DAYS} days before "
        f"{ctx.as_of.isoformat()}; {shown}"
    )


def _period_running(index: PlanIndex, ctx: AuditContext) -> bool:
    start = as_date(index.graph.graph.get("period_start"))
    return start is not None and (ctx.as_of - start).days > RECENT_RESULT_DAYS


@history_rule(
    "outcome-without-recent-result",
    Severity.INFO,
    "outcomes_due_a_result",
    _recent_message,
    reads=("outcome.results",),
)
def outcome_without_recent_result(
    index: PlanIndex, view: MonitoringView, ctx: AuditContext
) -> Iterator[Row]:
    """Find outcomes with no result dated in the 365 days before the audit date, once
    the plan's period started more than 365 days before it.

    Framework: outcomes are measured at least yearly. Row: ``last`` (the latest result's
    ISO date on or before the audit date, or None).
    """
    if not _period_running(index, ctx):
        return
    for key, data, _, latest in _outcomes(index, ctx):
        if latest is None or (ctx.as_of - latest[0]).days > RECENT_RESULT_DAYS:
            yield element_row("outcome", key, data, last=latest[0].isoformat() if latest else None)


# -------------------------------------------------------------------- populations


HISTORY_POPULATIONS_READ: Final[frozenset[str]] = frozenset({"outcome.results", "lifecycle"})
"""What :func:`history_populations` reads besides the plan itself (as a rule's ``reads``)."""


def history_populations(
    index: PlanIndex, view: MonitoringView, ctx: AuditContext
) -> dict[str, int]:
    """The counts of :data:`~coherence.queries.audit.index.HISTORY_POPULATIONS`."""
    outcomes = _outcomes(index, ctx)
    status, _ = view.status()
    return {
        "monitored_benchmarks": index.count("benchmark"),
        "monitored_outcomes": len(outcomes),
        "benchmarks_of_the_school_year": len(_benchmarks(index, ctx)[0]),
        "elements_of_an_adopted_plan": (
            sum(index.count(kind) for kind in ELEMENT_KINDS) if status == "adopted" else 0
        ),
        "outcomes_with_a_trajectory": sum(
            1 for _, _, line, latest in outcomes if line is not None and latest is not None
        ),
        "outcomes_due_a_result": len(outcomes) if _period_running(index, ctx) else 0,
    }
