from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin import events as ev
from twin.config import City, Traffic
from twin.models.duration.model import Z90, DurationEstimate
from twin.models.eta.absent import AbsentStats, absent_stats
from twin.models.eta.calibration import (
    LEAD_EDGES_MIN,
    LEVELS,
    EtaCalibration,
    exceedance,
    fit_calibration,
    load_calibration,
    residuals,
)
from twin.models.eta.chain import Position, on_site, route_etas
from twin.models.routing.plan import VisitTask
from twin.models.routing.travel import TravelModel

TRAVEL = TravelModel(City(), Traffic())
T0 = datetime(2026, 11, 23, tzinfo=UTC)
NONE_ABSENT = AbsentStats(1000, 0, 0.0)


def _at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def _visit(vid: str, x: float, ws: float = 0, we: float = 2000) -> VisitTask:
    return VisitTask(vid, "C", x, 10.0, "repair", "repair", 1, ws, we, 60.0)


def _skewed(rng: np.random.Generator, n: int) -> np.ndarray:
    """Right-skewed residuals like the ETA chain's: late surprises are longer than early ones."""
    return rng.lognormal(0.0, 0.6, n) - 1.0


def _samples(rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    leads = rng.uniform(0, 400, n)
    z = _skewed(rng, n) * (1 + leads / 200)  # wider the further ahead
    return list(zip(leads.tolist(), z.tolist(), strict=True))


def test_fit_gives_the_empirical_quantiles_per_lead_bucket() -> None:
    rng = np.random.default_rng(1)
    samples = _samples(rng, 60_000)
    cal = fit_calibration(samples, NONE_ABSENT)
    assert cal.lead_edges_min == LEAD_EDGES_MIN and cal.levels == LEVELS
    assert sum(cal.samples) == len(samples)
    leads = np.array([s[0] for s in samples])
    zs = np.array([s[1] for s in samples])
    last = zs[leads >= LEAD_EDGES_MIN[-1]]
    lo, mid, hi = cal.bands[-1]
    assert (lo, mid, hi) == pytest.approx(tuple(np.quantile(last, [0.1, 0.5, 0.9])), abs=1e-4)
    assert cal.bands[0][2] < cal.bands[-1][2]  # the spread grows with the lead


def test_a_thin_bucket_borrows_the_pooled_quantiles() -> None:
    samples = [(100.0, z) for z in np.linspace(-2, 2, 1001)] + [(5.0, 9.0)] * 10
    cal = fit_calibration(samples, NONE_ABSENT, min_samples=50)
    assert cal.samples[0] == 10
    assert cal.z[0] == fit_calibration(samples, NONE_ABSENT, min_samples=10**9).z[0]


def test_calibrated_intervals_cover_80_percent_of_fresh_data() -> None:
    rng = np.random.default_rng(2)
    cal = fit_calibration(_samples(rng, 50_000), NONE_ABSENT)
    # fresh arrivals: chain ETA ``arrive`` with spread ``sd``; truth = arrive + s * z
    n = 40_000
    leads = rng.uniform(0, 400, n)
    sd = rng.uniform(0, 40, n)
    arrive = 600 + leads
    truth = []
    inside = 0
    central_errors = []
    for lead, d, a, z in zip(leads, sd, arrive, _skewed(rng, n) * (1 + leads / 200), strict=True):
        s = cal.spread(float(d))
        actual = a + s * z
        low, eta, high = cal.interval(float(a), s, float(lead))
        inside += low <= actual <= high
        central_errors.append(eta - actual)
        truth.append(actual)
    assert inside / n == pytest.approx(0.80, abs=0.015)
    assert float(np.median(central_errors)) == pytest.approx(0.0, abs=0.5)  # median-unbiased
    # the normal approximation around ``arrive`` misses the skew: wrong on both counts
    normal = sum(
        abs(t - a) <= Z90 * cal.spread(float(d)) for t, a, d in zip(truth, arrive, sd, strict=True)
    )
    assert abs(normal / n - 0.8) > 0.03


def test_identity_is_the_normal_approximation() -> None:
    cal = EtaCalibration.identity()
    for lo, mid, hi in cal.bands:
        assert (lo, mid, hi) == pytest.approx((-Z90, 0.0, Z90), abs=1e-9)
    assert cal.exceed(30, 0.0) == pytest.approx(0.5)
    assert cal.exceed(30, Z90) == pytest.approx(0.1)


@given(z=st.floats(min_value=-50, max_value=50), dz=st.floats(min_value=0, max_value=10))
def test_exceedance_is_a_decreasing_probability(z: float, dz: float) -> None:
    zs = EtaCalibration.identity().z[0]
    p, q = exceedance(zs, LEVELS, z), exceedance(zs, LEVELS, z + dz)
    assert 0.0 <= q <= p <= 1.0


def test_exceedance_interpolates_between_levels_and_clamps_tails() -> None:
    zs, levels = (-1.0, 0.0, 2.0), (0.1, 0.5, 0.9)
    assert exceedance(zs, levels, 0.0) == pytest.approx(0.5)
    assert exceedance(zs, levels, 1.0) == pytest.approx(0.3)
    assert exceedance(zs, levels, -9.0) == pytest.approx(0.9)
    assert exceedance(zs, levels, 9.0) == pytest.approx(0.1)


def test_save_and_load_give_the_fitted_calibration(tmp_path: Path) -> None:
    cal = fit_calibration(
        _samples(np.random.default_rng(3), 5_000),
        AbsentStats(1234, 25, 250.0),
        scenario="small",
        days=3,
    )
    path = tmp_path / "cal.json"
    cal.save(path)
    assert load_calibration(path) == cal
    data = json.loads(path.read_text())
    assert data["absent_share"] == pytest.approx(25 / 1234, abs=1e-6)
    assert len(data["buckets"]) == len(LEAD_EDGES_MIN) + 1


def test_a_broken_file_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_calibration(path)
    path.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="not an ETA calibration file"):
        load_calibration(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"levels": (0.1, 0.9)}, "levels must include"),
        ({"lead_edges_min": (10.0, 5.0)}, "lead_edges_min must be positive and increasing"),
        ({"samples": (1, 2)}, "buckets"),
        ({"absent_share": 1.0}, "absent_share"),
        ({"sd_floor_min": 0.0}, "sd_floor_min"),
    ],
)
def test_bad_calibrations_name_the_field(change: dict[str, object], message: str) -> None:
    base = EtaCalibration.identity()
    fields = {
        "lead_edges_min": base.lead_edges_min,
        "levels": base.levels,
        "z": base.z,
        "samples": base.samples,
        "absent_share": 0.0,
        "sd_floor_min": 2.0,
    }
    fields.update(change)
    with pytest.raises(ValueError, match=message):
        EtaCalibration(**fields)  # type: ignore[arg-type]


