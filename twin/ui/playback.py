"""The Day page's playback: every visit, leg and technician as of one minute of the day.

:func:`playback` reads a run's event log once into :class:`Playback` (per visit the minutes
at which it was booked, set out for, reached, finished, cancelled or moved to another day;
per technician the legs driven and the moment of a sick call or breakdown; the feed of
alerts and messages). :meth:`Playback.states` and :func:`map_figure` then answer "as of
minute t" without touching the log again. The figure is a plain dict (building
``go.Figure`` objects would cost more than the answer itself).

:func:`frames` goes one step further for the page: every slider position's state (each
visit's state, each leg's, each technician's place) computed once per run and sent to the
browser with :func:`map_figure`'s template, so that a slider step or a tick of the play
button only picks a frame there (``assets/day_map.js``): no request, no server time.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from twin import events as ev
from twin.analysis.report.streets import ATTRIBUTION, STREET_LINE, Streets, streets
from twin.clock import hhmm
from twin.config import Scenario
from twin.ui.metrics import Positions, minutes, positions

INF = math.inf
# a visit's states, in the order of the map's legend, with their colours
STATE_COLOURS = {
    "planned": "#9e9e9e",
    "under way": "#1f77b4",
    "on site": "#9467bd",
    "done on time": "#2ca02c",
    "done late": "#ff7f0e",
    "overdue": "#d62728",
    "cancelled": "#000000",
    "moved": "#8c564b",
}
FEED_TYPES = (
    ev.DelayDetected,
    ev.CustomerNotified,
    ev.ReplanRequested,
    ev.TechnicianUnavailable,
    ev.VisitCancelled,
    ev.VisitDeferred,
)


@dataclass(frozen=True, slots=True)
class FeedItem:
    minute: float
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Leg:
    technician_id: str
    start: float
    end: float  # INF while under way at the end of the log
    from_xy: tuple[float, float]
    to_xy: tuple[float, float]
    # on real roads: the streets it follows (x and y points), else a straight line
    path: tuple[tuple[float | None, ...], tuple[float | None, ...]] | None = None


@dataclass(frozen=True)
class Playback:
    """One run's day, indexed by minute (see the module docstring)."""

    visit_ids: tuple[str, ...]
    xy: np.ndarray  # (n, 2)
    times: dict[str, np.ndarray]  # booked, travel, arrived, finished, cancelled, moved
    window_end: np.ndarray
    legs: tuple[Leg, ...]
    unavailable: dict[str, float]  # technician -> minute of the sick call or breakdown
    where: Positions
    feed: tuple[FeedItem, ...]
    city_km: float
    # on real roads: the street segments to draw and the network's width and height (km)
    streets: tuple[list[float | None], list[float | None]] | None = None
    extent_km: tuple[float, float] | None = None

    def states(self, minute: float) -> np.ndarray:
        """Each visit's state at ``minute`` ('' while not yet booked)."""
        t = self.times
        late = t["arrived"] > self.window_end
        conditions = [
            t["booked"] > minute,
            t["cancelled"] <= minute,
            t["moved"] <= minute,
            (t["finished"] <= minute) & late,
            t["finished"] <= minute,
            t["arrived"] <= minute,
            t["travel"] <= minute,
            self.window_end < minute,
        ]
        names = ["", "cancelled", "moved", "done late", "done on time", "on site", "under way"]
        return np.select(conditions, [*names, "overdue"], default="planned")

    def feed_until(self, minute: float, last: int = 12) -> list[FeedItem]:
        """The newest ``last`` feed items at or before ``minute``, newest first."""
        i = bisect_right([f.minute for f in self.feed], minute)
        return list(reversed(self.feed[max(0, i - last) : i]))


def _describe(e: ev.Event) -> tuple[str, str]:
    if isinstance(e, ev.DelayDetected):
        return "delay alert", f"{e.visit_id} ({e.technician_id}) may be late: p={e.probability:.0%}"
    if isinstance(e, ev.CustomerNotified):
        return "message", f"{e.kind} to {e.customer_id} by {e.channel} ({e.visit_id})"
    if isinstance(e, ev.ReplanRequested):
        return "replan", e.reason
    if isinstance(e, ev.TechnicianUnavailable):
        return "unavailable", f"{e.technician_id}: {e.reason}"
    if isinstance(e, ev.VisitCancelled):
        return "cancelled", f"{e.visit_id} cancelled by the {e.by}: {e.reason}"
    if isinstance(e, ev.VisitDeferred):
        return "moved", f"{e.visit_id} moved to another day: {e.reason}"
    return e.TYPE, ""


