"""The dispatch office's reactions to a technician who drops out of the day.

A technician falls ill, their van breaks down, or their day runs out before their route
does: the office gives the visits to colleagues (the dispatcher's repair) and moves the
visits nobody can take today to another day, calling the customers (a ``VisitCancelled``
by the company; a period rebooks them). A visit is never left as a silent no-show. The
functions take the world as a narrow :class:`Office`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

import simpy

from twin import events as ev
from twin.models.routing.dispatch import Dispatcher, Routes
from twin.models.routing.plan import PlanState, TechnicianState


class Office(Protocol):
    """What the office needs of the world (``twin.sim.World`` is one)."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def dispatcher(self) -> Dispatcher: ...

    routes: dict[str, tuple[str, ...]]
    status: dict[str, TechnicianState]

    @property
    def auto_repair(self) -> bool: ...

    def emit(self, cls: type[ev.Event], **fields: Any) -> ev.Event: ...
    def plan_state(self) -> PlanState: ...
    def set_routes(self, routes: Routes, reason: str | None = None) -> None: ...
    def move_to_another_day(self, vid: str, reason: str) -> None: ...
    def wake(self, tid: str) -> None: ...


def rehome(world: Office, tid: str, orphans: Sequence[str], reason: str) -> None:
    """Give ``tid``'s ``orphans`` to colleagues; move the rest to another day. Without
    ``auto_repair`` (a trainee's day) they wait, off every route, for a person to act."""
    if not orphans or not world.auto_repair:
        return
    routes = world.dispatcher.repair(world.plan_state(), f"{tid} unavailable", orphans)
    world.set_routes(routes, f"{tid} unavailable ({reason})")
    placed = {v for r in routes.values() for v in r}
    for vid in orphans:
        if vid not in placed:
            world.move_to_another_day(vid, f"moved to another day: {tid} {reason}")


def day_over(world: Office, tid: str, x: float, y: float) -> None:
    """``tid`` has no time left today (at ``x, y``): off duty, and the rest of their route
    goes to colleagues or to another day."""
    route = world.routes[tid]
    st = replace(world.status[tid], x=x, y=y, free_at=world.env.now, available=False)
    world.status[tid], world.routes[tid] = st, ()
    rehome(world, tid, route, "no time left today")


def unavailable(world: Office, tid: str, at: float, reason: str) -> Any:
    """SimPy process: at ``at``, ``tid`` is off for the rest of the day."""
    yield world.env.timeout(max(0.0, at - world.env.now))
    world.emit(ev.TechnicianUnavailable, technician_id=tid, reason=reason)
    world.status[tid] = replace(world.status[tid], available=False)
    orphans = list(world.routes[tid])
    world.routes[tid] = ()
    rehome(world, tid, orphans, reason)
    world.wake(tid)
