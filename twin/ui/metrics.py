"""What the Day and Model pages measure in one run's event log: plans, positions, model errors.

All computed from the log alone (the contract), so a replayed production day is judged the
same way as a simulated one:

* *planned stops*: the morning plan, i.e. the routes of every ``PlanPublished`` before the
  first shift started (a later route for a technician replaces an earlier one), timed with
  the planner's own ``route_timeline`` from the technician's home at shift start, with the
  booked expected durations.
* *duration errors*: the last ``VisitBooked.expected_duration_min`` against the work
  actually done (``WorkStarted`` → ``WorkFinished``).
* *predicted durations*: the one measure that needs more than the log: the run's duration
  model (its policy's history, refitted as the brain did) asked for the technician and job
  type of every visit done, against the work actually done.

ETA errors and alert quality are measured by :mod:`twin.analysis.quality`, for the pages as
for the report.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from twin import events as ev
from twin.analysis.daylog import activities
from twin.clock import DayClock, minutes_between
from twin.config import Scenario
from twin.models.booking.desk import booked_task
from twin.models.company import Company
from twin.models.routing.plan import TechnicianSpec, TechnicianState, route_timeline

BRAIN_TYPES = (ev.EtaUpdated, ev.DelayDetected, ev.ReplanRequested, ev.CustomerNotified)


def midnight(scenario: Scenario) -> datetime:
    return DayClock(scenario.date, scenario.time_zone).midnight


def minutes(t: datetime, scenario: Scenario) -> float:
    return minutes_between(t, midnight(scenario))


def has_brain_decisions(events: Iterable[ev.Event]) -> bool:
    return any(isinstance(e, BRAIN_TYPES) for e in events)


@dataclass(frozen=True, slots=True)
class PlannedStop:
    technician_id: str
    visit_id: str
    start_min: float
    end_min: float


def planned_stops(events: Sequence[ev.Event], scenario: Scenario) -> list[PlannedStop]:
    """The morning plan, timed (see the module docstring)."""
    shifts = {e.technician_id: e for e in events if isinstance(e, ev.ShiftStarted)}
    first_shift = min((e.time for e in shifts.values()), default=None)
    routes: dict[str, tuple[str, ...]] = {}
    for e in events:
        if isinstance(e, ev.PlanPublished) and (first_shift is None or e.time <= first_shift):
            routes.update({r.technician_id: r.visit_ids for r in e.routes})
    requested = {e.visit_id: e for e in events if isinstance(e, ev.VisitRequested)}
    booked = {e.visit_id: e for e in events if isinstance(e, ev.VisitBooked)}
    company = Company(scenario, {})  # the scenario's clock, travel and breaks
    tasks = {
        vid: booked_task(requested[vid], b, company.clock)
        for vid, b in booked.items()
        if vid in requested
    }
    wf = scenario.workforce
    travel, brk = company.travel, company.break_rule
    out = []
    for tech, route in sorted(routes.items()):
        start = shifts.get(tech)
        stops = [v for v in route if v in tasks]
        if start is None or not stops:
            continue  # never started (sick): nothing was carried out against the plan
        begin = wf.shift_start_min
        spec = TechnicianSpec(
            tech,
            start.x,
            start.y,
            frozenset(),
            begin,
            begin + wf.shift_length_min,
            begin + wf.max_work_min,
        )
        state = TechnicianState(tech, start.x, start.y, begin)
        timeline = route_timeline(spec, state, stops, tasks, travel, brk)
        out += [PlannedStop(tech, s.visit_id, s.start, s.end) for s in timeline.stops]
    return out


@dataclass(frozen=True, slots=True)
class Positions:
    """GPS pings per technician, for "where was everyone at minute t"."""

    times: dict[str, list[float]]
    points: dict[str, list[tuple[float, float]]]

    def at(self, minute: float) -> dict[str, tuple[float, float]]:
        """Each technician's last known position at ``minute`` (none before the first ping)."""
        out = {}
        for tech, ts in self.times.items():
            i = bisect_right(ts, minute)
            if i:
                out[tech] = self.points[tech][i - 1]
        return out


def positions(events: Iterable[ev.Event], scenario: Scenario) -> Positions:
    times: dict[str, list[float]] = defaultdict(list)
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    pings = sorted(
        (e for e in events if isinstance(e, ev.Position | ev.ShiftStarted | ev.Arrived)),
        key=lambda e: e.time,
    )
    for e in pings:
        times[e.technician_id].append(minutes(e.time, scenario))
        points[e.technician_id].append((e.x, e.y))
    return Positions(dict(times), dict(points))


@dataclass(frozen=True, slots=True)
class DurationError:
    visit_id: str
    job_type: str
    predicted_min: float
    actual_min: float

    @property
    def error_min(self) -> float:
        return self.predicted_min - self.actual_min


def duration_errors(events: Sequence[ev.Event]) -> list[DurationError]:
    booked = {e.visit_id: e for e in events if isinstance(e, ev.VisitBooked)}
    jobs = {e.visit_id: e.job_type for e in events if isinstance(e, ev.VisitRequested)}
    out = []
    for a in activities(events):
        if a.kind == "work" and a.visit_id in booked:
            b = booked[a.visit_id]
            out.append(
                DurationError(
                    a.visit_id,
                    jobs.get(a.visit_id, "unknown"),
                    b.expected_duration_min,
                    a.hours * 60,
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class DurationPrediction:
    """The duration model's estimate for a visit's technician and job type, and the truth."""

    visit_id: str
    job_type: str
    technician_id: str
    experience: str
    p10: float
    p50: float
    p90: float
    actual_min: float

    @property
    def error_min(self) -> float:
        return self.p50 - self.actual_min

    @property
    def inside(self) -> bool:
        return self.p10 <= self.actual_min <= self.p90


def predicted_durations(
    events: Sequence[ev.Event], scenario: Scenario
) -> list[DurationPrediction] | None:
    """What the run's duration model predicted (its p10, p50, p90 for the technician and job
    type, as the brain used them) against the work actually done; None when the run's policy
    names no duration model (the brain then took the booked durations)."""
    from twin.app.wiring import build_world, duration_estimates

    roster = build_world(scenario).company.roster  # the run's scenario is seeded
    table = duration_estimates(scenario, roster)
    if table is None:
        return None
    jobs = {e.visit_id: e.job_type for e in events if isinstance(e, ev.VisitRequested)}
    out = []
    for a in activities(events):
        job = jobs.get(a.visit_id or "")
        est = table.get((a.technician_id, job)) if job else None
        if a.kind != "work" or est is None or a.visit_id is None:
            continue
        spec = roster.get(a.technician_id)
        experience = spec.experience if spec is not None else "unknown"
        out.append(
            DurationPrediction(
                a.visit_id,
                str(job),
                a.technician_id,
                experience,
                est.p10,
                est.p50,
                est.p90,
                a.hours * 60,
            )
        )
    return out