def _first(store: dict[str, float], key: str | None, minute: float) -> None:
    if key is not None and key not in store:
        store[key] = minute


def playback(events: Sequence[ev.Event], scenario: Scenario) -> Playback:
    """Index one run's log for playback."""
    kinds = ("booked", "travel", "arrived", "finished", "cancelled", "moved")
    seen: dict[str, dict[str, float]] = {k: {} for k in kinds}
    xy: dict[str, tuple[float, float]] = {}
    window_end: dict[str, float] = {}
    legs: list[Leg] = []
    open_legs: dict[str, ev.TravelStarted] = {}
    unavailable: dict[str, float] = {}
    feed = []
    for e in sorted(events, key=lambda e: e.time):
        m = minutes(e.time, scenario)
        if isinstance(e, ev.VisitRequested):
            xy[e.visit_id] = (e.x, e.y)
        elif isinstance(e, ev.VisitBooked):
            _first(seen["booked"], e.visit_id, m)
            window_end[e.visit_id] = minutes(e.window_end, scenario)
        elif isinstance(e, ev.TravelStarted):
            _first(seen["travel"], e.visit_id, m)
            open_legs[e.technician_id] = e
        elif isinstance(e, ev.Arrived):
            _first(seen["arrived"], e.visit_id, m)
            start = open_legs.pop(e.technician_id, None)
            if start is not None:
                begin = minutes(start.time, scenario)
                a, b = (start.from_x, start.from_y), (start.to_x, start.to_y)
                legs.append(Leg(e.technician_id, begin, m, a, b))
        elif isinstance(e, ev.WorkFinished):
            _first(seen["finished"], e.visit_id, m)
        elif isinstance(e, ev.VisitCancelled):
            _first(seen["cancelled"], e.visit_id, m)
        elif isinstance(e, ev.VisitDeferred):
            _first(seen["moved"], e.visit_id, m)
        elif isinstance(e, ev.TechnicianUnavailable):
            unavailable.setdefault(e.technician_id, m)
        if isinstance(e, FEED_TYPES):
            feed.append(FeedItem(m, *_describe(e)))
    for tech, start in open_legs.items():  # still driving when the log ends
        begin = minutes(start.time, scenario)
        a, b = (start.from_x, start.from_y), (start.to_x, start.to_y)
        legs.append(Leg(tech, begin, INF, a, b))
    ids = tuple(sorted(v for v in seen["booked"] if v in xy))
    roads = streets(scenario)
    if roads is not None:
        legs = [replace(leg, path=_along(roads, leg)) for leg in legs]
    return Playback(
        visit_ids=ids,
        xy=np.array([xy[v] for v in ids], dtype=float).reshape(-1, 2),
        times={k: np.array([seen[k].get(v, INF) for v in ids], dtype=float) for k in kinds},
        window_end=np.array([window_end.get(v, INF) for v in ids], dtype=float),
        legs=tuple(legs),
        unavailable=unavailable,
        where=positions(events, scenario),
        feed=tuple(feed),
        city_km=scenario.city.size_km,
        streets=roads.travel.graph.edges_xy() if roads is not None else None,
        extent_km=roads.extent_km if roads is not None else None,
    )


def _along(roads: Streets, leg: Leg) -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    xs, ys = roads.along([leg.from_xy[0], leg.to_xy[0]], [leg.from_xy[1], leg.to_xy[1]])
    return tuple(xs), tuple(ys)


def _leg_trace(legs: list[Leg], name: str, line: dict[str, Any]) -> dict[str, Any]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for leg in legs:
        if leg.path is not None:
            xs += [*leg.path[0], None]
            ys += [*leg.path[1], None]
            continue
        xs += [leg.from_xy[0], leg.to_xy[0], None]
        ys += [leg.from_xy[1], leg.to_xy[1], None]
    return {
        "type": "scatter",
        "mode": "lines",
        "x": xs,
        "y": ys,
        "name": name,
        "line": line,
        "hoverinfo": "skip",
    }


def _streets_trace(xy: tuple[list[float | None], list[float | None]]) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": xy[0],
        "y": xy[1],
        "name": f"streets ({ATTRIBUTION})",
        "line": STREET_LINE,
        "hoverinfo": "skip",
    }


