"""Key performance indicators of one day, computed from the event log alone.

The log is the contract (DESIGN.md), so a simulated day, a replayed production log and a
benchmark run are all measured by the same functions. Terms used in the definitions:

* *simulated day*: ``scenario.date``; all times are UTC. The *minute* of a time ``t`` is
  ``t - midnight of scenario.date`` in minutes.
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
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, time
from operator import attrgetter
from typing import ClassVar, Literal

import numpy as np

from twin.config import Satisfaction, Scenario
from twin.events import (
    Arrived,
    BreakEnded,
    BreakStarted,
    CustomerNotified,
    DelayDetected,
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

ActivityKind = Literal["travel", "work", "break"]
_FIELD_EVENTS = (TravelStarted, Arrived, WorkStarted, WorkFinished, BreakStarted, BreakEnded)


@dataclass(frozen=True, slots=True)
class KpiSpec:
    """How to show one KPI: ``higher_is_better`` is None for plain activity counts."""

    name: str
    label: str
    unit: str
    higher_is_better: bool | None
    definition: str

    def format(self, value: float) -> str:
        """The value with its unit, for tables."""
        if self.unit == "share":
            return f"{value:.1%}"
        if self.unit == "count":
            return f"{int(value):,d}"
        if self.unit == "EUR":
            return f"{value:,.0f} EUR"
        if self.unit.startswith("/"):
            return f"{value:.0f} {self.unit}"
        return f"{value:,.1f} {self.unit}".rstrip()


def _spec(name: str, label: str, unit: str, better: bool | None, definition: str) -> KpiSpec:
    return KpiSpec(name, label, unit, better, definition)


# Ordered as in reports; names equal the fields of Kpis (a test checks it).
KPI_SPECS: tuple[KpiSpec, ...] = (
    _spec("punctuality", "Punctuality", "share", True, "attended visits arrived by window end"),
    _spec("late_share", "Late share", "share", False, "1 - punctuality"),
    _spec("lateness_mean_min", "Mean lateness", "min", False, "mean late minutes, attended"),
    _spec("lateness_p95_min", "Lateness p95", "min", False, "95th percentile of late minutes"),
    _spec("visits_booked_today", "Visits today", "count", None, "booked today, not cancelled"),
    _spec("visits_attended", "Attended", "count", True, "today's visits arrived at"),
    _spec("visits_late", "Late visits", "count", False, "attended after window end"),
    _spec("visits_completed", "Completed", "count", True, "work finished: fixed or follow-up"),
    _spec("visits_customer_absent", "Customer absent", "count", False, "nobody home"),
    _spec("visits_missed", "Missed", "count", False, "today's visits never arrived at"),
    _spec("visits_cancelled", "Cancelled", "count", None, "cancelled by the customer"),
    _spec(
        "visits_deferred",
        "Moved to another day",
        "count",
        False,
        "by the company, with notice",
    ),
    _spec("visits_rescheduled", "Rescheduled", "count", False, "visits booked more than once"),
    _spec("visits_rejected", "Rejected", "count", False, "requests with no window offered"),
    _spec("first_time_fix_rate", "First-time fix", "share", True, "fixed / completed"),
    _spec("emergencies", "Emergencies", "count", None, "emergencies requested today"),
    _spec("emergencies_refused", "Emergencies refused", "count", False, "no technician could go"),
    _spec("emergency_response_mean_min", "Emergency response", "min", False, "request to arrival"),
    _spec(
        "emergency_within_target", "Emergencies in target", "share", True, "arrived by due (of all)"
    ),
    _spec("travel_km", "Travel", "km", False, "sum of travel leg distances"),
    _spec("travel_hours", "Travel time", "h", False, "sum of travel legs"),
    _spec("shift_hours", "Shift time", "h", None, "sum of shift lengths"),
    _spec("overtime_hours", "Overtime", "h", False, "time worked past planned shift end"),
    _spec("work_hours", "Work time", "h", None, "sum of work on site"),
    _spec("utilisation", "Utilisation", "share", True, "work time / shift time"),
    _spec("cost_labour_eur", "Labour cost", "EUR", False, "shift hours x hourly rate"),
    _spec("cost_overtime_eur", "Overtime premium", "EUR", False, "overtime x rate x premium"),
    _spec("cost_travel_eur", "Van cost", "EUR", False, "travel km x rate per km"),
    _spec("cost_penalty_eur", "Penalties", "EUR", False, "missed and late visits"),
    _spec("cost_total_eur", "Total cost", "EUR", False, "labour + overtime + van + penalties"),
    _spec("customer_satisfaction", "Customer satisfaction", "/1000", True, "J.D. Power model"),
    _spec("rating_mean", "Mean rating", "", True, "mean feedback rating"),
    _spec("ratings", "Ratings", "count", None, "feedback given"),
    _spec(
        "employee_satisfaction", "Employee satisfaction", "/100", True, "overtime/fairness proxy"
    ),
    _spec("notifications", "Notifications", "count", None, "customer messages sent"),
    _spec("delay_alerts", "Delay alerts", "count", None, "delays detected by the brain"),
    _spec("replans", "Plans published", "count", None, "plans published by the brain"),
)


@dataclass(frozen=True, slots=True)
class Kpis:
    """The KPIs of one day; see :func:`compute_kpis` for the definitions."""

    SPECS: ClassVar[tuple[KpiSpec, ...]] = KPI_SPECS
    punctuality: float
    late_share: float
    lateness_mean_min: float
    lateness_p95_min: float
    visits_booked_today: int
    visits_attended: int
    visits_late: int
    visits_completed: int
    visits_customer_absent: int
    visits_missed: int
    visits_cancelled: int
    visits_deferred: int
    visits_rescheduled: int
    visits_rejected: int
    first_time_fix_rate: float
    emergencies: int
    emergencies_refused: int
    emergency_response_mean_min: float
    emergency_within_target: float
    travel_km: float
    travel_hours: float
    shift_hours: float
    overtime_hours: float
    work_hours: float
    utilisation: float
    cost_labour_eur: float
    cost_overtime_eur: float
    cost_travel_eur: float
    cost_penalty_eur: float
    cost_total_eur: float
    customer_satisfaction: float
    rating_mean: float
    ratings: int
    employee_satisfaction: float
    notifications: int
    delay_alerts: int
    replans: int

    def to_dict(self) -> dict[str, float | int]:
        """JSON-able, keys in the order of :data:`KPI_SPECS`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


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
class _Index:
    """The non-ping events of a log, arranged for lookup; built once per computation."""

    requested: dict[str, VisitRequested] = field(default_factory=dict)  # first request
    booked: dict[str, VisitBooked] = field(default_factory=dict)  # last booking
    bookings: Counter[str] = field(default_factory=Counter)
    cancelled: set[str] = field(default_factory=set)  # by anyone
    deferred: set[str] = field(default_factory=set)  # cancelled by the company
    rejected: set[str] = field(default_factory=set)
    arrived: dict[str, Arrived] = field(default_factory=dict)  # first arrival
    finished: dict[str, WorkFinished] = field(default_factory=dict)  # first finish
    warned: dict[str, datetime] = field(default_factory=dict)  # first delay notice
    shifts: dict[str, ShiftStarted] = field(default_factory=dict)
    shift_end: dict[str, datetime] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)  # ShiftEnded seen
    last_seen: dict[str, datetime] = field(default_factory=dict)
    km: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    events: list[Event] = field(default_factory=list)  # non-ping, deduplicated, time order
    ratings: list[int] = field(default_factory=list)
    notifications: int = 0
    delay_alerts: int = 0
    replans: int = 0


