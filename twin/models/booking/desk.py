"""The booking desk: how a request becomes a promised window on somebody's route.

Pure decisions over a :class:`~twin.models.routing.plan.PlanState` and a dispatcher, called
alike by the simulated world, ``twin offer`` and the booking API:

* an ordinary visit is inserted in the customer's preferred window; if nobody can take
  it there, the dispatcher ranks the company's other windows inside the customer's
  availability and the best one is booked;
* an emergency must start before its response deadline; if the dispatcher's repair leaves
  it out, it may take the place of a lower-priority visit in a nearby route
  (:func:`~twin.models.booking.displace.make_room`), which is then re-planned today or
  moved to another day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twin import events as ev
from twin.clock import DayClock
from twin.config import Scenario
from twin.models.booking.displace import make_room
from twin.models.booking.windows import Window, windows_within
from twin.models.routing.dispatch import Dispatcher, NoOffer, Routes, SlotOffer
from twin.models.routing.plan import BreakRule, PlanState, VisitTask, with_window
from twin.models.routing.travel import TravelModel


@dataclass(frozen=True, slots=True)
class Booking:
    """A request the desk could place: its task (with the promised window), the routes
    that change, and the visit that gave way to an emergency and leaves today (if any)."""

    task: VisitTask
    routes: Routes
    gave_way: str | None = None

    @property
    def technician_id(self) -> str | None:
        vid = self.task.visit_id
        routes = self.routes
        if len(routes) == 1:  # an insertion: its route holds the task's very id object
            ((tid, route),) = routes.items()
            for v in route:
                if v is vid:
                    return tid
        # by equality: reads every id string of the routes (at 10,000 technicians a cache
        # miss each, 2 % of the pre-day booking)
        return next((t for t, r in routes.items() if vid in r), None)


def visit_task(
    scenario: Scenario,
    visit_id: str,
    customer_id: str,
    job_type: str,
    x: float,
    y: float,
    window: Window,
    due_min: float | None = None,
) -> VisitTask:
    """The planner's view of a requested visit: the job type's skill, priority and booked
    (mean) duration, promised in ``window``."""
    job = scenario.demand.jobs[job_type]
    return VisitTask(
        visit_id=visit_id,
        customer_id=customer_id,
        x=x,
        y=y,
        job_type=job_type,
        skill=job.skill,
        priority=job.priority,
        window_start=window[0],
        window_end=window[1],
        duration_min=job.mean_min,
        due_min=due_min,
    )


def booked_task(requested: ev.VisitRequested, booked: ev.VisitBooked, clock: DayClock) -> VisitTask:
    """The planner's view of a visit as a log tells it: the request's site, job and
    deadline, the booking's window and expected duration (the brain's mirror, ``twin
    offer`` and the cockpit rebuild a day's plan from these)."""
    due = requested.response_due
    return VisitTask(
        visit_id=booked.visit_id,
        customer_id=requested.customer_id,
        x=requested.x,
        y=requested.y,
        job_type=requested.job_type,
        skill=requested.skill,
        priority=requested.priority,
        window_start=clock.minutes(booked.window_start),
        window_end=clock.minutes(booked.window_end),
        duration_min=booked.expected_duration_min,
        due_min=clock.minutes(due) if due else None,
    )


def offer_windows(
    state: PlanState,
    task: VisitTask,
    dispatcher: Dispatcher,
    windows: Sequence[Window],
    available: Window,
    limit: int = 10,
) -> list[SlotOffer] | NoOffer:
    """The windows the company can promise ``task`` at ``state.now``, best first: those
    inside the customer's availability that end at least an hour from now, ranked by the
    dispatcher (price and lateness risk). ``twin offer`` and the booking API both ask this."""
    options = windows_within(windows, available, now=state.now)
    if not options:
        return NoOffer("no offered window inside the customer's availability ends an hour from now")
    ranked = dispatcher.offers(state, task, options)
    return ranked if isinstance(ranked, NoOffer) else list(ranked[:limit])


def book_visit(
    state: PlanState,
    task: VisitTask,
    dispatcher: Dispatcher,
    windows: Sequence[Window],
    available: Window,
) -> Booking | NoOffer:
    """Book ``task`` in its own window, else in the best-ranked other window the customer
    can take (ending at least an hour from now)."""
    routes = dispatcher.insert(state, task)
    if not isinstance(routes, NoOffer):
        return Booking(task, routes)
    options = windows_within(windows, available, now=state.now)
    offers = dispatcher.offers(state, task, options)
    if isinstance(offers, NoOffer):
        return offers
    best = offers[0]
    task = with_window(task, best.window_start, best.window_end)
    routes = dispatcher.insert(state, task)
    return routes if isinstance(routes, NoOffer) else Booking(task, routes)


def book_best_offer(
    state: PlanState,
    task: VisitTask,
    dispatcher: Dispatcher,
    windows: Sequence[Window],
    available: Window,
) -> Booking | NoOffer:
    """Book ``task`` in the best-ranked window (cheapest for the company) that the customer
    can take and that is no wider than the window they wished for; else as they wished
    (:func:`book_visit`)."""
    width = task.window_end - task.window_start
    options = [
        w for w in windows_within(windows, available, now=state.now) if w[1] - w[0] <= width + 1e-9
    ]
    offers = dispatcher.offers(state, task, options) if options else NoOffer("no window")
    if isinstance(offers, NoOffer):
        return book_visit(state, task, dispatcher, windows, available)
    best = offers[0]
    task = with_window(task, best.window_start, best.window_end)
    routes = dispatcher.insert(state, task)
    if isinstance(routes, NoOffer):
        return book_visit(state, task, dispatcher, windows, available)
    return Booking(task, routes)


def book_emergency(
    state: PlanState,
    task: VisitTask,
    dispatcher: Dispatcher,
    travel: TravelModel,
    brk: BreakRule,
    displacement: bool,
) -> Booking | NoOffer:
    """Place an emergency by the dispatcher's repair, or (``displacement``) by making room.

    ``state.visits`` must already hold ``task``: the repair plans the visits it names.
    A repair that changes other routes but leaves the emergency out books nothing (the
    emergency would be promised and never planned).
    """
    vid = task.visit_id
    placed = dispatcher.repair(state, "emergency", [vid])
    if any(vid in r for r in placed.values()):
        return Booking(task, placed)
    if displacement:
        room = make_room(state, vid, dispatcher, travel, brk)
        if room is not None:
            return Booking(task, room.routes, None if room.rehomed else room.gave_way)
    return NoOffer("no technician can take the emergency")