def map_figure(p: Playback, minute: float) -> dict[str, Any]:
    """Visits by state, legs driven (grey) and under way (blue), technicians at ``minute``."""
    done = [leg for leg in p.legs if leg.end <= minute]
    driving = [leg for leg in p.legs if leg.start <= minute < leg.end]
    data = [] if p.streets is None else [_streets_trace(p.streets)]
    data += [
        _leg_trace(done, "legs driven", {"color": "rgba(90,90,90,0.35)", "width": 1}),
        _leg_trace(driving, "legs under way", {"color": STATE_COLOURS["under way"], "width": 3}),
    ]
    data[-2]["meta"], data[-1]["meta"] = "legs driven", "legs under way"
    states = p.states(minute)
    size = 8 if len(states) <= 1000 else 4
    for state, colour in STATE_COLOURS.items():
        pick = states == state
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{state} ({int(pick.sum())})",
                "x": p.xy[pick, 0].tolist(),
                "y": p.xy[pick, 1].tolist(),
                "text": [v for v, k in zip(p.visit_ids, pick, strict=True) if k],
                "marker": {"color": colour, "size": size},
                "hovertemplate": "%{text}<extra>" + state + "</extra>",
                "meta": state,
            }
        )
    where = p.where.at(minute)
    sick = {t for t, m in p.unavailable.items() if m <= minute}
    for label, techs, marker in (
        ("technicians", sorted(set(where) - sick), {"symbol": "diamond", "color": "#222"}),
        (
            "unavailable (sick or broken down)",
            sorted(set(where) & sick),
            {"symbol": "x", "color": "#999"},
        ),
    ):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{label} ({len(techs)})",
                "x": [where[t][0] for t in techs],
                "y": [where[t][1] for t in techs],
                "text": techs,
                "marker": {**marker, "size": 10, "line": {"width": 1, "color": "white"}},
                "hovertemplate": "%{text}<extra>" + label + "</extra>",
                "meta": label,
            }
        )
    side = p.city_km
    width, height = p.extent_km or (side, side)
    return {
        "data": data,
        "layout": {
            "title": {"text": f"Visits, routes and technicians at {hhmm(minute)} (UTC)"},
            "height": 620,
            "uirevision": "day-map",
            "plot_bgcolor": "white",
            "margin": {"l": 50, "r": 10, "t": 50, "b": 40},
            "legend": {"orientation": "v", "x": 1.02, "y": 1},
            "xaxis": {
                "range": [0, width],
                "title": {"text": "km"},
                "constrain": "domain",
                "gridcolor": "#eee",
            },
            "yaxis": {
                "range": [0, height],
                "title": {"text": "km"},
                "scaleanchor": "x",
                "gridcolor": "#eee",
            },
        },
    }


# one character per visit state in a frame ('-': not booked yet), per leg and technician
_STATE_CODE = {"": "-", **{s: str(i) for i, s in enumerate(STATE_COLOURS)}}


def _r(v: float) -> float:
    return round(v, 3)  # a metre is plenty on a map of kilometres


def frames(p: Playback, first: int, last: int, step: int) -> dict[str, Any]:
    """Every ``step`` minutes from ``first`` to ``last``: each visit's state (a character
    per visit, :data:`_STATE_CODE`), each leg's (``0`` not driven yet, ``1`` driven, ``2``
    under way), each technician's place and state (``0`` no ping yet, ``1`` on shift, ``2``
    sick or broken down); with the legs' lines, the feed and :func:`map_figure`'s figure as
    the template the browser fills."""
    minutes = range(first, last + 1, step)
    techs = sorted(p.where.times)
    visits, legs, places, tech_states = [], [], [], []
    starts = np.array([leg.start for leg in p.legs], dtype=float)
    ends = np.array([leg.end for leg in p.legs], dtype=float)
    for m in minutes:
        visits.append("".join(_STATE_CODE[str(s)] for s in p.states(m)))
        code = np.where(ends <= m, "1", np.where(starts <= m, "2", "0"))
        legs.append("".join(code.tolist()))
        where = p.where.at(m)
        places.append([[_r(c) for c in where[t]] if t in where else None for t in techs])
        sick = {t for t, at in p.unavailable.items() if at <= m}
        tech_states.append(
            "".join("0" if t not in where else "2" if t in sick else "1" for t in techs)
        )
    lines = [_leg_trace([leg], "", {}) for leg in p.legs]
    return {
        "first": first,
        "step": step,
        "states": list(STATE_COLOURS),
        "visit_ids": list(p.visit_ids),
        "xy": [[_r(x), _r(y)] for x, y in p.xy.tolist()],
        "visits": visits,
        "legs": legs,
        "leg_xy": [[line["x"], line["y"]] for line in lines],
        "techs": techs,
        "places": places,
        "tech_states": tech_states,
        "feed": [[f.minute, hhmm(f.minute), f.kind, f.text] for f in p.feed],
        "template": map_figure(p, first),
    }
