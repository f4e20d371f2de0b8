"""Trade-off page: sweep one or two knobs, see cost against customer satisfaction.

Every combination of knob values is an arm, run on the same seeds; the first combination is
the reference. Each arm is one point: its paired difference to the reference in cost (x)
and customer satisfaction (y) with 95 % intervals, coloured by employee satisfaction
(:mod:`twin.ui.tradeoff_figure`); the Pareto front is drawn in red. Points appear as their
runs finish (the chart is redrawn whenever the job's count of finished days moves), a
Cancel button stops the sweep's pending runs on the Dask cluster, and the sweep's id is
written into the address (``/tradeoff?comparison=ID``) so the page can be shared, reloaded
or left and found again. Clicking a point opens that arm's first day on the Day page.
"""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from twin.app.knobs import KNOBS, KNOBS_BY_PATH
from twin.app.store import RunStore, StoreError
from twin.config import ConfigError
from twin.ui import context
from twin.ui.guard import store_id
from twin.ui.sweep import MAX_SEEDS, start_sweep, tradeoff_points
from twin.ui.tradeoff_figure import tradeoff_scatter
from twin.ui.widgets import (
    base_control,
    comparison_links,
    control,
    count_control,
    default_base,
    progress_view,
)

SWEEPABLE = [k for k in KNOBS if k.kind != "widths"]


def layout(comparison: str | None = None, **_: Any) -> html.Div:
    files = context.scenario_files()
    base = default_base(files)
    knob_opts = [{"label": k.label, "value": k.name} for k in SWEEPABLE]
    store = context.store()
    job = store_id(comparison)
    status = context.jobs().status(job) if job else None
    running = status is not None and not status.finished
    return html.Div(
        [
            html.H2("Trade-off: cost against satisfaction"),
            html.P(
                "Sweep one or two policy knobs over a few values; every combination runs on "
                "the same seeds, and the first combination is the reference every other is "
                "measured against, seed by seed. Points on the red Pareto front are the "
                "sensible choices: nothing else is both cheaper and more satisfying. Points "
                "appear as their days finish. Click a point to open a day.",
                className="lead",
            ),
            _controls(files, base, knob_opts, running),
            html.Div(id="tradeoff-error", className="error"),
            dcc.Store(id="tradeoff-job", data=job),
            dcc.Store(id="tradeoff-shown", data=-1),
            dcc.Store(id="tradeoff-address"),
            dcc.Store(id="tradeoff-ended"),
            dcc.Interval(id="tradeoff-poll", interval=400, disabled=not running),
            dcc.Store(id="tradeoff-clicked"),
            html.Div(progress_view(status, "tradeoff") if status else [], id="tradeoff-progress"),
            dcc.Graph(
                id="tradeoff-graph",
                figure=sweep_figure(store, job) if job else _empty(),
                config={"displaylogo": False},
            ),
            html.Div(
                comparison_links(store.comparisons(), "/tradeoff", "sweep"), id="tradeoff-earlier"
            ),
        ]
    )


def _controls(files: Any, base: str, knob_opts: list[dict[str, str]], running: bool) -> html.Div:
    """The sweep's form: base scenario, one or two knobs with their values, seeds, Run."""
    return html.Div(
        [
            base_control("tradeoff-base", files, base),
            control(
                "Knob 1",
                dcc.Dropdown(
                    id="tradeoff-knob1",
                    options=knob_opts,
                    value="technicians",
                    clearable=False,
                    style={"width": "240px"},
                ),
            ),
            control(
                "Values (comma-separated)",
                dcc.Input(id="tradeoff-values1", type="text", value="6, 8, 10"),
            ),
            control(
                "Knob 2 (optional)",
                dcc.Dropdown(
                    id="tradeoff-knob2",
                    options=knob_opts,
                    value=None,
                    style={"width": "240px"},
                ),
            ),
            control(
                "Values",
                dcc.Input(
                    id="tradeoff-values2",
                    type="text",
                    value="on, off",
                    style={"width": "120px"},
                ),
            ),
            count_control(f"Seeds (1 to {MAX_SEEDS})", "tradeoff-seeds", 3),
            html.Button("Run sweep", id="tradeoff-start", className="button", disabled=running),
            html.Button(
                "Cancel", id="tradeoff-cancel", className="button cancel", disabled=not running
            ),
        ],
        className="controls",
    )


def _empty() -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title={"text": "Run a sweep to see the trade-off"}, template="plotly_white", height=300
    )
    return fig


def sweep_figure(store: RunStore, comparison_id: str) -> go.Figure:
    """The sweep's chart from what the store holds now (all of it, or the runs so far)."""
    try:
        record = store.comparison(comparison_id)
        points = tradeoff_points(store, comparison_id)
    except StoreError:
        return _empty()
    if not points:
        return _empty()
    reference = record.arm_labels[0]
    fig = tradeoff_scatter(points, reference)
    knobs = [
        KNOBS_BY_PATH[p].label for p in record.arms[0].get("overrides", {}) if p in KNOBS_BY_PATH
    ]
    stored = len(store.runs(comparison_id))
    total = len(record.arms) * len(record.seeds)
    done = (
        f"{len(record.seeds)} seeds per arm"
        if stored >= total
        else f"{stored} of {total} days so far"
    )
    fig.update_layout(
        title={
            "text": f"Paired differences to {reference}: {done}"
            f"<br><sup>labels: {' · '.join(knobs)}; {record.status}</sup>"
        }
    )
    return fig


