"""Cockpit-only figures: pure functions from measured values to plotly Figures.

The day's report figures (Gantt, map) live in :mod:`twin.analysis.report.figures`; these extend them
(planned bars, sick rows) or show what only the cockpit shows: decisions over the day,
model errors (the trade-off chart is :mod:`twin.ui.tradeoff_figure`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import plotly.graph_objects as go

from twin import events as ev
from twin.analysis.quality import EtaError
from twin.analysis.report.figures import tours_gantt
from twin.clock import hhmm
from twin.config import Scenario
from twin.ui.metrics import DurationError, PlannedStop, midnight, minutes

PLANNED_COLOUR = "rgba(148,103,189,0.55)"  # purple: breaks are grey
UNAVAILABLE_COLOUR = "rgba(40,40,40,0.18)"


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        height=height,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def _clock(minute: float) -> str:
    return hhmm(minute)


def planned_vs_actual(
    events: Sequence[ev.Event], stops: Sequence[PlannedStop], scenario: Scenario
) -> go.Figure:
    """The report's tours Gantt (actual) with the morning plan's visits as grey bars above."""
    fig = tours_gantt(events)
    fig.update_traces(width=0.45, offset=-0.05)  # actual: lower half of each row
    shown = set(fig.layout.yaxis.categoryarray or ())
    rows = [s for s in stops if s.technician_id in shown]
    base = midnight(scenario).replace(tzinfo=None)
    fig.add_trace(
        go.Bar(
            name="planned visit",
            orientation="h",
            y=[s.technician_id for s in rows],
            base=[(base + timedelta(minutes=s.start_min)).isoformat() for s in rows],
            x=[(s.end_min - s.start_min) * 60_000 for s in rows],
            width=0.35,
            offset=-0.42,
            marker={"color": PLANNED_COLOUR},
            customdata=[[s.visit_id, _clock(s.start_min), _clock(s.end_min)] for s in rows],
            hovertemplate="%{y} planned %{customdata[0]}: %{customdata[1]}-%{customdata[2]}"
            "<extra></extra>",
        )
    )
    _unavailable(fig, events, scenario, base)
    title = fig.layout.title.text.replace(
        "Tours by technician", "Tours: planned (purple) vs actual"
    )
    fig.update_layout(title={"text": title}, legend={"orientation": "h", "y": -0.12})
    return fig


def _unavailable(fig: go.Figure, events: Sequence[ev.Event], scenario: Scenario, base: Any) -> None:
    """A sick or broken-down technician keeps a row, greyed from that moment to shift end."""
    hits = {}
    for e in events:
        if isinstance(e, ev.TechnicianUnavailable) and e.technician_id not in hits:
            hits[e.technician_id] = (minutes(e.time, scenario), e.reason)
    if not hits:
        return
    wf = scenario.workforce
    end = wf.shift_start_min + wf.shift_length_min
    techs = sorted(hits)
    fig.add_trace(
        go.Bar(
            name="unavailable (sick or broken down)",
            orientation="h",
            y=techs,
            base=[(base + timedelta(minutes=hits[t][0])).isoformat() for t in techs],
            x=[max(end - hits[t][0], 30.0) * 60_000 for t in techs],
            width=0.8,
            offset=-0.42,
            marker={"color": UNAVAILABLE_COLOUR, "pattern": {"shape": "/"}},
            customdata=[[hits[t][1], _clock(hits[t][0])] for t in techs],
            hovertemplate="%{y} unavailable from %{customdata[1]}: %{customdata[0]}<extra></extra>",
        )
    )
    rows = sorted(set(fig.layout.yaxis.categoryarray or ()) | set(techs))
    fig.update_yaxes(categoryarray=rows)
    fig.update_layout(height=140 + 18 * max(len(rows), 5))


_DECISIONS = (
    ("delay alert", ev.DelayDetected, "#ff7f0e"),
    ("replan requested", ev.ReplanRequested, "#9467bd"),
    ("plan published", ev.PlanPublished, "#1f77b4"),
    ("customer notified", ev.CustomerNotified, "#2ca02c"),
)


def _describe(e: ev.Event) -> str:
    if isinstance(e, ev.DelayDetected):
        return f"{e.visit_id} ({e.technician_id}): p={e.probability:.0%}"
    if isinstance(e, ev.ReplanRequested):
        return e.reason
    if isinstance(e, ev.PlanPublished):
        return f"v{e.version}: {e.reason} ({len(e.routes)} routes)"
    if isinstance(e, ev.CustomerNotified):
        return f"{e.kind} to {e.customer_id} by {e.channel}"
    return e.TYPE


def decision_timeline(events: Iterable[ev.Event]) -> go.Figure:
    """Delay alerts, replans and customer notifications over the day, one row per kind."""
    fig = go.Figure()
    items = list(events)
    for label, cls, colour in _DECISIONS:
        hits = [e for e in items if isinstance(e, cls)]
        fig.add_trace(
            go.Scatter(
                x=[e.time.replace(tzinfo=None).isoformat() for e in hits],
                y=[label] * len(hits),
                mode="markers",
                name=f"{label} ({len(hits)})",
                marker={
                    "color": colour,
                    "size": 9,
                    "symbol": "line-ns-open",
                    "line": {"width": 2, "color": colour},
                },
                text=[_describe(e) for e in hits],
                hovertemplate="%{x|%H:%M} %{text}<extra></extra>",
            )
        )
    fig.update_xaxes(type="date", title="time (UTC)")
    fig.update_yaxes(
        type="category", categoryorder="array", categoryarray=[d[0] for d in _DECISIONS]
    )
    return _layout(fig, "Decisions over the day", height=300)


def eta_accuracy(errors: Sequence[EtaError]) -> go.Figure:
    """ETA error against how long before the arrival it was given."""
    inside = sum(e.inside for e in errors)
    fig = go.Figure(
        go.Scatter(
            x=[e.lead_min for e in errors],
            y=[e.error_min for e in errors],
            mode="markers",
            marker={
                "size": 5,
                "opacity": 0.5,
                "color": ["#2ca02c" if e.inside else "#ff7f0e" for e in errors],
            },
            text=[e.visit_id for e in errors],
            hovertemplate="%{text}: %{y:.0f} min at %{x:.0f} min before<extra></extra>",
            name="ETA updates",
        )
    )
    fig.add_hline(y=0, line={"color": "#888", "dash": "dot"})
    fig.update_xaxes(title="minutes before arrival", autorange="reversed")
    fig.update_yaxes(title="ETA - actual arrival (min)")
    share = f"{inside / len(errors):.0%}" if errors else "-"
    return _layout(fig, f"ETA accuracy: {len(errors)} updates, {share} inside the interval")


def duration_scatter(
    errors: Sequence[DurationError], title: str = "Visit durations: predicted vs actual"
) -> go.Figure:
    """Predicted against actual work minutes per visit, by job type; the diagonal is perfect."""
    fig = go.Figure()
    for job in sorted({e.job_type for e in errors}):
        pts = [e for e in errors if e.job_type == job]
        fig.add_trace(
            go.Scatter(
                x=[e.predicted_min for e in pts],
                y=[e.actual_min for e in pts],
                mode="markers",
                name=job,
                text=[e.visit_id for e in pts],
                hovertemplate="%{text}: predicted %{x:.0f}, actual %{y:.0f} min<extra></extra>",
            )
        )
    top = max([max(e.predicted_min, e.actual_min) for e in errors], default=60.0) * 1.05
    fig.add_trace(
        go.Scatter(
            x=[0, top],
            y=[0, top],
            mode="lines",
            name="perfect",
            line={"color": "#888", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(title="predicted work (min)", range=[0, top])
    fig.update_yaxes(title="actual work (min)", range=[0, top])
    mae = sum(abs(e.error_min) for e in errors) / len(errors) if errors else 0.0
    return _layout(fig, f"{title} (mean abs. error {mae:.0f} min, {len(errors)} visits)")
