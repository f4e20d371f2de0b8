"""Report figures: the data each trace carries, on tiny hand-made inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import pytest

from twin.analysis.daylog import TechnicianDay, VisitOutcome
from twin.analysis.report import (
    lateness_histogram,
    punctuality_by_hour,
    tours_gantt,
    utilisation_by_technician,
    visit_map,
)
from twin.config import Scenario
from twin.events import (
    Arrived,
    BreakEnded,
    BreakStarted,
    Event,
    Position,
    TravelStarted,
    WorkFinished,
    WorkStarted,
)

SCENARIO = Scenario()
MIDNIGHT = datetime.combine(SCENARIO.date, datetime.min.time(), tzinfo=UTC)


def at(minute: float) -> datetime:
    return MIDNIGHT + timedelta(minutes=minute)


def tour(tech: str, start: float) -> list[Event]:
    """Drive 20 min, work 60 min, break 30 min, starting at ``start``."""
    vid = f"V{tech}"
    return [
        TravelStarted(id=f"{tech}1", time=at(start), technician_id=tech, visit_id=vid,
                      from_x=0, from_y=0, to_x=1, to_y=1, distance_km=5),
        Position(id=f"{tech}p", time=at(start + 5), technician_id=tech, x=0.5, y=0.5),
        Arrived(id=f"{tech}2", time=at(start + 20), technician_id=tech, visit_id=vid, x=1, y=1),
        WorkStarted(id=f"{tech}3", time=at(start + 20), technician_id=tech, visit_id=vid),
        WorkFinished(id=f"{tech}4", time=at(start + 80), technician_id=tech, visit_id=vid,
                     outcome="fixed"),
        BreakStarted(id=f"{tech}5", time=at(start + 80), technician_id=tech),
        BreakEnded(id=f"{tech}6", time=at(start + 110), technician_id=tech),
    ]  # fmt: skip


def outcome(
    vid: str, start: float, arrival: float | None, tech: str = "T1", x: float = 1.0
) -> VisitOutcome:
    late = 0.0 if arrival is None else max(0.0, arrival - (start + 120))
    return VisitOutcome(
        visit_id=vid, technician_id=None if arrival is None else tech, job_type="repair",
        window_start_min=start, window_end_min=start + 120, arrival_min=arrival, late_min=late,
        warned=False, outcome=None, x=x, y=2.0,
    )  # fmt: skip


def day(tech: str, work_h: float, shift_h: float = 8.0, home: float = 0.5) -> TechnicianDay:
    return TechnicianDay(tech, home, home, shift_h, 0.0, work_h, 1.0, 10.0)


def traces(fig: go.Figure) -> dict[str, go.Bar | go.Scatter]:
    return {t.name: t for t in fig.data}


def test_gantt_draws_each_activity_on_a_utc_time_axis() -> None:
    fig = tours_gantt(tour("T2", 480) + tour("T1", 500))
    bars = traces(fig)
    assert list(bars) == ["travel", "work", "break"]
    assert list(bars["work"].y) == ["T2", "T1"]
    assert list(bars["work"].base) == ["2026-11-23T08:20:00", "2026-11-23T08:40:00"]
    assert list(bars["work"].x) == [3_600_000, 3_600_000]  # 60 min in ms
    assert list(bars["travel"].x) == [1_200_000, 1_200_000]
    assert fig.layout.xaxis.type == "date"
    assert list(fig.layout.yaxis.categoryarray) == ["T1", "T2"]
    assert "first" not in fig.layout.title.text


def test_gantt_shows_the_first_rows_only_and_says_so() -> None:
    events = [e for i in range(65) for e in tour(f"T{i:03d}", 480)]
    fig = tours_gantt(events)
    shown = {y for t in fig.data for y in t.y}
    assert shown == {f"T{i:03d}" for i in range(60)}
    assert "first 60 of 65 technicians" in fig.layout.title.text
    with pytest.raises(ValueError, match="max_rows"):
        tours_gantt(events, max_rows=0)


def test_punctuality_by_window_start_hour_ignores_missed() -> None:
    fig = punctuality_by_hour(
        [
            outcome("a", 480, 500),
            outcome("b", 490, 700),  # late
            outcome("c", 500, None),  # missed
            outcome("d", 600, 610),
        ]
    )
    (bar,) = fig.data
    assert list(bar.x) == ["08:00", "10:00"]
    assert list(bar.y) == [0.5, 1.0]
    assert list(bar.customdata) == [2, 1]


def test_lateness_histogram_holds_late_visits_only() -> None:
    fig = lateness_histogram(
        [outcome("a", 480, 500), outcome("b", 480, 630), outcome("c", 0, None)]
    )
    assert list(fig.data[0].x) == [30.0]
    assert "n=1" in fig.layout.title.text


def test_utilisation_is_sorted_highest_first() -> None:
    fig = utilisation_by_technician([day("T1", 2.0), day("T2", 6.0), day("T3", 0.0, shift_h=0)])
    (bar,) = fig.data
    assert list(bar.x) == ["T2", "T1", "T3"]
    assert list(bar.y) == [0.75, 0.25, 0.0]


def test_visit_map_routes_follow_arrival_order_on_the_city_plane() -> None:
    outcomes = [
        outcome("late", 480, 700, x=3.0),
        outcome("first", 480, 500, x=1.0),
        outcome("missed", 480, None, x=9.0),
        outcome("other", 480, 510, tech="T2", x=5.0),
    ]
    fig = visit_map(outcomes, [day("T1", 1.0), day("T2", 1.0, home=7.0)], SCENARIO)
    t = traces(fig)
    assert list(t["routes"].x) == [0.5, 1.0, 3.0, None, 7.0, 5.0, None]
    assert list(t["on time"].text) == ["first", "other"]
    assert list(t["late"].text) == ["late"]
    assert list(t["missed"].x) == [9.0]
    assert list(t["home bases"].x) == [0.5, 7.0]
    assert {type(tr).__name__ for tr in fig.data} == {"Scatter"}  # no tiles, no geo
    assert fig.layout.yaxis.scaleanchor == "x"
    assert list(fig.layout.xaxis.range) == [0, SCENARIO.city.size_km]
    assert list(fig.layout.yaxis.range) == [0, SCENARIO.city.size_km]


def test_figures_accept_an_empty_day() -> None:
    for fig in (
        tours_gantt([]),
        punctuality_by_hour([]),
        lateness_histogram([]),
        utilisation_by_technician([]),
        visit_map([], [], SCENARIO),
    ):
        assert fig.layout.title.text


def test_a_big_day_shows_the_distribution_of_utilisation() -> None:
    days = [day(f"T{i}", work_h=i / 2) for i in range(9)]
    fig = utilisation_by_technician(days, max_bars=8)
    (hist,) = fig.data
    assert isinstance(hist, go.Histogram)
    assert list(hist.x) == [d.work_hours / d.shift_hours for d in days]
    assert "9 technicians" in fig.layout.title.text
    assert isinstance(utilisation_by_technician(days, max_bars=9).data[0], go.Bar)


def test_a_big_day_maps_every_kth_technician_with_their_visits() -> None:
    days = [day(f"T{i}", 5.0, home=i) for i in range(5)]
    outs = [outcome(f"V{i}", 60.0, 70.0 + i, f"T{i}", float(i)) for i in range(5)]
    outs.append(outcome("VM", 60.0, None))
    fig = visit_map(outs, days, SCENARIO, max_technicians=2)
    homes = traces(fig)["home bases"]
    assert list(homes.text) == ["T0", "T3"]  # k = 3: T0, T3 of T0..T4
    shown = [t for tr in fig.data if tr.name not in ("routes", "home bases") for t in tr.text]
    assert sorted(shown) == ["V0", "V3", "VM"]
    assert "1 in 3 technicians: 2 of 5" in fig.layout.title.text
    full = visit_map(outs, days, SCENARIO)
    assert list(traces(full)["home bases"].text) == [f"T{i}" for i in range(5)]
