"""Pooling a period's day KPIs: sums where they add, weighted means where they do not."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from twin.analysis.kpi import Kpis
from twin.analysis.period_kpis import WEIGHTS, pool_kpis


def _day(**values: float) -> Kpis:
    base = {f.name: 0 for f in fields(Kpis)}
    return Kpis(**{**base, **values})  # type: ignore[arg-type]


def test_one_day_pools_to_itself() -> None:
    d = _day(punctuality=0.9, visits_attended=10, travel_km=12.5, lateness_p95_min=7.0)
    assert pool_kpis([d]) == d


def test_counts_add_and_shares_weigh_by_what_they_are_shares_of() -> None:
    a = _day(visits_attended=10, punctuality=1.0, travel_km=5.0, ratings=1, rating_mean=5.0)
    b = _day(visits_attended=30, punctuality=0.6, travel_km=7.0, ratings=3, rating_mean=3.0)
    p = pool_kpis([a, b])
    assert p.visits_attended == 40 and p.travel_km == pytest.approx(12.0)
    assert p.punctuality == pytest.approx((10 * 1.0 + 30 * 0.6) / 40)
    assert p.rating_mean == pytest.approx((5.0 + 9.0) / 4)


def test_a_share_over_nothing_is_zero_and_percentiles_take_the_largest() -> None:
    a = _day(lateness_p95_min=3.0)
    b = replace(a, lateness_p95_min=11.0)
    p = pool_kpis([a, b])
    assert p.lateness_p95_min == 11.0 and p.punctuality == 0.0
    assert set(WEIGHTS) <= {f.name for f in fields(Kpis)}
    with pytest.raises(ValueError, match="at least one day"):
        pool_kpis([])
