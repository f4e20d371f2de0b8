"""Day page: one stored run, watched. Tours planned vs actual, the map, the alert feed.

The slider (or the play button, at a chosen speed) sets the time of day; the map shows
every visit in its state at that time (:mod:`twin.ui.playback`; drawn in the browser from
the run's frames, computed once per run, so a step sends no request), the Gantt chart and the
decision timeline get a now-line (moved in the browser: re-sending or re-diffing a Gantt
chart of 50 technicians cost most of a slider step), and the feed lists
the latest alerts and messages up to that time. A sick or broken-down technician keeps a
row on the Gantt chart, greyed from that moment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import dash
import plotly.graph_objects as go
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
)
from dash.exceptions import PreventUpdate

from twin.analysis.quality import eta_errors
from twin.app.store import StoreError
from twin.ui import context
from twin.ui.figures import decision_timeline, eta_accuracy, planned_vs_actual
from twin.ui.metrics import midnight, planned_stops
from twin.ui.playback import Playback, frames, playback
from twin.ui.widgets import control, kpi_cards, run_dropdown

DEFAULT_MINUTE = 11 * 60
FIRST, LAST, STEP = 6 * 60, 22 * 60, 5
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
                    id="day-minute", min=FIRST, max=LAST, step=STEP, value=minute,
                    marks=_marks(FIRST, LAST), updatemode="mouseup", allow_direct_input=False,
                ),
                style={"flex": "1"},
            ),
            dcc.Interval(id="day-tick", interval=1000, disabled=True),
            dcc.Store(id="day-midnight"),
            dcc.Store(id="day-frames"),
            dcc.Store(id="day-now"),
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
            _with_now_line("day-gantt"),
            _with_now_line("day-timeline"),
            html.Div(id="day-eta"),
        ]
    )


def _with_now_line(graph_id: str) -> html.Div:
    return html.Div(
        [
            dcc.Graph(id=graph_id, config={"displaylogo": False}),
            html.Div(id=f"{graph_id}-now", className="now-line", style={"display": "none"}),
        ],
        style={"position": "relative"},
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


@lru_cache(maxsize=4)
def _frames(store_path: Path, run_id: str) -> dict[str, Any]:
    return frames(_playback(store_path, run_id), FIRST, LAST, STEP)


def run_frames(run_id: str | None) -> dict[str, Any]:
    """What the browser draws the map and feed from at any slider position (cached)."""
    if not run_id:
        return {"empty": "No run selected."}
    try:
        return _frames(context.store().path, run_id)
    except StoreError as exc:
        return {"empty": str(exc)}


@callback(
    Output("day-summary", "children"),
    Output("day-gantt", "figure"),
    Output("day-timeline", "figure"),
    Output("day-eta", "children"),
    Output("day-midnight", "data"),
    Input("day-run", "value"),
)
def on_run(run_id: str | None) -> tuple[Any, ...]:
    summary, gantt, timeline, eta = day_view(run_id)
    if not (run_id and gantt.data):
        return summary, gantt, timeline, eta, None
    at = midnight(context.run_bundle(run_id).scenario).replace(tzinfo=None)
    return summary, gantt, timeline, eta, at.isoformat()


@callback(Output("day-frames", "data"), Input("day-run", "value"))
def on_frames(run_id: str | None) -> dict[str, Any]:
    return run_frames(run_id)


# the map and the feed at the slider's minute: picked from the frames in the browser
clientside_callback(
    ClientsideFunction(namespace="fieldtwin", function_name="dayMap"),
    Output("day-map", "figure"),
    Output("day-feed", "children"),
    Output("day-feed", "title"),
    Input("day-minute", "value"),
    Input("day-frames", "data"),
)


# the now-line on the Gantt chart and the timeline: a thin element laid over each drawn
# chart at the minute's pixel, so that no chart is redrawn (a shape of the figure, even
# moved with Plotly.relayout, redrew the 50-row Gantt chart: about 0.4 s a step)
clientside_callback(
    """function(minute, midnight) {
        window.fieldtwinNow = {minute: minute, midnight: midnight};
        const place = function() {
            const now = window.fieldtwinNow;
            for (const id of ['day-gantt', 'day-timeline']) {
                const el = document.querySelector('#' + id + ' .js-plotly-plot');
                const line = document.getElementById(id + '-now');
                if (!line) { continue; }
                if (!el || !el._fullLayout || !el._fullLayout.xaxis || !now.midnight) {
                    line.style.display = 'none';
                    continue;
                }
                if (!el.fieldtwinHooked && el.on) {
                    el.on('plotly_afterplot', place);
                    el.on('plotly_relayout', place);
                    el.fieldtwinHooked = true;
                }
                const at = new Date(Date.parse(now.midnight + 'Z') + now.minute * 60000);
                const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
                const px = xa._offset + xa.c2p(xa.d2c(at.toISOString().slice(0, 19)));
                const inside = px >= xa._offset && px <= xa._offset + xa._length;
                line.style.display = inside ? 'block' : 'none';
                line.style.left = px + 'px';
                line.style.top = ya._offset + 'px';
                line.style.height = ya._length + 'px';
            }
        };
        place();
        setTimeout(place, 400);
        return minute;
    }""",
    Output("day-now", "data"),
    Input("day-minute", "value"),
    Input("day-midnight", "data"),
)


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
