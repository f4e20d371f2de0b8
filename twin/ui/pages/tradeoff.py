"""Trade-off page: sweep one or two knobs, see cost against customer satisfaction.

Every combination of knob values is an arm, run on the same seeds. Each arm is one point
(mean over seeds with 95 % CI bars), coloured by employee satisfaction; the Pareto front
(arms no other arm beats on both cost and customer satisfaction) is drawn in red. Clicking
a point opens that arm's first day on the Day page.
"""

from __future__ import annotations

import math
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from twin.analysis.stats import mean_ci
from twin.app.arms import sweep_arms
from twin.app.knobs import KNOBS, KNOBS_BY_NAME
from twin.app.store import RunStore, StoreError
from twin.config import ConfigError, Scenario
from twin.ui import context
from twin.ui.figures import TradeoffPoint, tradeoff_scatter
from twin.ui.guard import whole_number
from twin.ui.jobs import Jobs
from twin.ui.widgets import comparison_links, control, progress_view

MAX_ARMS = 16
MAX_SEEDS = 20
SWEEPABLE = [k for k in KNOBS if k.kind != "widths"]


def layout(comparison: str | None = None, **_: Any) -> html.Div:
    files = context.scenario_files()
    base = "small" if "small" in files else next(iter(files), "")
    knob_opts = [{"label": k.label, "value": k.name} for k in SWEEPABLE]
    store = context.store()
    return html.Div(
        [
            html.H2("Trade-off: cost against satisfaction"),
            html.P(
                "Sweep one or two policy knobs over a few values; every combination runs on "
                "the same seeds. Points on the red Pareto front are the sensible choices: "
                "nothing else is both cheaper and more satisfying. Click a point to open a day.",
                className="lead",
            ),
            _controls(files, base, knob_opts),
            html.Div(id="tradeoff-error", className="error"),
            dcc.Store(id="tradeoff-job", data=comparison),
            dcc.Interval(id="tradeoff-poll", interval=400, disabled=True),
            dcc.Location(id="tradeoff-go", refresh=True),
            html.Div(id="tradeoff-progress"),
            dcc.Graph(
                id="tradeoff-graph",
                figure=sweep_figure(store, comparison) if comparison else _empty(),
                config={"displaylogo": False},
            ),
            comparison_links(store.comparisons(), "/tradeoff", "sweep"),
        ]
    )


def _controls(files: Any, base: str, knob_opts: list[dict[str, str]]) -> html.Div:
    """The sweep's form: base scenario, one or two knobs with their values, seeds, Run."""
    return html.Div(
        [
            control(
                "Base scenario",
                dcc.Dropdown(
                    id="tradeoff-base",
                    options=list(files),
                    value=base,
                    clearable=False,
                    style={"width": "200px"},
                ),
            ),
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
            control(
                "Seeds",
                dcc.Input(
                    id="tradeoff-seeds",
                    type="number",
                    min=1,
                    max=MAX_SEEDS,
                    step=1,
                    value=3,
                    style={"width": "70px"},
                ),
            ),
            html.Button("Run sweep", id="tradeoff-start", className="button"),
        ],
        className="controls",
    )


def _empty() -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title={"text": "Run a sweep to see the trade-off"}, template="plotly_white", height=300
    )
    return fig


def parse_values(knob_name: Any, text: Any) -> list[Any]:
    if not isinstance(knob_name, str) or knob_name not in KNOBS_BY_NAME:
        raise ConfigError(f"unknown policy knob {knob_name!r}")
    knob = KNOBS_BY_NAME[knob_name]
    if not isinstance(text, str | int | float | None) or len(str(text or "")) > 1000:
        raise ConfigError(f"{knob.path}: give at most {MAX_ARMS} values, separated by commas")
    parts = [p.strip() for p in str(text or "").split(",") if p.strip()]
    if not parts:
        raise ConfigError(f"{knob.path}: give at least one value")
    if len(parts) > MAX_ARMS:
        raise ConfigError(f"{knob.path}: {len(parts)} values; give at most {MAX_ARMS}")
    return [knob.parse(p) for p in parts]