def test_decreasing_quantiles_are_refused() -> None:
    base = EtaCalibration.identity()
    rows = (tuple(reversed(base.z[0])), *base.z[1:])
    with pytest.raises(ValueError, match=r"z\[0\]: quantiles must not decrease"):
        EtaCalibration(base.lead_edges_min, base.levels, rows, base.samples)


def _eta(i: int, issued: float, eta: float, s: float) -> ev.EtaUpdated:
    return ev.EtaUpdated(
        id=f"e{i}",
        time=_at(issued),
        visit_id="V1",
        technician_id="T1",
        eta_low=_at(eta - Z90 * s),
        eta=_at(eta),
        eta_high=_at(eta + Z90 * s),
    )


def test_residuals_sample_the_eta_on_show_every_five_minutes() -> None:
    log: list[ev.Event] = [
        _eta(1, 600, 640, 10.0),  # lead 40, on show 600-620
        _eta(2, 620, 650, 5.0),  # lead 30, on show 620-arrival
        ev.Arrived(id="a", time=_at(645), technician_id="T1", visit_id="V1", x=0, y=0),
    ]
    got = residuals(log, Z90)
    # samples at 640, 635, … 620 see update 2; 615, … 600 see update 1
    assert len(got) == 9
    first = [r for r in got if r[0] == pytest.approx(30)]
    second = [r for r in got if r[0] == pytest.approx(40)]
    assert len(first) == 5 and len(second) == 4
    assert first[0][1] == pytest.approx((645 - 650) / 5.0)
    assert second[0][1] == pytest.approx((645 - 640) / 10.0)


