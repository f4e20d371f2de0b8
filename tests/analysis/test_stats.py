"""Confidence intervals and paired differences, checked against scipy.stats directly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from twin.analysis.kpi import KPI_SPECS
from twin.analysis.stats import (
    Difference,
    format_difference,
    mean_ci,
    paired_difference,
    summarise,
    verdict,
)

SPEC = {s.name: s for s in KPI_SPECS}


def test_mean_ci_matches_scipy_t_interval() -> None:
    x = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8]
    est = mean_ci(x)
    low, high = sps.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
    assert est.mean == pytest.approx(np.mean(x))
    assert (est.low, est.high) == (pytest.approx(low), pytest.approx(high))
    assert est.n == 6


def test_paired_difference_matches_scipy_on_the_differences() -> None:
    ref = {1: 10.0, 2: 12.0, 3: 9.5, 4: 11.0, 5: 13.2}
    other = {1: 11.0, 2: 12.9, 3: 10.1, 4: 12.4, 5: 13.9, 6: 99.0}  # seed 6 has no pair
    d = paired_difference(ref, other)
    diffs = np.array([other[s] - ref[s] for s in ref])
    low, high = sps.t.interval(0.95, len(diffs) - 1, loc=diffs.mean(), scale=sps.sem(diffs))
    assert d.n == 5
    assert d.mean == pytest.approx(diffs.mean())
    assert (d.low, d.high) == (pytest.approx(low), pytest.approx(high))
    # the paired-t test agrees on significance
    p = sps.ttest_rel([other[s] for s in ref], list(ref.values())).pvalue
    assert d.significant == (p < 0.05)
    assert d.significant


def test_ci_containing_zero_is_not_significant() -> None:
    d = paired_difference({1: 1.0, 2: 2.0, 3: 3.0}, {1: 1.5, 2: 1.0, 3: 3.4})
    assert d.low < 0 < d.high
    assert not d.significant
    assert format_difference(SPEC["travel_km"], d).endswith("(n.s.)")
    assert verdict(SPEC["travel_km"], d) == "n.s."


def test_one_seed_gives_no_interval_and_no_significance() -> None:
    est = mean_ci([4.0])
    assert est.mean == 4.0 and math.isnan(est.low) and math.isnan(est.high)
    assert not Difference(1.0, float("nan"), float("nan"), 1).significant


def test_identical_arms_differ_by_exactly_zero() -> None:
    d = paired_difference({1: 5.0, 2: 7.0}, {1: 5.0, 2: 7.0})
    assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)
    assert not d.significant


def test_verdict_follows_the_kpi_direction() -> None:
    up = Difference(0.1, 0.05, 0.15, 5)
    assert verdict(SPEC["punctuality"], up) == "better"
    assert verdict(SPEC["cost_total_eur"], up) == "worse"
    assert verdict(SPEC["visits_booked_today"], up) == "different"


def test_summarise_uses_the_first_arm_as_reference(tiny_kpis) -> None:  # type: ignore[no-untyped-def]
    a, b = tiny_kpis
    rows = summarise({"A": {1: a, 2: b}, "B": {1: b, 2: a}})
    assert len(rows) == len(KPI_SPECS)
    row = next(r for r in rows if r.spec.name == "punctuality")
    assert row.differences[0] is None
    diff = row.differences[1]
    assert diff is not None and diff.mean == pytest.approx(0.0)


@pytest.fixture
def tiny_kpis(tiny):  # type: ignore[no-untyped-def]
    from twin.app.run import run_scenario

    return run_scenario(tiny, 1, report=False).kpis, run_scenario(tiny, 2, report=False).kpis
