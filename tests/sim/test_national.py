"""The national scenario (10,000 technicians) is shipped valid; its day is benchmarked in
``bench/bench_scale.py``, not simulated here (a minute of CPU)."""

from __future__ import annotations

import math

from tests.conftest import SCENARIOS
from twin.config import load_scenario
from twin.sim.rng import stream
from twin.sim.workforce import make_workforce


def test_national_is_large_at_ten_times_the_size_and_area() -> None:
    national = load_scenario(SCENARIOS / "national.toml")
    large = load_scenario(SCENARIOS / "large.toml")
    assert national.workforce.technicians == 10 * large.workforce.technicians == 10_000
    density = [s.workforce.technicians / s.city.size_km**2 for s in (national, large)]
    assert math.isclose(density[0], density[1], rel_tol=0.01)
    assert national.demand.visits_per_technician == large.demand.visits_per_technician
    assert national.policy.planner == "insertion" and national.policy.brain


def test_national_workforce_is_ten_thousand_people_in_the_region() -> None:
    scenario = load_scenario(SCENARIOS / "national.toml")
    rng = stream(scenario.company_seed, "workforce")
    team = make_workforce(scenario, rng, stream(1, "absence"))
    ids = [p.id for p in team]
    assert len(set(ids)) == 10_000
    assert ids == sorted(ids)  # the roster's order is the string order of its ids
    assert ids[0] == "T00001" and ids[-1] == "T10000"
    size = scenario.city.size_km
    assert all(0 < p.spec.home_x < size and 0 < p.spec.home_y < size for p in team)
