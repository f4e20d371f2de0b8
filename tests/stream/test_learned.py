"""The duration correction carried from day to day equals what the brain learned."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app.wiring import build_brain, build_world
from twin.config import load_scenario
from twin.stream.connectors.bridge import LoopBridge
from twin.stream.direct import DirectBrain
from twin.stream.learned import learned_after
from twin.stream.messages import Tick


def test_learned_after_a_day_is_the_brains_own_state() -> None:
    scenario = load_scenario(Path("data/scenarios/small.toml")).with_overrides(
        **{"policy.brain": True}
    )
    world = build_world(scenario, 4)
    params = build_brain(world.company)
    brain, bridge = DirectBrain(params), LoopBridge()
    for t in world.tick_minutes():
        items = [*world.advance(t), Tick(t, world.clock.at(t))]
        bridge.receive(brain.feed(items))
        world.apply(bridge.take())
    learned = learned_after(world.log, params, {})
    inside = {tid: (s.log_bias, s.finished) for tid, s in brain.techs.items() if s.finished}
    assert inside, "technicians finished visits"
    assert set(learned) == set(inside)
    for tid, (bias, seen) in inside.items():
        assert learned[tid][1] == seen
        assert learned[tid][0] == pytest.approx(bias, abs=1e-9)
