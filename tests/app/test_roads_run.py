"""A day on real streets end to end (the packaged central Helsinki), and bad street maps
refused by ``twin run`` with the file and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.cli import main
from twin.config import load_scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.roads import road_graph
from twin.sim.world import World

HELSINKI = SCENARIOS / "helsinki.toml"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDTWIN_CACHE", str(tmp_path / "cache"))


def street_distance(xs: list[float | None], ys: list[float | None], px: float, py: float) -> float:
    seg = np.array([(xs[i], ys[i], xs[i + 1], ys[i + 1]) for i in range(0, len(xs), 3)], float)
    ax, ay, bx, by = seg.T
    dx, dy = bx - ax, by - ay
    length = np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1.0)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length, 0, 1)
    return float(np.min(np.hypot(ax + t * dx - px, ay + t * dy - py)))


def test_a_day_in_helsinki_with_the_brain(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "--scenario", str(HELSINKI), "--brain", "--out", str(out), "--no-store"]
    assert main(args) == 0
    events = ev.read_log(out / "events.jsonl")
    graph = road_graph(load_scenario(HELSINKI).city.roads or "")
    xs, ys = graph.edges_xy()
    nodes = set(zip(np.round(graph.x, 4).tolist(), np.round(graph.y, 4).tolist(), strict=True))
    sites = {(e.x, e.y) for e in events if isinstance(e, ev.VisitRequested)}
    assert sites and sites <= nodes  # every customer's site is a street node
    homes = json.loads((out / "roster.json").read_text())
    assert all((t["home_x"], t["home_y"]) in nodes for t in homes)
    pings = [(e.x, e.y) for e in events if isinstance(e, ev.Position)]
    assert len(pings) > 100
    # every GPS position lies on a street (rounded to a metre)
    assert max(street_distance(xs, ys, x, y) for x, y in pings[::5]) < 0.002
    assert any(isinstance(e, ev.EtaUpdated) for e in events)
    html = (out / "report.html").read_text()
    assert "OpenStreetMap contributors" in html


def test_same_seed_same_day_on_roads() -> None:
    scenario = load_scenario(HELSINKI).with_overrides(**{"workforce.technicians": 4})
    logs = [
        [ev.to_json(e) for e in World(scenario, BaselineDispatcher, seed=3).run()] for _ in range(2)
    ]
    assert logs[0] == logs[1] and len(logs[0]) > 50


def write_scenario(tmp_path: Path, roads: str) -> Path:
    path = tmp_path / "roads.toml"
    path.write_text(f'[city]\nroads = "{roads}"\nsize_km = 2.0\n[workforce]\ntechnicians = 2\n')
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "does not exist"),
        (b"\x00garbage" * 40, "is not a readable OpenStreetMap .osm.pbf file"),
    ],
)
def test_a_bad_street_map_is_refused_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, reason: str
) -> None:
    pbf = tmp_path / "mine.osm.pbf"
    if content is not None:
        pbf.write_bytes(content)
    scenario = write_scenario(tmp_path, str(pbf))
    code = main(["run", "--scenario", str(scenario), "--out", str(tmp_path / "o"), "--no-store"])
    out = capsys.readouterr().out
    assert code == 2
    assert "mine.osm.pbf" in out.replace("\n", "") and reason in " ".join(out.split())
    assert "Traceback" not in out
