from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import events as ev
from twin.analysis.quality import HORIZONS, LEAD_EDGES_MIN, eta_error, measure
from twin.clock import minutes_between

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def _at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def _eta(i: int, vid: str, issued: float, low: float, eta: float, high: float) -> ev.EtaUpdated:
    return ev.EtaUpdated(
        id=f"e{i}",
        time=_at(issued),
        visit_id=vid,
        technician_id="T1",
        eta_low=_at(low),
        eta=_at(eta),
        eta_high=_at(high),
    )


def _arrived(vid: str, minute: float) -> ev.Arrived:
    return ev.Arrived(id=f"a{vid}", time=_at(minute), technician_id="T1", visit_id=vid, x=0, y=0)


def test_eta_by_lead_scores_the_eta_on_show_by_its_lead() -> None:
    log: list[ev.Event] = [
        _eta(1, "V1", 600, 620, 630, 635),  # lead 30: on show 600-615, misses (arrival 640)
        _eta(2, "V1", 615, 630, 640, 650),  # lead 25: on show 615-640, covers
        _arrived("V1", 640),
        _eta(3, "V2", 500, 590, 600, 640),  # lead 100: covers the arrival at 610
        _arrived("V2", 610),
    ]
    q = measure(log)
    by_edge = {b.lead_min: b for b in q.eta_by_lead}
    assert len(q.eta_by_lead) == len(LEAD_EDGES_MIN) + 1
    b = by_edge[(20.0, 40.0)]
    # V1 sampled at 635, 630, … 600: 5 samples of update 2, 3 of update 1
    assert b.samples == 8
    assert b.coverage == pytest.approx(5 / 8)
    assert b.bias_min == pytest.approx((5 * 0 + 3 * -10) / 8)
    assert b.mae_min == pytest.approx(30 / 8)
    far = by_edge[(80.0, 160.0)]
    assert far.samples == 22 and far.coverage == 1.0 and far.median_error_min == -10
    assert q.to_dict()["eta_by_lead"][2]["samples"] == 8  # type: ignore[index]


@settings(deadline=None, max_examples=200)
@given(
    arrival=st.integers(min_value=0, max_value=600),
    issued=st.lists(st.integers(min_value=0, max_value=600), max_size=12),
)
def test_the_eta_at_each_horizon_is_the_last_issued_that_far_before(
    arrival: int, issued: list[int]
) -> None:
    """``measure`` bisects the updates by time; the long way filters every update."""
    ups = [_eta(i, "V1", t, t + 5, t + 10, t + 20) for i, t in enumerate(issued)]
    q = measure([*ups, _arrived("V1", arrival)])
    in_order = sorted(ups, key=lambda u: u.time)
    for h in HORIZONS:
        before = [u for u in in_order if minutes_between(_at(arrival), u.time) >= h]
        want = [eta_error(before[-1], _at(arrival))] if before else []
        assert q.eta_errors[h] == tuple(e.error_min for e in want)
        assert q.eta_samples[h] == len(want)
        assert q.eta_coverage[h] == (float(want[0].inside) if want else 0.0)


@settings(deadline=None, max_examples=100)
@given(
    micros=st.lists(st.integers(min_value=-(10**15), max_value=4 * 10**15), min_size=1, max_size=20)
)
def test_times_become_their_exact_microseconds(micros: list[int]) -> None:
    """The float shortcut (``datetime.timestamp``) is exact up to 2**32 s; beyond, the
    ``timedelta`` path is; both against integer arithmetic."""
    from twin.analysis.quality import _micros

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    times = [epoch + timedelta(microseconds=m) for m in micros]
    assert _micros(times, times[0], len(times)).tolist() == [m - micros[0] for m in micros]


@settings(deadline=None, max_examples=50)
@given(runs=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=300))
def test_runs_of_one_time_object_are_converted_once_to_the_same(runs: list[int]) -> None:
    """Times shared by neighbours (a tick's updates) take the runs' path, with the result
    of converting each."""
    from twin.analysis.quality import _micros, _micros_each

    times = [t for i, k in enumerate(runs) for t in [_at(i + 0.5 * k)] * k]
    want = _micros_each(times, T0, len(times)).tolist()
    assert _micros(times, T0, len(times)).tolist() == want
    assert want == [round((t - T0).total_seconds() * 1e6) for t in times]


@settings(deadline=None, max_examples=50)
@given(picks=st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=400))
def test_recurring_time_objects_are_converted_once_to_the_same(picks: list[int]) -> None:
    """A few objects recurring out of order (the brain's per-second times) take the
    distinct objects' path, with the result of converting each."""
    from twin.analysis.quality import _micros, _micros_each

    objects = [_at(7.25 * k) for k in range(31)]
    times = [objects[k] for k in picks]
    want = _micros_each(times, T0, len(times)).tolist()
    assert _micros(times, T0, len(times)).tolist() == want
    assert want == [round((t - T0).total_seconds() * 1e6) for t in times]


def _lead_buckets_the_long_way(
    arrival: datetime, ups: list[ev.EtaUpdated], every: float = 5.0
) -> dict[int, list[tuple[float, bool]]]:
    """Every ``every`` minutes before the arrival, the last update issued by then."""
    from bisect import bisect_right

    rows: dict[int, list[tuple[float, bool]]] = {}
    issued = [minutes_between(u.time, arrival) for u in ups]
    back = every
    while ups and -back >= issued[0]:
        u = ups[bisect_right(issued, -back) - 1]
        b = bisect_right(LEAD_EDGES_MIN, minutes_between(u.eta, u.time))
        err = minutes_between(u.eta, arrival)
        rows.setdefault(b, []).append((err, u.eta_low <= arrival <= u.eta_high))
        back += every
    return rows


@settings(deadline=None, max_examples=200)
@given(
    arrival=st.integers(min_value=0, max_value=600_000),
    issued=st.lists(st.tuples(st.integers(0, 600_000), st.integers(-300, 20_000)), max_size=12),
)
def test_lead_buckets_equal_the_long_way(arrival: int, issued: list[tuple[int, int]]) -> None:
    """Times in seconds (not whole minutes): the arrays give the loop's samples, exactly."""
    at = T0 + timedelta(seconds=arrival)
    ups = sorted(
        (
            ev.EtaUpdated(
                id=f"e{i}",
                time=T0 + timedelta(seconds=t),
                visit_id="V1",
                technician_id="T1",
                eta_low=T0 + timedelta(seconds=t + lead - 90),
                eta=T0 + timedelta(seconds=t + lead),
                eta_high=T0 + timedelta(seconds=t + lead + 300),
            )
            for i, (t, lead) in enumerate(issued)
        ),
        key=lambda u: u.time,
    )
    q = measure([*ups, ev.Arrived(id="a", time=at, technician_id="T1", visit_id="V1", x=0, y=0)])
    want = _lead_buckets_the_long_way(at, ups)
    for b, bucket in enumerate(q.eta_by_lead):
        rows = want.get(b, [])
        assert bucket.samples == len(rows)
        if rows:
            errs = [e for e, _ in rows]
            assert bucket.bias_min == pytest.approx(sum(errs) / len(errs))
            assert bucket.coverage == pytest.approx(sum(c for _, c in rows) / len(rows))
