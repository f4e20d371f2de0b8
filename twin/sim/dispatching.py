"""A human dispatcher's hand on the world, and the disturbances a training exercise
scripts: carried out at the world's current time, each leaving its events in the log.

Actions: move an open visit to a technician (at a place in the route), move it to another
day, warn its customer of a delay. Disturbances: a technician goes off (sick, van
breakdown; their open visits are re-planned by the world's dispatcher, as for a sickness
drawn by the simulation), a zone slows down for some hours (a storm).
"""

from __future__ import annotations

from twin import events as ev
from twin.clock import hhmm
from twin.sim.traffic import Incident, traffic
from twin.sim.world import World


class ActionRefused(ValueError):
    """An action the world cannot carry out now (the message says why)."""


def move_visit(world: World, visit_id: str, technician_id: str, position: int | None) -> None:
    """Put an open visit on ``technician_id``'s route at ``position`` (None: the end)."""
    if not world.is_open(visit_id):
        raise ActionRefused(f"{visit_id} is not open (under way, done, cancelled or unknown)")
    if technician_id not in world.specs:
        raise ActionRefused(f"no technician {technician_id}")
    if not world.is_available(technician_id):
        raise ActionRefused(f"{technician_id} is not available")
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
        raise ActionRefused(f"{visit_id} is not open (under way, done, cancelled or unknown)")
    owner = world.owner(visit_id)
    if owner is not None and visit_id in world.routes[owner]:
        route = tuple(v for v in world.routes[owner] if v != visit_id)
        world.set_routes({owner: route}, f"dispatcher: {visit_id} to another day")
    world.move_to_another_day(visit_id, "moved to another day by the dispatcher")


def warn_customer(world: World, visit_id: str, text: str) -> ev.Event:
    """The dispatcher's own delay message to a visit's customer."""
    task = world.tasks.get(visit_id)
    spec = world.visit_specs.get(visit_id)
    if task is None or spec is None or visit_id in world.done or world.is_cancelled(visit_id):
        raise ActionRefused(f"{visit_id} is not a booked visit still to do")
    message = world.emit(
        ev.CustomerNotified,
        visit_id=visit_id,
        customer_id=spec.customer_id,
        channel=spec.notify_channel,
        kind="delay",
        language=spec.language,
        text=text or f"Your technician is running late (window {hhmm(task.window_start)}).",
    )
    world.contacted.add(visit_id)
    if world.now <= task.window_end:
        world.warned.add(visit_id)
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
