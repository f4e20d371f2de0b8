"""A real day searched with the compiled grid and the candidates' rows kept between
bookings gives the very log it gives with the KD-tree and every row walked anew."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from twin import events as ev
from twin.app.wiring import build_world
from twin.config import load_scenario
from twin.models.routing import dispatch, nearest
from twin.models.routing.travel import KERNELS

NATIONAL = Path(__file__).parents[3] / "data/scenarios/national.toml"
TECHNICIANS = 400  # service and repair: about 340 each, past nearest.SCAN_UP_TO (the grid)


def _day() -> list[str]:
    sc = load_scenario(NATIONAL)
    k = math.sqrt(TECHNICIANS / sc.workforce.technicians)  # the map of bench_scale --region scale
    zones = [{**z.model_dump(), "outer_radius_km": z.outer_radius_km * k} for z in sc.city.zones]
    sc = sc.with_overrides(
        **{
            "workforce.technicians": TECHNICIANS,
            "city.size_km": sc.city.size_km * k,
            "city.zones": zones,
            "policy.brain": False,
        }
    )
    world = build_world(sc, 4)
    return ev.to_lines(world.run())


@pytest.mark.slow
def test_grid_and_kept_rows_give_the_day_of_fresh_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    assert KERNELS is not None
    made: list[Any] = []

    def counted(travel: Any, brk: Any) -> Any:
        made.append(KERNELS.CandidateRows(travel.kernel, brk))
        return made[-1]

    monkeypatch.setattr(dispatch, "timeline_cache", counted)
    new = _day()
    walks, looked = sum(r.walks for r in made), sum(r.looked for r in made)
    # kept: a row is walked when its route or state changed, not at each look-up
    assert 0 < walks < looked / 4
    monkeypatch.setattr(nearest, "KERNELS", None)  # the KD-tree
    monkeypatch.setattr(dispatch, "timeline_cache", lambda travel, brk: {})  # none kept
    old = _day()
    assert len(new) > 10 * TECHNICIANS
    assert sum(line.count('"visit_booked"') for line in new) > 4 * TECHNICIANS
    assert new == old
