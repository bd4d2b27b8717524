"""The monitoring read model: what a plan's history says about its follow-through.

The alignment graph holds a plan as it stands; the history-aware audit rules also need
*when* things happened: when a benchmark's status was last set or reported, when it
became at risk or off track, when the initiative it tracks last changed, whether an
outcome's target was changed without a reason, when the plan was last adopted and what
was amended since. A :class:`PlanMonitor` keeps these facts for one plan as its events
arrive (:meth:`PlanMonitor.apply`, one event at a time, in version order), as compact
append-only timelines keyed by element, each entry with the version and the day (UTC)
of its event. Nothing is ever rewritten, so one monitor answers for *any* version it
has reached: :meth:`PlanMonitor.at` gives a :class:`MonitoringView` of the plan at
version ``n`` on audit date ``D``, in which only the events up to ``n`` and recorded
up to ``D`` count (a few binary searches, no replay).

Readings (the audit's contract):

* A benchmark's status is *set or reported* by the event that added or restored it, by
  a revision that changed its ``status`` field (a command or a file import), and by
  every status report, even one of the same status.
* It *became* at risk or off track when it entered that pair of statuses from outside
  it (added or restored with one of them, or changed from another status);
  ``at_risk`` -> ``off_track`` does not start the clock again.
* An initiative *changes* when its own fields change (it is added, revised, retired or
  restored), when a link to or from it is made, revised or removed, and when a
  benchmark tracking it is revised (other than its status). Each change remembers the
  benchmark that made it, if any: a benchmark's own changes are no response to it.
* Progress (benchmark status, outcome results) is not an *amendment*: every other
  element change and every link change is (a link's key is its source).

>>> from datetime import UTC, date, datetime
>>> from coherence.domain.plan import DistrictPlan
>>> plan = DistrictPlan.draft("p", actor="a", at=datetime(2026, 1, 5, tzinfo=UTC))
>>> rev = plan.begin_revision(actor="a", at=datetime(2026, 2, 1, tzinfo=UTC))
>>> _ = plan.add_element("benchmark", "B1", {"kind": "process", "status": "at_risk"}, rev)
>>> monitor = PlanMonitor("p")
>>> for event in plan.collect_events():
...     monitor.apply(event)
>>> view = monitor.at(2, date(2026, 3, 1))
>>> view.last_set("B1"), view.troubled_since("B1").day
(datetime.date(2026, 2, 1), datetime.date(2026, 2, 1))
>>> monitor.at(1, date(2026, 3, 1)).last_set("B1") is None
True
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any, Final

from coherence.domain.framework import FRAMEWORK
from coherence.domain.plan import DistrictPlan

__all__ = [
    "FACTS",
    "PROGRESS_FIELDS",
    "TROUBLED",
    "Amendment",
    "Change",
    "MonitoringView",
    "PlanMonitor",
    "StatusMark",
    "TargetChange",
    "monitor_of",
]

TROUBLED: Final[frozenset[str]] = frozenset({"at_risk", "off_track"})
"""The statuses a benchmark is in trouble with."""

PROGRESS_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "benchmark": frozenset({"status"}),
    "outcome": frozenset({"results"}),
}
"""Fields that report progress: changing them is monitoring, not an amendment."""

FACTS: Final[frozenset[str]] = frozenset(
    {"statuses", "changes", "target_changes", "lifecycle", "amendments"}
)
"""The families of facts a monitor keeps (its timelines of those names): an audit rule
says which it reads, and :meth:`PlanMonitor.recorded` which ones versions added to."""

_NO_PROGRESS: Final[frozenset[str]] = frozenset()
_TARGET_FIELDS: Final[tuple[str, ...]] = ("target", "baseline")
_NAME_FIELDS: Final[tuple[str, ...]] = FRAMEWORK.name_fields


def _blank(text: object) -> bool:
    return text is None or (isinstance(text, str) and not text.strip())


@dataclass(frozen=True, slots=True)
class StatusMark:
    """One event that set or reported a benchmark's status."""

    version: int
    day: date
    status: str | None
    since: tuple[int, date] | None
    """When the benchmark entered at risk / off track (revision, day), while in it."""
    entered_as: str | None
    """The status it entered the pair with (None when not in it)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One change of an initiative; ``by`` is the benchmark that made it, if one did."""

    version: int
    revision: int
    day: date
    by: str | None


