"""The streets under a map of a day on real roads (``city.roads``), drawn from the road
graph itself: no tile server (there is no network), the city's own km frame.

Routes between stops follow the streets too (the quickest free-flow path of each leg).
Map data: (c) OpenStreetMap contributors, ODbL (the title says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from twin.config import Scenario
from twin.models.routing.roads import RoadTravelModel, travel_model

ATTRIBUTION = "map data (c) OpenStreetMap contributors, ODbL"
STREET_LINE = {"color": "rgba(150,150,150,0.45)", "width": 1}


@dataclass(frozen=True)
class Streets:
    travel: RoadTravelModel

    @property
    def extent_km(self) -> tuple[float, float]:
        return self.travel.extent_km

    def trace(self) -> go.Scatter:
        xs, ys = self.travel.graph.edges_xy()
        return go.Scatter(
            x=xs, y=ys, mode="lines", name="streets", line=STREET_LINE, hoverinfo="skip"
        )

    def along(
        self, xs: Sequence[float | None], ys: Sequence[float | None]
    ) -> tuple[list[float | None], list[float | None]]:
        """A polyline (None between parts) with each leg replaced by its streets."""
        out_x: list[float | None] = []
        out_y: list[float | None] = []
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            prev = (xs[i - 1], ys[i - 1]) if i else (None, None)
            if x is None or y is None or prev[0] is None or prev[1] is None:
                out_x.append(x)
                out_y.append(y)
                continue
            px, py, _ = self.travel.path_xy(prev[0], prev[1], x, y)
            out_x += px[1:]
            out_y += py[1:]
        return out_x, out_y


def streets(scenario: Scenario) -> Streets | None:
    """The streets of ``scenario``'s city, or None on the synthetic plane."""
    if scenario.city.roads is None:
        return None
    travel = travel_model(scenario.city, scenario.traffic)
    return Streets(travel) if isinstance(travel, RoadTravelModel) else None
