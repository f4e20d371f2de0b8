"""The brain's step states are its whole memory, and they pickle.

What resuming a shadow from snapshots (Bytewax recovery, or a checkpoint at the tick
barrier: bench/RESULTS.md, "Session 11") relies on: the states of the four stateful steps
(``admit``, ``fleet``, the technicians, ``collector``) copied mid-day through ``pickle``
decide the rest of the day exactly as the live ones, with nothing kept elsewhere (the
parameters are rebuilt, not restored).
"""

from __future__ import annotations

import pickle
from typing import Any

from tests.conftest import SCENARIOS
from twin.app.wiring import build_brain, build_world
from twin.config import load_scenario
from twin.stream.direct import DirectBrain
from twin.stream.messages import Tick


def _production_day() -> tuple[Any, list[list[Any]]]:
    """A small day without the brain in the loop (as production streams it), per tick."""
    scenario = load_scenario(SCENARIOS / "small.toml").with_overrides(**{"policy.brain": False})
    world = build_world(scenario, 4)
    ticks = [[*world.advance(t), Tick(t, world.clock.at(t))] for t in world.tick_minutes()]
    return world.company, ticks


def _states(brain: DirectBrain) -> tuple[Any, ...]:
    return brain.admission, brain.fleet, brain.techs, brain.collector


def _restored(company: Any, blob: bytes) -> DirectBrain:
    """A new brain (parameters built again, as a restarted process does) with these states."""
    brain = DirectBrain(build_brain(company))
    brain.admission, brain.fleet, brain.techs, brain.collector = pickle.loads(blob)
    return brain


def test_states_copied_mid_day_decide_the_rest_of_the_day_alike() -> None:
    company, ticks = _production_day()
    whole = DirectBrain(build_brain(company))
    reference = [whole.feed(batch) for batch in ticks]
    assert sum(map(len, reference)) > 100, "the brain decided something"

    half = len(ticks) // 2
    first = DirectBrain(build_brain(company))
    before = [first.feed(batch) for batch in ticks[:half]]
    blob = pickle.dumps(_states(first), protocol=pickle.HIGHEST_PROTOCOL)
    resumed = _restored(company, blob)
    after = [resumed.feed(batch) for batch in ticks[half:]]

    assert sum(map(len, reference[half:])) > 0, "decisions after the snapshot"
    assert before + after == reference