@dataclass(frozen=True, slots=True)
class TargetChange:
    """A revision with no reason that changed an outcome's target or baseline."""

    version: int
    day: date
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Amendment:
    """One change of the plan's content (not progress): ``key`` is the element, or the
    source of a link; ``names`` its naming fields at the time."""

    version: int
    day: date
    key: str
    kind: str
    action: str
    names: Mapping[str, Any]


class PlanMonitor:
    """The monitoring facts of one plan, moved forward event by event.

    Entries are appended in version order and never changed, so a
    :class:`MonitoringView` of an earlier version stays valid while the monitor moves
    on (readers need no lock; one writer at a time moves it forward).
    """

    __slots__ = (
        "_current",
        "_kinds",
        "_names",
        "_targets",
        "_tracks",
        "amendment_versions",
        "amendments",
        "changes",
        "days",
        "facts",
        "lifecycle",
        "plan_id",
        "statuses",
        "target_changes",
    )

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        self.days: list[date] = []
        """The day (UTC) of every version: ``days[v - 1]`` is version v's."""
        self.facts: list[frozenset[str]] = []
        """The families of :data:`FACTS` each version added to: ``facts[v - 1]``."""
        self.statuses: dict[str, list[StatusMark]] = {}
        self.changes: dict[str, list[Change]] = {}
        self.target_changes: dict[str, list[TargetChange]] = {}
        self.lifecycle: list[tuple[int, date, str]] = []
        self.amendments: list[Amendment] = []
        self.amendment_versions: list[int] = []
        self._kinds: dict[str, str] = {}
        self._names: dict[str, Mapping[str, Any]] = {}
        self._current: dict[str, str | None] = {}  # benchmark -> status
        self._tracks: dict[str, set[str]] = {}  # benchmark -> initiatives it tracks
        self._targets: dict[str, tuple[Any, Any]] = {}  # outcome -> (target, baseline)

    @property
    def version(self) -> int:
        """The last version applied (0 before any)."""
        return len(self.days)

    # -- moving forward ----------------------------------------------------------

    def apply_all(self, events: Iterable[Any]) -> PlanMonitor:
        """Apply events in order (those of versions already applied are skipped)."""
        for event in events:
            self.apply(event)
        return self

    def apply(self, event: Any) -> None:
        """Apply the plan's next event (one of a version already applied is ignored)."""
        version = int(event.originator_version)
        if version <= len(self.days):
            return
        day = event.timestamp.astimezone(UTC).date()
        while len(self.days) < version - 1:  # pragma: no cover - versions have no gaps
            self.days.append(self.days[-1] if self.days else day)
            self.facts.append(_NONE)
        self.days.append(day)
        self.facts.append(_NONE)
        handler = _HANDLERS.get(type(event).__name__)
        if handler is not None:
            handler(self, event, version, day)

    def _note(self, family: str) -> None:
        """Record that the version being applied added to the timelines of ``family``."""
        if family not in self.facts[-1]:
            self.facts[-1] = self.facts[-1] | {family}

    def recorded(self, after: int, upto: int) -> frozenset[str]:
        """The families of :data:`FACTS` that the versions after ``after`` up to ``upto``
        added to (what a reader of the facts at ``after`` would see change)."""
        found: frozenset[str] = _NONE
        for families in self.facts[max(after, 0) : upto]:
            found = found | families
        return found

    def _amend(self, version: int, day: date, key: str, kind: str, action: str) -> None:
        self.amendments.append(Amendment(version, day, key, kind, action, self._names.get(key, {})))
        self.amendment_versions.append(version)
        self._note("amendments")

    def _initiative_changed(
        self, event: Any, key: str, version: int, day: date, by: str | None
    ) -> None:
        self.changes.setdefault(key, []).append(Change(version, int(event.revision), day, by))
        self._note("changes")

    def _mark(
        self, event: Any, key: str, version: int, day: date, status: str | None, entry: bool
    ) -> None:
        """A status set or reported; ``entry`` when the benchmark (re)enters the plan."""
        marks = self.statuses.setdefault(key, [])
        previous = None if entry or not marks else marks[-1]
        since: tuple[int, date] | None = None
        entered: str | None = None
        if status in TROUBLED:
            if previous is not None and previous.since is not None:
                since, entered = previous.since, previous.entered_as
            else:
                since, entered = (int(event.revision), day), status
        marks.append(StatusMark(version, day, status, since, entered))
        self._note("statuses")
        self._current[key] = status

    def _element(self, event: Any, version: int, day: date, action: str) -> None:
        kind, key = event.kind, event.key
        fields: Mapping[str, Any] = event.fields
        self._kinds[key] = kind
        self._names[key] = {n: fields.get(n) for n in _NAME_FIELDS if n in fields}
        self._amend(version, day, key, kind, action)
        if kind == "benchmark":
            self._mark(event, key, version, day, fields.get("status"), entry=True)
        elif kind == "initiative":
            self._initiative_changed(event, key, version, day, None)
        elif kind == "outcome":
            values = (fields.get("target"), fields.get("baseline"))
            before = self._targets.get(key)
            if action == "restored" and before is not None and _blank(event.reason):
                pairs = zip(_TARGET_FIELDS, values, before, strict=True)
                changed = tuple(name for name, now, then in pairs if now != then)
                if changed:
                    self.target_changes.setdefault(key, []).append(
                        TargetChange(version, day, changed)
                    )
                    self._note("target_changes")
            self._targets[key] = values

    def _added(self, event: Any, version: int, day: date) -> None:
        self._element(event, version, day, "added")

    def _restored(self, event: Any, version: int, day: date) -> None:
        self._element(event, version, day, "restored")

    def _revised(self, event: Any, version: int, day: date) -> None:
        kind, key = event.kind, event.key
        changes: Mapping[str, Any] = event.changes
        progress = PROGRESS_FIELDS.get(kind, _NO_PROGRESS)
        amended = any(name not in progress for name in changes)
        if any(name in changes for name in _NAME_FIELDS):
            self._names[key] = {
                **self._names.get(key, {}),
                **{n: changes[n] for n in _NAME_FIELDS if n in changes},
            }
        if amended:
            self._amend(version, day, key, kind, "revised")
        if kind == "benchmark":
            if "status" in changes:
                self._mark(event, key, version, day, changes["status"], entry=False)
            if amended:
                for initiative in self._tracks.get(key, ()):
                    self._initiative_changed(event, initiative, version, day, key)
        elif kind == "initiative":
            self._initiative_changed(event, key, version, day, None)
        elif kind == "outcome":
            changed = tuple(f for f in _TARGET_FIELDS if f in changes)
            if changed:
                target, baseline = self._targets.get(key, (None, None))
                self._targets[key] = (
                    changes.get("target", target),
                    changes.get("baseline", baseline),
                )
                if _blank(event.reason):
                    self.target_changes.setdefault(key, []).append(
                        TargetChange(version, day, changed)
                    )
                    self._note("target_changes")

    def _retired(self, event: Any, version: int, day: date) -> None:
        kind, key = event.kind, event.key
        self._amend(version, day, key, kind, "retired")
        if kind == "initiative":
            self._initiative_changed(event, key, version, day, None)

    def _link(self, event: Any, version: int, day: date, action: str) -> None:
        source, target = event.source_key, event.target_key
        source_kind = self._kinds.get(source, "")
        self._amend(version, day, source, source_kind, action)
        by = source if source_kind == "benchmark" else None
        if event.edge == "tracks":
            tracked = self._tracks.setdefault(source, set())
            if action == "unlinked":
                tracked.discard(target)
            else:
                tracked.add(target)
        if self._kinds.get(target) == "initiative":
            self._initiative_changed(event, target, version, day, by)
        if source_kind == "initiative":
            self._initiative_changed(event, source, version, day, None)

    def _linked(self, event: Any, version: int, day: date) -> None:
        self._link(event, version, day, "linked")

    def _relinked(self, event: Any, version: int, day: date) -> None:
        self._link(event, version, day, "relinked")

    def _unlinked(self, event: Any, version: int, day: date) -> None:
        self._link(event, version, day, "unlinked")

    def _reported(self, event: Any, version: int, day: date) -> None:
        self._mark(event, event.key, version, day, event.status, entry=False)

    # -- reading -----------------------------------------------------------------

    def at(self, version: int, day: date) -> MonitoringView:
        """The facts at ``version`` on audit date ``day``: only the events up to that
        version and recorded up to that day count."""
        upto = min(version, bisect.bisect_right(self.days, day), len(self.days))
        return MonitoringView(self, upto, day)


