"""Whether and how a simulated customer rates a visit: a share of customers rate it, half
an hour after the technician leaves, with stars drawn from lateness, a warning, waiting
and their own traits (:func:`twin.sim.truth.rating`), through the same ``World.rate`` as a
real customer's rating on the info link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import simpy

from twin import events as ev
from twin.config import Scenario
from twin.models.routing.plan import VisitTask
from twin.sim.truth import rating
from twin.sim.visit import VisitSpec
from twin.sim.workforce import TechnicianProfile


class Rated(Protocol):
    """What a rating needs of the world (``twin.sim.World`` is one)."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def scenario(self) -> Scenario: ...
    @property
    def visit_specs(self) -> Mapping[str, VisitSpec]: ...
    @property
    def tasks(self) -> Mapping[str, VisitTask]: ...
    @property
    def warned(self) -> set[str]: ...
    @property
    def profiles(self) -> Mapping[str, TechnicianProfile]: ...

    def rate(self, vid: str, tid: str, stars: int) -> ev.Event: ...


FEEDBACK_DELAY_MIN = 30.0


def will_rate(world: Rated, tid: str, vid: str, arrival: float) -> None:
    v = world.visit_specs[vid]
    if v.u_feedback >= world.scenario.demand.feedback_share:
        return
    task = world.tasks[vid]
    late = max(0.0, arrival - task.window_end)
    wait = max(0.0, min(arrival, task.window_end) - task.window_start)
    stars = rating(late, vid in world.warned, wait, v, world.profiles[tid])
    world.env.process(_rate_later(world, vid, tid, stars))


def _rate_later(world: Rated, vid: str, tid: str, stars: int) -> Any:
    yield world.env.timeout(FEEDBACK_DELAY_MIN)
    world.rate(vid, tid, stars)
