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


def test_the_scale_benchmark_shrinks_the_whole_map_with_the_company() -> None:
    """``bench_scale.py --region scale``: the base itself at its own size; at a tenth of
    it a city and zones in proportion (the same company, smaller), with the base's count
    of zone-wide incidents (``--incidents area``: a count in proportion to the area)."""
    import importlib.util

    path = SCENARIOS.parents[1] / "bench" / "bench_scale.py"
    spec = importlib.util.spec_from_file_location("bench_scale", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    base = SCENARIOS / "national.toml"
    national = load_scenario(base)
    assert bench._scaled(base, 10_000, "scale") == national
    small = bench._scaled(base, 1_000, "scale")
    k = small.city.size_km / national.city.size_km
    assert math.isclose(k, math.sqrt(0.1), rel_tol=0.01)
    for z, big in zip(small.city.zones, national.city.zones, strict=True):
        assert math.isclose(z.outer_radius_km, big.outer_radius_km * k, rel_tol=1e-3)
    assert small.traffic.incidents_per_day == national.traffic.incidents_per_day
    by_area = bench._scaled(base, 1_000, "scale", "area")
    assert by_area.city == small.city
    per_area = [s.traffic.incidents_per_day / s.city.size_km**2 for s in (by_area, national)]
    assert math.isclose(per_area[0], per_area[1], rel_tol=1e-9)
    assert bench._scaled(base, 1_000, "grow").city.zones == national.city.zones
