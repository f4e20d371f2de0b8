"""A technician setting off on a leg: the ``TravelStarted`` event and the van in motion.

Every drive in the world (to a visit, to a depot, home) starts the same way; the caller
then waits the leg's minutes and says where the van arrived.
"""

from __future__ import annotations

from typing import Any, Protocol

import simpy

from twin import events as ev
from twin.models.routing.travel import TravelModel


class Road(Protocol):
    """What setting off needs of the world (``twin.sim.World`` is one)."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def travel(self) -> TravelModel: ...

    def emit(self, cls: type[ev.Event], **fields: Any) -> ev.Event: ...
    def set_moving(
        self, tid: str, x0: float, y0: float, x1: float, y1: float, t0: float, t1: float
    ) -> None: ...


def set_off(
    world: Road,
    tid: str,
    vid: str | None,
    x: float,
    y: float,
    to: tuple[float, float],
    minutes: float,
) -> None:
    """``tid`` leaves ``x, y`` for ``to`` (visit ``vid``, or None for a depot or home),
    arriving ``minutes`` from now."""
    tx, ty = to
    world.emit(
        ev.TravelStarted,
        technician_id=tid,
        visit_id=vid,
        from_x=x,
        from_y=y,
        to_x=tx,
        to_y=ty,
        distance_km=round(world.travel.distance_km(x, y, tx, ty), 3),
    )
    now = world.env.now
    world.set_moving(tid, x, y, tx, ty, now, now + minutes)
