"""The GPS round: the vectorised round gives the pings of the per-technician loop, bit for bit."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import events as ev
from twin.clock import DayClock
from twin.config import Scenario, load_scenario
from twin.sim.gps import Positions, pings, round3
from twin.sim.recorder import Recorder

SMALL = Path(__file__).parents[2] / "data" / "scenarios" / "small.toml"

Leg = tuple[float, float, float, float, float, float]


def reference_pings(
    env: simpy.Environment,
    on_shift: dict[str, Leg],
    watch: set[str],
    recorder: Recorder,
    scenario: Scenario,
    first_shift: float,
) -> Any:
    """The round as it was before it was vectorised (a set, a heap of heartbeats, a sort)."""
    interval = scenario.ping_interval_min
    parked = scenario.parked_ping_interval_min
    yield env.timeout(interval * (first_shift // interval))
    last: dict[str, tuple[float, float, float]] = {}
    heartbeats: list[tuple[float, str]] = []
    while True:
        now = env.now
        due = {tid for tid in watch if tid in on_shift}
        while heartbeats and heartbeats[0][0] <= now + 1e-6:
            _, tid = heapq.heappop(heartbeats)
            if tid in on_shift:
                due.add(tid)
        rows = []
        for tid in sorted(due):
            x0, y0, x1, y1, t0, t1 = on_shift[tid]
            f = 1.0 if t1 <= t0 else min(1.0, max(0.0, (now - t0) / (t1 - t0)))
            x, y = round(x0 + f * (x1 - x0), 3), round(y0 + f * (y1 - y0), 3)
            if f >= 1.0:
                watch.discard(tid)
            prev = last.get(tid)
            if prev is None or prev[0] != x or prev[1] != y or now - prev[2] >= parked:
                last[tid] = (x, y, now)
                rows.append((tid, x, y))
                if tid not in watch:
                    heapq.heappush(heartbeats, (now + parked, tid))
            elif tid not in watch:
                heapq.heappush(heartbeats, (prev[2] + parked, tid))
        recorder.pings(now, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
        yield env.timeout(interval)


class _Reference:
    def __init__(self) -> None:
        self.on_shift: dict[str, Leg] = {}
        self.watch: set[str] = set()

    def move(self, tid: str, *leg: float) -> None:
        self.on_shift[tid] = leg  # type: ignore[assignment]
        self.watch.add(tid)

    def end(self, tid: str) -> None:
        self.on_shift.pop(tid)


def _script(rng: np.random.Generator, n: int) -> list[list[tuple[float, str, Leg]]]:
    """Per technician: (delay, action, leg) steps: start, drives of all lengths (some so
    slow that the rounded position stays put for rounds, some of no time at all), stops,
    waits on the minute and off it, and the end of the shift. A leg's times are minutes
    from the moment of the step."""
    out = []
    for _ in range(n):
        x, y = (float(v) for v in rng.uniform(0, 30, 2))
        start = float(rng.choice([rng.uniform(400, 500), rng.integers(400, 500)]))
        steps = [(start, "move", (x, y, x, y, 0.0, 0.0))]
        for _ in range(int(rng.integers(0, 6))):
            wait = float(rng.choice([0.0, rng.uniform(0, 40), 15.0]))
            if rng.integers(0, 4) == 0:  # a crawl: a few metres in many minutes
                tx, ty = x + float(rng.uniform(-0.003, 0.003)), y
            else:
                tx, ty = (float(v) for v in rng.uniform(0, 30, 2))
            minutes = float(rng.choice([0.0, rng.uniform(0.1, 3.0), rng.uniform(5, 60), 10.0]))
            steps.append((wait, "move", (x, y, tx, ty, 0.0, minutes)))
            x, y = tx, ty
            steps.append((minutes, "move", (x, y, x, y, 0.0, 0.0)))
        steps.append((float(rng.uniform(0, 90)), "end", (x, y, x, y, 0.0, 0.0)))
        out.append(steps)
    return out


def _driver(env: simpy.Environment, tid: str, steps: list[Any], world: Any) -> Iterator[Any]:
    for delay, action, (x0, y0, x1, y1, t0, t1) in steps:
        yield env.timeout(delay)
        if action == "end":
            world.end(tid)
        else:
            world.move(tid, x0, y0, x1, y1, env.now + t0, env.now + t1)


def _day(script: list[Any], scenario: Scenario, vectorised: bool) -> list[tuple[Any, ...]]:
    env = simpy.Environment()
    recorder = Recorder(DayClock(date(2026, 3, 2)))
    tids = [f"T{i:03d}" for i in range(len(script))]
    if vectorised:
        world: Any = Positions(tids)
        env.process(pings(env, world, recorder, scenario, 400.0))
    else:
        world = _Reference()
        env.process(reference_pings(env, world.on_shift, world.watch, recorder, scenario, 400.0))
    for tid, steps in zip(tids, script, strict=True):
        env.process(_driver(env, tid, steps, world))
    env.run(until=800)
    return [
        (e.id, e.time, e.technician_id, e.x, e.y)
        for e in recorder.events
        if isinstance(e, ev.Position)
    ]


@pytest.fixture(scope="module")
def small() -> Scenario:
    return load_scenario(SMALL)


@pytest.mark.parametrize("seed", range(6))
def test_the_vectorised_round_pings_as_the_loop_did(small: Scenario, seed: int) -> None:
    rng = np.random.default_rng(seed)
    interval = float(rng.choice([1.0, 0.25, 0.3, 2.0]))
    scenario = small.with_overrides(
        ping_interval_min=interval,
        parked_ping_interval_min=float(rng.choice([interval, 15.0, 7.7])),
    )
    script = _script(rng, 40)
    old, new = _day(script, scenario, False), _day(script, scenario, True)
    assert len(old) > 200  # moving, parked and crawling technicians were reported
    assert new == old


def test_a_technician_off_shift_is_not_pinged_and_ends_where_the_leg_ends() -> None:
    fleet = Positions(["B", "A"])
    assert fleet.ids.tolist() == ["A", "B"]  # reported in id order
    fleet.move("B", 1.0, 2.0, 3.0, 4.0, 0.0, 10.0)
    assert fleet.end("B") == (3.0, 4.0)
    with pytest.raises(KeyError, match="'B' is not on shift"):
        fleet.end("B")


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique, got 2 ids for 1"):
        Positions(["A", "A"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1))
def test_round3_is_pythons_round(values: list[float]) -> None:
    got = round3(np.array(values)).tolist()
    assert [math.copysign(1, v) for v in got] == [math.copysign(1, round(v, 3)) for v in values]
    assert got == [round(v, 3) for v in values]


def test_round3_on_halves_and_their_neighbours() -> None:
    halves = (np.arange(-5000, 5000) + 0.5) / 1000  # x.xxx5: binary values off the half
    near = np.concatenate([halves, np.nextafter(halves, 0), np.nextafter(halves, 1)])
    assert round3(near).tolist() == [round(v, 3) for v in near.tolist()]