def _relevant(events: Iterable[Event]) -> list[Event]:
    """Non-ping events, each id once, in time order (stable: ties keep log order)."""
    seen: set[str] = set()
    out: list[Event] = []
    for ev in events:
        if type(ev) is Position or ev.id in seen:
            continue
        seen.add(ev.id)
        out.append(ev)
    out.sort(key=attrgetter("time"))
    return out


def _pair(events: Sequence[Event]) -> list[Activity]:
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


def _index(events: Iterable[Event]) -> _Index:
    evs = _relevant(events)
    ix = _Index(events=evs)
    for ev in evs:
        if isinstance(ev, _FIELD_EVENTS):
            ix.last_seen[ev.technician_id] = ev.time
        if isinstance(ev, VisitRequested):
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
        elif isinstance(ev, CustomerNotified):
            ix.notifications += 1
            if ev.kind == "delay":
                ix.warned.setdefault(ev.visit_id, ev.time)
        elif isinstance(ev, FeedbackGiven):
            ix.ratings.append(ev.rating)
        elif isinstance(ev, DelayDetected):
            ix.delay_alerts += 1
        elif isinstance(ev, PlanPublished):
            ix.replans += 1
    return ix


def _minutes(t: datetime, midnight: datetime) -> float:
    return (t - midnight).total_seconds() / 60


