"""The day as read back from its event log: each visit's outcome, each technician's
activities and hours. The KPIs (:mod:`twin.analysis.kpi`), the report and the cockpit
all measure from these, so a simulated day, a replayed production log and a benchmark run
are read the same way.

Terms (the KPIs' definitions use them too):

* *simulated day*: ``scenario.date``; all times are UTC. The *minute* of a time ``t`` is
  ``t - local midnight of scenario.date`` (in ``scenario.time_zone``) in minutes.
* *today's visits*: visit ids whose **last** ``VisitBooked`` has ``window_start`` on the
  simulated day, minus those with any ``VisitCancelled``. A visit booked more than once was
  *rescheduled*; its promised window is the one of its last booking.
* *attended*: a today's visit with an ``Arrived`` for it; the first arrival counts and its
  time is the *arrival*. *On time*: arrival <= window end (technicians wait when early, so
  early counts as on time). *Late minutes*: ``max(0, arrival - window_end)``.
* *missed*: a today's visit never arrived at.
* *technicians who worked*: technicians with a ``ShiftStarted``. One who reported unavailable
  before starting has none and is left out of every per-technician figure. A shift ends at
  ``ShiftEnded``, else at ``TechnicianUnavailable``, else at the technician's last event.
* *activities*: travel is ``TravelStarted`` → the technician's next ``Arrived`` (a new
  ``TravelStarted`` first closes the leg: the van was re-routed, not parked); work is
  ``WorkStarted`` → ``WorkFinished`` of the same technician and visit; a break is
  ``BreakStarted`` → ``BreakEnded``. An activity never closed is not counted.

Means and shares over an empty set are 0.0, never NaN. ``Position`` pings (about nine in ten
events of a day) carry no KPI and are skipped first; an event id seen twice counts once,
because consumers of the log are idempotent; events are taken in time order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter, is_not, not_
from typing import Literal

from twin.clock import DayClock, minutes_between
from twin.config import Scenario
from twin.events import (
    Arrived,
    BreakEnded,
    BreakStarted,
    CustomerNotified,
    DelayDetected,
    EtaUpdated,
    Event,
    FeedbackGiven,
    PlanPublished,
    Position,
    ShiftEnded,
    ShiftStarted,
    TechnicianUnavailable,
    TravelStarted,
    VisitBooked,
    VisitCancelled,
    VisitRejected,
    VisitRequested,
    WorkFinished,
    WorkStarted,
)
from twin.models.routing.kit import DEPOT_STOPS_REASON

ActivityKind = Literal["travel", "work", "break"]
_FIELD_EVENTS = (TravelStarted, Arrived, WorkStarted, WorkFinished, BreakStarted, BreakEnded)


@dataclass(frozen=True, slots=True)
class VisitOutcome:
    """What happened to one of today's visits; minutes after midnight of the simulated day."""

    visit_id: str
    technician_id: str | None  # who arrived; None when missed
    job_type: str  # "unknown" when the log holds no request for the visit
    window_start_min: float
    window_end_min: float
    arrival_min: float | None
    late_min: float  # 0.0 when on time or missed
    warned: bool  # a delay notice went out by the window end
    outcome: str | None  # of the first WorkFinished
    x: float | None  # from the request, else the arrival
    y: float | None
    early: bool = False  # work began before the window, the customer agreeing

    @property
    def status(self) -> Literal["on_time", "late", "missed"]:
        if self.arrival_min is None:
            return "missed"
        return "late" if self.late_min > 0 else "on_time"


@dataclass(frozen=True, slots=True)
class Activity:
    """A closed stretch of travel, work or break of one technician."""

    technician_id: str
    kind: ActivityKind
    start: datetime
    end: datetime
    visit_id: str | None

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class TechnicianDay:
    """Hours of one technician who worked; ``home_x/home_y`` where the shift started."""

    technician_id: str
    home_x: float
    home_y: float
    shift_hours: float
    overtime_hours: float
    work_hours: float
    travel_hours: float
    travel_km: float


