"""A booking of the best offer is not searched twice: ``insert`` reuses the search that priced
the chosen window while the plan is unchanged, and searches again once it has changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from twin.app.wiring import build_world
from twin.config import Scenario
from twin.models.booking.windows import windows_within
from twin.models.routing import dispatch
from twin.models.routing.dispatch import BaselineDispatcher, NoOffer
from twin.models.routing.plan import VisitTask
from twin.sim.world import World


@pytest.fixture
def world(small: Scenario) -> World:
    return build_world(small.with_overrides(**{"policy.planner": "insertion"}), 3)


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many insertion searches the dispatcher runs (the real search, counted)."""
    count = [0]
    real = dispatch.best_insertion

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(dispatch, "best_insertion", counted)
    return count


def _requests(world: World, n: int) -> list[VisitTask]:
    rng = np.random.default_rng(7)
    jobs = world.scenario.demand.jobs
    names = sorted(jobs)
    out = []
    for i in range(n):
        name = names[int(rng.integers(len(names)))]
        x, y = (float(v) for v in rng.uniform(0, world.scenario.city.size_km, 2))
        job = jobs[name]
        out.append(
            VisitTask(f"Q{i}", f"C{i}", x, y, name, job.skill, job.priority, 0, 0, job.mean_min)
        )
    return out


def test_the_best_offer_is_booked_from_its_own_search(world: World, searches: list[int]) -> None:
    d = BaselineDispatcher(world.travel, world.break_rule)
    windows = windows_within(list(world.company.windows), (0.0, 24 * 60.0), now=None)
    booked = 0
    for request in _requests(world, 40):
        state = world.plan_state()
        offers = d.offers(state, request, windows)
        if isinstance(offers, NoOffer):
            continue
        for best in offers[:3]:
            task = replace(request, window_start=best.window_start, window_end=best.window_end)
            before = searches[0]
            got = d.insert(state, task)
            assert searches[0] == before  # not searched again
            fresh = BaselineDispatcher(world.travel, world.break_rule).insert(state, task)
            assert got == fresh
            assert not isinstance(got, NoOffer) and best.technician_id in got
            booked += 1
    assert booked > 30


def test_a_changed_plan_is_searched_again(world: World, searches: list[int]) -> None:
    d = BaselineDispatcher(world.travel, world.break_rule)
    windows = windows_within(list(world.company.windows), (0.0, 24 * 60.0), now=None)
    changed = 0
    for request in _requests(world, 40):
        state = world.plan_state()  # a live view: the changes below show through it
        offers = d.offers(state, request, windows)
        if isinstance(offers, NoOffer):
            continue
        best = offers[0]
        task = replace(request, window_start=best.window_start, window_end=best.window_end)
        tid = best.technician_id
        route, status = world.routes[tid], world.status[tid]
        if changed % 2:  # the chosen technician's route changes: their visits are gone
            world.routes[tid] = ()
        else:  # the chosen technician is off
            world.status[tid] = replace(status, available=False)
        before = searches[0]
        got = d.insert(state, task)
        assert searches[0] == before + 1  # searched again
        assert got == BaselineDispatcher(world.travel, world.break_rule).insert(state, task)
        if not changed % 2:
            assert isinstance(got, NoOffer) or tid not in got
        world.routes[tid], world.status[tid] = route, status
        changed += 1
    assert changed > 10


def test_another_plan_state_is_searched_again(world: World, searches: list[int]) -> None:
    d = BaselineDispatcher(world.travel, world.break_rule)
    windows = windows_within(list(world.company.windows), (0.0, 24 * 60.0), now=None)
    request = _requests(world, 1)[0]
    offers = d.offers(world.plan_state(), request, windows)
    assert not isinstance(offers, NoOffer)
    task = replace(request, window_start=offers[0].window_start, window_end=offers[0].window_end)
    before = searches[0]
    d.insert(world.plan_state(), task)
    assert searches[0] == before + 1
