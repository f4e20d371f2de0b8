"""The world's booking office: customers call, book, and cancel during the day.

Each request is a SimPy process that waits for the customer's call, records it, and asks
the booking desk (:mod:`twin.models.booking.desk`, the same pure rules ``twin offer`` and
the booking API use) for a window on somebody's route; the world then confirms it and
adopts the routes. Processes take the world as a narrow :class:`Desk`.
"""

from __future__ import annotations

from typing import Any, Protocol

import simpy

from twin import events as ev
from twin.clock import DayClock
from twin.config import Scenario
from twin.models.booking.desk import (
    Booking,
    book_best_offer,
    book_emergency,
    book_visit,
    visit_task,
)
from twin.models.company import Company
from twin.models.routing.dispatch import Dispatcher, NoOffer, Routes
from twin.models.routing.plan import PlanState, VisitTask
from twin.sim.rng import keyed
from twin.sim.visit import VisitSpec

PREBOOKED_AT_MIN = 0.0


class Desk(Protocol):
    """What the booking office needs of the world (``twin.sim.World`` is one)."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def now(self) -> float: ...
    @property
    def scenario(self) -> Scenario: ...
    @property
    def company(self) -> Company: ...
    @property
    def clock(self) -> DayClock: ...
    @property
    def dispatcher(self) -> Dispatcher: ...
    @property
    def tasks(self) -> dict[str, VisitTask]: ...
    @property
    def visit_specs(self) -> dict[str, VisitSpec]: ...

    def emit(self, cls: type[ev.Event], **fields: Any) -> ev.Event: ...
    def plan_state(self) -> PlanState: ...
    def set_routes(self, routes: Routes, reason: str | None = None) -> None: ...
    def move_to_another_day(self, vid: str, reason: str) -> None: ...
    def is_open(self, vid: str) -> bool: ...
    def cancel_visit(
        self, vid: str, reason: str, request_id: str | None = None, channel: str | None = None
    ) -> None: ...


def _task(
    world: Desk, v: VisitSpec, window: tuple[float, float], due: float | None = None
) -> VisitTask:
    return visit_task(world.scenario, v.visit_id, v.customer_id, v.job_type, v.x, v.y, window, due)


def request(world: Desk, v: VisitSpec) -> Any:
    """The customer's call at ``v.request_min`` (a connected device reports first)."""
    assert v.request_min is not None
    yield world.env.timeout(v.request_min)
    if v.channel == "device":
        world.emit(
            ev.DeviceAlert,
            device_id=f"D{v.customer_id[1:]}",
            customer_id=v.customer_id,
            fault_code=f"F{v.job_type[:3].upper()}",
        )
    book(world, v)


def announce(world: Desk, v: VisitSpec) -> float | None:
    """Record the request (``VisitRequested``); returns an emergency's response due time."""
    emergency = v.job_type == "emergency"
    due = world.now + world.scenario.demand.emergency_response_min if emergency else None
    clk = world.clock
    world.emit(
        ev.VisitRequested,
        visit_id=v.visit_id,
        customer_id=v.customer_id,
        job_type=v.job_type,
        skill=v.skill,
        priority=v.priority,
        channel=v.channel,
        x=v.x,
        y=v.y,
        available_from=clk.at(v.available[0]),
        available_until=clk.at(v.available[1]),
        notify_channel=v.notify_channel,
        language=v.language,
        response_due=clk.at(due) if due is not None else None,
        request_id=v.request_id,
    )
    return due


def book(world: Desk, v: VisitSpec) -> Booking | NoOffer:
    """Record the request and book it through the desk, or reject it with the reason."""
    now = world.now
    emergency = v.job_type == "emergency"
    due = announce(world, v)
    if (
        v.request_min is not None
        and not emergency
        and not world.scenario.policy.same_day_acceptance
    ):
        refusal = NoOffer("same-day requests not accepted by policy")
        world.emit(ev.VisitRejected, visit_id=v.visit_id, reason=refusal.reason)
        return refusal
    state = world.plan_state()
    booking: Booking | NoOffer
    if emergency:
        assert due is not None
        task = _task(world, v, (now, due), due)
        world.tasks[v.visit_id] = task  # the repair plans the visits of the (live) state
        policy = world.scenario.policy
        booking = book_emergency(
            state,
            task,
            world.dispatcher,
            world.company.travel,
            world.company.break_rule,
            policy.emergency_displacement,
        )
    else:
        task = _task(world, v, v.preferred)
        book = book_best_offer if takes_offer(world, v) else book_visit
        booking = book(state, task, world.dispatcher, world.company.windows, v.available)
    if isinstance(booking, NoOffer):
        world.tasks.pop(v.visit_id, None)
        world.emit(ev.VisitRejected, visit_id=v.visit_id, reason=booking.reason)
        return booking
    confirm(world, booking)
    return booking


def takes_offer(world: Desk, v: VisitSpec) -> bool:
    """Whether this customer takes the desk's best-ranked offer (``policy.window_choice``
    "graded"): a draw of its own per visit, so that the choice of one customer never
    shifts another's (common random numbers)."""
    if world.scenario.policy.window_choice != "graded":
        return False
    u = keyed(world.scenario.seed, "choice", v.visit_id).random()
    return bool(u < world.scenario.demand.offer_acceptance)


def confirm(world: Desk, booking: Booking) -> None:
    task = booking.task
    vid = task.visit_id
    world.tasks[vid] = task
    world.emit(
        ev.VisitBooked,
        visit_id=vid,
        window_start=world.clock.at(task.window_start),
        window_end=world.clock.at(task.window_end),
        technician_id=booking.technician_id,
        expected_duration_min=task.duration_min,
    )
    if world.now > PREBOOKED_AT_MIN:
        world.set_routes(booking.routes, f"booking {vid}")
    else:
        world.set_routes(booking.routes)
    if booking.gave_way is not None:
        reason = f"moved to another day: emergency {vid} needed the time"
        world.move_to_another_day(booking.gave_way, reason)


def cancel(world: Desk, v: VisitSpec) -> Any:
    """The customer cancels at ``v.cancel_min`` (if the visit is still to do)."""
    assert v.cancel_min is not None
    yield world.env.timeout(v.cancel_min)
    vid = v.visit_id
    if world.is_open(vid):
        world.cancel_visit(vid, "customer cancelled")
