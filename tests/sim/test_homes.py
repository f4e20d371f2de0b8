"""Where technicians live: anywhere in the city but its edge, which is 5 % of the side
and never more than 3 km, so that a national map has no wide strip of customers beyond
every technician's reach."""

from __future__ import annotations

import numpy as np
import pytest

from twin.sim.workforce import HOME_EDGE_KM, home_location


@pytest.mark.parametrize("size_km", [2.0, 10.0, 44.0, 60.0])
def test_a_city_keeps_five_percent_of_its_side_free_as_before(size_km: float) -> None:
    home = home_location(np.random.default_rng(7), size_km)
    x, y = np.random.default_rng(7).uniform(0.05, 0.95, size=2) * size_km  # before the cap
    assert home == (round(float(x), 3), round(float(y), 3))


@pytest.mark.parametrize("size_km", [104.0, 190.0, 400.0])
def test_a_national_map_has_homes_up_to_three_km_from_its_edge(size_km: float) -> None:
    rng = np.random.default_rng(3)
    xy = np.array([home_location(rng, size_km) for _ in range(4000)])
    assert xy.min() >= HOME_EDGE_KM - 1e-3 and xy.max() <= size_km - HOME_EDGE_KM + 1e-3
    # the strip between 3 km and 5 % of the side is lived in, as densely as the rest
    strip = (xy[:, 0] < 0.05 * size_km).mean()
    expected = (0.05 * size_km - HOME_EDGE_KM) / (size_km - 2 * HOME_EDGE_KM)
    assert strip == pytest.approx(expected, abs=0.01)
