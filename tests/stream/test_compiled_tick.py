"""The compiled tick (``twin.models._kernels.TickConfig``) decides what the Python
technician step decides: the same events in the same order, the same states after.

The Python code in ``twin.stream.technician`` and ``twin.stream.refresh`` is the
reference; the compiled tick is used wherever the extension is built (``tick_config``).
Here whole closed-loop days run both ways, and single ticks are held against each other
on states made for the rare paths (a visit moved to another day, a replan request).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.app.wiring import build_brain, build_world
from twin.config import Scenario, load_scenario
from twin.models.decisions.delay import DelayDecision, DelayRule, judge_delay
from twin.models.eta.calibration import EtaCalibration
from twin.models.routing.mirror import Customer
from twin.models.routing.plan import VisitTask
from twin.models.routing.travel import KERNELS
from twin.stream import refresh
from twin.stream.connectors.bridge import run_direct_loop
from twin.stream.messages import Tick
from twin.stream.params import BrainParams
from twin.stream.technician import TechState, new_tech, tech_batch, tech_step


def _python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the technician step's reference: no compiled tick."""
    monkeypatch.setattr(refresh, "_TICK_KERNELS", None)


def _day(scenario: Scenario, seed: int) -> list[str]:
    world = build_world(scenario.with_overrides(**{"policy.brain": True}), seed)
    return [ev.to_json(e) for e in run_direct_loop(world, build_brain(world.company)).events]


@pytest.fixture(scope="module")
def default() -> Scenario:
    return load_scenario(SCENARIOS / "default.toml")


def test_the_compiled_tick_is_in_use(default: Scenario) -> None:
    # CI builds the extension as a user does: a broken build must fail here
    assert KERNELS is not None
    world = build_world(default, 1)
    params = build_brain(world.company)
    assert refresh.tick_config(params) is not None
    assert refresh.tick_config(params) is refresh.tick_config(params)  # made once per brain


@pytest.mark.slow
@pytest.mark.parametrize(("name", "seed"), [("default.toml", 1), ("small.toml", 2)])
def test_a_day_is_the_same_compiled_and_in_python(
    name: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole closed-loop day's log, byte for byte (default: a calibrated brain with
    the absent customers' mixture; small: the chain's normal approximation)."""
    scenario = load_scenario(SCENARIOS / name)
    compiled = _day(scenario, seed)
    kinds = {line.split('"type":"')[1].split('"')[0] for line in compiled}
    assert {"eta_updated", "delay_detected", "customer_notified"} <= kinds
    _python_only(monkeypatch)
    assert _day(scenario, seed) == compiled


# ----------------------------------------------------------------- single ticks, both ways
def _visit(i: int, x: float, ws: float, we: float, dur: float) -> VisitTask:
    return VisitTask(f"V{i}", f"C{i}", x, 5.0 + i, "repair", "repair", 1, ws, we, dur)


def _state(params: BrainParams, activity: str, route: tuple[VisitTask, ...]) -> TechState:
    tid = next(iter(params.roster))
    state = new_tech(tid, params)
    state.activity, state.since, state.x, state.y = activity, 480.0, 4.0, 4.0
    if activity in ("travel", "work", "idle"):
        state.current, route = route[0], route[1:]
    state.route = route
    return state


def _both_ways(
    params: BrainParams,
    make: Callable[[], TechState],
    ticks: list[Tick],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[str], TechState]:
    """The ticks through a state made by ``make`` compiled, then in Python: the outputs
    (as text: events as JSON) and the compiled state, checked equal to Python's."""
    runs = []
    for compiled in (True, False):
        with monkeypatch.context() as m:
            if not compiled:
                _python_only(m)
            state = make()
            out = tech_batch(state, list(ticks), params)
            runs.append(
                ([ev.to_json(e) if isinstance(e, ev.Event) else repr(e) for e in out], state)
            )
    (out_c, state_c), (out_p, state_p) = runs
    assert out_c == out_p
    assert repr(vars(state_c)) == repr(vars(state_p))  # repr: the same NaN anchors compare
    return out_c, state_c


@pytest.fixture(scope="module")
def params() -> BrainParams:
    world = build_world(load_scenario(SCENARIOS / "small.toml"), 1)
    return build_brain(world.company)


def _ticks(params: BrainParams, *minutes: float) -> list[Tick]:
    return [Tick(m, params.clock.at(m)) for m in minutes]


