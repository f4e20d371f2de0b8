"""Emergencies a person answers: requested now (the response target runs from the
request), then accepted onto a technician's route, placed by the planner (who may make
room), given room by moving another visit to another day, or refused with a reason.

A trainee's day without the autopilot takes emergencies this way (the autopilot books them
at once through :func:`twin.sim.booking.book`). Each answer leaves its events in the log:
``VisitBooked`` and a ``PlanPublished`` (accepted), the moved visit's ``VisitCancelled``
(room made), or ``VisitRejected`` with the dispatcher's reason (refused).
"""

from __future__ import annotations

from twin import events as ev
from twin.models.booking.desk import Booking, book_emergency, visit_task
from twin.models.routing.dispatch import NoOffer
from twin.models.routing.plan import VisitTask
from twin.sim.booking import announce, confirm
from twin.sim.dispatching import ActionRefused, check_technician, why_not_open
from twin.sim.visit import VisitSpec
from twin.sim.world import World


def request_emergency(world: World, spec: VisitSpec) -> float:
    """Record the emergency's request; returns its response due time (minutes)."""
    world.visit_specs[spec.visit_id] = spec
    due = announce(world, spec)
    assert due is not None
    return due


def emergency_task(world: World, spec: VisitSpec, due: float) -> VisitTask:
    """The planner's view of a waiting emergency: from its request to its due time."""
    start = spec.request_min if spec.request_min is not None else world.now
    window = (start, max(due, start))
    v = spec
    return visit_task(world.scenario, v.visit_id, v.customer_id, v.job_type, v.x, v.y, window, due)


def accept(
    world: World, spec: VisitSpec, due: float, technician_id: str | None, position: int | None
) -> Booking:
    """Put the emergency on ``technician_id``'s route at ``position`` (None: next), or
    (no technician) where the planner places it, making room if it must."""
    task = emergency_task(world, spec, due)
    if technician_id is None:
        return _by_planner(world, task)
    check_technician(world, technician_id, task)
    route = list(world.routes[technician_id])
    route.insert(0 if position is None else max(0, min(position, len(route))), task.visit_id)
    booking = Booking(task, {technician_id: tuple(route)})
    _book(world, booking, f"dispatcher: emergency {task.visit_id} to {technician_id}")
    return booking


def _by_planner(world: World, task: VisitTask) -> Booking:
    vid = task.visit_id
    world.tasks[vid] = task  # the repair plans the visits of the (live) state
    c = world.company
    found = book_emergency(
        world.plan_state(), task, world.dispatcher, c.travel, c.break_rule, displacement=True
    )
    if isinstance(found, NoOffer):
        del world.tasks[vid]
        raise ActionRefused(f"{vid}: {found.reason}; choose a technician, make room or refuse")
    confirm(world, found)
    return found


def make_room(world: World, spec: VisitSpec, due: float, give_way: str) -> Booking:
    """Move ``give_way`` to another day and put the emergency in its place."""
    if not world.is_open(give_way):
        raise ActionRefused(why_not_open(world, give_way))
    tid = world.owner(give_way)
    if tid is None or give_way not in world.routes[tid]:
        raise ActionRefused(f"give_way: {give_way} is on nobody's route; accept instead")
    task = emergency_task(world, spec, due)
    check_technician(world, tid, task)
    route = tuple(task.visit_id if v == give_way else v for v in world.routes[tid])
    booking = Booking(task, {tid: route})
    _book(world, booking, f"dispatcher: {give_way} gives way to emergency {task.visit_id}")
    reason = f"moved to another day: emergency {task.visit_id} needed the time"
    world.move_to_another_day(give_way, reason)
    return booking


def _book(world: World, booking: Booking, reason: str) -> None:
    task = booking.task
    world.tasks[task.visit_id] = task
    world.emit(
        ev.VisitBooked,
        visit_id=task.visit_id,
        window_start=world.clock.at(task.window_start),
        window_end=world.clock.at(task.window_end),
        technician_id=booking.technician_id,
        expected_duration_min=task.duration_min,
    )
    world.set_routes(booking.routes, reason)


def refuse(world: World, visit_id: str, reason: str) -> None:
    """The dispatcher turns a waiting request down; the reason goes into the log."""
    if not reason.strip():
        raise ActionRefused("reason: a refusal needs a reason (it is logged)")
    world.emit(ev.VisitRejected, visit_id=visit_id, reason=f"refused by the dispatcher: {reason}")
