"""Small OpenStreetMap extracts written by the tests themselves (pyosmium's writer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import osmium
import pytest

Way = tuple[Sequence[int], dict[str, str]]
# a 3 x 3 grid of nodes about 200 m apart near Helsinki (ids 1..9, row by row from the south)
LON0, LAT0, STEP = 24.94, 60.17, 0.0018


def grid_nodes() -> dict[int, tuple[float, float]]:
    return {
        1 + r * 3 + c: (LON0 + c * STEP * 2, LAT0 + r * STEP) for r in range(3) for c in range(3)
    }


def write_pbf(path: Path, nodes: dict[int, tuple[float, float]], ways: Sequence[Way]) -> Path:
    with osmium.SimpleWriter(str(path)) as w:
        for nid, (lon, lat) in sorted(nodes.items()):
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat)))
        for i, (refs, tags) in enumerate(ways, start=1):
            w.add_way(osmium.osm.mutable.Way(id=i, nodes=list(refs), tags=tags))
    return path


GRID_WAYS: list[Way] = [
    ([1, 2, 3], {"highway": "residential"}),
    ([4, 5, 6], {"highway": "primary", "maxspeed": "50"}),
    ([7, 8, 9], {"highway": "residential", "oneway": "yes"}),
    ([1, 4, 7], {"highway": "tertiary"}),
    ([2, 5, 8], {"highway": "residential", "maxspeed": "20 mph"}),
    ([3, 6, 9], {"highway": "tertiary"}),
    ([1, 5], {"highway": "footway"}),  # not drivable
    ([2, 6], {"highway": "service", "access": "private"}),  # closed to vans
]


@pytest.fixture
def grid_pbf(tmp_path: Path) -> Path:
    return write_pbf(tmp_path / "grid.osm.pbf", grid_nodes(), GRID_WAYS)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("FIELDTWIN_CACHE", str(folder))
    return folder


@pytest.fixture
def make_pbf(tmp_path: Path) -> Callable[[str, Sequence[Way]], Path]:
    def make(name: str, ways: Sequence[Way]) -> Path:
        return write_pbf(tmp_path / name, grid_nodes(), ways)

    return make