def start_sweep(jobs: Jobs, base: Scenario, knobs: list[tuple[Any, Any]], seeds: Any) -> str:
    grid = {}
    for name, text in knobs:
        if name:
            values = parse_values(name, text)  # ConfigError for a knob the page has not
            grid[KNOBS_BY_NAME[name].path] = values
    combinations = math.prod(len(v) for v in grid.values())
    if combinations > MAX_ARMS:
        raise ConfigError(f"{combinations} combinations: keep it to {MAX_ARMS} or fewer")
    arms = sweep_arms(grid)
    n = whole_number("seeds", seeds, 1, MAX_SEEDS)
    for arm in arms:
        arm.scenario(base)  # ConfigError with the field's name
    label = " × ".join(KNOBS_BY_NAME[n].label for n, _ in knobs if n)
    return jobs.start(base, arms, list(range(1, n + 1)), kind="sweep", label=label)


def tradeoff_points(store: RunStore, comparison_id: str) -> list[TradeoffPoint]:
    first: dict[str, str] = {}
    for r in store.runs(comparison_id):
        if r.arm is not None:
            first.setdefault(r.arm, r.id)
    points = []
    for arm, by_seed in store.kpis_by_arm(comparison_id).items():
        if not by_seed or arm not in first:
            continue
        ks = [by_seed[s] for s in sorted(by_seed)]
        cost = mean_ci([k.cost_total_eur for k in ks])
        cust = mean_ci([k.customer_satisfaction for k in ks])
        emp = mean_ci([k.employee_satisfaction for k in ks])
        points.append(
            TradeoffPoint(
                arm,
                cost.mean,
                _hw(cost.half_width),
                cust.mean,
                _hw(cust.half_width),
                emp.mean,
                first[arm],
            )
        )
    return points


def _hw(value: float) -> float:
    return 0.0 if value != value else value  # NaN (one seed): no bar


def sweep_figure(store: RunStore, comparison_id: str) -> go.Figure:
    try:
        record = store.comparison(comparison_id)
    except StoreError:
        return _empty()
    fig = tradeoff_scatter(tradeoff_points(store, comparison_id))
    fig.update_layout(
        title={
            "text": f"Cost vs customer satisfaction: {record.label}, "
            f"{len(record.seeds)} seeds per point"
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
    Output("tradeoff-progress", "children"),
    Output("tradeoff-graph", "figure"),
    Output("tradeoff-poll", "disabled", allow_duplicate=True),
    Input("tradeoff-poll", "n_intervals"),
    State("tradeoff-job", "data"),
    prevent_initial_call=True,
)
def on_poll(_: int, job: str | None) -> tuple[Any, Any, bool]:
    if not job:
        return html.Div(), dash.no_update, True
    status = context.jobs().status(job)
    if status is None or not status.finished:
        return progress_view(status, "tradeoff"), dash.no_update, False
    if status.error:
        return progress_view(status, "tradeoff"), dash.no_update, True
    return progress_view(status, "tradeoff"), sweep_figure(context.store(), job), True


def clicked_run(click: dict[str, Any] | None) -> str | None:
    """The run id behind a clicked arm point (None for the front line or no click)."""
    for point in (click or {}).get("points", []):
        data = point.get("customdata")
        if isinstance(data, list) and data and isinstance(data[0], str):
            return data[0]
    return None


@callback(
    Output("tradeoff-go", "href"),
    Input("tradeoff-graph", "clickData"),
    prevent_initial_call=True,
)
def on_click(click: dict[str, Any] | None) -> Any:
    run_id = clicked_run(click)
    return f"/day?run={run_id}" if run_id else dash.no_update


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__,
    path="/tradeoff",
    name="Trade-off",
    title="Trade-off · FieldTwin",
    order=1,
    layout=layout,
)