@pytest.mark.parametrize("activity", ["off", "idle", "travel", "work", "break", "ended"])
def test_every_activity_refreshes_the_same(
    params: BrainParams, activity: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = tuple(_visit(i, 3.0 + 2 * i, 540.0 + 60 * i, 720.0 + 60 * i, 45.0) for i in range(4))
    out, _ = _both_ways(
        params,
        lambda: _state(params, activity, route),
        _ticks(params, 490.0, 491.0, 496.0, 505.0, 580.0, 700.0),
        monkeypatch,
    )
    assert (activity == "ended") == (not any('"eta_updated"' in line for line in out))


def test_a_visit_that_no_longer_fits_is_deferred_the_same(
    params: BrainParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a long job late in the day: the visit behind it cannot be finished by the day's end
    spec = next(iter(params.roster.values()))
    late = spec.max_end - 30.0
    route = (
        _visit(0, 4.0, 500.0, 900.0, 30.0),
        _visit(1, 9.0, late, late + 60.0, 240.0),
        _visit(2, 6.0, late, late + 60.0, 30.0),
    )
    out, state = _both_ways(
        params, lambda: _state(params, "idle", route), _ticks(params, late - 100.0), monkeypatch
    )
    assert any('"visit_deferred"' in line for line in out)
    assert state.deferred


def test_an_alerted_visit_asks_for_a_replan_the_same(
    params: BrainParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    # windows that close before the technician can get there: alerts, warnings, replans
    route = tuple(_visit(i, 2.0 + 5 * i, 540.0, 640.0 + 5 * i, 90.0) for i in range(5))

    def make() -> TechState:
        state = _state(params, "work", route)
        for v in route:  # customers to warn (in German and English)
            lang = "de" if int(v.visit_id[1:]) % 2 else "en"
            state.customers[v.visit_id] = Customer(v.customer_id, "sms", lang)
        return state

    out, state = _both_ways(params, make, _ticks(params, 620.0, 700.0, 790.0), monkeypatch)
    assert any('"delay_detected"' in line for line in out)
    assert any('"replan_requested"' in line for line in out)
    assert any('"kind":"delay"' in line for line in out)
    assert state.alerted and state.replan_at


def test_a_calibrated_brain_refreshes_the_same(
    params: BrainParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    calibrated = replace(params, eta_calibration=EtaCalibration.identity(0.08, 12.0))
    route = tuple(_visit(i, 3.0 + 2 * i, 540.0 + 60 * i, 720.0 + 60 * i, 45.0) for i in range(4))
    for activity in ("idle", "work", "travel"):
        _both_ways(
            calibrated,
            lambda a=activity: _state(calibrated, a, route),
            _ticks(calibrated, 610.0, 640.0),
            monkeypatch,
        )


def test_a_tick_not_on_the_clock_s_utc_is_built_the_same(
    params: BrainParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_utc = timezone(timedelta(0))  # UTC, but not the clock's object: the checked path
    tick = Tick(610.0, params.clock.at(610.0).astimezone(other_utc))
    route = tuple(_visit(i, 3.0 + 2 * i, 540.0, 900.0, 45.0) for i in range(3))
    out, _ = _both_ways(params, lambda: _state(params, "idle", route), [tick], monkeypatch)
    assert any('"eta_updated"' in line for line in out)


def test_tech_step_takes_the_compiled_tick_too(
    params: BrainParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = tuple(_visit(i, 3.0 + 2 * i, 540.0, 900.0, 45.0) for i in range(3))
    (tick,) = _ticks(params, 610.0)
    compiled = tech_step(_state(params, "idle", route), tick, params)
    _python_only(monkeypatch)
    assert compiled == tech_step(_state(params, "idle", route), tick, params)


# --------------------------------------------------------------------- the clock's times
@settings(max_examples=600, deadline=None)
@given(
    minutes=st.one_of(
        st.floats(min_value=-3000.0, max_value=3000.0),
        st.integers(min_value=-360_000, max_value=360_000).map(lambda h: h / 120),  # half s
        st.sampled_from([math.nan, math.inf, -math.inf, 1e13, -1e13]),
    )
)
def test_the_compiled_clock_conversion_is_the_clock_s(params: BrainParams, minutes: float) -> None:
    config = refresh.tick_config(params)
    assert config is not None
    try:
        expected = params.clock.at(minutes)
    except ValueError as exc:
        with pytest.raises(ValueError, match="clock: minutes must be") as got:
            config.at(minutes)
        assert str(got.value) == str(exc)
        return
    assert config.at(minutes) == expected
    assert config.at(minutes) == expected  # and from its memo


@settings(deadline=None)
@given(
    p_late=st.floats(min_value=0.0, max_value=1.0),
    threshold=st.floats(min_value=0.01, max_value=0.99),
    margin=st.floats(min_value=0.0, max_value=0.5),
    replanning=st.booleans(),
    under_way=st.booleans(),
    minute=st.floats(min_value=0.0, max_value=1440.0),
    last=st.one_of(st.just(-math.inf), st.floats(min_value=0.0, max_value=1440.0)),
)
def test_an_alerted_visit_that_stays_alerted_without_a_replan_changes_nothing(
    p_late: float,
    threshold: float,
    margin: float,
    replanning: bool,
    under_way: bool,
    minute: float,
    last: float,
) -> None:
    """The compiled publishing loop skips the delay rule in this case too."""
    rule = DelayRule(threshold, margin, replanning, 60.0)
    stays = not p_late < rule.threshold - rule.rearm_margin
    due = replanning and not under_way and minute - last >= rule.cooldown_min
    decision = judge_delay(rule, p_late, True, under_way, minute, last)
    if stays and not due:
        assert decision == DelayDecision(alerted=True, alert=False, replan=False)
    else:
        assert decision != DelayDecision(alerted=True, alert=False, replan=False)
