"""The technician's working day as a SimPy process.

A technician follows the route they were last given: take the next visit, drive there
(expected time times hidden leg noise), wait if early, work for the visit's true duration,
and repeat; take the statutory break once it is due; wait for new work when the route is
empty; drive home when the shift is over, when nothing fits before the overtime limit, or
when they become unavailable. A technician paid by the hour leaves home at the planner's
departure (``World.departures``), not at the shift's start.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping
from typing import Any, Protocol

import simpy

from twin import events as ev
from twin.models.routing.plan import BreakRule
from twin.sim.departures import Departures
from twin.sim.legs import set_off
from twin.sim.office import Office, day_over
from twin.sim.rng import keyed
from twin.sim.van import Yard, depot_stops, fixed
from twin.sim.workforce import TechnicianProfile


class Workplace(Office, Yard, Protocol):
    """What a technician's day needs of the world (``twin.sim.World`` is one): the clock
    and the truth of the visits, and the moves that change the shared state (besides what
    the office and the vans need: clock, scenario, travel, visits, moving and standing)."""

    @property
    def break_rule(self) -> BreakRule: ...
    @property
    def profiles(self) -> Mapping[str, TechnicianProfile]: ...

    def start_shift(self, tid: str) -> None: ...
    def end_shift(self, tid: str) -> None: ...
    @property
    def departures(self) -> Departures: ...
    def take_next(self, tid: str, x: float, y: float) -> str | None: ...
    def wake_event(self, tid: str) -> simpy.Event: ...
    def set_break(self, tid: str) -> None: ...
    def set_working(self, tid: str, vid: str) -> None: ...
    def is_cancelled(self, vid: str) -> bool: ...
    def customer_home(self, vid: str) -> bool: ...
    def true_duration(self, vid: str, tid: str) -> float: ...
    def release(self, tid: str, vid: str) -> None: ...
    def after_visit(self, tid: str, vid: str, arrival: float) -> None: ...


ABSENT_WAIT_MIN = 10.0


def technician(world: Workplace, tid: str) -> Generator[Any, Any, None]:
    env = world.env
    prof = world.profiles[tid]
    spec = prof.spec
    brk = world.break_rule
    yield env.timeout(max(0.0, spec.shift_start - env.now))
    if prof.sick:
        return  # reported by the world's sickness process before the shift
    world.start_shift(tid)
    yield from _wait_to_leave(world, tid)
    x, y = spec.home_x, spec.home_y
    break_taken = False
    noise_cv = world.scenario.traffic.leg_noise_cv
    sigma = math.sqrt(math.log1p(noise_cv * noise_cv))
    while world.is_available(tid):
        if not break_taken and brk.length_min > 0 and env.now >= spec.shift_start + brk.after_min:
            world.emit(ev.BreakStarted, technician_id=tid)
            world.set_break(tid)
            yield env.timeout(brk.length_min)
            world.emit(ev.BreakEnded, technician_id=tid)
            break_taken = True
        x, y = yield from depot_stops(world, tid, x, y)  # parts-aware restocking only
        vid = world.take_next(tid, x, y)
        if vid is None:  # wait for work here, but leave in time for the legal day
            due = brk.length_min if not break_taken else 0.0
            until = min(spec.shift_end, _legal_stop(world, tid, x, y, due))
            if env.now >= until or not world.is_available(tid):
                break
            yield world.wake_event(tid) | env.timeout(until - env.now)
            continue
        x, y = yield from _drive_to(world, tid, vid, x, y, sigma)
        arrival = env.now
        if world.is_cancelled(vid):
            world.release(tid, vid)
            continue
        task = world.tasks[vid]
        if env.now < task.window_start and not _starts_early(world, vid, task.window_start):
            yield env.timeout(task.window_start - env.now)
        if not world.customer_home(vid):
            yield env.timeout(ABSENT_WAIT_MIN)
            world.emit(ev.WorkFinished, technician_id=tid, visit_id=vid, outcome="customer_absent")
            world.release(tid, vid)
            continue
        world.emit(ev.WorkStarted, technician_id=tid, visit_id=vid)
        world.set_working(tid, vid)
        duration = world.true_duration(vid, tid)
        stop = _legal_stop(world, tid, x, y, brk.length_min if not break_taken else 0.0)
        cut = env.now + duration > stop  # the job would break the legal day: come back
        yield env.timeout(max(0.0, stop - env.now) if cut else duration)
        done = not cut and fixed(world, tid, vid)  # with the needed kit (twin.sim.van)
        world.emit(
            ev.WorkFinished,
            technician_id=tid,
            visit_id=vid,
            outcome="unfinished" if cut else "fixed" if done else "follow_up",
        )
        world.release(tid, vid)
        world.after_visit(tid, vid, arrival)
        if cut:  # the legal day is over: the rest of the route goes back to the office
            day_over(world, tid, x, y)
            break
    yield from _drive_home(world, tid, x, y)
    world.end_shift(tid)


def _drive_to(
    world: Workplace, tid: str, vid: str, x: float, y: float, sigma: float
) -> Generator[Any, Any, tuple[float, float]]:
    """From ``x, y`` to visit ``vid``: the expected time with the leg's own noise (its
    ``z_travel``, lognormal with ``sigma``); returns where the technician now is."""
    env, visit = world.env, world.visit_specs[vid]
    expected = world.travel.travel_min(x, y, visit.x, visit.y, env.now, world.incidents)
    noisy = expected * math.exp(sigma * visit.z_travel - sigma * sigma / 2)
    set_off(world, tid, vid, x, y, (visit.x, visit.y), noisy)
    yield env.timeout(noisy)
    world.set_still(tid, visit.x, visit.y)
    world.emit(ev.Arrived, technician_id=tid, visit_id=vid, x=visit.x, y=visit.y)
    return visit.x, visit.y


def _wait_to_leave(world: Workplace, tid: str) -> Generator[Any, Any, None]:
    """Paid by the hour: at home until the planner's departure (a new plan may move it)."""
    env = world.env
    while (at := world.departures.at(tid)) is not None and env.now < at and world.is_available(tid):
        yield world.wake_event(tid) | env.timeout(at - env.now)


