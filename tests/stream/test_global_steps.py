"""The single-worker global steps' shortcuts give what the long way gives (session 12).

Admission, fleet and collector see every event of the company, so each does its per-item
work the cheap way: the admission's order check without tuples, the fleet's due minutes
in buckets and its memos of estimates and customers, the collector's closing looked at
only when a minute can complete, its bucket reused while decisions share a time, and its
sort by id then time. Each is held here against the straightforward version.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.app.wiring import build_brain, build_world
from twin.clock import DayClock
from twin.config import load_scenario
from twin.stream.collector import (
    CollectorState,
    _close,
    _minute,
    _ordered,
    collector_batch,
    new_collector,
)
from twin.stream.fleet import PLANNER, FleetState, _customer, fleet_batch, new_fleet
from twin.stream.messages import DeadLetter, RouteUpdate, Tick, TickClosed, TickDone, TickSent
from twin.stream.order import Admission, admit_batch
from twin.stream.params import BrainParams

CLOCK = DayClock(date(2026, 11, 23))


@pytest.fixture(scope="module")
def day() -> tuple[BrainParams, list[list[Any]]]:
    """A small day without the brain (as production streams it), one list per tick."""
    scenario = load_scenario(SCENARIOS / "small.toml").with_overrides(**{"policy.brain": False})
    world = build_world(scenario, 2)
    ticks = [[*world.advance(t), Tick(t, world.clock.at(t))] for t in world.tick_minutes()]
    return build_brain(world.company), ticks


# ---------------------------------------------------------------- fleet
def _scan(state: FleetState, tick: Tick) -> list[str]:
    """Who gets the Tick, the long way: everyone on shift who was reached in the minute or
    whose refresh is due."""
    due, touched = state.due, state.touched
    return sorted(t for t in state.active if t in touched or tick.minute >= due.get(t, -math.inf))


def test_the_fleet_ticks_whom_a_scan_of_everyone_on_shift_finds(
    day: tuple[BrainParams, list[list[Any]]],
) -> None:
    params, ticks = day
    fleet = new_fleet(params)
    admission = Admission()
    ticked_somebody = 0
    for items in ticks:
        for item in admit_batch(admission, items):
            expected = _scan(fleet, item) if isinstance(item, Tick) else None
            routed = fleet_batch(fleet, [item], params)
            if expected is None:
                continue
            got = sorted(k for k, ps in routed if k != PLANNER and any(p is item for p in ps))
            assert got == expected
            ticked_somebody += bool(got)
    assert ticked_somebody > 100  # the day ticks someone in most minutes


def test_route_updates_carry_what_the_mirror_and_the_params_say(
    day: tuple[BrainParams, list[list[Any]]],
) -> None:
    params, ticks = day
    fleet = new_fleet(params)
    admission = Admission()
    updates = 0
    for items in ticks:
        for key, payloads in fleet_batch(fleet, admit_batch(admission, items), params):
            for p in payloads:
                if not isinstance(p, RouteUpdate):
                    continue
                updates += 1
                for v in p.visits:
                    est = params.estimate(key, v.job_type, v.duration_min)
                    if v.visit_id in fleet.mirror.tasks:  # not a depot stop
                        assert p.estimates[v.visit_id] == est
                        assert p.customers[v.visit_id] == fleet.mirror.customer(v.visit_id)
    assert updates > 20


def test_a_new_request_for_a_visit_gives_its_new_customer(tiny_brain: BrainParams) -> None:
    fleet = new_fleet(tiny_brain)
    first = ev.VisitRequested(
        id="r1",
        time=CLOCK.at(600),
        visit_id="V1",
        customer_id="C1",
        job_type="repair",
        skill="basic",
        priority=1,
        channel="portal",
        x=1.0,
        y=1.0,
        available_from=CLOCK.at(600),
        available_until=CLOCK.at(1000),
        notify_channel="sms",
        language="de",
    )
    fleet.mirror.apply(first)
    assert _customer(fleet, "V1") == fleet.mirror.customer("V1")
    again = replace(first, id="r2", language="en")
    fleet.mirror.apply(again)
    found = _customer(fleet, "V1")
    assert found == fleet.mirror.customer("V1") and found is not None
    assert found.language == "en"


@pytest.fixture(scope="module")
def tiny_brain(day: tuple[BrainParams, list[list[Any]]]) -> BrainParams:
    return day[0]


# ---------------------------------------------------------------- admission
@dataclass
class _LongAdmission:
    """The admission step before session 12 (tuples compared on every event)."""

    seen: set[str] = field(default_factory=set)
    pending: list[ev.Event] = field(default_factory=list)
    in_order: bool = True

    def step(self, item: ev.Event) -> None:
        if item.id in self.seen:
            return
        self.seen.add(item.id)
        if self.pending and (item.time, item.id) < (self.pending[-1].time, self.pending[-1].id):
            self.in_order = False
        self.pending.append(item)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 6)), max_size=40))
def test_the_admission_finds_the_same_order_breaks(seconds_ids: list[tuple[int, int]]) -> None:
    fast, slow = Admission(), _LongAdmission()
    for s, i in seconds_ids:
        e = ev.BreakEnded(id=f"e{i}", time=CLOCK.at(600 + s / 60), technician_id="T1")
        fast.step(e)
        slow.step(e)
        assert fast.in_order == slow.in_order
    assert fast.pending == slow.pending


# ---------------------------------------------------------------- collector
def _long_collector(state: CollectorState, items: list[Any], params: BrainParams) -> list[Any]:
    """The collector before session 12: every item bucketed through ``_minute``, closing
    looked at after every answer and count."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, ev.Event):
            state.buckets[_minute(state, item.time, params)].append(item)
            continue
        if isinstance(item, DeadLetter):
            out.append(item)
            continue
        if isinstance(item, Tick):
            state.tick_time[round(item.minute)] = item.time
            continue
        if isinstance(item, TickSent):
            state.expected[round(item.minute)] = item.keys
        else:
            state.done[round(item.minute)] += 1
        while state.expected:
            first = min(state.expected)
            if state.done[first] < state.expected[first]:
                break
            out.extend(_close(state, first, params))
    return out