@dataclass(slots=True)
class LogIndex:
    """The non-ping events of a log, arranged for lookup; built once per computation."""

    requested: dict[str, VisitRequested] = field(default_factory=dict)  # first request
    booked: dict[str, VisitBooked] = field(default_factory=dict)  # last booking
    bookings: Counter[str] = field(default_factory=Counter)
    cancelled: set[str] = field(default_factory=set)  # by anyone
    deferred: set[str] = field(default_factory=set)  # cancelled by the company
    rejected: set[str] = field(default_factory=set)
    arrived: dict[str, Arrived] = field(default_factory=dict)  # first arrival
    finished: dict[str, WorkFinished] = field(default_factory=dict)  # first finish
    started: dict[str, datetime] = field(default_factory=dict)  # first work start
    warned: dict[str, datetime] = field(default_factory=dict)  # first delay notice
    shifts: dict[str, ShiftStarted] = field(default_factory=dict)
    shift_end: dict[str, datetime] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)  # ShiftEnded seen
    last_seen: dict[str, datetime] = field(default_factory=dict)
    km: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    # deduplicated, in time order, without pings and ETA updates (half a brain day's
    # events, and no KPI reads them)
    events: list[Event] = field(default_factory=list)
    field_events: list[Event] = field(default_factory=list)  # of _FIELD_EVENTS, in order
    ratings: list[int] = field(default_factory=list)
    notifications: int = 0
    delay_alerts: int = 0
    replans: int = 0


def _relevant(events: Iterable[Event], skip: tuple[type, ...] = ()) -> list[Event]:
    """Non-ping events, each id once, in time order (stable: ties keep log order); of
    types ``skip`` only the ids are taken (a duplicate of theirs is still a duplicate).

    A log without a repeated id (a day made in this process: every one) is sorted out by
    C loops; one with repeats (redelivered by a broker, merged logs) by the loop that keeps
    each id's first event."""
    events = events if isinstance(events, Sequence) else list(events)
    kinds = list(map(type, events))
    not_ping = list(map(is_not, kinds, repeat(Position)))
    kept = list(compress(events, not_ping))
    if len(set(map(_ID, kept))) == len(kept):  # no id twice: nothing to drop but ``skip``
        out = kept
        if skip:
            kept_kinds = compress(kinds, not_ping)
            out = list(compress(kept, map(not_, map(frozenset(skip).__contains__, kept_kinds))))
    else:
        out = _first_of_each_id(kept, skip)
    out.sort(key=attrgetter("time"))
    return out


_ID = attrgetter("id")


def _first_of_each_id(events: Iterable[Event], skip: tuple[type, ...]) -> list[Event]:
    seen: set[str] = set()
    out: list[Event] = []
    for ev in events:
        if ev.id in seen:
            continue
        seen.add(ev.id)
        if type(ev) not in skip:
            out.append(ev)
    return out


def pair_activities(events: Sequence[Event]) -> list[Activity]:
    out: list[Activity] = []
    travel: dict[str, TravelStarted] = {}
    work: dict[tuple[str, str], datetime] = {}
    pause: dict[str, datetime] = {}
    for ev in events:
        if isinstance(ev, TravelStarted):
            prev = travel.pop(ev.technician_id, None)
            if prev is not None:  # re-routed while driving: the first leg ends here
                out.append(Activity(ev.technician_id, "travel", prev.time, ev.time, prev.visit_id))
            travel[ev.technician_id] = ev
        elif isinstance(ev, Arrived):
            leg = travel.pop(ev.technician_id, None)
            if leg is not None:
                out.append(Activity(ev.technician_id, "travel", leg.time, ev.time, leg.visit_id))
        elif isinstance(ev, WorkStarted):
            work[ev.technician_id, ev.visit_id] = ev.time
        elif isinstance(ev, WorkFinished):
            begun = work.pop((ev.technician_id, ev.visit_id), None)
            if begun is not None:
                out.append(Activity(ev.technician_id, "work", begun, ev.time, ev.visit_id))
        elif isinstance(ev, BreakStarted):
            pause[ev.technician_id] = ev.time
        elif isinstance(ev, BreakEnded):
            begun = pause.pop(ev.technician_id, None)
            if begun is not None:
                out.append(Activity(ev.technician_id, "break", begun, ev.time, None))
    return out