def _starts_early(world: Workplace, vid: str, window_start: float) -> bool:
    """Early at the site, the technician calls ahead: may the work begin now? The
    customer's answer comes from their own keyed draw, so policies share it."""
    d = world.scenario.demand
    if d.early_start_share <= 0 or window_start - world.env.now > d.early_start_max_min:
        return False
    return bool(keyed(world.scenario.seed, "early", vid).random() < d.early_start_share)


LEGAL_MARGIN = 1.5  # the drive home may take this much longer than expected ...
LEGAL_SLACK_MIN = 5.0  # ... plus this


def _legal_stop(world: Workplace, tid: str, x: float, y: float, break_due: float) -> float:
    """When work on site must stop so that the drive home still ends within the legal
    working day (``workforce.max_work_min`` of work plus the break after the shift start,
    the Working Hours Act's ten hours): a job that would run longer is left for a
    follow-up visit. The drive home is priced at the hour it starts and as slow as a
    traffic incident could make it, since one may begin while the work goes on; a break
    not yet taken (``break_due`` minutes) is still to come before the drive."""
    sc = world.scenario
    wf, t, spec = sc.workforce, sc.traffic, world.profiles[tid].spec
    end = spec.shift_start + wf.max_work_min + wf.break_min
    margin = max(LEGAL_MARGIN, 1 / t.incident_factor_min if t.incidents_per_day > 0 else 0.0)
    stop = end
    for _ in range(2):  # evening traffic: price the drive at the stop, found by iterating
        home = world.travel.travel_min(x, y, spec.home_x, spec.home_y, stop)
        stop = end - break_due - margin * home - LEGAL_SLACK_MIN
    return stop


def _drive_home(world: Workplace, tid: str, x: float, y: float) -> Generator[Any, Any, None]:
    """Back to the home base at the end of the day (nothing to do if already there)."""
    env, spec = world.env, world.profiles[tid].spec
    dist = world.travel.distance_km(x, y, spec.home_x, spec.home_y)
    if dist > 0:
        t_home = world.travel.travel_min(x, y, spec.home_x, spec.home_y, env.now, world.incidents)
        set_off(world, tid, None, x, y, (spec.home_x, spec.home_y), t_home)
        yield env.timeout(t_home)
        world.emit(ev.Arrived, technician_id=tid, visit_id=None, x=spec.home_x, y=spec.home_y)
