"""A human dispatcher's hand on the world, and the disturbances a training exercise
scripts: carried out at the world's current time, each leaving its events in the log.

Actions: move an open visit to a technician (at a place in the route), move it to another
day, warn its customer of a delay or send them a message; answer an emergency waiting for
a person (:mod:`twin.sim.emergency`). Disturbances: a technician goes off (sick, van
breakdown; their open visits are re-planned by the world's dispatcher, as for a sickness
drawn by the simulation, unless the world leaves that to a person), a zone slows down for
some hours (a storm). An action the world cannot carry out raises :class:`ActionRefused`
with the reason (the skill missing, the visit finished, the technician off).
"""

from __future__ import annotations

from twin import events as ev
from twin.clock import hhmm
from twin.models.routing.plan import VisitTask
from twin.sim.traffic import Incident, traffic
from twin.sim.world import World


class ActionRefused(ValueError):
    """An action the world cannot carry out now (the message says why)."""


def why_not_open(world: World, visit_id: str) -> str:
    """Why ``visit_id`` cannot be moved: unknown, finished, cancelled or under way."""
    if visit_id not in world.tasks:
        known = visit_id in world.visit_specs
        return f"{visit_id} is not open: {'not booked' if known else 'no such visit'}"
    if visit_id in world.done:
        return f"{visit_id} is not open: it is finished"
    if world.is_cancelled(visit_id):
        return f"{visit_id} is not open: it is cancelled"
    return f"{visit_id} is not open: its technician is on it already"


def check_technician(world: World, technician_id: str, task: VisitTask) -> None:
    """Refuse a technician who is unknown, off or without the skill ``task`` needs."""
    spec = world.specs.get(technician_id)
    if spec is None:
        raise ActionRefused(f"technician_id: no technician {technician_id!r}")
    if not world.is_available(technician_id):
        raise ActionRefused(f"{technician_id} is not available (off sick, broken down or home)")
    if task.skill not in spec.skills:
        has = ", ".join(sorted(spec.skills))
        msg = (
            f"{technician_id} lacks the skill {task.skill!r} that {task.visit_id} needs (has {has})"
        )
        raise ActionRefused(msg)


def move_visit(world: World, visit_id: str, technician_id: str, position: int | None) -> None:
    """Put an open visit on ``technician_id``'s route at ``position`` (None: the end)."""
    if not world.is_open(visit_id):
        raise ActionRefused(why_not_open(world, visit_id))
    check_technician(world, technician_id, world.tasks[visit_id])
    changes: dict[str, tuple[str, ...]] = {}
    owner = world.owner(visit_id)
    if owner is not None and visit_id in world.routes[owner]:
        changes[owner] = tuple(v for v in world.routes[owner] if v != visit_id)
    route = list(changes.get(technician_id, world.routes[technician_id]))
    at = len(route) if position is None else max(0, min(position, len(route)))
    route.insert(at, visit_id)
    changes[technician_id] = tuple(route)
    world.set_routes(changes, f"dispatcher: {visit_id} to {technician_id}")


def defer_visit(world: World, visit_id: str) -> None:
    """Move an open visit to another day (the customer is told by the brain)."""
    if not world.is_open(visit_id):
        raise ActionRefused(why_not_open(world, visit_id))
    owner = world.owner(visit_id)
    if owner is not None and visit_id in world.routes[owner]:
        route = tuple(v for v in world.routes[owner] if v != visit_id)
        world.set_routes({owner: route}, f"dispatcher: {visit_id} to another day")
    world.move_to_another_day(visit_id, "moved to another day by the dispatcher")


def warn_customer(world: World, visit_id: str, text: str) -> ev.Event:
    """The dispatcher's own delay message to a visit's customer."""
    task = world.tasks.get(visit_id)
    if task is None or visit_id in world.done or world.is_cancelled(visit_id):
        raise ActionRefused(f"{visit_id} is not a booked visit still to do")
    text = text or f"Your technician is running late (window {hhmm(task.window_start)})."
    message = _notify(world, visit_id, "delay", text)
    if world.now <= task.window_end:
        world.warned.add(visit_id)
    return message


def message_customer(world: World, visit_id: str, text: str) -> ev.Event:
    """The dispatcher's free message to the customer of a visit requested today."""
    if visit_id not in world.visit_specs:
        raise ActionRefused(f"visit_id: no such visit {visit_id!r}")
    if not text.strip():
        raise ActionRefused("text: a message needs some text")
    return _notify(world, visit_id, "message", text)


def _notify(world: World, visit_id: str, kind: ev.NotificationKind, text: str) -> ev.Event:
    spec = world.visit_specs[visit_id]
    message = world.emit(
        ev.CustomerNotified,
        visit_id=visit_id,
        customer_id=spec.customer_id,
        channel=spec.notify_channel,
        kind=kind,
        language=spec.language,
        text=text,
    )
    return message


def take_off(world: World, technician_id: str, reason: str) -> None:
    """The technician is off from now on (their open visits are re-planned)."""
    if technician_id not in world.specs:
        raise ActionRefused(f"no technician {technician_id}")
    world.take_off(technician_id, reason)


def storm(world: World, zone: str, factor: float, minutes: float) -> None:
    """``zone`` slows to ``factor`` of its speed for ``minutes`` from now."""
    incident = Incident(world.now, zone, factor, minutes)
    world.env.process(traffic(world.env, [incident], world.incidents, world.emit, world.clock))
