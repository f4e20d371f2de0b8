"""When a due ETA refresh recomputes the chain: only if it has drifted, is old, or a replan
request is due (``twin.stream.refresh.stale_anchor``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from twin import events as ev
from twin.app.wiring import build_brain
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.plan import VisitTask
from twin.sim.world import World
from twin.stream.messages import Tick, TickDone
from twin.stream.params import BrainParams
from twin.stream.technician import TechState, new_tech, tech_step


@pytest.fixture
def params(small: Scenario) -> BrainParams:
    world = World(small, BaselineDispatcher)
    return build_brain(world.company)


def _working(params: BrainParams, since: float) -> TechState:
    """On a 60-min job since ``since``, two visits ahead."""
    tid = next(iter(params.roster))
    state = new_tech(tid, params)
    job = VisitTask("V0", "C0", 4.0, 4.0, "repair", "repair", 1, 480.0, 720.0, 60.0)
    ahead = (
        VisitTask("V1", "C1", 6.0, 5.0, "repair", "repair", 1, 600.0, 900.0, 45.0),
        VisitTask("V2", "C2", 3.0, 7.0, "repair", "repair", 1, 660.0, 960.0, 45.0),
    )
    state.activity, state.current, state.since, state.route = "work", job, since, ahead
    state.x, state.y = job.x, job.y
    return state


def _tick(state: TechState, minute: float, params: BrainParams) -> list[object]:
    out = tech_step(state, Tick(minute, params.clock.at(minute)), params)
    assert out[-1] == TickDone(minute, state.tid)
    return out[:-1]


def _etas(out: list[object]) -> dict[str, ev.EtaUpdated]:
    return {e.visit_id: e for e in out if isinstance(e, ev.EtaUpdated)}


def test_a_job_on_schedule_is_not_recomputed_until_the_refresh_is_old(
    params: BrainParams,
) -> None:
    state = _working(params, since=600.0)
    first = _etas(_tick(state, 605.0, params))
    assert set(first) == {"V1", "V2"} and state.refreshed_at == 605.0
    # early in the job the expected end hardly moves: the due refreshes are skipped
    for minute in (610.0, 615.0):
        assert _tick(state, minute, params) == []
        assert state.refreshed_at == 605.0
    _tick(state, 605.0 + params.eta_max_age_min, params)
    assert state.refreshed_at == 605.0 + params.eta_max_age_min


def test_an_overrunning_job_is_recomputed_at_every_due_tick(params: BrainParams) -> None:
    state = _working(params, since=500.0)  # 100 min into a 60-min job
    before = _etas(_tick(state, 600.0, params))
    after = _etas(_tick(state, 605.0, params))
    assert state.refreshed_at == 605.0
    # the tail of the job grows: the ETAs behind it move later
    assert after["V1"].eta > before["V1"].eta


def test_every_event_forces_a_refresh(params: BrainParams) -> None:
    state = _working(params, since=600.0)
    _tick(state, 605.0, params)
    state.dirty = True  # what any event but a GPS ping does
    _tick(state, 606.0, params)
    assert state.refreshed_at == 606.0


def test_a_due_replan_request_is_not_held_back(params: BrainParams) -> None:
    state = _working(params, since=600.0)
    state.route = (replace(state.route[0], window_start=600.0, window_end=640.0), state.route[1])
    first = _tick(state, 605.0, params)
    assert [e.visit_id for e in first if isinstance(e, ev.ReplanRequested)] == ["V1"]
    state.replan_at["V1"] = 605.0 - params.replan_cooldown_min  # as if asked an hour ago
    out = _tick(state, 610.0, params)
    assert [e.visit_id for e in out if isinstance(e, ev.ReplanRequested)] == ["V1"]
