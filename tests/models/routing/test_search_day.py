"""A real day searched with the compiled grid and the packed pricing gives the very log it
gives with the KD-tree and the pricing that reads the plan's objects (the old way)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from twin import events as ev
from twin.app.wiring import build_world
from twin.config import load_scenario
from twin.models.routing import nearest, plan
from twin.models.routing.travel import KERNELS

NATIONAL = Path(__file__).parents[3] / "data/scenarios/national.toml"
TECHNICIANS = 400  # service and repair: about 340 each, past nearest.SCAN_UP_TO (the grid)


class _Unpacked:
    """The compiled module, with timelines that carry no packed stops (the pricing then
    reads the plan's visits and the stops, as before ``Timeline.packed``)."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def route_timeline(self, *args: Any) -> plan.Timeline:
        self.calls += 1
        timeline: plan.Timeline = self._module.route_timeline(*args)
        return replace(timeline, packed=b"")


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
def test_grid_and_packed_pricing_give_the_old_day(monkeypatch: pytest.MonkeyPatch) -> None:
    assert KERNELS is not None
    new = _day()
    monkeypatch.setattr(nearest, "KERNELS", None)  # the KD-tree
    unpacked = _Unpacked(KERNELS)
    monkeypatch.setattr(plan, "KERNELS", unpacked)
    old = _day()
    assert unpacked.calls > 10 * TECHNICIANS
    assert len(new) > 10 * TECHNICIANS
    assert sum(line.count('"visit_booked"') for line in new) > 4 * TECHNICIANS
    assert new == old