def _outcomes(ix: _Index, scenario: Scenario) -> list[VisitOutcome]:
    midnight = datetime.combine(scenario.date, time(), tzinfo=UTC)
    out = []
    for vid, b in ix.booked.items():
        if b.window_start.date() != scenario.date or vid in ix.cancelled:
            continue
        req, arr, fin = ix.requested.get(vid), ix.arrived.get(vid), ix.finished.get(vid)
        warned_at = ix.warned.get(vid)
        where = req or arr
        out.append(
            VisitOutcome(
                visit_id=vid,
                technician_id=arr.technician_id if arr else None,
                job_type=req.job_type if req else "unknown",
                window_start_min=_minutes(b.window_start, midnight),
                window_end_min=_minutes(b.window_end, midnight),
                arrival_min=_minutes(arr.time, midnight) if arr else None,
                late_min=max(0.0, _minutes(arr.time, b.window_end)) if arr else 0.0,
                warned=warned_at is not None and warned_at <= b.window_end,
                outcome=fin.outcome if fin else None,
                x=where.x if where else None,
                y=where.y if where else None,
            )
        )
    out.sort(key=lambda o: (o.window_start_min, o.visit_id))
    return out


def _technician_days(ix: _Index, acts: Sequence[Activity]) -> list[TechnicianDay]:
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


def per_visit_outcomes(events: Iterable[Event], scenario: Scenario) -> list[VisitOutcome]:
    """One outcome per today's visit, ordered by window start then visit id."""
    return _outcomes(_index(events), scenario)


def technician_days(events: Iterable[Event]) -> list[TechnicianDay]:
    """Hours per technician who worked, ordered by technician id."""
    ix = _index(events)
    return _technician_days(ix, _pair(ix.events))


def activities(events: Iterable[Event]) -> list[Activity]:
    """Closed travel, work and break stretches, in the order they closed."""
    return _pair(_relevant(events))


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else 0.0


def _share(hits: float, n: float) -> float:
    return hits / n if n else 0.0


def _satisfaction(o: VisitOutcome, s: Satisfaction) -> float:
    if o.status == "missed":
        points = s.missed
    elif o.status == "late":
        points = s.late + (s.warned_recovery if o.warned else 0.0)
    else:
        points = s.on_time
    width_h = (o.window_end_min - o.window_start_min) / 60
    return min(1000.0, max(0.0, points + s.per_window_hour * max(0.0, width_h - 1)))


def _employee_satisfaction(days: Sequence[TechnicianDay]) -> float:
    if not days:
        return 0.0
    work = np.array([d.work_hours for d in days])
    cv = float(work.std() / work.mean()) if work.mean() > 0 else 0.0
    overtime = _mean([d.overtime_hours for d in days])
    return min(100.0, max(0.0, 100 - 15 * overtime - 40 * cv))


