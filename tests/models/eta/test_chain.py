from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from twin.config import City, Traffic
from twin.models.duration.model import Z90, DurationEstimate
from twin.models.eta.chain import Position, remaining_work, route_etas
from twin.models.routing.plan import VisitTask
from twin.models.routing.travel import TravelModel

TRAVEL = TravelModel(City(), Traffic())


def _visit(vid: str, x: float, ws: float, we: float, dur: float = 60.0) -> VisitTask:
    return VisitTask(vid, "C", x, 10.0, "repair", "repair", 1, ws, we, dur)


def test_etas_follow_the_chain_and_widen() -> None:
    route = [_visit("A", 5, 0, 2000), _visit("B", 9, 0, 2000)]
    est = {v.visit_id: DurationEstimate.from_mean_cv(60, 0.5) for v in route}
    a, b = route_etas(Position(1, 10, 600), route, est, TRAVEL, 0.25)
    assert 600 < a.eta < b.eta
    assert a.low <= a.eta <= a.high and b.low <= b.eta <= b.high
    assert (b.high - b.low) > (a.high - a.low)  # uncertainty accumulates


def test_waiting_for_a_window_absorbs_uncertainty() -> None:
    # the wait at B soaks up A's overrun for the visits after B; B's own arrival (the
    # technician arrives early and waits on site) keeps its spread
    est = {
        "A": DurationEstimate.from_mean_cv(60, 0.8),
        "B": DurationEstimate.from_mean_cv(30, 0.3),
        "C": DurationEstimate.from_mean_cv(30, 0.3),
    }
    tight = [_visit("A", 5, 0, 2000), _visit("B", 6, 0, 2000), _visit("C", 7, 0, 2000)]
    slack = [_visit("A", 5, 0, 2000), _visit("B", 6, 1000, 2000), _visit("C", 7, 0, 2000)]
    _, b_tight, c_tight = route_etas(Position(1, 10, 600), tight, est, TRAVEL, 0.25)
    _, b_slack, c_slack = route_etas(Position(1, 10, 600), slack, est, TRAVEL, 0.25)
    assert c_slack.high - c_slack.low < c_tight.high - c_tight.low
    assert b_slack.high - b_slack.low == b_tight.high - b_tight.low


def test_probability_of_lateness() -> None:
    est = {"A": DurationEstimate.from_mean_cv(60, 0.5)}
    (easy,) = route_etas(Position(4, 10, 600), [_visit("A", 5, 0, 900)], est, TRAVEL, 0.25)
    (hopeless,) = route_etas(Position(4, 10, 600), [_visit("A", 5, 0, 601)], est, TRAVEL, 0.25)
    assert easy.p_late < 0.01 and hopeless.p_late > 0.9


@given(
    now=st.floats(min_value=0, max_value=1200),
    window_end=st.floats(min_value=0, max_value=1440),
    sd=st.floats(min_value=0, max_value=200),
)
def test_p_late_is_a_probability(now: float, window_end: float, sd: float) -> None:
    est = {"A": DurationEstimate.from_mean_cv(60, 0.5)}
    (eta,) = route_etas(
        Position(4, 10, now, sd), [_visit("A", 5, 0, window_end)], est, TRAVEL, 0.25
    )
    assert 0.0 <= eta.p_late <= 1.0


def test_remaining_work_never_reaches_zero() -> None:
    est = DurationEstimate.from_mean_cv(60, 0.5)
    rest, sd = remaining_work(est, 10)
    # not finished after 10 min: the median of what is left is a little above p50 - 10
    assert est.p50 - 10 < rest < est.p50 and sd > 0
    overrun, _ = remaining_work(est, 500)
    assert overrun > 0.15 * est.p50  # a long overrun keeps a long tail ahead


def test_remaining_work_is_the_conditional_median() -> None:
    est = DurationEstimate.from_mean_cv(60, 0.6)
    rng = np.random.default_rng(7)
    draws = np.exp(np.log(est.p50) + est.log_sigma * rng.standard_normal(400_000))
    for elapsed in (20.0, 60.0, 120.0):
        left = draws[draws > elapsed] - elapsed
        rest, sd = remaining_work(est, elapsed)
        assert abs(rest - np.median(left)) < 0.02 * np.median(left) + 0.2
        p10, p90 = np.quantile(left, [0.1, 0.9])
        assert abs(2 * Z90 * sd - (p90 - p10)) < 0.03 * (p90 - p10)


@given(
    elapsed=st.floats(min_value=0, max_value=2000),
    mean=st.floats(min_value=5, max_value=300),
    cv=st.floats(min_value=0.05, max_value=2.0),
)
def test_remaining_work_is_finite_and_positive(elapsed: float, mean: float, cv: float) -> None:
    rest, sd = remaining_work(DurationEstimate.from_mean_cv(mean, cv), elapsed)
    assert math.isfinite(rest) and math.isfinite(sd) and rest >= 0 and sd >= 0