def _stream(rng: random.Random, minutes: int, clock: DayClock) -> list[Any]:
    """Ticks, counts, answers and decisions of a few minutes in a shuffled order (each
    minute's Tick before its count); a minute's decisions share one time object."""
    items: list[Any] = []
    for m in range(600, 600 + minutes):
        t = clock.at(m)
        keys = rng.randint(0, 3)
        tick, sent = Tick(float(m), t), TickSent(float(m), keys)
        rest: list[Any] = [TickDone(float(m), f"T{k}") for k in range(keys)]
        for j in range(rng.randint(0, 5)):
            vid, tid = f"V{rng.randint(0, 3)}", f"T{rng.randint(0, 3)}"
            if rng.random() < 0.3:
                rest.append(
                    ev.DelayDetected(
                        id=f"d{m}-{j}",
                        time=t,
                        visit_id=vid,
                        technician_id=tid,
                        probability=0.9,
                        eta=t,
                        window_end=t,
                    )
                )
            else:
                rest.append(
                    ev.EtaUpdated(
                        id=f"b{rng.randint(0, 99):03d}",
                        time=t,
                        visit_id=vid,
                        technician_id=tid,
                        eta_low=t,
                        eta=t,
                        eta_high=t,
                    )
                )
        if rng.random() < 0.1:
            rest.append(DeadLetter(reason="bad", raw="x"))
        items.extend([tick, sent, *rest])
    rng.shuffle(items)
    for m in range(600, 600 + minutes):  # a minute's Tick goes before its count
        tick = next(i for i, x in enumerate(items) if isinstance(x, Tick) and x.minute == m)
        sent = next(i for i, x in enumerate(items) if isinstance(x, TickSent) and x.minute == m)
        if tick > sent:
            items[tick], items[sent] = items[sent], items[tick]
    return items


@settings(deadline=None, max_examples=150)
@given(seed=st.integers(0, 2**32 - 1), minutes=st.integers(1, 4), cuts=st.integers(1, 6))
def test_the_collector_closes_as_the_long_way(
    tiny_brain: BrainParams, seed: int, minutes: int, cuts: int
) -> None:
    rng = random.Random(seed)
    items = _stream(rng, minutes, tiny_brain.clock)
    slow = _long_collector(new_collector(tiny_brain), items, tiny_brain)
    state, fast = new_collector(tiny_brain), []
    bounds = sorted(rng.sample(range(len(items) + 1), min(cuts, len(items) + 1)))
    for a, b in zip([0, *bounds], [*bounds, len(items)], strict=True):
        fast.extend(collector_batch(state, items[a:b], tiny_brain))
    assert fast == slow


def test_the_collector_streams_close_minutes_and_serve_late_decisions(
    tiny_brain: BrainParams,
) -> None:
    """The streams above do close minutes, with decisions arriving after their minute."""
    closed = late = 0
    for seed in range(30):
        items = _stream(random.Random(seed), 3, tiny_brain.clock)
        out = _long_collector(new_collector(tiny_brain), items, tiny_brain)
        closed += sum(isinstance(o, TickClosed) for o in out)
        first_close = next((i for i, o in enumerate(out) if isinstance(o, TickClosed)), None)
        late += first_close is not None and any(
            isinstance(o, ev.EtaUpdated) and o.time == tiny_brain.clock.at(600)
            for o in out[first_close + 1 :]
        )
    assert closed > 30 and late > 0


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 4), st.text("ab", max_size=3)), max_size=50))
def test_decisions_are_ordered_by_time_then_id(pairs: list[tuple[int, str]]) -> None:
    times = [CLOCK.at(600 + s / 60) for s in range(5)]
    decisions: list[ev.Event] = [
        ev.BreakEnded(id=i, time=times[s], technician_id=f"T{k}")  # k: tells equal keys apart
        for k, (s, i) in enumerate(pairs)
    ]
    assert _ordered(list(decisions)) == sorted(decisions, key=lambda e: (e.time, e.id))
