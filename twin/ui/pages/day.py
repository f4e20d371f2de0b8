"""Day page: one stored run — tours planned vs actual, the map at a chosen time, decisions."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from twin.analysis.daylog import per_visit_outcomes, technician_days
from twin.analysis.quality import eta_errors
from twin.app.store import StoreError
from twin.ui import context
from twin.ui.figures import day_map, decision_timeline, eta_accuracy, planned_vs_actual
from twin.ui.metrics import planned_stops, positions
from twin.ui.widgets import control, kpi_cards, run_dropdown

DEFAULT_MINUTE = 11 * 60


def _marks(start: int, end: int) -> dict[int, str]:
    return {m: f"{m // 60:02d}:00" for m in range(start, end + 1, 60)}


def layout(run: str | None = None, **_: Any) -> html.Div:
    runs = context.store().runs()
    return html.Div(
        [
            html.H2("One day"),
            html.P(
                "Tours as planned in the morning (grey) and as they happened (travel, work, "
                "breaks); where everyone was at a chosen time; what the brain decided.",
                className="lead",
            ),
            control("Run", run_dropdown("day-run", runs, run)),
            html.Div(id="day-summary"),
            dcc.Graph(id="day-gantt", config={"displaylogo": False}),
            html.Div(
                [
                    html.Label("Time of day (UTC) for the map"),
                    dcc.Slider(
                        id="day-minute",
                        min=6 * 60,
                        max=22 * 60,
                        step=15,
                        value=DEFAULT_MINUTE,
                        marks=_marks(6 * 60, 22 * 60),
                        updatemode="mouseup",
                        allow_direct_input=False,
                    ),
                ],
                className="control",
                style={"maxWidth": "900px"},
            ),
            dcc.Graph(id="day-map", config={"displaylogo": False}),
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


def map_view(run_id: str | None, minute: float) -> go.Figure:
    if not run_id:
        return _empty("No run selected.")
    try:
        b = context.run_bundle(run_id)
    except StoreError as exc:
        return _empty(str(exc))
    outcomes = per_visit_outcomes(b.events, b.scenario)
    where = positions(b.events, b.scenario).at(minute)
    return day_map(outcomes, technician_days(b.events), b.scenario, where, minute)


@callback(
    Output("day-summary", "children"),
    Output("day-gantt", "figure"),
    Output("day-timeline", "figure"),
    Output("day-eta", "children"),
    Input("day-run", "value"),
)
def on_run(run_id: str | None) -> tuple[Any, go.Figure, go.Figure, Any]:
    return day_view(run_id)


@callback(Output("day-map", "figure"), Input("day-run", "value"), Input("day-minute", "value"))
def on_minute(run_id: str | None, minute: float) -> go.Figure:
    return map_view(run_id, float(minute))


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/day", name="Day", title="Day · FieldTwin", order=2, layout=layout
)