def test_absent_stats_count_the_short_visits() -> None:
    log: list[ev.Event] = [
        ev.VisitBooked(
            id="b",
            time=_at(0),
            visit_id="V1",
            window_start=_at(600),
            window_end=_at(720),
            technician_id="T1",
            expected_duration_min=60,
        ),
        ev.Arrived(id="a", time=_at(590), technician_id="T1", visit_id="V1", x=0, y=0),
        ev.WorkFinished(
            id="f", time=_at(610), technician_id="T1", visit_id="V1", outcome="customer_absent"
        ),
        ev.WorkFinished(id="g", time=_at(700), technician_id="T1", visit_id="V2", outcome="fixed"),
    ]
    stats = absent_stats(log)
    assert stats == AbsentStats(2, 1, 10.0)
    assert stats.share == 0.5 and stats.minutes == 10.0


def test_route_etas_apply_the_calibration() -> None:
    rng = np.random.default_rng(4)
    cal = fit_calibration(_samples(rng, 20_000), NONE_ABSENT)
    est = {"A": DurationEstimate.from_mean_cv(60, 0.5), "B": DurationEstimate.from_mean_cv(60, 0.5)}
    route = [_visit("A", 5), _visit("B", 9, 0, 700)]
    start = Position(1, 10, 600, 3.0, True, 595)
    plain = route_etas(start, route, est, TRAVEL, 0.25)
    ident = route_etas(start, route, est, TRAVEL, 0.25, calibration=EtaCalibration.identity())
    fitted = route_etas(start, route, est, TRAVEL, 0.25, calibration=cal)
    for p, i, f in zip(plain, ident, fitted, strict=True):
        s = math.sqrt(((p.high - p.eta) / Z90) ** 2 + 2.0**2)
        assert i.eta == pytest.approx(p.eta) and i.high == pytest.approx(p.eta + Z90 * s)
        low, eta, high = cal.interval(p.eta, s, p.eta - 595)
        assert (f.low, f.eta, f.high) == pytest.approx((max(low, 595), eta, high))
        assert f.p_late == p.p_late  # delay risk stays on the normal approximation


def test_an_absent_share_shortens_and_widens_the_chain() -> None:
    est = DurationEstimate.from_mean_cv(60, 0.5)
    cal = EtaCalibration.identity(absent_share=0.1, absent_min=10.0)
    work, sd = on_site(est, cal)
    assert work == pytest.approx(0.9 * est.p50 + 0.1 * 10.0)
    assert sd == pytest.approx(math.sqrt(0.9 * est.sd**2 + 0.09 * (est.mean - 10.0) ** 2))
    assert on_site(est, None) == (est.p50, est.sd)
    route = [_visit("A", 5), _visit("B", 9)]
    ests = {"A": est, "B": est}
    start = Position(1, 10, 600)
    _, b0 = route_etas(start, route, ests, TRAVEL, 0.25, calibration=EtaCalibration.identity())
    _, b1 = route_etas(start, route, ests, TRAVEL, 0.25, calibration=cal)
    assert b1.eta < b0.eta and b1.high - b1.eta > b0.high - b0.eta


def test_no_interval_reaches_before_now_but_uncertain_starts_are_not_a_bound() -> None:
    est = {"A": DurationEstimate.from_mean_cv(60, 0.5)}
    # work in progress: expected to end at 640 +- 25; the next arrival can be before 640
    (a,) = route_etas(Position(4, 10, 640, 25.0, True, 600), [_visit("A", 5)], est, TRAVEL, 0.25)
    assert 600 <= a.low < 640
    # leaving now without uncertainty: nothing before now
    (b,) = route_etas(Position(4, 10, 640), [_visit("A", 5)], est, TRAVEL, 2.0)
    assert b.low == 640
