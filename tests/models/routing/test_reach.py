"""The conventional dispatcher's reach: a booking considers the nearest N skilled
technicians; looking further places visits the nearest technician has no room for, and the
policy sets N."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bench.fixtures.synthetic import synthetic_day, synthetic_visit
from twin.app.wiring import dispatcher_factory
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.insertion import CandidateIndex


def test_a_longer_reach_places_what_the_nearest_cannot_take() -> None:
    scn = Scenario()
    rng = np.random.default_rng(5)
    state, travel, brk = synthetic_day(scn, 25, 0, rng)
    near, wide = BaselineDispatcher(travel, brk, reach=1), BaselineDispatcher(travel, brk, reach=25)
    routes, visits = dict(state.routes), dict(state.visits)
    found_only_wide = found_only_near = 0
    for i in range(150):
        v = synthetic_visit(scn, f"V{i:04d}", rng)
        visits[v.visit_id] = v
        view = replace(state, visits=visits, routes=routes)
        a, b = near._insertion(view, v), wide._insertion(view, v)
        if a is not None:
            assert a.technician_id == CandidateIndex(view).nearest(view, v, 1)[0]
        found_only_wide += a is None and b is not None
        found_only_near += a is not None and b is None
        if b is not None:
            routes[b.technician_id] = b.route
    assert found_only_wide > 10 and found_only_near == 0


def test_the_policy_sets_the_reach() -> None:
    scn = Scenario().with_overrides(**{"policy.planner": "insertion"})
    assert dispatcher_factory(scn) is BaselineDispatcher  # the default: unchanged
    far = dispatcher_factory(scn.with_overrides(**{"policy.dispatcher_reach": 20}))
    _, travel, brk = synthetic_day(scn, 3, 0, np.random.default_rng(1))
    made = far(travel, brk)
    assert isinstance(made, BaselineDispatcher) and made.reach == 20


def test_offers_come_from_within_the_reach() -> None:
    scn = Scenario()
    rng = np.random.default_rng(7)
    state, travel, brk = synthetic_day(scn, 25, 0, rng)
    near = BaselineDispatcher(travel, brk, reach=1)
    windows = [(480.0, 600.0), (600.0, 720.0), (720.0, 960.0)]
    for i in range(20):
        v = synthetic_visit(scn, f"V{i:04d}", rng)
        nearest = CandidateIndex(state).nearest(state, v, 1)[0]
        offers = near.offers(state, v, windows)
        assert not isinstance(offers, list) or {o.technician_id for o in offers} == {nearest}
