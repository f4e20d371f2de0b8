"""The figures of a day's report: one pure function per figure, each returning a plotly Figure.

They take what the KPI module derives from the log (events, visit outcomes, technician days)
and never read files, so the CLI report, notebooks and the cockpit can share them. Times on
axes are UTC. The map is drawn on the city's own kilometre plane: the machines running the
twin are offline, so map tiles would never load.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import plotly.graph_objects as go

from twin.analysis.daylog import Activity, TechnicianDay, VisitOutcome, activities
from twin.analysis.report.streets import ATTRIBUTION, Streets, streets
from twin.config import Scenario
from twin.events import Event

GANTT_MAX_ROWS = 60
BIG_DAY_TECHNICIANS = 1000  # beyond: the map shows a sample, utilisation its distribution
ACTIVITY_COLOURS = {"travel": "#1f77b4", "work": "#2ca02c", "break": "#bbbbbb"}
STATUS_COLOURS = {"on_time": "#2ca02c", "late": "#ff7f0e", "missed": "#d62728"}
STATUS_NAMES = {"on_time": "on time", "late": "late", "missed": "missed"}


def _naive(t: datetime) -> str:
    # plotly.js ignores UTC offsets in date strings; dropping it keeps the axis in UTC
    return t.replace(tzinfo=None).isoformat()


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        height=height,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
    )
    return fig


def tours_gantt(
    events: Iterable[Event],
    *,
    max_rows: int = GANTT_MAX_ROWS,
    acts: Sequence[Activity] | None = None,
) -> go.Figure:
    """One row per technician, bars for travel, work and breaks on a UTC time axis.

    Only the first ``max_rows`` technicians (by id) are drawn: a browser chokes on thousands
    of rows, and nobody reads them; the title says when rows were left out. ``acts``: the
    log's activities already paired (then ``events`` is not read).
    """
    if max_rows < 1:
        msg = f"max_rows must be >= 1, got {max_rows}"
        raise ValueError(msg)
    if acts is None:
        acts = activities(events)
    technicians = sorted({a.technician_id for a in acts})
    shown = set(technicians[:max_rows])
    fig = go.Figure()
    for kind, colour in ACTIVITY_COLOURS.items():
        rows = [a for a in acts if a.kind == kind and a.technician_id in shown]
        fig.add_trace(
            go.Bar(
                name=kind,
                orientation="h",
                y=[a.technician_id for a in rows],
                base=[_naive(a.start) for a in rows],
                # on a date axis a bar's length is in milliseconds
                x=[(a.end - a.start).total_seconds() * 1000 for a in rows],
                marker_color=colour,
                customdata=[[a.visit_id or "", round(a.hours * 60)] for a in rows],
                hovertemplate="%{y} " + kind + " %{customdata[0]}: %{customdata[1]} min"
                "<extra></extra>",
            )
        )
    title = "Tours by technician (UTC)"
    if len(technicians) > max_rows:
        title += f" - first {max_rows} of {len(technicians)} technicians"
    fig.update_xaxes(type="date", title="time (UTC)")
    order = sorted(shown)
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    fig.update_layout(barmode="overlay", bargap=0.3)
    return _layout(fig, title, height=140 + 18 * max(len(order), 5))


def punctuality_by_hour(outcomes: Sequence[VisitOutcome]) -> go.Figure:
    """Share of attended visits on time, by the hour their window starts."""
    attended: dict[int, list[bool]] = defaultdict(list)
    for o in outcomes:
        if o.status != "missed":
            attended[int(o.window_start_min // 60)].append(o.status == "on_time")
    hours = sorted(attended)
    shares = [sum(attended[h]) / len(attended[h]) for h in hours]
    fig = go.Figure(
        go.Bar(
            x=[f"{h:02d}:00" for h in hours],
            y=shares,
            customdata=[len(attended[h]) for h in hours],
            hovertemplate="window from %{x}: %{y:.0%} of %{customdata} on time<extra></extra>",
            marker_color=STATUS_COLOURS["on_time"],
        )
    )
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title="on time")
    fig.update_xaxes(title="window start (UTC)", type="category")
    return _layout(fig, "Punctuality by window start hour")


def lateness_histogram(outcomes: Sequence[VisitOutcome]) -> go.Figure:
    """How late the late visits were, in minutes after the window end."""
    late = [o.late_min for o in outcomes if o.status == "late"]
    fig = go.Figure(go.Histogram(x=late, marker_color=STATUS_COLOURS["late"], name="late"))
    fig.update_xaxes(title="minutes after window end", rangemode="tozero")
    fig.update_yaxes(title="visits")
    return _layout(fig, f"Lateness of late visits (n={len(late)})")


def utilisation_by_technician(
    days: Sequence[TechnicianDay], *, max_bars: int = BIG_DAY_TECHNICIANS
) -> go.Figure:
    """Work time over shift time per technician who worked, highest first; for more than
    ``max_bars`` technicians their distribution instead (a bar each says nothing then)."""
    if len(days) > max_bars:
        shares = [d.work_hours / d.shift_hours if d.shift_hours > 0 else 0.0 for d in days]
        fig = go.Figure(go.Histogram(x=shares, xbins={"start": 0.0, "end": 1.0001, "size": 0.025}))
        fig.update_traces(marker_color=ACTIVITY_COLOURS["work"])
        fig.update_xaxes(tickformat=".0%", title="work / shift")
        fig.update_yaxes(title="technicians")
        return _layout(fig, f"Utilisation of {len(days):,d} technicians (distribution)")
    util = sorted(
        (
            (d.work_hours / d.shift_hours if d.shift_hours > 0 else 0.0, d.technician_id)
            for d in days
        ),
        key=lambda u: (-u[0], u[1]),
    )
    fig = go.Figure(
        go.Bar(
            x=[t for _, t in util],
            y=[u for u, _ in util],
            marker_color=ACTIVITY_COLOURS["work"],
            hovertemplate="%{x}: %{y:.0%}<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".0%", title="work / shift", rangemode="tozero")
    # thousands of technician ids on one axis are unreadable; hover still names them
    fig.update_xaxes(type="category", showticklabels=len(util) <= GANTT_MAX_ROWS)
    return _layout(fig, "Utilisation by technician")


def _routes(
    outcomes: Sequence[VisitOutcome], days: Sequence[TechnicianDay], roads: Streets | None = None
) -> go.Scatter:
    """All routes in one trace, separated by gaps: one trace per technician is too slow."""
    stops: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for o in outcomes:
        if o.technician_id is not None and o.arrival_min is not None and o.x is not None:
            stops[o.technician_id].append((o.arrival_min, o.x, o.y if o.y is not None else 0.0))
    homes = {d.technician_id: (d.home_x, d.home_y) for d in days}
    xs: list[float | None] = []
    ys: list[float | None] = []
    for tech in sorted(stops):
        points = [(x, y) for _, x, y in sorted(stops[tech])]
        if tech in homes:
            points.insert(0, homes[tech])
        xs += [x for x, _ in points] + [None]
        ys += [y for _, y in points] + [None]
    if roads is not None:
        xs, ys = roads.along(xs, ys)
    line = {"color": "rgba(90,90,90,0.35)", "width": 1}
    return go.Scatter(x=xs, y=ys, mode="lines", name="routes", line=line, hoverinfo="skip")


def _sample(
    outcomes: Sequence[VisitOutcome], days: Sequence[TechnicianDay], most: int
) -> tuple[Sequence[VisitOutcome], Sequence[TechnicianDay], int]:
    """At most ``most`` technicians: every k-th by id (homes lie anywhere, so the sample
    covers the region), with their visits and every k-th missed visit; and k."""
    k = -(-len(days) // most)
    if k <= 1:
        return outcomes, days, 1
    kept = sorted(d.technician_id for d in days)[::k]
    mine = set(kept)
    missed = [o for o in outcomes if o.technician_id is None][::k]
    shown = [o for o in outcomes if o.technician_id in mine] + missed
    return shown, [d for d in days if d.technician_id in mine], k


def visit_map(
    outcomes: Sequence[VisitOutcome],
    days: Sequence[TechnicianDay],
    scenario: Scenario,
    *,
    max_technicians: int = BIG_DAY_TECHNICIANS,
) -> go.Figure:
    """Visits on the city plane coloured by status, routes in arrival order, home bases;
    for more than ``max_technicians`` a sample of them (the title says which)."""
    total = len(days)
    outcomes, days, k = _sample(outcomes, days, max_technicians)
    roads = streets(scenario)
    fig = go.Figure([roads.trace()] if roads is not None else [])
    fig.add_trace(_routes(outcomes, days, roads))
    # thousands of visits bury each other at the size that suits a hundred
    size = 7 if len(outcomes) <= 1000 else 4
    for status, colour in STATUS_COLOURS.items():
        pts = [o for o in outcomes if o.status == status and o.x is not None]
        fig.add_trace(
            go.Scatter(
                x=[o.x for o in pts],
                y=[o.y for o in pts],
                mode="markers",
                name=STATUS_NAMES[status],
                marker={"color": colour, "size": size},
                text=[o.visit_id for o in pts],
                hovertemplate="%{text}<extra>" + STATUS_NAMES[status] + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[d.home_x for d in days],
            y=[d.home_y for d in days],
            mode="markers",
            name="home bases",
            marker={"symbol": "square", "color": "#1f77b4", "size": size + 1},
            text=[d.technician_id for d in days],
            hovertemplate="%{text}<extra>home</extra>",
        )
    )
    side = scenario.city.size_km
    width, height = roads.extent_km if roads is not None else (side, side)
    fig.update_xaxes(range=[0, width], title="km", constrain="domain")
    fig.update_yaxes(range=[0, height], title="km", scaleanchor="x", scaleratio=1)
    title = f"Visits and routes ({scenario.city.size_km:g} km city)"
    if roads is not None:
        title = f"Visits and routes on the streets of {scenario.city.roads} ({ATTRIBUTION})"
    if k > 1:
        title += f" - 1 in {k} technicians: {len(days):,d} of {total:,d}"
    return _layout(fig, title, height=700)
