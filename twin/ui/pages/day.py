"""Day page: one stored run, watched. Tours planned vs actual, the map, the alert feed.

The slider (or the play button, at a chosen speed) sets the time of day; the map shows
every visit in its state at that time (:mod:`twin.ui.playback`), the Gantt chart and the
decision timeline get a now-line (a patch of the figure, not a new one), and the feed lists
the latest alerts and messages up to that time. A sick or broken-down technician keeps a
row on the Gantt chart, greyed from that moment.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, Patch, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from twin.analysis.quality import eta_errors
from twin.app.store import StoreError
from twin.clock import hhmm
from twin.ui import context
from twin.ui.figures import decision_timeline, eta_accuracy, planned_vs_actual
from twin.ui.metrics import midnight, planned_stops
from twin.ui.playback import Playback, map_figure, playback
from twin.ui.widgets import control, kpi_cards, run_dropdown

DEFAULT_MINUTE = 11 * 60
FIRST, LAST = 6 * 60, 22 * 60
SPEEDS = {"5 min/s": 5, "15 min/s": 15, "30 min/s": 30, "1 h/s": 60}


def _marks(start: int, end: int) -> dict[int, str]:
    return {m: f"{m // 60:02d}:00" for m in range(start, end + 1, 60)}


def start_minute(at: Any) -> tuple[int, str]:
    """The slider's start from ``?at=HH:MM`` (a link to a moment of the day), else 11:00;
    with a message when ``at`` is not a time between 06:00 and 22:00."""
    if at is None:
        return DEFAULT_MINUTE, ""
    try:
        h, m = (int(part) for part in str(at).split(":"))
        minute = h * 60 + m
        if not (0 <= m < 60 and FIRST <= minute <= LAST):
            raise ValueError(at)
    except ValueError:
        return DEFAULT_MINUTE, f"at: expected a time HH:MM from 06:00 to 22:00, got {at!r}"
    return minute - minute % 5, ""


def _player(minute: int) -> html.Div:
    return html.Div(
        [
            html.Button("▶ Play", id="day-play", className="button"),
            dcc.Dropdown(
                id="day-speed",
                options=[{"label": k, "value": v} for k, v in SPEEDS.items()],
                value=15,
                clearable=False,
                style={"width": "120px"},
            ),
            html.Div(
                dcc.Slider(
                    id="day-minute", min=FIRST, max=LAST, step=5, value=minute,
                    marks=_marks(FIRST, LAST), updatemode="mouseup", allow_direct_input=False,
                ),
                style={"flex": "1"},
            ),
            dcc.Interval(id="day-tick", interval=1000, disabled=True),
        ],
        className="player",
    )  # fmt: skip


def layout(run: str | None = None, at: str | None = None, **_: Any) -> html.Div:
    runs = context.store().runs()
    missing = run is not None and run not in {r.id for r in runs}
    minute, bad_at = start_minute(at)
    return html.Div(
        [
            html.H2("One day"),
            html.P(
                "Watch the day: press play or move the time. Visits change colour as they are "
                "set out for, reached and finished; tours as planned in the morning (purple) "
                "and as they happened (travel, work, grey breaks); what the brain decided.",
                className="lead",
            ),
            html.P(
                f"No run with id {run!r} in this store: choose one below." if missing else bad_at,
                id="day-missing",
                className="error",
            ),
            control("Run", run_dropdown("day-run", runs, None if missing else run)),
            html.Div(id="day-summary"),
            _player(minute),
            html.Div(
                [
                    dcc.Graph(id="day-map", config={"displaylogo": False}, style={"flex": "3"}),
                    html.Div(
                        [html.H4("Alerts and messages"), html.Ul(id="day-feed")],
                        className="feed",
                    ),
                ],
                style={"display": "flex", "gap": "12px"},
            ),
            dcc.Graph(id="day-gantt", config={"displaylogo": False}),
            dcc.Graph(id="day-timeline", config={"displaylogo": False}),
            html.Div(id="day-eta"),
        ]
    )


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title={"text": title}, template="plotly_white", height=200)
    return fig


def day_view(run_id: str | None) -> tuple[Any, go.Figure, go.Figure, Any]:
    """Summary cards, planned-vs-actual Gantt, decision timeline, ETA section of a run."""
    if not run_id:
        msg = "No run selected."
        return html.P(msg), _empty(msg), _empty(""), html.Div()
    try:
        b = context.run_bundle(run_id)
    except StoreError as exc:
        return html.P(str(exc), className="error"), _empty(""), _empty(""), html.Div()
    events = list(b.events)
    gantt = planned_vs_actual(events, planned_stops(events, b.scenario), b.scenario)
    errors = eta_errors(events)
    eta: Any = (
        dcc.Graph(id="day-eta-graph", figure=eta_accuracy(errors))
        if errors
        else html.P(
            "No ETA updates in this run (the baseline dispatcher sends none).", className="note"
        )
    )
    summary = html.Div(
        [
            kpi_cards(b.record),
            html.Div(
                [dcc.Link("Model quality of this run →", href=f"/model?run={run_id}")],
                className="note",
            ),
        ]
    )
    return summary, gantt, decision_timeline(events), eta


@lru_cache(maxsize=4)
def _playback(store_path: Path, run_id: str) -> Playback:
    b = context.run_bundle(run_id)
    return playback(b.events, b.scenario)


def run_playback(run_id: str) -> Playback:
    """The run's playback index (cached: every slider step reads it)."""
    return _playback(context.store().path, run_id)


