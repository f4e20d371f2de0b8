from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from twin.config import City, ConfigError, Scenario, Traffic, Zone
from twin.models.planner.matrix import minutes_matrix
from twin.models.routing.roads import resolve, travel_model
from twin.models.routing.roads.graph import load_graph
from twin.models.routing.roads.travel import RoadTravelModel
from twin.models.routing.travel import TravelModel

FREE_HOUR = 3 * 60  # the default profile's fastest hours are at night


def model(pbf: Path, **city: object) -> RoadTravelModel:
    c = City(size_km=2.0, zones=(Zone(name="all", outer_radius_km=1e9, speed_factor=1.0),))
    c = c.model_copy(update={"roads": str(pbf), **city})
    return RoadTravelModel(c, Traffic(), load_graph(pbf))


def corner(m: RoadTravelModel, x: float, y: float) -> tuple[float, float]:
    i = m.graph.nearest(x, y)[0]
    return float(m.graph.x[i]), float(m.graph.y[i])


def test_a_leg_follows_the_streets(grid_pbf: Path) -> None:
    m = model(grid_pbf)
    (ax, ay), (bx, by) = corner(m, 0, 0), corner(m, 9, 9)
    km = m.distance_km(ax, ay, bx, by)
    assert km > math.hypot(bx - ax, by - ay) * 1.2  # around the block, not across it
    # at the free-flow hour the leg takes its free-flow minutes, slower in the rush hour
    a, b = m.node(ax, ay)[0], m.node(bx, by)[0]
    free = float(m.graph.row(a)[0][b])
    assert m.travel_min(ax, ay, bx, by, FREE_HOUR) == pytest.approx(free)
    assert m.travel_min(ax, ay, bx, by, 17 * 60) > free * 1.5
    # the one-way street on the north side: coming back takes another way
    (cx, cy) = corner(m, 0, 9)
    assert m.distance_km(bx, by, cx, cy) > m.distance_km(cx, cy, bx, by)


def test_same_interface_as_the_synthetic_model(grid_pbf: Path) -> None:
    m = model(grid_pbf)
    (ax, ay), (bx, by) = corner(m, 0, 0), corner(m, 9, 0)
    dist, factor = m.leg(ax, ay, bx, by)
    assert dist == m.distance_km(ax, ay, bx, by)
    assert m.leg_factor(ax, ay, bx, by) == factor
    assert m.minutes_for(dist, 600.0, factor) == m.travel_min(ax, ay, bx, by, 600.0)
    assert m.zone_name(ax, ay) == "all" and m.zone_index(bx, by) == 0
    slowed = m.travel_min(ax, ay, bx, by, 600.0, {"all": 0.5})
    assert slowed == pytest.approx(2 * m.travel_min(ax, ay, bx, by, 600.0), rel=0.2)
    # FIFO: leaving later never arrives earlier
    arrive = [t + m.travel_min(ax, ay, bx, by, t) for t in range(300, 1200, 7)]
    assert arrive == sorted(arrive)
    clone = pickle.loads(pickle.dumps(m))
    assert clone.travel_min(ax, ay, bx, by, 600.0) == m.travel_min(ax, ay, bx, by, 600.0)


def test_positions_move_along_the_streets(grid_pbf: Path) -> None:
    m = model(grid_pbf)
    (ax, ay), (bx, by) = corner(m, 0, 0), corner(m, 9, 9)
    done = m.path_xy(ax, ay, bx, by)[2]
    assert done[-1] == pytest.approx(m.distance_km(ax, ay, bx, by))
    for f in (0.1, 0.3, 0.5, 0.7, 0.9):
        x, y = m.position(ax, ay, bx, by, f)
        # on a grid street: on a column's or a row's line
        on_line = (
            min(abs(x - gx) for gx in m.graph.x) < 1e-9
            or min(abs(y - gy) for gy in m.graph.y) < 1e-9
        )
        assert on_line, (f, x, y)
    assert m.position(ax, ay, bx, by, 0.0) == (ax, ay)
    assert m.position(ax, ay, bx, by, 1.0) == (bx, by)


def test_sites_land_on_nodes(grid_pbf: Path) -> None:
    m = model(grid_pbf)
    for x, y in [(0.1, 0.1), (1.0, 1.0), (1.9, 0.2), (0.5, 1.7)]:
        sx, sy = m.site(x, y)
        assert m.node(sx, sy)[1] < 1e-3


def test_a_point_off_the_network_is_named(grid_pbf: Path) -> None:
    m = model(grid_pbf, max_snap_km=0.3)
    on = corner(m, 0, 0)
    where = r"\(5, 0\) km is 4\.60 km from the nearest street of .*grid\.osm\.pbf"
    with pytest.raises(ConfigError, match=where):
        m.travel_min(*on, 5.0, 0.0, 600.0)


def test_roads_setting_is_checked() -> None:
    with pytest.raises(ConfigError, match=r"city\.roads.*allowed: a path ending in \.osm\.pbf"):
        Scenario().with_overrides(**{"city.roads": "helsinki.txt"})
    with pytest.raises(ConfigError, match=r"no packaged extract 'atlantis'.*helsinki"):
        resolve("packaged:atlantis")


def test_without_roads_the_synthetic_model(grid_pbf: Path) -> None:
    assert type(travel_model(City(), Traffic())) is TravelModel
    city = City(roads=str(grid_pbf))
    assert isinstance(travel_model(city, Traffic()), RoadTravelModel)


def test_the_solvers_static_matrix_uses_the_streets(grid_pbf: Path) -> None:
    m = model(grid_pbf)
    xy = np.array([corner(m, x, y) for x, y in [(0, 0), (9, 9), (0, 9), (9, 0), (0.2, 0.2)]])
    pace = 1.5
    got = minutes_matrix(m, xy, pace, {"all": 0.5})
    for i, a in enumerate(xy):
        for j, b in enumerate(xy):
            dist, factor = m.leg(*a, *b, {"all": 0.5})
            assert got[i, j] == pytest.approx(dist * pace / factor)


def test_a_square_smaller_than_the_network_is_refused(grid_pbf: Path) -> None:
    with pytest.raises(ConfigError, match=r"city\.size_km: 0\.3 km is smaller than the street"):
        model(grid_pbf, size_km=0.3)  # the grid is 0.4 x 0.4 km
