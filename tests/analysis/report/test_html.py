"""The HTML report: one self-contained file, plotly.js inline once, nothing from the internet."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from twin.analysis.daylog import read_day
from twin.analysis.kpi import KPI_SPECS, compute_kpis
from twin.analysis.report import render_report, report_figures, write_report
from twin.config import Scenario
from twin.events import (
    Arrived,
    Event,
    ShiftEnded,
    ShiftStarted,
    TravelStarted,
    VisitBooked,
    VisitRequested,
)
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World

SCENARIO = Scenario(name="tiny <day>")
MIDNIGHT = datetime.combine(SCENARIO.date, datetime.min.time(), tzinfo=UTC)


def at(minute: float) -> datetime:
    return MIDNIGHT + timedelta(minutes=minute)


def tiny_day() -> list[Event]:
    """One technician, visit A on time, visit B missed."""
    events: list[Event] = [
        ShiftStarted(id="s", time=at(450), technician_id="T1", x=1, y=1, planned_end=at(960)),
        TravelStarted(id="t", time=at(460), technician_id="T1", visit_id="A", from_x=1,
                      from_y=1, to_x=4, to_y=5, distance_km=6),
        Arrived(id="a", time=at(480), technician_id="T1", visit_id="A", x=4, y=5),
        ShiftEnded(id="e", time=at(960), technician_id="T1", x=1, y=1),
    ]  # fmt: skip
    for vid, x in (("A", 4.0), ("B", 9.0)):
        events += [
            VisitRequested(id=f"r{vid}", time=at(0), visit_id=vid, customer_id="C",
                           job_type="repair", skill="repair", priority=1, channel="portal", x=x,
                           y=5, available_from=at(0), available_until=at(1440),
                           notify_channel="sms", language="en"),
            VisitBooked(id=f"b{vid}", time=at(1), visit_id=vid, window_start=at(480),
                        window_end=at(600), technician_id="T1", expected_duration_min=30),
        ]  # fmt: skip
    return events


@pytest.fixture(scope="module")
def page() -> str:
    events = tiny_day()
    extra = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"title": {"text": "ETA accuracy"}})
    sections = [("ETA accuracy", extra), ("Notes", "<p id='note'>hand-written</p>")]
    return render_report(events, compute_kpis(events, SCENARIO), SCENARIO, "Day <1>", sections)


def test_write_report_writes_one_html_file(tmp_path: Path) -> None:
    events = tiny_day()
    path = write_report(
        tmp_path / "out" / "day.html", events, compute_kpis(events, SCENARIO), SCENARIO, "Day"
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")


def test_plotly_js_is_inline_exactly_once(page: str) -> None:
    bundle = get_plotlyjs()
    assert page.count(bundle[:2000]) == 1
    assert page.count(bundle[-2000:]) == 1
    assert page.count("Plotly.newPlot(") == 5 + 1  # the standard figures and the extra one


def test_nothing_is_loaded_from_the_internet(page: str) -> None:
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=", page)
    # plotly.js itself names URLs in strings (tile servers it would only use for tile maps);
    # everything else in the page must name none
    ours = page.replace(get_plotlyjs(), "")
    assert "http" not in ours
    assert "cdn" not in ours.lower()


def test_every_figure_has_a_heading_and_its_title(page: str) -> None:
    titles = [f.layout.title.text for f in report_figures(tiny_day(), SCENARIO)]
    assert len(titles) == 5
    for title in [*titles, "ETA accuracy"]:
        assert f"<h2>{title}</h2>" in page
        assert f'"text":"{title}"' in page  # the figure's own title
    assert "<h2>Notes</h2>\n<p id='note'>hand-written</p>" in page


def test_kpi_table_comes_first_with_units(page: str) -> None:
    table = page.index("<table class='kpis'>")
    assert table < page.index("<section>")
    for spec in KPI_SPECS:
        assert f"<th scope='row'>{spec.label}</th>" in page
    # A on time, B missed: punctuality 100 %, one missed visit, 6 km driven
    assert "<th scope='row'>Punctuality</th><td class='value'>100.0%</td>" in page
    assert "<th scope='row'>Missed</th><td class='value'>1</td>" in page
    assert "<th scope='row'>Travel</th><td class='value'>6.0 km</td>" in page


def test_text_is_escaped(page: str) -> None:
    assert "<title>Day &lt;1&gt;</title>" in page
    assert "scenario tiny &lt;day&gt;" in page


def test_same_log_gives_the_same_bytes(page: str) -> None:
    events = tiny_day()
    again = render_report(events, compute_kpis(events, SCENARIO), SCENARIO, "Day <1>", [
        ("ETA accuracy", go.Figure(go.Scatter(x=[1, 2], y=[3, 4]),
                                   layout={"title": {"text": "ETA accuracy"}})),
        ("Notes", "<p id='note'>hand-written</p>"),
    ])  # fmt: skip
    assert again == page


def test_a_day_read_once_gives_the_same_report_and_kpis(tiny: Scenario) -> None:
    events = World(tiny, BaselineDispatcher).run()
    day = read_day(events, tiny)
    kpis = compute_kpis(events, tiny)
    assert compute_kpis(events, tiny, day) == kpis
    page = render_report(events, kpis, tiny, "t")
    assert render_report(events, kpis, tiny, "t", day=day) == page