def now_line(run_id: str, minute: float) -> dict[str, Any]:
    """A vertical line at ``minute`` on a date axis of the run's day (naive UTC, as the
    figures' bars)."""
    at = midnight(context.run_bundle(run_id).scenario).replace(tzinfo=None)
    x = (at + timedelta(minutes=minute)).isoformat()
    return {
        "type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
        "line": {"color": "#d62728", "width": 2},
    }  # fmt: skip


def _feed(p: Playback, minute: float) -> list[html.Li]:
    items = p.feed_until(minute)
    if not items:
        return [html.Li(f"Nothing yet at {hhmm(minute)}.", className="note")]
    return [
        html.Li([html.B(hhmm(f.minute)), f" {f.kind}: {f.text}"], className=f"feed-{f.kind}")
        for f in items
    ]


@callback(
    Output("day-summary", "children"),
    Output("day-gantt", "figure"),
    Output("day-timeline", "figure"),
    Output("day-eta", "children"),
    Input("day-run", "value"),
    State("day-minute", "value"),
)
def on_run(run_id: str | None, minute: Any) -> tuple[Any, go.Figure, go.Figure, Any]:
    summary, gantt, timeline, eta = day_view(run_id)
    if run_id and gantt.data and isinstance(minute, int | float):
        line = now_line(run_id, float(minute))
        gantt.update_layout(shapes=[line])
        timeline.update_layout(shapes=[line])
    return summary, gantt, timeline, eta


@callback(
    Output("day-map", "figure"),
    Output("day-feed", "children"),
    Output("day-gantt", "figure", allow_duplicate=True),
    Output("day-timeline", "figure", allow_duplicate=True),
    Input("day-run", "value"),
    Input("day-minute", "value"),
    prevent_initial_call="initial_duplicate",
)
def on_minute(run_id: str | None, minute: float) -> tuple[Any, ...]:
    if not run_id:
        return _empty("No run selected."), [], dash.no_update, dash.no_update
    try:
        p = run_playback(run_id)
        line = now_line(run_id, float(minute))
    except StoreError as exc:
        return _empty(str(exc)), [], dash.no_update, dash.no_update
    figure, feed = map_figure(p, float(minute)), _feed(p, float(minute))
    if ctx.triggered_id != "day-minute":  # a new run: its figures come with their line
        return figure, feed, dash.no_update, dash.no_update
    gantt, timeline = Patch(), Patch()
    gantt["layout"]["shapes"] = [line]
    timeline["layout"]["shapes"] = [line]
    return figure, feed, gantt, timeline


@callback(
    Output("day-tick", "disabled"),
    Output("day-play", "children"),
    Input("day-play", "n_clicks"),
    State("day-tick", "disabled"),
    prevent_initial_call=True,
)
def on_play(_: int, stopped: bool) -> tuple[bool, str]:
    return (False, "⏸ Pause") if stopped else (True, "▶ Play")


@callback(
    Output("day-minute", "value"),
    Output("day-tick", "disabled", allow_duplicate=True),
    Output("day-play", "children", allow_duplicate=True),
    Input("day-tick", "n_intervals"),
    State("day-minute", "value"),
    State("day-speed", "value"),
    prevent_initial_call=True,
)
def on_tick(_: int, minute: Any, speed: Any) -> tuple[Any, ...]:
    """One step of playback; at the end of the day it stops."""
    if speed not in SPEEDS.values() or not isinstance(minute, int | float):
        raise PreventUpdate
    nxt = min(LAST, float(minute) + speed)
    if nxt >= LAST:
        return nxt, True, "▶ Play"
    return nxt, dash.no_update, dash.no_update


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/day", name="Day", title="Day · FieldTwin", order=2, layout=layout
)
