from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench.fixtures.synthetic import synthetic_day
from twin.config import Scenario
from twin.models.planner import PlannerParams, optimise_day
from twin.models.routing.plan import BreakRule, PlanState
from twin.models.routing.travel import TravelModel

Day = tuple[PlanState, TravelModel, BreakRule]


@pytest.fixture(scope="session")
def small_day() -> Day:
    """12 technicians, 70 visits, unplanned."""
    return synthetic_day(Scenario(), 12, 70, np.random.default_rng(3))


@pytest.fixture(scope="session")
def params() -> PlannerParams:
    return PlannerParams()


@pytest.fixture(scope="session")
def planned_day(small_day: Day, params: PlannerParams) -> Day:
    state, travel, brk = small_day
    routes = optimise_day(state, travel, brk, params, 0, 1.0, max_iterations=300)
    planned = {v for r in routes.values() for v in r}
    visits = {k: v for k, v in state.visits.items() if k in planned}
    return replace(state, routes=routes, visits=visits), travel, brk
