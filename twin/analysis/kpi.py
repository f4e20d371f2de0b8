"""Key performance indicators of one day, computed from the event log alone.

The log is the contract (DESIGN.md), so a simulated day, a replayed production log and a
benchmark run are all measured by the same functions; the terms of the definitions
(*today's visits*, *attended*, *on time*, *missed*, *activities*, …) are those of
:mod:`twin.analysis.daylog`, which reads the day back from its log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from twin.analysis.daylog import (
    Activity,
    DayRead,
    LogIndex,
    TechnicianDay,
    VisitOutcome,
    read_day,
)
from twin.clock import minutes_between
from twin.config import Costs, Satisfaction, Scenario
from twin.events import (
    Event,
)


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
    _spec("punctuality", "Punctuality", "share", True, "attended visits begun within the window"),
    _spec("late_share", "Late share", "share", False, "attended visits arrived after the window"),
    _spec("early_share", "Early share", "share", False, "attended visits begun before the window"),
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
    _spec(
        "replans", "Plans published", "count", None, "plans published (not depot-stop re-timings)"
    ),
)


@dataclass(frozen=True, slots=True)
class Kpis:
    """The KPIs of one day; see :func:`compute_kpis` for the definitions."""

    SPECS: ClassVar[tuple[KpiSpec, ...]] = KPI_SPECS
    punctuality: float
    late_share: float
    early_share: float
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
    if s.not_fixed and o.outcome in ("follow_up", "unfinished"):  # a repeat visit is due
        points += s.not_fixed
    width_h = (o.window_end_min - o.window_start_min) / 60
    return min(1000.0, max(0.0, points + s.per_window_hour * max(0.0, width_h - 1)))


def _employee_satisfaction(days: Sequence[TechnicianDay]) -> float:
    if not days:
        return 0.0
    work = np.array([d.work_hours for d in days])
    cv = float(work.std() / work.mean()) if work.mean() > 0 else 0.0
    overtime = _mean([d.overtime_hours for d in days])
    return min(100.0, max(0.0, 100 - 15 * overtime - 40 * cv))


def compute_kpis(events: Iterable[Event], scenario: Scenario, day: DayRead | None = None) -> Kpis:
    """The KPIs of ``scenario.date`` from an event log (terms of :mod:`twin.analysis.daylog`):
    visits (:func:`_visit_kpis`), emergencies (:func:`_emergency_kpis`), time and money
    (:func:`_time_and_money`), satisfaction and the brain's activity
    (:func:`_satisfaction_kpis`). ``day``: the log already read (:func:`read_day`)."""
    day = day if day is not None else read_day(events, scenario)
    ix, outcomes, acts, days = day.index, day.outcomes, day.activities, day.days
    visits = _visit_kpis(ix, outcomes, scenario)
    emergencies, refused = _emergency_kpis(ix, scenario)
    deferred = visits["visits_deferred"]
    return Kpis(
        **visits,
        **emergencies,
        **_time_and_money(ix, acts, days, visits, scenario.costs),
        **_satisfaction_kpis(ix, outcomes, days, deferred, refused, scenario.satisfaction),
    )


def _visit_kpis(
    ix: LogIndex, outcomes: Sequence[VisitOutcome], scenario: Scenario
) -> dict[str, Any]:
    """Visits (counts over today's visits unless said otherwise):

    * ``punctuality``: attended within the window / attended (J.D. Power's "arrival within
      the promised window": neither late nor begun early); ``late_share``: late attended /
      attended; ``early_share``: begun before the window (the customer agreeing) / attended.
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
    """
    attended = [o for o in outcomes if o.arrival_min is not None]
    late = [o.late_min for o in attended]
    n_late = sum(1 for m in late if m > 0)
    n_early = sum(1 for o in attended if o.early)
    outcome = Counter(o.outcome for o in outcomes)
    completed = outcome["fixed"] + outcome["follow_up"]
    today = scenario.date
    return {
        "punctuality": _share(len(attended) - n_late - n_early, len(attended)),
        "late_share": _share(n_late, len(attended)),
        "early_share": _share(n_early, len(attended)),
        "lateness_mean_min": _mean(late),
        "lateness_p95_min": float(np.percentile(late, 95)) if late else 0.0,
        "visits_booked_today": len(outcomes),
        "visits_attended": len(attended),
        "visits_late": n_late,
        "visits_completed": completed,
        "visits_customer_absent": outcome["customer_absent"],
        "visits_missed": len(outcomes) - len(attended),
        "visits_cancelled": sum(
            1
            for v, b in ix.booked.items()
            if v in ix.cancelled and v not in ix.deferred and b.window_start.date() == today
        ),
        "visits_deferred": sum(
            1 for v, b in ix.booked.items() if v in ix.deferred and b.window_start.date() == today
        ),
        "visits_rescheduled": sum(1 for n in ix.bookings.values() if n > 1),
        "visits_rejected": len(ix.rejected),
        "first_time_fix_rate": _share(outcome["fixed"], completed),
    }


def _emergency_kpis(ix: LogIndex, scenario: Scenario) -> tuple[dict[str, Any], int]:
    """``emergencies``: requests of the simulated day with job type "emergency" and a
    ``response_due``, unless the customer cancelled; ``emergencies_refused``: those with a
    ``VisitRejected``; ``emergency_response_mean_min``: mean of arrival - request time over
    those attended; ``emergency_within_target``: share of all of them arrived by
    ``response_due`` (refused or never arrived = not within target)."""
    emergencies = [
        r
        for vid, r in ix.requested.items()
        if r.job_type == "emergency"
        and r.response_due
        and r.time.date() == scenario.date
        and (vid not in ix.cancelled or vid in ix.deferred)
    ]
    n_refused = sum(1 for r in emergencies if r.visit_id in ix.rejected)
    reached = [(r, ix.arrived[r.visit_id].time) for r in emergencies if r.visit_id in ix.arrived]
    response = [minutes_between(t, r.time) for r, t in reached]
    in_target = sum(1 for r, t in reached if r.response_due is not None and t <= r.response_due)
    kpis = {
        "emergencies": len(emergencies),
        "emergencies_refused": n_refused,
        "emergency_response_mean_min": _mean(response),
        "emergency_within_target": _share(in_target, len(emergencies)),
    }
    return kpis, n_refused


def _time_and_money(
    ix: LogIndex,
    acts: Sequence[Activity],
    days: Sequence[TechnicianDay],
    visits: dict[str, Any],
    c: Costs,
) -> dict[str, Any]:
    """Time and money:

    * ``travel_km``: sum of ``TravelStarted.distance_km``; ``travel_hours``,
      ``work_hours``: sums of all travel and work activities.
    * ``shift_hours``: sum over technicians who worked of shift end - ``ShiftStarted``;
      ``overtime_hours``: sum of ``max(0, ShiftEnded - planned_end)``;
      ``utilisation``: work_hours / shift_hours.
    * ``cost_labour_eur`` = shift_hours x ``technician_hour_eur``; ``cost_overtime_eur`` =
      overtime_hours x ``technician_hour_eur`` x ``overtime_premium``; ``cost_travel_eur`` =
      travel_km x ``van_km_eur``; ``cost_penalty_eur`` = missed x ``missed_visit_eur`` +
      late x ``late_visit_eur``; ``cost_total_eur``: their sum.
    """
    shift_h = sum(d.shift_hours for d in days)
    overtime_h = sum(d.overtime_hours for d in days)
    work_h = sum(a.hours for a in acts if a.kind == "work")
    km = float(sum(ix.km.values()))
    labour = shift_h * c.technician_hour_eur
    overtime = overtime_h * c.technician_hour_eur * c.overtime_premium
    van = km * c.van_km_eur
    penalty = (
        visits["visits_missed"] * c.missed_visit_eur + visits["visits_late"] * c.late_visit_eur
    )
    return {
        "travel_km": km,
        "travel_hours": sum(a.hours for a in acts if a.kind == "travel"),
        "shift_hours": shift_h,
        "overtime_hours": overtime_h,
        "work_hours": work_h,
        "utilisation": _share(work_h, shift_h),
        "cost_labour_eur": labour,
        "cost_overtime_eur": overtime,
        "cost_travel_eur": van,
        "cost_penalty_eur": penalty,
        "cost_total_eur": labour + overtime + van + penalty,
    }


def _satisfaction_kpis(
    ix: LogIndex,
    outcomes: Sequence[VisitOutcome],
    days: Sequence[TechnicianDay],
    deferred: int,
    refused: int,
    s: Satisfaction,
) -> dict[str, Any]:
    """Satisfaction and brain activity:

    * ``customer_satisfaction`` (0-1000): mean over today's visits of ``missed``, ``on_time``
      or ``late`` (+ ``warned_recovery`` if a "delay" ``CustomerNotified`` for the visit went
      out by its window end), plus ``per_window_hour`` x max(0, window hours - 1), plus
      ``not_fixed`` if the work did not fix the fault (outcome ``follow_up`` or
      ``unfinished``: a repeat visit is due), each visit clipped to [0, 1000]; each
      deferred visit counts ``deferred`` points in the mean, each refused emergency
      ``refused_emergency`` points.
      Points from ``scenario.satisfaction``.
    * ``rating_mean``: mean ``FeedbackGiven.rating``; ``ratings``: their number.
    * ``employee_satisfaction`` (0-100): a *proxy*, not a survey: 100 - 15 x mean overtime
      hours per technician - 40 x coefficient of variation (population) of work hours across
      technicians, clipped to [0, 100]. Long days and unequal loads are what technicians
      complain about; the weights are assumptions.
    * ``notifications``: ``CustomerNotified`` events; ``delay_alerts``: ``DelayDetected``;
      ``replans``: ``PlanPublished``.
    """
    return {
        "customer_satisfaction": _mean(
            [_satisfaction(o, s) for o in outcomes]
            + [s.deferred] * deferred
            + [s.refused_emergency] * refused
        ),
        "rating_mean": _mean(ix.ratings),
        "ratings": len(ix.ratings),
        "employee_satisfaction": _employee_satisfaction(days),
        "notifications": ix.notifications,
        "delay_alerts": ix.delay_alerts,
        "replans": ix.replans,
    }
