"""The simulated field-service day: the SimPy environment and the day's shared state.

``World`` holds the truth of the day (profiles, visit specs, true durations) and its
operational state (bookings, routes, where everyone is), and starts the day's processes:
the booking office (:mod:`twin.sim.booking`), the technicians (:mod:`twin.sim.technician`),
traffic (:mod:`twin.sim.traffic`) and GPS (:mod:`twin.sim.gps`). It records every
happening as an event and obeys decisions: ``PlanPublished`` / ``VisitDeferred`` /
``CustomerNotified`` handed to :meth:`World.apply` by whoever runs the brain.
``advance(until)`` runs the day tick by tick (the closed loop); ``run()`` to the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import simpy

from twin import events as ev
from twin.clock import tick_ends
from twin.config import Scenario
from twin.gctuning import long_run_gc
from twin.models.company import Company, seeded
from twin.models.routing.dispatch import Dispatcher, Routes
from twin.models.routing.kit import DEPOT_STOPS_REASON
from twin.models.routing.plan import BreakRule, PlanState, StatusAt, TechnicianState, VisitTask
from twin.models.routing.travel import TravelModel
from twin.sim.booking import book, cancel, request
from twin.sim.day_input import DayInput
from twin.sim.demand import make_demand
from twin.sim.departures import Departures
from twin.sim.gps import Positions, pings
from twin.sim.kit_plan import plan_kit_day
from twin.sim.office import day_over, unavailable
from twin.sim.rating import will_rate
from twin.sim.recorder import Recorder
from twin.sim.rng import stream
from twin.sim.technician import technician
from twin.sim.traffic import make_incidents, traffic
from twin.sim.truth import true_duration
from twin.sim.van import make_vans
from twin.sim.visit import VisitSpec, sites_on_roads
from twin.sim.workforce import TechnicianProfile, make_workforce

log = logging.getLogger(__name__)


class World:
    def __init__(
        self,
        scenario: Scenario,
        dispatcher_factory: Callable[[TravelModel, BreakRule], Dispatcher],
        seed: int | None = None,
        given: DayInput | None = None,  # a period's day: its visits and rota
    ) -> None:
        # construction keeps what it makes and makes no garbage cycles (tests/test_gctuning.py):
        # no automatic collection while the company, its demand and the pre-day booking are
        # built (10,000 technicians: 1,064 collections, 2.7 s of 27, found nothing)
        with long_run_gc(None):
            scenario = seeded(scenario, seed)
            self.scenario = scenario
            self.seed = scenario.seed
            self.env = simpy.Environment()
            team = make_workforce(
                scenario,
                stream(scenario.company_seed, "workforce"),
                stream(self.seed, "absence"),
            )
            team = given.rota.team(team) if given is not None else team
            self.company = Company(scenario, MappingProxyType({p.id: p.spec for p in team}))
            self.clock = self.company.clock
            self.recorder = Recorder(self.clock)
            self.travel = self.company.travel
            self.break_rule = self.company.break_rule
            self.dispatcher = dispatcher_factory(self.travel, self.break_rule)
            self.departures = Departures(scenario.policy.pay, self.dispatcher, self.clock)
            self.profiles: dict[str, TechnicianProfile] = {p.id: p for p in team}
            self.specs = {p.id: p.spec for p in team}
            self._specs_view = MappingProxyType(self.specs)
            demand = given.demand if given else make_demand(scenario, stream(self.seed, "demand"))
            demand = sites_on_roads(scenario.city, demand)  # unchanged on the synthetic plane
            self.visit_specs: dict[str, VisitSpec] = {v.visit_id: v for v in demand}
            self.vans = make_vans(
                scenario, list(self.specs.values()), self.travel, self.visit_specs
            )
            self.incidents: dict[str, float] = {}
            self.tasks: dict[str, VisitTask] = {}
            self.routes: dict[str, tuple[str, ...]] = {tid: () for tid in self.specs}
            self._owner: dict[str, str] = {}  # visit -> technician whose route took it last
            self._roster_rank = {tid: i for i, tid in enumerate(self.routes)}
            self.status: dict[str, TechnicianState] = {
                tid: TechnicianState(tid, s.home_x, s.home_y, s.shift_start)
                for tid, s in self.specs.items()
            }
            self.committed: dict[str, str | None] = dict.fromkeys(self.specs)
            self._committed_visits: set[str] = set()  # the values of ``committed``
            self.done: set[str] = set()
            self.cancelled: set[str] = set()
            self.contacted: set[str] = set()
            self.warned: set[str] = set()
            self.positions = Positions(self.specs)  # legs of those on shift, for the GPS
            self._wake: dict[str, simpy.Event] = {}
            self.plan_version = 0
            self.auto_repair = True  # False: orphaned visits wait for a person (a trainee's day)
            self._start()

    # ------------------------------------------------------------------ set-up
    def _start(self) -> None:
        planned = [v for v in self.visit_specs.values() if v.request_min is None]
        for v in planned:
            book(self, v)
        plan_day = getattr(self.dispatcher, "plan_day", None)
        if callable(plan_day):
            self.set_routes(plan_day(self.plan_state(), self.seed), "daily optimisation")
        plan_kit_day(self)  # parts-aware planning only
        self.publish_plan(self.routes, "daily plan")
        for v in self.visit_specs.values():
            if v.request_min is not None:
                self.env.process(request(self, v))
            if v.cancel_min is not None:
                self.env.process(cancel(self, v))
        first = min((s.shift_start for s in self.specs.values()), default=0.0)
        for tid, prof in self.profiles.items():
            self.env.process(technician(self, tid))
            if prof.sick:
                self.env.process(unavailable(self, tid, prof.spec.shift_start - 30, "sick"))
            elif prof.unavailable_at is not None:
                self.env.process(unavailable(self, tid, prof.unavailable_at, "vehicle breakdown"))
        incidents = make_incidents(self.scenario, self.travel, stream(self.seed, "traffic"))
        self.env.process(traffic(self.env, incidents, self.incidents, self.emit, self.clock))
        self.env.process(pings(self.env, self.positions, self.recorder, self.scenario, first))

    # ------------------------------------------------------------------ running
    @property
    def now(self) -> float:
        return float(self.env.now)

    def advance(self, until: float) -> list[ev.Event]:
        """Run the world up to ``until`` (minutes) and return the events of that stretch."""
        until = min(until, self.scenario.day_end_min)
        if until > self.env.now:
            self.env.run(until=until)
        return self.recorder.drain()

    def tick_minutes(self) -> list[float]:
        """Tick ends: one jump to shortly before the first shift, then every ``tick_min``."""
        first = min((s.shift_start for s in self.specs.values()), default=0.0)
        return tick_ends(first, self.scenario.tick_min, self.scenario.day_end_min)

    @property
    def log(self) -> list[ev.Event]:
        """Every event recorded so far (the world's and the decisions it applied)."""
        return self.recorder.events

    @property
    def finished(self) -> bool:
        return self.env.now >= self.scenario.day_end_min

    def run(self, tick: Callable[[float], None] | None = None) -> list[ev.Event]:
        """Run the whole day; ``tick`` is called with the time after each tick (progress)."""
        step = self.scenario.tick_min * 30
        t = self.now
        with long_run_gc(None):  # no automatic collection: the day makes no cycles
            while not self.finished:
                t = min(t + step, self.scenario.day_end_min)
                self.env.run(until=t)
                if tick is not None:
                    tick(t)
        return self.recorder.events

    def emit(self, cls: type[ev.Event], **fields: Any) -> ev.Event:
        return self.recorder.emit(cls, self.env.now, **fields)

    # ------------------------------------------------------------------ decisions in
    def apply(self, decisions: Iterable[ev.Event]) -> None:
        """Apply the brain's decisions (plans, notifications) in a deterministic order."""
        for d in sorted(decisions, key=lambda e: (e.time, e.id)):
            if isinstance(d, ev.PlanPublished):
                self.apply_plan(d)
            elif isinstance(d, ev.VisitDeferred):
                self._defer(d)
            elif isinstance(d, ev.CustomerNotified):
                if d.kind in ("on_the_way", "delay", "confirmation"):
                    self.contacted.add(d.visit_id)
                task = self.tasks.get(d.visit_id)
                if d.kind == "delay" and task is not None and self.now <= task.window_end:
                    self.warned.add(d.visit_id)
            # a plan changes what technicians do next: it goes back out with the world's
            # events (a deferral as the world's own VisitCancelled); ETAs, alerts and
            # messages are the brain's own outputs, only logged
            self.recorder.record(d, echo=isinstance(d, ev.PlanPublished))

    def _defer(self, d: ev.VisitDeferred) -> None:
        """Carry out the brain's deferral: the visit leaves today's route and is cancelled
        by the company (unless it is already under way, done or cancelled)."""
        vid = d.visit_id
        if not self.is_open(vid):
            log.warning("not deferring %s (%s): under way, done or cancelled", vid, d.id)
            return
        if (tid := self._owner.get(vid)) is not None and vid in self.routes[tid]:
            self.set_routes({tid: tuple(v for v in self.routes[tid] if v != vid)})
        self.move_to_another_day(vid, d.reason)

    def move_to_another_day(self, vid: str, reason: str) -> None:
        """The company cancels ``vid`` for today (it is off every route already)."""
        self.cancelled.add(vid)
        self.emit(ev.VisitCancelled, visit_id=vid, reason=reason, by="company")

    def apply_plan(self, plan: ev.PlanPublished) -> None:
        """Adopt the routes of ``plan``; visits already committed or finished are ignored."""
        changed: Routes = {}
        for r in plan.routes:
            if r.technician_id not in self.specs:
                log.warning("plan %s names unknown technician %s", plan.id, r.technician_id)
                continue
            keep = tuple(v for v in r.visit_ids if self.is_open(v))
            changed[r.technician_id] = keep
        moved = {v for route in changed.values() for v in route}
        losers = {o for v in moved if (o := self._owner.get(v)) is not None and o not in changed}
        for tid in sorted(losers, key=self._roster_rank.__getitem__):  # roster order, as always
            route = self.routes[tid]
            if any(v in moved for v in route):
                changed[tid] = tuple(v for v in route if v not in moved)
        self.set_routes(changed)
        self.departures.adopt(plan, changed)  # the plan's own departures win over ours

    def is_open(self, vid: str) -> bool:
        """Booked today and still to do: not done, cancelled or under way."""
        return (
            vid in self.tasks
            and vid not in self.done
            and vid not in self.cancelled
            and vid not in self._committed_visits
        )

    def set_routes(self, routes: Routes, reason: str | None = None) -> None:
        for tid, route in routes.items():
            # a visit already on the route is already the technician's: only new ones written
            kept = set(self.routes.get(tid, ()))
            self.routes[tid] = new = tuple(route)
            for vid in new:
                if vid not in kept:
                    self._owner[vid] = tid
            self.wake(tid)
        self.departures.replan(self.plan_state, routes)
        restock = self.vans.plan_routes(self, routes) if self.vans is not None else ()
        if reason is not None and routes:
            self.publish_plan(routes, reason)
        elif restock and self.plan_version:  # parts-aware: the depot stops ahead changed
            self.publish_plan({t: self.routes[t] for t in restock}, DEPOT_STOPS_REASON)

    def publish_plan(self, routes: Routes, reason: str) -> None:
        wire = self.departures.on_wire(routes, self.now)
        wire = wire if self.vans is None else self.vans.on_wire(wire)  # with depot stops
        self.plan_version += 1
        self.emit(ev.PlanPublished, version=self.plan_version, reason=reason, routes=wire)

    # ------------------------------------------------------------------ dispatcher view
    def plan_state(self) -> PlanState:
        now = self.now
        return PlanState(
            now=now,
            technicians=self._specs_view,
            status=StatusAt(self.status, now),
            visits=MappingProxyType(self.tasks),
            routes=MappingProxyType(self.routes),
            incidents=MappingProxyType(self.incidents),
        )

    def cancel_visit(
        self, vid: str, reason: str, request_id: str | None = None, channel: str | None = None
    ) -> None:
        """The customer cancels ``vid`` (booked, not under way or done): off its route, found
        through the owner index (every route change goes through ``set_routes``, which
        keeps it), not by scanning every route. ``request_id``, ``channel``: an outside
        request's (on its event)."""
        self.cancelled.add(vid)
        self.emit(
            ev.VisitCancelled, visit_id=vid, reason=reason, request_id=request_id, channel=channel
        )
        tid = self._owner.get(vid)
        if tid is not None and vid in self.routes[tid]:
            self.routes[tid] = tuple(x for x in self.routes[tid] if x != vid)

    def owner(self, vid: str) -> str | None:  # whose route took ``vid`` last
        return self._owner.get(vid)

    # ------------------------------------------------------------------ technicians
    def take_off(self, tid: str, reason: str) -> None:
        """``tid`` is off from now on, reported from outside (as a drawn absence)."""
        self.env.process(unavailable(self, tid, self.now, reason))

    def wake(self, tid: str) -> None:
        """Wake ``tid``'s process if it waits for a new plan."""
        wake = self._wake.pop(tid, None)
        if wake is not None and not wake.triggered:
            wake.succeed()

    def is_available(self, tid: str) -> bool:
        return self.status[tid].available

    def start_shift(self, tid: str) -> None:
        s = self.specs[tid]
        self.positions.move(tid, s.home_x, s.home_y, s.home_x, s.home_y, self.now, self.now)
        self.emit(
            ev.ShiftStarted,
            technician_id=tid,
            x=s.home_x,
            y=s.home_y,
            planned_end=self.clock.at(s.shift_end),
        )

    def end_shift(self, tid: str) -> None:
        x1, y1 = self.positions.end(tid)
        self.status[tid] = replace(self.status[tid], available=False)
        self.emit(ev.ShiftEnded, technician_id=tid, x=x1, y=y1)

    def wake_event(self, tid: str) -> simpy.Event:
        wake = self._wake.get(tid)
        if wake is None or wake.triggered:
            wake = self._wake[tid] = self.env.event()
        return wake

    def take_next(self, tid: str, x: float, y: float) -> str | None:
        """Commit the technician to the next visit of their route, if it fits the day."""
        route = self.routes[tid]
        if not route:
            self.status[tid] = replace(self.status[tid], x=x, y=y, free_at=self.now)
            return None
        vid = route[0]
        task = self.tasks[vid]
        spec = self.specs[tid]
        travel = self.travel.travel_min(x, y, task.x, task.y, self.now, self.incidents)
        start = max(self.now + travel, task.window_start)
        back = self.travel.travel_min(
            task.x, task.y, spec.home_x, spec.home_y, start + task.duration_min
        )
        if start + task.duration_min + back > spec.max_end:  # nothing more fits today
            day_over(self, tid, x, y)
            return None
        self.routes[tid] = route[1:]
        self.committed[tid] = vid
        self._committed_visits.add(vid)
        self.status[tid] = replace(
            self.status[tid], x=task.x, y=task.y, free_at=start + task.duration_min
        )
        return vid

    def release(self, tid: str, vid: str) -> None:
        self.committed[tid] = None
        self._committed_visits.discard(vid)
        self.done.add(vid)
        self.status[tid] = replace(self.status[tid], free_at=self.now)

    def set_break(self, tid: str) -> None:
        st = self.status[tid]
        self.status[tid] = replace(
            st, free_at=self.now + self.break_rule.length_min, break_taken=True
        )

    def set_working(self, tid: str, vid: str) -> None:
        st = self.status[tid]
        self.status[tid] = replace(st, free_at=self.now + self.tasks[vid].duration_min)

    def set_moving(
        self, tid: str, x0: float, y0: float, x1: float, y1: float, t0: float, t1: float
    ) -> None:
        self.positions.move(tid, x0, y0, x1, y1, t0, t1)

    def set_still(self, tid: str, x: float, y: float) -> None:
        self.positions.move(tid, x, y, x, y, self.now, self.now)

    def is_cancelled(self, vid: str) -> bool:
        return vid in self.cancelled

    def customer_home(self, vid: str) -> bool:
        d = self.scenario.demand
        p = d.not_home_share_notified if vid in self.contacted else d.not_home_share
        return self.visit_specs[vid].u_home >= p

    def true_duration(self, vid: str, tid: str) -> float:
        return true_duration(self.scenario, self.visit_specs[vid], self.profiles[tid])

    def after_visit(self, tid: str, vid: str, arrival: float) -> None:
        """The customer may rate the visit half an hour later (twin.sim.rating)."""
        will_rate(self, tid, vid, arrival)

    def rate(self, vid: str, tid: str, stars: int) -> ev.Event:
        """The customer rates the visit (through the info link, simulated or real): the
        rating is logged and the planner's chemistry index learns it at once."""
        customer = self.visit_specs[vid].customer_id
        learn = getattr(self.dispatcher, "learn", None)
        if callable(learn):
            learn(customer, tid, stars)
        return self.emit(
            ev.FeedbackGiven, visit_id=vid, customer_id=customer, technician_id=tid, rating=stars
        )