def compute_kpis(events: Iterable[Event], scenario: Scenario) -> Kpis:
    """The KPIs of ``scenario.date`` from an event log (terms as in the module docstring).

    Visits (counts over today's visits unless said otherwise):

    * ``punctuality``: on-time attended / attended; ``late_share``: late attended / attended.
    * ``lateness_mean_min`` / ``lateness_p95_min``: mean / 95th percentile (numpy, linear) of
      late minutes over attended visits (on-time visits count as 0).
    * ``visits_booked_today``, ``visits_attended``, ``visits_late``, ``visits_missed``.
    * ``visits_completed``: first ``WorkFinished`` outcome "fixed" or "follow_up";
      ``visits_customer_absent``: outcome "customer_absent";
      ``first_time_fix_rate``: "fixed" / completed.
    * ``visits_cancelled``: visits whose last booking is for today and that the customer
      cancelled; ``visits_deferred``: those the company cancelled (``VisitCancelled`` with
      ``by="company"``: moved to another day, e.g. to make room for an emergency). Neither
      is among today's visits.
    * ``visits_rescheduled``: visit ids of the whole log with more than one ``VisitBooked``;
      ``visits_rejected``: visit ids of the whole log with a ``VisitRejected``.
    * ``emergencies``: requests of the simulated day with job type "emergency" and a
      ``response_due``, unless the customer cancelled; ``emergencies_refused``: those with a
      ``VisitRejected``; ``emergency_response_mean_min``: mean of arrival - request time over
      those attended; ``emergency_within_target``: share of all of them arrived by
      ``response_due`` (refused or never arrived = not within target).

    Time and money:

    * ``travel_km``: sum of ``TravelStarted.distance_km``; ``travel_hours``,
      ``work_hours``: sums of all travel and work activities.
    * ``shift_hours``: sum over technicians who worked of shift end - ``ShiftStarted``;
      ``overtime_hours``: sum of ``max(0, ShiftEnded - planned_end)``;
      ``utilisation``: work_hours / shift_hours.
    * ``cost_labour_eur`` = shift_hours x ``technician_hour_eur``; ``cost_overtime_eur`` =
      overtime_hours x ``technician_hour_eur`` x ``overtime_premium``; ``cost_travel_eur`` =
      travel_km x ``van_km_eur``; ``cost_penalty_eur`` = missed x ``missed_visit_eur`` +
      late x ``late_visit_eur``; ``cost_total_eur``: their sum.

    Satisfaction and brain activity:

    * ``customer_satisfaction`` (0-1000): mean over today's visits of ``missed``, ``on_time``
      or ``late`` (+ ``warned_recovery`` if a "delay" ``CustomerNotified`` for the visit went
      out by its window end), plus ``per_window_hour`` x max(0, window hours - 1), each visit
      clipped to [0, 1000]; each deferred visit counts ``deferred`` points in the mean, each
      refused emergency ``refused_emergency`` points.
      Points from ``scenario.satisfaction``.
    * ``rating_mean``: mean ``FeedbackGiven.rating``; ``ratings``: their number.
    * ``employee_satisfaction`` (0-100): a *proxy*, not a survey: 100 - 15 x mean overtime
      hours per technician - 40 x coefficient of variation (population) of work hours across
      technicians, clipped to [0, 100]. Long days and unequal loads are what technicians
      complain about; the weights are assumptions.
    * ``notifications``: ``CustomerNotified`` events; ``delay_alerts``: ``DelayDetected``;
      ``replans``: ``PlanPublished``.
    """
    ix = _index(events)
    outcomes = _outcomes(ix, scenario)
    acts = _pair(ix.events)
    days = _technician_days(ix, acts)
    attended = [o for o in outcomes if o.arrival_min is not None]
    late = [o.late_min for o in attended]
    n_late = sum(1 for m in late if m > 0)
    n_missed = len(outcomes) - len(attended)
    outcome = Counter(o.outcome for o in outcomes)
    completed = outcome["fixed"] + outcome["follow_up"]

    emergencies = [
        r
        for vid, r in ix.requested.items()
        if r.job_type == "emergency"
        and r.response_due
        and r.time.date() == scenario.date
        and (vid not in ix.cancelled or vid in ix.deferred)
    ]
    n_refused = sum(1 for r in emergencies if r.visit_id in ix.rejected)
    deferred = [
        b
        for v, b in ix.booked.items()
        if v in ix.deferred and b.window_start.date() == scenario.date
    ]
    reached = [(r, ix.arrived[r.visit_id].time) for r in emergencies if r.visit_id in ix.arrived]
    response = [_minutes(t, r.time) for r, t in reached]
    in_target = sum(1 for r, t in reached if r.response_due is not None and t <= r.response_due)

    shift_h = sum(d.shift_hours for d in days)
    overtime_h = sum(d.overtime_hours for d in days)
    work_h = sum(a.hours for a in acts if a.kind == "work")
    km = float(sum(ix.km.values()))
    c = scenario.costs
    labour = shift_h * c.technician_hour_eur
    overtime = overtime_h * c.technician_hour_eur * c.overtime_premium
    van = km * c.van_km_eur
    penalty = n_missed * c.missed_visit_eur + n_late * c.late_visit_eur
    return Kpis(
        punctuality=_share(len(attended) - n_late, len(attended)),
        late_share=_share(n_late, len(attended)),
        lateness_mean_min=_mean(late),
        lateness_p95_min=float(np.percentile(late, 95)) if late else 0.0,
        visits_booked_today=len(outcomes),
        visits_attended=len(attended),
        visits_late=n_late,
        visits_completed=completed,
        visits_customer_absent=outcome["customer_absent"],
        visits_missed=n_missed,
        visits_cancelled=sum(
            1
            for v, b in ix.booked.items()
            if v in ix.cancelled and v not in ix.deferred and b.window_start.date() == scenario.date
        ),
        visits_deferred=len(deferred),
        visits_rescheduled=sum(1 for n in ix.bookings.values() if n > 1),
        visits_rejected=len(ix.rejected),
        first_time_fix_rate=_share(outcome["fixed"], completed),
        emergencies=len(emergencies),
        emergencies_refused=n_refused,
        emergency_response_mean_min=_mean(response),
        emergency_within_target=_share(in_target, len(emergencies)),
        travel_km=km,
        travel_hours=sum(a.hours for a in acts if a.kind == "travel"),
        shift_hours=shift_h,
        overtime_hours=overtime_h,
        work_hours=work_h,
        utilisation=_share(work_h, shift_h),
        cost_labour_eur=labour,
        cost_overtime_eur=overtime,
        cost_travel_eur=van,
        cost_penalty_eur=penalty,
        cost_total_eur=labour + overtime + van + penalty,
        customer_satisfaction=_mean(
            [_satisfaction(o, scenario.satisfaction) for o in outcomes]
            + [scenario.satisfaction.deferred] * len(deferred)
            + [scenario.satisfaction.refused_emergency] * n_refused
        ),
        rating_mean=_mean(ix.ratings),
        ratings=len(ix.ratings),
        employee_satisfaction=_employee_satisfaction(days),
        notifications=ix.notifications,
        delay_alerts=ix.delay_alerts,
        replans=ix.replans,
    )
