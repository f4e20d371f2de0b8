"""The parts-aware daily plan in the world: :func:`plan_with_kit` over the day's bookings.

With ``parts.planning = "aware"`` the world, once the visits booked before the day are on
routes (by the policy's planner), plans the day again with tools, parts and depot stops
(:func:`twin.models.planner.kit.plan_with_kit`): technicians with their tools and the vans'
stock, visits with what they are known to need; with ``parts.kit_daily = "pyvrp"`` the
insertion plan is then improved by PyVRP with tools and parts for ``parts.kit_iterations``
iterations (seeded by the scenario's seed: the same seed gives the same plan). The routes
go to the world without the depot stops; each stop is kept as "before visit V" for
:func:`twin.sim.van.depot_stops`.

The kit planner keeps windows hard and prices no lateness; a visit it cannot place is
refused with a reason. Those visits go into its routes by the policy's planner's repair
(late or in overtime allowed, as for a sick colleague's visits). Only if some still fit
nowhere does the policy's plan stay (logged with the reasons), and the real-time
restocking rule serves the day. Nothing is dropped.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from twin.config import Scenario
from twin.models.routing.dispatch import Dispatcher, Routes
from twin.models.routing.kit import depot_of
from twin.models.routing.plan import BreakRule, PlanState
from twin.models.routing.travel import TravelModel
from twin.sim.van import Vans

log = logging.getLogger(__name__)


class Office(Protocol):
    """What the daily plan needs of the world (``twin.sim.world.World`` is one)."""

    vans: Vans | None
    seed: int

    @property
    def scenario(self) -> Scenario: ...
    @property
    def travel(self) -> TravelModel: ...
    @property
    def break_rule(self) -> BreakRule: ...
    @property
    def dispatcher(self) -> Dispatcher: ...

    def plan_state(self) -> PlanState: ...
    def set_routes(self, routes: Routes, reason: str | None = None) -> None: ...


def plan_kit_day(world: Office) -> bool:
    """Replace the day's routes by the parts-aware plan if it routes as much; adopted?"""
    vans = world.vans
    if vans is None or vans.cfg.planning != "aware":
        return False
    from twin.models.planner.kit import plan_with_kit
    from twin.models.planner.params import PlannerParams

    state = world.plan_state()
    routed = {v for r in state.routes.values() for v in r}
    kit_state = kit_day(state, vans)
    policy = world.scenario.policy
    params = PlannerParams.from_policy(policy)
    pyvrp = vans.cfg.kit_daily == "pyvrp"
    plan = plan_with_kit(
        kit_state, vans.depots, world.travel, world.break_rule, params,
        seed=world.seed,
        time_limit_s=policy.optimise_time_s if pyvrp else None,
        iterations=vans.cfg.kit_iterations if pyvrp else None,
    )  # fmt: skip
    planned: dict[str, dict[str, str]] = {}
    routes = split_stops(plan.routes, planned)
    if plan.refused:  # late or in overtime: the policy's planner repairs them in, if it can
        view = replace(state, routes=routes)
        routes = {**routes, **world.dispatcher.repair(view, "parts-aware plan", [*plan.refused])}
        left = routed - {v for r in routes.values() for v in r}
        if left:
            log.info(
                "parts-aware daily plan not adopted: %d of %d visits fit nowhere (%s)",
                len(left),
                len(routed),
                "; ".join(f"{v}: {plan.refused[v]}" for v in sorted(left)[:3]),
            )
            return False
    vans.planned.update(planned)
    world.set_routes(routes)
    return True


def kit_day(state: PlanState, vans: Vans) -> PlanState:
    """The day to plan with kit: the routed visits with what they are known to need, the
    technicians with their tools and stock, every route empty."""
    routed = {v for r in state.routes.values() for v in r}
    return replace(
        state,
        technicians={t: vans.kit_spec(s) for t, s in state.technicians.items()},
        visits={v: vans.kit_task(state.visits[v]) for v in sorted(routed)},
        routes={t: () for t in state.technicians},
    )


def split_stops(routes: Routes, planned: dict[str, dict[str, str]]) -> Routes:
    """Routes of visits only; each depot stop recorded in ``planned`` before the next visit
    (a stop with no visit after it is of no use and dropped)."""
    out: Routes = {}
    for tid, route in routes.items():
        stops = planned.setdefault(tid, {})
        stops.clear()
        visits: list[str] = []
        pending: str | None = None
        for entry in route:
            dep = depot_of(entry)
            if dep is not None:
                pending = dep
                continue
            if pending is not None:
                stops[entry] = pending
                pending = None
            visits.append(entry)
        out[tid] = tuple(visits)
    return out
