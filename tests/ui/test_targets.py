"""Company targets without a browser: the scenario section, the measures, red/amber/green."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from pathlib import Path

import pytest

from tests.ui.conftest import ROOT
from twin.analysis.kpi import Kpis
from twin.analysis.stats import Estimate
from twin.config import TARGET_SPECS, ConfigError, Targets, load_scenario
from twin.ui.targets import SPECS_BY_NAME, estimates, measure, parse_targets, status, value_text

NAN = math.nan


def _kpis(**values: float) -> Kpis:
    zero = Kpis(**{f.name: 0 for f in fields(Kpis)})
    return replace(zero, **values)


def test_the_specs_follow_the_fields_of_targets() -> None:
    assert [s.name for s in TARGET_SPECS] == list(Targets.model_fields)


def test_a_scenario_states_its_targets_and_a_bad_one_is_named(tmp_path: Path) -> None:
    text = (ROOT / "data/scenarios/small.toml").read_text()
    good = tmp_path / "good.toml"
    good.write_text(text + "\n[targets]\non_time_pct = 90\ncost_per_visit_eur = 65.5\n")
    targets = load_scenario(good).targets
    assert (targets.on_time_pct, targets.cost_per_visit_eur) == (90.0, 65.5)
    assert targets.missed_pct == Targets().missed_pct  # not stated: the default
    bad = tmp_path / "bad.toml"
    bad.write_text(text + "\n[targets]\nmissed_pct = 120\n")
    with pytest.raises(ConfigError, match=r"targets\.missed_pct: .*less than or equal to 100.*120"):
        load_scenario(bad)
    bad.write_text(text + "\n[targets]\non_tme_pct = 90\n")
    with pytest.raises(ConfigError, match=r"targets\.on_tme_pct"):
        load_scenario(bad)


def test_red_amber_green_by_where_the_interval_lies() -> None:
    at_least, at_most = SPECS_BY_NAME["on_time_pct"], SPECS_BY_NAME["missed_pct"]
    est = Estimate(88.0, 86.0, 90.0, 5)
    assert status(at_least, est, 85.0) == "green"
    assert status(at_least, est, 86.0) == "green"  # the bound itself meets it
    assert status(at_least, est, 89.0) == "amber"
    assert status(at_least, est, 91.0) == "red"
    assert status(at_most, est, 91.0) == "green"
    assert status(at_most, est, 85.0) == "red"
    assert status(at_most, est, 87.0) == "amber"
    assert status(at_least, est, None) == "none"
    assert status(at_least, Estimate(88.0, NAN, NAN, 1), 50.0) == "amber"  # one seed
    assert status(at_least, Estimate(NAN, NAN, NAN, 0), 50.0) == "none"


def test_measures_of_a_day() -> None:
    day = _kpis(
        punctuality=0.9,
        visits_attended=40,
        visits_booked_today=50,
        visits_missed=2,
        visits_completed=40,
        cost_total_eur=3000.0,
        overtime_hours=5.0,
        customer_satisfaction=812.0,
    )
    assert measure("on_time_pct", day, 10) == pytest.approx(90.0)
    assert measure("missed_pct", day, 10) == pytest.approx(4.0)
    assert measure("cost_per_visit_eur", day, 10) == pytest.approx(75.0)
    assert measure("overtime_h_per_technician", day, 10) == pytest.approx(0.5)
    assert measure("customer_satisfaction", day, 10) == 812.0
    assert math.isnan(measure("emergencies_in_target_pct", day, 10))  # no emergency
    assert math.isnan(measure("cost_per_visit_eur", _kpis(cost_total_eur=10.0), 1))
    with pytest.raises(ValueError, match="no measure named 'speed'"):
        measure("speed", day, 10)


def test_estimates_over_seeds_are_clipped_and_skip_undefined_days() -> None:
    arm = {1: _kpis(visits_booked_today=50, visits_missed=0), 2: _kpis(visits_booked_today=50)}
    arm[3] = _kpis(visits_booked_today=50, visits_missed=3)
    found = estimates({"A": arm}, [8.0])
    [missed] = found["missed_pct"]
    assert missed.n == 3 and missed.mean == pytest.approx(2.0) and missed.low == 0.0
    [emergencies] = found["emergencies_in_target_pct"]
    assert emergencies.n == 0 and status(TARGET_SPECS[4], emergencies, 90.0) == "none"
    assert value_text(SPECS_BY_NAME["missed_pct"], missed).startswith("2.0 % [0.0, ")


def test_typed_targets_are_checked_and_named() -> None:
    targets = parse_targets({"on_time_pct": "87,5", "missed_pct": "", "cost_per_visit_eur": "70"})
    assert (targets.on_time_pct, targets.missed_pct, targets.cost_per_visit_eur) == (87.5, None, 70)
    with pytest.raises(ConfigError, match=r"targets\.on_time_pct: expected a number .*'lots'"):
        parse_targets({"on_time_pct": "lots"})
    with pytest.raises(ConfigError, match=r"targets\.customer_satisfaction: .*1000.*1200"):
        parse_targets({"customer_satisfaction": "1200"})
    with pytest.raises(ConfigError, match=r"targets\.speed: no such target"):
        parse_targets({"speed": "1"})