def index_log(events: Iterable[Event]) -> LogIndex:
    evs = _relevant(events, skip=(EtaUpdated,))
    ix = LogIndex(events=evs)
    field_events = ix.field_events
    for ev in evs:
        if isinstance(ev, _FIELD_EVENTS):
            ix.last_seen[ev.technician_id] = ev.time
            field_events.append(ev)  # the only events pair_activities pairs
        if isinstance(ev, CustomerNotified):  # the most frequent: tested first
            ix.notifications += 1
            if ev.kind == "delay":
                ix.warned.setdefault(ev.visit_id, ev.time)
        elif isinstance(ev, VisitRequested):
            ix.requested.setdefault(ev.visit_id, ev)
        elif isinstance(ev, VisitBooked):
            ix.booked[ev.visit_id] = ev
            ix.bookings[ev.visit_id] += 1
        elif isinstance(ev, VisitCancelled):
            ix.cancelled.add(ev.visit_id)
            if ev.by == "company":
                ix.deferred.add(ev.visit_id)
        elif isinstance(ev, VisitRejected):
            ix.rejected.add(ev.visit_id)
        elif isinstance(ev, Arrived) and ev.visit_id is not None:
            ix.arrived.setdefault(ev.visit_id, ev)
        elif isinstance(ev, WorkStarted):
            ix.started.setdefault(ev.visit_id, ev.time)
        elif isinstance(ev, WorkFinished):
            ix.finished.setdefault(ev.visit_id, ev)
        elif isinstance(ev, TravelStarted):
            ix.km[ev.technician_id] += ev.distance_km
        elif isinstance(ev, ShiftStarted):
            ix.shifts[ev.technician_id] = ev
        elif isinstance(ev, ShiftEnded):
            ix.shift_end[ev.technician_id] = ev.time
            ix.ended.add(ev.technician_id)
        elif isinstance(ev, TechnicianUnavailable):
            ix.shift_end.setdefault(ev.technician_id, ev.time)
        elif isinstance(ev, FeedbackGiven):
            ix.ratings.append(ev.rating)
        elif isinstance(ev, DelayDetected):
            ix.delay_alerts += 1
        elif isinstance(ev, PlanPublished) and ev.reason != DEPOT_STOPS_REASON:
            ix.replans += 1  # depot stops re-timed ahead are no replan
    return ix


def visit_outcomes(ix: LogIndex, scenario: Scenario) -> list[VisitOutcome]:
    midnight = DayClock(scenario.date, scenario.time_zone).midnight
    out = []
    for vid, b in ix.booked.items():
        if b.window_start.date() != scenario.date or vid in ix.cancelled:
            continue
        req, arr, fin = ix.requested.get(vid), ix.arrived.get(vid), ix.finished.get(vid)
        warned_at = ix.warned.get(vid)
        began = ix.started.get(vid)
        where = req or arr
        out.append(
            VisitOutcome(
                visit_id=vid,
                technician_id=arr.technician_id if arr else None,
                job_type=req.job_type if req else "unknown",
                window_start_min=minutes_between(b.window_start, midnight),
                window_end_min=minutes_between(b.window_end, midnight),
                arrival_min=minutes_between(arr.time, midnight) if arr else None,
                late_min=max(0.0, minutes_between(arr.time, b.window_end)) if arr else 0.0,
                warned=warned_at is not None and warned_at <= b.window_end,
                outcome=fin.outcome if fin else None,
                x=where.x if where else None,
                y=where.y if where else None,
                early=began is not None and began < b.window_start,
            )
        )
    out.sort(key=lambda o: (o.window_start_min, o.visit_id))
    return out


def days_of(ix: LogIndex, acts: Sequence[Activity]) -> list[TechnicianDay]:
    work: defaultdict[str, float] = defaultdict(float)
    travel: defaultdict[str, float] = defaultdict(float)
    for a in acts:
        if a.kind == "work":
            work[a.technician_id] += a.hours
        elif a.kind == "travel":
            travel[a.technician_id] += a.hours
    days = []
    for tech, start in sorted(ix.shifts.items()):
        end = ix.shift_end.get(tech) or ix.last_seen.get(tech, start.time)
        over = (end - start.planned_end).total_seconds() / 3600 if tech in ix.ended else 0.0
        shift = max(0.0, (end - start.time).total_seconds() / 3600)
        days.append(
            TechnicianDay(
                tech, start.x, start.y, shift, max(0.0, over), work[tech], travel[tech], ix.km[tech]
            )
        )
    return days


@dataclass(frozen=True, slots=True)
class DayRead:
    """A log read once for everything measured from it (the KPIs and the report share it):
    the index, the closed activities, today's visit outcomes and the technicians' days."""

    index: LogIndex
    activities: list[Activity]
    outcomes: list[VisitOutcome]
    days: list[TechnicianDay]


def read_day(events: Iterable[Event], scenario: Scenario) -> DayRead:
    ix = index_log(events)
    acts = pair_activities(ix.field_events)
    return DayRead(ix, acts, visit_outcomes(ix, scenario), days_of(ix, acts))


def per_visit_outcomes(events: Iterable[Event], scenario: Scenario) -> list[VisitOutcome]:
    """One outcome per today's visit, ordered by window start then visit id."""
    return visit_outcomes(index_log(events), scenario)


def technician_days(events: Iterable[Event]) -> list[TechnicianDay]:
    """Hours per technician who worked, ordered by technician id."""
    ix = index_log(events)
    return days_of(ix, pair_activities(ix.field_events))


def activities(events: Iterable[Event]) -> list[Activity]:
    """Closed travel, work and break stretches, in the order they closed."""
    return pair_activities(_relevant(events))
