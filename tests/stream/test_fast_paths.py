"""The brain's shortcuts give what the long way gives (bench/RESULTS.md, session 8).

Each shortcut skips work that cannot change an output: the delay rule's quiet case, a
visit's info link signed once, the collector's minute of a tick's time computed once, the
watermark's events that close no minute. Here each is held against the long way.
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.app.wiring import build_brain
from twin.clock import DayClock
from twin.config import load_scenario
from twin.models.decisions.delay import DelayDecision, DelayRule, judge_delay
from twin.models.decisions.links import LinkSigner
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World
from twin.stream.collector import CollectorState, _minute_of, collector_step
from twin.stream.messages import Tick
from twin.stream.order import Watermark
from twin.stream.params import BrainParams
from twin.stream.validate import DAY_MIN

CLOCK = DayClock(date(2026, 11, 23))


@pytest.fixture(scope="module")
def tiny_params() -> BrainParams:
    """The brain of the four-technician town (hypothesis needs a fixture built once)."""
    scenario = load_scenario(SCENARIOS / "small.toml").with_overrides(
        **{"workforce.technicians": 4}
    )
    return build_brain(World(scenario, BaselineDispatcher).company)


@settings(deadline=None)
@given(
    p_late=st.floats(min_value=0.0, max_value=1.0),
    threshold=st.floats(min_value=0.01, max_value=0.99),
    under_way=st.booleans(),
    minute=st.floats(min_value=0.0, max_value=1440.0),
    last=st.one_of(st.just(-math.inf), st.floats(min_value=0.0, max_value=1440.0)),
)
def test_an_unalerted_visit_below_the_threshold_changes_nothing(
    p_late: float, threshold: float, under_way: bool, minute: float, last: float
) -> None:
    """``refresh._publish`` skips ``judge_delay`` in this case."""
    rule = DelayRule(threshold=threshold)
    decision = judge_delay(rule, p_late, False, under_way, minute, last)
    if p_late < threshold:
        assert decision == DelayDecision(alerted=False, alert=False, replan=False)
    else:
        assert decision.alert


def test_a_visit_s_link_is_signed_once_and_is_the_signer_s(tiny_params: BrainParams) -> None:
    signer = LinkSigner.for_simulation(7)
    params = BrainParams(
        tiny_params.roster,
        tiny_params.clock,
        tiny_params.travel,
        tiny_params.brk,
        tiny_params.dispatcher,
        links=signer,
    )
    first = params.link("V0001")
    assert first == signer.url("V0001", params.clock.midnight)
    assert params.link("V0001") is first  # from the memo, not signed again
    assert params.link("V0002") == signer.url("V0002", params.clock.midnight)


@settings(deadline=None)
@given(seconds=st.lists(st.integers(min_value=0, max_value=3 * 86_400), min_size=1, max_size=40))
def test_the_collector_buckets_by_the_minute_of_each_time(
    seconds: list[int], tiny_params: BrainParams
) -> None:
    state = CollectorState(mirror=None)  # type: ignore[arg-type]  # buckets only
    for i, s in enumerate(seconds):
        e = ev.BreakEnded(id=f"b{i}", time=CLOCK.at(s / 60.0), technician_id="T1")
        assert collector_step(state, e, tiny_params) == []
    expected: dict[int, list[str]] = {}
    for i, s in enumerate(seconds):
        expected.setdefault(_minute_of(CLOCK.at(s / 60.0), tiny_params), []).append(f"b{i}")
    assert {k: [e.id for e in v] for k, v in state.buckets.items()} == expected


class _EveryEvent(Watermark):
    """The watermark without the shortcut: every event goes through ``_tick_to``."""

    def observe(self, minutes: float, event_id: str | None = None) -> list[Tick]:
        minutes = min(minutes, DAY_MIN) if minutes >= 0.0 else 0.0
        if self.last is None:
            self.earliest = min(self.earliest, minutes)
        if minutes > self.newest:
            self.second, self.newest, self.newest_id = self.newest, minutes, event_id
        elif minutes > self.second and (event_id is None or event_id != self.newest_id):
            self.second = minutes
        if self.second == -math.inf:
            return []
        return self._tick_to(math.floor(self.second - self.bound_min))


@settings(deadline=None)
@given(
    st.lists(st.floats(min_value=-5.0, max_value=DAY_MIN + 60.0), max_size=60),
    st.sampled_from([0.0, 1.0, 2.5]),
)
def test_the_watermark_ticks_as_without_its_shortcut(times: list[float], bound: float) -> None:
    fast, slow = Watermark(CLOCK, bound), _EveryEvent(CLOCK, bound)
    for i, t in enumerate(times):
        assert fast.observe(t, f"e{i}") == slow.observe(t, f"e{i}")
    assert fast.finish() == slow.finish()
