"""The brain's decisions do not depend on the order in which technician keys are served.

Bytewax serves a batch's keys in string-sorted order under one worker (STACK.md), the
direct loop in order of first appearance, Bytewax's key groups in yet another. A
technician who gets events in a tick but no ``Tick`` (their shift ended in it) used to
answer nothing, so their decisions joined the tick only if another technician's answer
came after them; with 2,000 technicians the direct and the Bytewax logs differed. With
quarter-hour ticks, eight technicians show it: both orders below failed before the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from twin import events as ev
from twin.app.wiring import build_brain
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World
from twin.stream.collector import collector_batch
from twin.stream.connectors.bridge import LoopBridge, run_closed_loop
from twin.stream.direct import DirectBrain
from twin.stream.fleet import PLANNER, fleet_batch
from twin.stream.messages import Tick
from twin.stream.order import admit_batch
from twin.stream.technician import new_tech, tech_batch

Order = Callable[[list[tuple[str, list[Any]]]], list[tuple[str, list[Any]]]]


def _feed(brain: DirectBrain, items: list[Any], order: Order) -> list[object]:
    """``DirectBrain.feed`` with the technician keys served in ``order`` (planner first)."""
    p, out = brain.params, []
    routed = fleet_batch(brain.fleet, admit_batch(brain.admission, items), p)
    planner = [(k, v) for k, v in routed if k == PLANNER]
    for key, payloads in planner + order([(k, v) for k, v in routed if k != PLANNER]):
        if key != PLANNER:
            tech = brain.techs.get(key)
            if tech is None:
                tech = brain.techs[key] = new_tech(key, p)
            payloads = tech_batch(tech, payloads, p)
        out.extend(collector_batch(brain.collector, payloads, p))
    return out


def _day(scenario: Scenario, order: Order, tmp_path: Path, name: str) -> bytes:
    world = World(scenario, BaselineDispatcher)
    brain, bridge = DirectBrain(build_brain(world.company)), LoopBridge()
    for t in world.tick_minutes():
        items: list[Any] = [*world.advance(t), Tick(t, world.clock.at(t))]
        bridge.receive(_feed(brain, items, order))
        world.apply(bridge.take())
    ev.write_log(world.log, tmp_path / name)
    return (tmp_path / name).read_bytes()


ORDERS: dict[str, Order] = {"reversed": lambda keyed: keyed[::-1], "string-sorted": sorted}


@pytest.fixture
def quarter(small: Scenario) -> Scenario:
    """Quarter-hour ticks: a visit, the trip home and the end of the shift in one tick."""
    return small.with_overrides(**{"policy.brain": True, "tick_min": 15.0})


@pytest.mark.parametrize("name", ["reversed", "string-sorted"])
def test_key_order_changes_nothing(quarter: Scenario, tmp_path: Path, name: str) -> None:
    first = _day(quarter, lambda keyed: keyed, tmp_path, "first.jsonl")
    other = _day(quarter, ORDERS[name], tmp_path, f"{name}.jsonl")
    assert first == other
    assert b'"kind":"feedback"' in first  # decisions made in a tick where a shift ended


def test_dataflow_equals_direct_loop_with_long_ticks(quarter: Scenario, tmp_path: Path) -> None:
    direct = _day(quarter, lambda keyed: keyed, tmp_path, "direct.jsonl")
    world = World(quarter, BaselineDispatcher)
    ev.write_log(run_closed_loop(world, build_brain(world.company)).events, tmp_path / "f")
    assert (tmp_path / "f").read_bytes() == direct
