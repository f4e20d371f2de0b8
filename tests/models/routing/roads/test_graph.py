from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.models.routing.roads.conftest import Way
from twin.config import ConfigError
from twin.models.routing.roads.graph import load_graph
from twin.models.routing.roads.read import free_flow_kmh, read_roads


@pytest.mark.parametrize(
    ("highway", "maxspeed", "kmh"),
    [
        ("residential", None, 25.0),
        ("primary", "50", 50.0),
        ("residential", "20 mph", 20 * 1.609344),
        ("tertiary", "FI:urban", 30.0),  # not a number: the class's speed
        ("service", "none", 15.0),
        ("secondary", "0", 40.0),
    ],
)
def test_free_flow_speed_from_maxspeed_or_class(
    highway: str, maxspeed: str | None, kmh: float
) -> None:
    assert free_flow_kmh(highway, maxspeed) == pytest.approx(kmh)


def test_only_drivable_ways_and_one_way_streets_one_way(grid_pbf: Path) -> None:
    raw = read_roads(grid_pbf)
    # 9 nodes, 6 ways of 2 segments: 5 two-way (20 edges) + 1 one-way (2); footway, private out
    assert len(raw.lon) == 9
    assert len(raw.src) == 22
    pairs = set(zip(raw.src.tolist(), raw.dst.tolist(), strict=True))
    node7, node8 = 6, 7  # read order: the ways' nodes as met
    assert (node7, node8) in pairs and (node8, node7) not in pairs


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(ConfigError, match=r"city\.roads: .*nowhere\.osm\.pbf does not exist"):
        load_graph(missing)


@pytest.mark.parametrize("content", [b"not a pbf at all\n" * 50, b""])
def test_corrupt_file_is_named(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(content)
    with pytest.raises(ConfigError, match=r"bad\.osm\.pbf (is not a readable|holds no drivable)"):
        load_graph(bad)


def test_truncated_file_is_named(grid_pbf: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(grid_pbf.read_bytes()[:120])
    with pytest.raises(ConfigError, match=r"cut\.osm\.pbf is not a readable OpenStreetMap"):
        load_graph(cut)


def test_no_drivable_street_is_named(make_pbf: Callable[[str, Sequence[Way]], Path]) -> None:
    paths = make_pbf("paths.osm.pbf", [([1, 2, 3], {"highway": "footway"}), ([4, 5], {})])
    with pytest.raises(ConfigError, match=r"paths\.osm\.pbf holds no drivable street"):
        load_graph(paths)


def test_graph_keeps_the_strongly_connected_part_in_km(grid_pbf: Path) -> None:
    g = load_graph(grid_pbf)
    assert g.n_nodes == 9
    w, h = g.extent_km
    assert w == pytest.approx(2 * 2 * 0.0018 * 111.32 * math.cos(math.radians(60.1718)), rel=1e-3)
    assert h == pytest.approx(2 * 0.0018 * 111.32, rel=1e-3)
    minutes, km, _ = g.row(0)
    assert np.all(np.isfinite(minutes)) and km[0] == 0.0
    # to the far corner: 4 segments of about 0.2 km
    far = g.nearest(w, h)[0]
    assert 0.75 < km[far] < 0.85


def test_a_dead_end_one_way_fragment_is_dropped(
    make_pbf: Callable[[str, Sequence[Way]], Path],
) -> None:
    ways: list[Way] = [
        ([1, 2, 3, 6, 5, 4, 1], {"highway": "residential"}),
        ([6, 9], {"highway": "residential", "oneway": "yes"}),  # 9 can be reached, not left
    ]
    g = load_graph(make_pbf("stub.osm.pbf", ways))
    assert g.n_nodes == 6


def test_built_once_then_loaded_from_the_cache(grid_pbf: Path, own_cache: Path) -> None:
    first = load_graph(grid_pbf)
    (cached,) = own_cache.glob("roads-*.npz")
    again = load_graph(grid_pbf)
    assert np.array_equal(first.x, again.x) and np.array_equal(first.minutes, again.minutes)
    assert again.sha256 == first.sha256
    cached.write_bytes(b"garbage")  # a broken cache is rebuilt, not trusted
    assert np.array_equal(load_graph(grid_pbf).km, first.km)
    assert cached.stat().st_size > 100


def test_streets_for_the_map(grid_pbf: Path) -> None:
    xs, ys = load_graph(grid_pbf).edges_xy()
    assert len(xs) == len(ys) == 12 * 3  # 12 street segments, each drawn once
    assert xs[2] is None and ys[2] is None
