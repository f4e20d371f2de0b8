"""The Day page's map of a day on real roads: the streets under it, legs along them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin.config import load_scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.roads import road_graph
from twin.sim.world import World
from twin.ui.playback import map_figure, playback


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDTWIN_CACHE", str(tmp_path / "cache"))


def test_the_map_draws_the_streets_and_legs_follow_them() -> None:
    scenario = load_scenario(SCENARIOS / "helsinki.toml").with_overrides(
        **{"workforce.technicians": 4}
    )
    events = World(scenario, BaselineDispatcher).run()
    p = playback(events, scenario)
    fig = map_figure(p, 14 * 60)
    streets, driven = fig["data"][0], fig["data"][1]
    assert streets["name"].startswith("streets (map data (c) OpenStreetMap contributors")
    graph = road_graph(scenario.city.roads or "")
    assert len(streets["x"]) == len(graph.edges_xy()[0]) > 1000
    assert fig["layout"]["xaxis"]["range"] == [0, pytest.approx(graph.extent_km[0])]
    assert fig["layout"]["yaxis"]["range"] == [0, pytest.approx(graph.extent_km[1])]
    # legs driven by 14:00 follow the streets: more points than their two ends each
    legs = [leg for leg in p.legs if leg.end <= 14 * 60]
    assert legs and all(leg.path is not None for leg in legs)
    assert len(driven["x"]) > 3 * len(legs) * 1.5
    nodes = set(zip(graph.x.round(6).tolist(), graph.y.round(6).tolist(), strict=True))
    inner = [
        (round(x, 6), round(y, 6))
        for leg in legs
        if leg.path is not None
        for x, y in zip(leg.path[0][1:-1], leg.path[1][1:-1], strict=True)
        if x is not None and y is not None
    ]
    assert inner and all(xy in nodes for xy in inner)