def _lifecycle(status: str) -> Any:
    def handle(monitor: PlanMonitor, event: Any, version: int, day: date) -> None:
        monitor.lifecycle.append((version, day, status))
        monitor._note("lifecycle")

    return handle


_HANDLERS: Final[Mapping[str, Any]] = {
    DistrictPlan.Drafted.__name__: _lifecycle("draft"),
    DistrictPlan.Adopted.__name__: _lifecycle("adopted"),
    DistrictPlan.RedesignStarted.__name__: _lifecycle("redesign"),
    DistrictPlan.Closed.__name__: _lifecycle("closed"),
    DistrictPlan.ElementAdded.__name__: PlanMonitor._added,
    DistrictPlan.ElementRestored.__name__: PlanMonitor._restored,
    DistrictPlan.ElementRevised.__name__: PlanMonitor._revised,
    DistrictPlan.ElementRetired.__name__: PlanMonitor._retired,
    DistrictPlan.Linked.__name__: PlanMonitor._linked,
    DistrictPlan.LinkRevised.__name__: PlanMonitor._relinked,
    DistrictPlan.Unlinked.__name__: PlanMonitor._unlinked,
    DistrictPlan.BenchmarkStatusReported.__name__: PlanMonitor._reported,
}


_NONE: Final[frozenset[str]] = frozenset()