@callback(
    Output("tradeoff-job", "data"),
    Output("tradeoff-poll", "disabled"),
    Output("tradeoff-error", "children"),
    Input("tradeoff-start", "n_clicks"),
    State("tradeoff-base", "value"),
    State("tradeoff-knob1", "value"),
    State("tradeoff-values1", "value"),
    State("tradeoff-knob2", "value"),
    State("tradeoff-values2", "value"),
    State("tradeoff-seeds", "value"),
    prevent_initial_call=True,
)
def on_start(
    _: int, base: str, k1: str, v1: str, k2: str | None, v2: str, seeds: Any
) -> tuple[Any, bool, str]:
    try:
        job = start_sweep(context.jobs(), context.base_scenario(base), [(k1, v1), (k2, v2)], seeds)
    except ConfigError as exc:
        return dash.no_update, True, str(exc).replace("invalid scenario:\n  ", "")
    return job, False, ""


@callback(
    Output("tradeoff-error", "children", allow_duplicate=True),
    Input("tradeoff-cancel", "n_clicks"),
    State("tradeoff-job", "data"),
    prevent_initial_call=True,
)
def on_cancel(_: int, job: Any) -> str:
    """Stop the sweep: the poll sees it end and says how many days were kept."""
    ident = store_id(job)
    if ident is None or not context.jobs().cancel(ident):
        return "No sweep is running here to cancel."
    return ""


@callback(
    Output("tradeoff-progress", "children"),
    Output("tradeoff-poll", "disabled", allow_duplicate=True),
    Output("tradeoff-shown", "data"),
    Output("tradeoff-start", "disabled"),
    Output("tradeoff-cancel", "disabled"),
    Output("tradeoff-ended", "data"),
    Input("tradeoff-poll", "n_intervals"),
    State("tradeoff-job", "data"),
    State("tradeoff-shown", "data"),
    prevent_initial_call=True,
)
def on_poll(_: int, job: str | None, shown: Any) -> tuple[Any, ...]:
    """Progress only, each tick: cheap, so that each answer arrives before the next tick
    asks again (Dash drops an answer overtaken by a newer request of the same callback).
    The count of finished days changes ``tradeoff-shown``, which redraws the chart."""
    status = context.jobs().status(job) if job else None
    nothing = dash.no_update
    if status is None:
        return html.Div(), True, nothing, False, True, nothing
    view = progress_view(status, "tradeoff")
    count = nothing if status.done == shown else status.done
    if status.finished:
        ended = f"{status.comparison_id}:{status.done}"  # a new value: the chart once more
        return view, True, ended, False, True, status.comparison_id
    return view, False, count, True, False, nothing


@callback(
    Output("tradeoff-graph", "figure"),
    Input("tradeoff-shown", "data"),
    State("tradeoff-job", "data"),
    prevent_initial_call=True,
)
def on_points(_: Any, job: Any) -> go.Figure:
    """The chart from the store, whenever more days have finished (and at the end)."""
    cid = store_id(job)
    if cid is None:
        raise PreventUpdate
    return sweep_figure(context.store(), cid)


# the sweep goes into the address without a page change (at its start, so leaving and
# coming back finds it, and again as it ends): the address can be shared or reloaded
clientside_callback(
    """function(job, ended) {
        const want = job ? '?comparison=' + job : null;
        if (want && window.location.search !== want) {
            window.history.replaceState(null, '', '/tradeoff' + want);
        }
        return job || null;
    }""",
    Output("tradeoff-address", "data"),
    Input("tradeoff-job", "data"),
    Input("tradeoff-ended", "data"),
)


@callback(
    Output("tradeoff-earlier", "children"),
    Input("tradeoff-ended", "data"),
    prevent_initial_call=True,
)
def on_ended(job: Any) -> Any:
    """The Earlier list again when a sweep ends (it lists the new one)."""
    if not job:
        raise PreventUpdate
    return comparison_links(context.store().comparisons(), "/tradeoff", "sweep")


# a click on an arm's point opens its first day; done in the browser, not by a second
# dcc.Location, which would take the page back to its own address once the sweep's id
# has been written into it
clientside_callback(
    """function(click) {
        const point = ((click || {}).points || []).find(
            p => Array.isArray(p.customdata) && typeof p.customdata[0] === 'string');
        if (point) { window.location.assign('/day?run=' + point.customdata[0]); }
        return point ? point.customdata[0] : null;
    }""",
    Output("tradeoff-clicked", "data"),
    Input("tradeoff-graph", "clickData"),
    prevent_initial_call=True,
)


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__,
    path="/tradeoff",
    name="Trade-off",
    title="Trade-off · FieldTwin",
    order=1,
    layout=layout,
)
