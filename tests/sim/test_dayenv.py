"""The day's environment runs events in exactly SimPy's order (twin.sim.dayenv)."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy

from twin.sim.dayenv import DayEnvironment

Trace = list[tuple[float, str]]


def _script(env: simpy.Environment, seed: int, trace: Trace) -> None:
    """Random processes with many ties: whole-minute and half-minute delays, waits far
    ahead, shared signals, ``|`` and ``&`` conditions, interrupts, processes started
    later, events that succeed at once (URGENT initialisations at the same time)."""
    rng = random.Random(seed)
    signals = [env.event() for _ in range(6)]
    procs: list[simpy.Process] = []

    def delay() -> float:
        r = rng.random()
        if r < 0.3:
            return float(rng.randint(0, 3))  # ties on the minute, zero delays
        if r < 0.5:
            return rng.randint(0, 400) / 2  # far ahead, on the half minute
        if r < 0.6:
            return rng.uniform(15.5, 16.5)  # around a bucket's edge
        return rng.expovariate(1 / 20)

    def worker(name: str, steps: int) -> Generator[Any, Any, None]:
        for i in range(steps):
            trace.append((env.now, f"{name}.{i}"))
            r = rng.random()
            try:
                if r < 0.5:
                    yield env.timeout(delay())
                elif r < 0.65:
                    sig = rng.randrange(len(signals))
                    yield signals[sig] | env.timeout(delay())
                elif r < 0.75:
                    yield env.timeout(delay()) & env.timeout(delay())
                elif r < 0.85:
                    sig = rng.randrange(len(signals))
                    if not signals[sig].triggered:
                        signals[sig].succeed(name)
                        signals[sig] = env.event()
                    yield env.timeout(0)
                elif r < 0.92:
                    procs.append(env.process(worker(f"{name}/{i}", rng.randint(1, 4))))
                    yield env.timeout(delay())
                else:
                    alive = [p for p in procs if p.is_alive and p is not env.active_process]
                    if alive:
                        rng.choice(alive).interrupt(name)
                    yield env.timeout(delay())
            except simpy.Interrupt as stop:
                trace.append((env.now, f"{name} interrupted by {stop.cause}"))

    def later(name: str, at: float) -> Generator[Any, Any, None]:
        yield env.timeout(at)
        procs.append(env.process(worker(name, rng.randint(2, 8))))

    for k in range(rng.randint(5, 40)):
        procs.append(env.process(worker(f"w{k}", rng.randint(1, 12))))
    for k in range(rng.randint(0, 30)):  # like a day's calls: waiting from the start
        env.process(later(f"call{k}", rng.choice([rng.uniform(0, 600), rng.randint(0, 600)])))


def _run(make: Callable[[], simpy.Environment], seed: int, ticks: list[float]) -> Trace:
    env = make()
    trace: Trace = []
    _script(env, seed, trace)
    for t in ticks:  # run to each tick, as the world does (URGENT stops between events)
        if t > env.now:
            env.run(until=t)
        trace.append((env.now, f"tick {env.peek()}"))
    env.run()
    trace.append((env.now, "end"))
    return trace


@pytest.mark.parametrize("bucket_min", [1.0, 2.0, 16.0, 64.0])
def test_same_order_as_simpy(bucket_min: float) -> None:
    for seed in range(30):
        rng = random.Random(1000 + seed)
        ticks = sorted({float(rng.randint(1, 700)) for _ in range(rng.randint(0, 25))})
        ticks += [t + 0.5 for t in ticks[:3]]
        ticks = sorted(set(ticks))
        want = _run(simpy.Environment, seed, ticks)
        got = _run(lambda: DayEnvironment(bucket_min=bucket_min), seed, ticks)
        assert got == want, f"seed {seed}"
        assert len(want) > 20


def test_peek_and_count_see_the_buckets() -> None:
    env = DayEnvironment()
    assert env.peek() == float("inf")
    env.timeout(100.0)
    env.timeout(3.0)
    env.timeout(40.0)
    assert env.scheduled() == 3
    assert len(env._queue) == 1  # 40 and 100 wait in buckets
    assert env.peek() == 3.0
    env.step()
    assert env.now == 3.0
    assert env.peek() == 40.0
    env.run()
    assert env.now == 100.0
    assert env.scheduled() == 0


def test_infinite_delay_waits_in_the_heap() -> None:
    env = DayEnvironment()
    env.timeout(float("inf"))
    env.timeout(50.0)
    env.step()
    assert env.now == 50.0
    assert env.peek() == float("inf")


def test_a_failed_event_crashes_the_run_as_in_simpy() -> None:
    env = DayEnvironment()

    def boom() -> Generator[Any, Any, None]:
        yield env.timeout(30.0)
        raise RuntimeError("broken van")

    env.process(boom())
    with pytest.raises(RuntimeError, match="broken van"):
        env.run()
    assert env.now == 30.0


@pytest.mark.parametrize("bad", [0.0, -16.0, 3.0, 0.5, 12.0, float("nan")])
def test_bucket_must_be_a_power_of_two(bad: float) -> None:
    with pytest.raises(ValueError, match="bucket_min must be a power of two"):
        DayEnvironment(bucket_min=bad)


# ---------------------------------------------------------------- whole days
def _day(
    monkeypatch: pytest.MonkeyPatch,
    env_class: type[simpy.Environment],
    name: str,
    seed: int,
    brain: bool,
) -> list[str]:
    from twin import events as ev
    from twin.app.wiring import build_brain, build_world
    from twin.config import load_scenario
    from twin.stream.connectors.bridge import run_direct_loop

    from ..conftest import SCENARIOS

    monkeypatch.setattr("twin.sim.world.DayEnvironment", env_class)
    sc = load_scenario(SCENARIOS / name).with_overrides(**{"policy.brain": brain})
    world = build_world(sc, seed)
    assert type(world.env) is env_class
    events = run_direct_loop(world, build_brain(world.company)).events if brain else world.run()
    return list(ev.to_lines(events))


DAYS = [("small.toml", s, False) for s in range(1, 7)] + [
    ("small_more_techs.toml", 2, False),
    ("helsinki.toml", 1, False),
    ("small.toml", 1, True),
]  # parts.toml (slow: its kit plan) is held by the hashes of bench/RESULTS.md, session 13


@pytest.mark.parametrize(("name", "seed", "brain"), DAYS)
def test_a_day_logs_the_same_as_on_simpy(
    monkeypatch: pytest.MonkeyPatch, name: str, seed: int, brain: bool
) -> None:
    want = _day(monkeypatch, simpy.Environment, name, seed, brain)
    got = _day(monkeypatch, DayEnvironment, name, seed, brain)
    assert got == want
    assert len(want) > 500
