"""Requests from outside the simulation: bookings, reschedules, cancellations, device alerts
and ratings that real people (or systems) send to a served twin (``twin serve``).

Each is carried out by the world at its current time with the same booking office as the
simulated customers (:mod:`twin.sim.booking`), and leaves its events in the log (the
channel on ``VisitRequested``), so a served day replays exactly from its requests
(:mod:`twin.app.live`). What a real customer's visit hides from the twin — its true
duration, travel noise, whether the fix works — the world draws from its own stream
(``outside``), in the order the requests arrive, so other visits meet the same random
numbers as without them. A real customer is at home and rates through their info link,
never by simulation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from twin import events as ev
from twin.config import Scenario
from twin.models.booking.desk import Booking, offer_windows, visit_task
from twin.models.booking.windows import Window
from twin.models.routing.dispatch import Dispatcher, NoOffer, SlotOffer
from twin.models.routing.plan import PlanState
from twin.sim.booking import Desk, book
from twin.sim.visit import VisitSpec

NEVER = 1.0  # a uniform draw that never falls below a share: always home, never simulated
OUTSIDE_PREFIX = "A"  # visit ids of outside bookings: A0001, A0002, ...


@dataclass(frozen=True, slots=True)
class JobRequest:
    """A visit asked for from outside: what, where, for whom, when the customer can be
    there (minutes of the day), and how they asked and want to be told."""

    customer_id: str
    job_type: str
    x: float
    y: float
    channel: str
    available: Window
    language: str = "de"
    notify_channel: str = "sms"
    request_id: str | None = None  # the API's id of the request (on its VisitRequested)


def outside_visit(
    world: Desk, rng: np.random.Generator, visit_id: str, job: JobRequest, window: Window
) -> VisitSpec:
    """The world's visit for an outside request made now, asked for in ``window``."""
    return outside_spec(world.scenario, rng, visit_id, job, window, world.now)


def outside_spec(
    scenario: Scenario,
    rng: np.random.Generator,
    visit_id: str,
    job: JobRequest,
    window: Window,
    request_min: float | None,
) -> VisitSpec:
    """The visit of an outside request (made at ``request_min``; None: booked before its
    day) in ``window``: what the twin cannot know of a real customer's visit drawn from
    ``rng``, the customer always at home and rating only through the info link."""
    d = scenario.demand
    spec = d.jobs[job.job_type]
    return VisitSpec(
        visit_id=visit_id,
        customer_id=job.customer_id,
        job_type=job.job_type,
        skill=spec.skill,
        priority=spec.priority,
        x=job.x,
        y=job.y,
        channel=job.channel,
        request_min=request_min,
        preferred=window,
        available=window if job.job_type != "emergency" else job.available,
        notify_channel=job.notify_channel,
        language=job.language,
        customer_trait=(float(rng.normal()), float(rng.normal())),
        site_factor=float(rng.lognormal(0.0, d.site_sigma)),
        z_duration=float(rng.normal()),
        z_travel=float(rng.normal()),
        u_fix=float(rng.random()),
        u_home=NEVER,
        u_feedback=NEVER,
        z_rating=0.0,
        cancel_min=None,
        request_id=job.request_id,
    )


def quote_id(job: JobRequest) -> str:
    """The visit id a request is priced under: one per job type and site. A planner that
    keeps route timings by visit id (PowerOpt's evaluator) reused an earlier request's
    timings for a later one at another site when every request was ``REQUEST``."""
    return f"REQUEST:{job.job_type}:{job.x!r}:{job.y!r}"


def offers(world: Desk, job: JobRequest, limit: int = 10) -> list[SlotOffer] | NoOffer:
    """The windows the planner can promise ``job`` now, best first (read only)."""
    state = world.plan_state()
    return offers_in(world.scenario, world.company.windows, state, world.dispatcher, job, limit)


def offers_in(
    scenario: Scenario,
    windows: Sequence[Window],
    state: PlanState,
    dispatcher: Dispatcher,
    job: JobRequest,
    limit: int = 10,
) -> list[SlotOffer] | NoOffer:
    """:func:`offers` on a given plan state and planner (a served day's copy of its plan)."""
    task = visit_task(scenario, quote_id(job), job.customer_id, job.job_type, job.x, job.y, (0, 0))
    return offer_windows(state, task, dispatcher, windows, job.available, limit)


def book_outside(
    world: Desk,
    rng: np.random.Generator,
    visit_id: str,
    job: JobRequest,
    window: Window | None,
    drawn: VisitSpec | None = None,
) -> Booking | NoOffer:
    """Book ``job`` as ``visit_id`` in ``window`` (one of the offered windows; None: the
    best the planner finds inside the customer's availability, as for a device alert).
    ``drawn``: the visit as drawn when the customer called (a call answered later keeps
    the random numbers of its moment)."""
    if window is None:
        ranked = offers(world, job, limit=1)
        if isinstance(ranked, NoOffer):
            window = job.available  # recorded and rejected with the planner's reason below
        else:
            window = (ranked[0].window_start, ranked[0].window_end)
    if drawn is None:
        spec = outside_visit(world, rng, visit_id, job, window)
    else:
        available = window if job.job_type != "emergency" else drawn.available
        spec = replace(drawn, preferred=window, available=available)
    world.visit_specs[visit_id] = spec
    return book(world, spec)


def device_alert(world: Desk, device_id: str, customer_id: str, fault_code: str) -> ev.Event:
    """A connected product reports a fault (the proactive visit is booked by the caller)."""
    return world.emit(
        ev.DeviceAlert, device_id=device_id, customer_id=customer_id, fault_code=fault_code
    )


def reschedule(
    world: Desk,
    visit_id: str,
    window: Window,
    request_id: str | None = None,
    channel: str | None = None,
) -> Booking | NoOffer:
    """Move an open visit to another window of the day; it keeps its old place if the new
    window cannot be promised. ``request_id``, ``channel``: the outside request's, carried
    on the new ``VisitBooked`` (so a served day's log tells which request moved it)."""
    if not world.is_open(visit_id):
        return NoOffer("the visit is under way, done or cancelled")
    old_routes = {t: r for t, r in world.plan_state().routes.items() if visit_id in r}
    world.set_routes({t: tuple(v for v in r if v != visit_id) for t, r in old_routes.items()})
    task = replace(world.tasks[visit_id], window_start=window[0], window_end=window[1])
    routes = world.dispatcher.insert(world.plan_state(), task)
    if isinstance(routes, NoOffer):
        world.set_routes(old_routes)
        return routes
    booking = Booking(task, routes)
    world.tasks[visit_id] = task
    world.emit(
        ev.VisitBooked,
        visit_id=visit_id,
        window_start=world.clock.at(window[0]),
        window_end=world.clock.at(window[1]),
        technician_id=booking.technician_id,
        expected_duration_min=task.duration_min,
        request_id=request_id,
        channel=channel,
    )
    world.set_routes(routes, f"rescheduled {visit_id}")
    return booking


def cancel(
    world: Desk, visit_id: str, request_id: str | None = None, channel: str | None = None
) -> bool:
    """The customer cancels an open visit; False if it is under way, done or cancelled.
    ``request_id``, ``channel``: the outside request's, carried on its ``VisitCancelled``."""
    if not world.is_open(visit_id):
        return False
    world.cancel_visit(visit_id, "customer cancelled", request_id, channel)
    return True