def _upto(entries: list[Any], version: int) -> int:
    """How many of ``entries`` (in version order) are of ``version`` or earlier."""
    if not entries or entries[-1].version <= version:
        return len(entries)
    return bisect.bisect_right(entries, version, key=lambda e: e.version)


class MonitoringView:
    """The monitoring facts of a plan at a version, on an audit date (read-only)."""

    __slots__ = ("day", "monitor", "version")

    def __init__(self, monitor: PlanMonitor, version: int, day: date) -> None:
        self.monitor = monitor
        self.version = version
        """The last version that counts (at or before the one asked for, recorded by ``day``)."""
        self.day = day

    def _mark(self, benchmark: str) -> StatusMark | None:
        marks = self.monitor.statuses.get(benchmark)
        if not marks:
            return None
        n = _upto(marks, self.version)
        return marks[n - 1] if n else None

    def last_set(self, benchmark: str) -> date | None:
        """The day the benchmark's status was last set or reported."""
        mark = self._mark(benchmark)
        return mark.day if mark is not None else None

    def troubled_since(self, benchmark: str) -> StatusMark | None:
        """The benchmark's last mark when it is at risk or off track (its ``since`` says
        when it became so), else None."""
        mark = self._mark(benchmark)
        return mark if mark is not None and mark.since is not None else None

    def last_change(self, initiative: str, *, besides: str | None = None) -> Change | None:
        """The initiative's last change, leaving out those made by benchmark ``besides``."""
        changes = self.monitor.changes.get(initiative)
        if not changes:
            return None
        for i in range(_upto(changes, self.version) - 1, -1, -1):
            if besides is None or changes[i].by != besides:
                return changes[i]
        return None

    def target_changed_without_reason(self, outcome: str) -> TargetChange | None:
        """The last revision with no reason that changed the outcome's target or baseline."""
        changes = self.monitor.target_changes.get(outcome)
        if not changes:
            return None
        n = _upto(changes, self.version)
        return changes[n - 1] if n else None

    def status(self) -> tuple[str | None, tuple[int, date] | None]:
        """The plan's status and, when it is adopted, its last adoption (version, day)."""
        lifecycle = self.monitor.lifecycle
        n = bisect.bisect_right(lifecycle, self.version, key=lambda e: e[0])
        if not n:
            return None, None
        version, day, status = lifecycle[n - 1]
        return status, ((version, day) if status == "adopted" else None)

    def amendments_since(self, version: int) -> list[Amendment]:
        """The amendments after ``version`` up to the view's version, oldest first."""
        monitor = self.monitor
        versions = monitor.amendment_versions
        lo = bisect.bisect_right(versions, version)
        hi = bisect.bisect_right(versions, self.version, lo=lo)
        return monitor.amendments[lo:hi]


def monitor_of(plan_id: str, events: Iterable[Any]) -> PlanMonitor:
    """A monitor of ``plan_id`` fed with ``events``."""
    return PlanMonitor(plan_id).apply_all(events)
