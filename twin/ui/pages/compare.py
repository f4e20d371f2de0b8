"""Compare page: set up arms by policy knobs, run them on common seeds, read the verdict.

Run and its progress sit at the top; the result (:mod:`twin.ui.compare_result`: a verdict
per arm, the paired differences as a chart, the KPI tables) comes next, the knob grid
(:mod:`twin.ui.compare_grid`) below it. A started job is written into the address
(``/?comparison=ID``), so going to another page and back, or reloading, finds it again;
the page also picks up a job still running when opened without one. Opening a stored
comparison restores its base, arms, seed count and days, ready to run again with more
seeds. *Days* runs every arm as a period of that many working days (as ``twin compare
--days`` does: backlog and rebookings carry over; each run's days' KPIs pooled).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from twin.app.arms import knob_error
from twin.app.knobs import KNOBS_BY_NAME
from twin.app.notes import set_note
from twin.app.store import ComparisonRecord, StoreError
from twin.config import ConfigError, Scenario
from twin.ui import context
from twin.ui.compare_grid import (
    MAX_ARMS,
    Cells,
    build_arms,
    check_cells,
    duplicated,
    idle_cells,
    knob_grid,
    restored,
    shown_of,
)
from twin.ui.compare_result import comparison_view
from twin.ui.guard import store_id, whole_number
from twin.ui.jobs import Jobs
from twin.ui.widgets import (
    base_control,
    comparison_links,
    control,
    count_control,
    default_base,
    progress_view,
)

MAX_SEEDS = 50
MAX_DAYS = 20  # working days per run (a scenario's period allows 60; the cockpit's budget)
KNOB = {"type": "compare-knob", "arm": ALL, "knob": ALL}


def _record(comparison: str | None) -> tuple[ComparisonRecord | None, str]:
    if not comparison:
        return None, ""
    try:
        return context.store().comparison(comparison), ""
    except StoreError as exc:
        return None, str(exc)


def _days(record: ComparisonRecord | None, base: Scenario) -> int:
    """Working days per run: a stored comparison's (its first run's scenario), else the base's."""
    runs = context.store().runs(record.id) if record is not None else []
    return context.store().scenario(runs[0].id).period.days if runs else base.period.days


def _controls(
    files: dict[str, Any], base_name: str, n_arms: int, seeds: int, days: int
) -> html.Div:
    return html.Div(
        [
            base_control("compare-base", files, base_name),
            control(
                "Arms",
                dcc.RadioItems(
                    id="compare-n-arms",
                    options=list(range(2, MAX_ARMS + 1)),
                    value=n_arms,
                    inline=True,
                ),
            ),
            count_control("Seeds (runs per arm)", "compare-seeds", seeds, "80px"),
            count_control("Days (working days per run)", "compare-days", days, "60px"),
            html.Button("Run comparison", id="compare-start", className="button"),
            html.Span(id="compare-start-error", className="error"),
        ],
        className="controls",
    )


def layout(comparison: str | None = None, **_: Any) -> html.Div:
    files = context.scenario_files()
    record, problem = _record(comparison)
    base_name = default_base(files)
    if record is not None and record.base_scenario in files:
        base_name = record.base_scenario
    base = context.base_scenario(base_name) if base_name else Scenario()
    n_arms, shown, notes = restored(record, base) if record else (2, {}, [])
    jobs = context.jobs()
    job = comparison if comparison and jobs.status(comparison) else None
    job = job or (None if comparison else jobs.latest_running("compare"))
    running = job is not None and jobs.running(job)
    result: Any = html.Div(problem, className="error") if problem else html.Div()
    if record is not None and not running:
        result = comparison_view(context.store(), record.id)
    return html.Div(
        [
            html.H2("Compare policies"),
            _controls(
                files, base_name, n_arms, len(record.seeds) if record else 3, _days(record, base)
            ),
            html.Div(
                progress_view(jobs.status(job), "compare") if job else [], id="compare-progress"
            ),
            html.Div(result, id="compare-result"),
            html.P(
                "What happens if …? Pick a base scenario, change policy knobs per arm, and run "
                "every arm on the same simulated days (same customers, durations and traffic "
                "on each seed), so the differences come from the policy. Greyed knobs have no "
                "effect with their arm's planner or brain (hover for why).",
                className="lead",
            ),
            html.Div([html.P(n, className="note") for n in notes], id="compare-notes"),
            html.Div(knob_grid(base, n_arms, shown), id="compare-grid"),
            dcc.Store(id="compare-job", data=job),
            dcc.Store(id="compare-running", data=running),
            dcc.Store(id="compare-invalid", data=False),
            dcc.Store(id="compare-address"),
            dcc.Store(id="compare-done"),
            dcc.Interval(id="compare-poll", interval=400, disabled=not running),
            html.Div(
                comparison_links(context.store().comparisons(), "/", "compare"),
                id="compare-earlier",
            ),
        ]
    )


@callback(
    Output("compare-grid", "children"),
    Input("compare-base", "value"),
    Input("compare-n-arms", "value"),
    State(KNOB, "value"),
    prevent_initial_call=True,
)
def on_setup(base_name: str, n_arms: Any, values: list[Any]) -> html.Table:
    """A new base starts afresh; another arm count keeps what the arms kept show."""
    try:
        arms = whole_number("arms", n_arms, 2, MAX_ARMS)
        base = context.base_scenario(base_name)
        if ctx.triggered_id == "compare-base":
            return knob_grid(base, arms)
        ids = [i["id"] for i in ctx.states_list[0]]
        if {i["arm"] for i in ids} == set(range(arms)):  # drawn already (a duplicate)
            raise PreventUpdate
        return knob_grid(base, arms, shown_of(list(zip(ids, values, strict=True))))
    except ConfigError:  # not a choice of the form: a forged request
        raise PreventUpdate from None


@callback(
    Output("compare-n-arms", "value", allow_duplicate=True),
    Output("compare-grid", "children", allow_duplicate=True),
    Input({"type": "compare-dup", "arm": ALL}, "n_clicks"),
    State("compare-base", "value"),
    State(KNOB, "value"),
    prevent_initial_call=True,
)
def on_duplicate(clicks: list[Any], base_name: str, values: list[Any]) -> tuple[int, Any]:
    """A new last arm with the clicked arm's settings (as shown, edits included)."""
    arm = ctx.triggered_id.get("arm") if isinstance(ctx.triggered_id, dict) else None
    if not isinstance(arm, int) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate  # buttons of a grid just drawn, or a forged arm
    ids = [i["id"] for i in ctx.states_list[1]]
    try:
        shown = shown_of(list(zip(ids, values, strict=True)))
        n_arms = len({a for a, _ in shown})
        grid = knob_grid(
            context.base_scenario(base_name), n_arms + 1, duplicated(shown, arm, n_arms)
        )
    except ConfigError:  # full, or not a grid this page draws
        raise PreventUpdate from None
    return n_arms + 1, grid


def knob_errors(base: Scenario, cells: Cells) -> dict[str, str]:
    """Message per knob cell (key ``"arm/knob"``), empty when the value is fine."""
    check_cells(cells)
    out = {}
    for cid, value in cells:
        msg = knob_error(base, KNOBS_BY_NAME[cid["knob"]], value)
        out[f"{cid['arm']}/{cid['knob']}"] = msg or ""
    return out


@callback(
    Output({"type": "compare-knob-error", "arm": ALL, "knob": ALL}, "children"),
    Output("compare-invalid", "data"),
    Input(KNOB, "value"),
    State("compare-base", "value"),
)
def on_knob_change(values: list[Any], base_name: str) -> tuple[list[str], bool]:
    ids = [i["id"] for i in ctx.inputs_list[0]]
    try:
        cells = list(zip(ids, values, strict=True))
        errors = knob_errors(context.base_scenario(base_name), cells)
    except ConfigError:  # not a grid this page draws: a forged request
        raise PreventUpdate from None
    outs = [errors.get(f"{o['id']['arm']}/{o['id']['knob']}", "") for o in ctx.outputs_list[0]]
    return outs, any(errors.values())


@callback(
    Output({"type": "compare-knob", "arm": MATCH, "knob": ALL}, "disabled"),
    Output({"type": "compare-knob-cell", "arm": MATCH, "knob": ALL}, "title"),
    Output({"type": "compare-knob-cell", "arm": MATCH, "knob": ALL}, "className"),
    Input({"type": "compare-knob", "arm": MATCH, "knob": "planner"}, "value"),
    Input({"type": "compare-knob", "arm": MATCH, "knob": "brain"}, "value"),
)
def on_idle(planner: Any, brain: Any) -> tuple[list[bool], list[str], list[str]]:
    """Grey out the knobs of this arm that its planner or brain leave without effect."""
    arm = ctx.outputs_list[0][0]["id"]["arm"] if ctx.outputs_list[0] else 0
    idle = idle_cells({(arm, "planner"): planner, (arm, "brain"): brain})
    names = [o["id"]["knob"] for o in ctx.outputs_list[0]]
    why = [idle.get((arm, n), "") for n in names]
    return [bool(w) for w in why], why, ["idle" if w else "" for w in why]


@callback(
    Output("compare-start", "disabled"),
    Input("compare-invalid", "data"),
    Input("compare-running", "data"),
)
def on_can_run(invalid: bool, running: bool) -> bool:
    return bool(invalid or running)


def start_comparison(jobs: Jobs, base: Scenario, cells: Cells, seeds: Any, days: Any = 1) -> str:
    """Validate and start; returns the job (comparison) id. ConfigError names what is wrong.
    With ``days`` above 1 every run is a period of that many working days."""
    n = whole_number("seeds", seeds, 1, MAX_SEEDS)
    n_days = whole_number("days", days, 1, MAX_DAYS)
    if n_days != base.period.days:
        base = base.with_overrides(**{"period.days": n_days})
    arms = build_arms(base, cells)
    return jobs.start(base, arms, list(range(1, n + 1)), kind="compare")


@callback(
    Output("compare-job", "data"),
    Output("compare-poll", "disabled"),
    Output("compare-start-error", "children"),
    Output("compare-running", "data"),
    Output("compare-result", "children"),
    Input("compare-start", "n_clicks"),
    State("compare-base", "value"),
    State("compare-seeds", "value"),
    State("compare-days", "value"),
    State(KNOB, "value"),
    prevent_initial_call=True,
)
def on_start(_: int, base_name: str, seeds: Any, days: Any, values: list[Any]) -> tuple[Any, ...]:
    ids = [i["id"] for i in ctx.states_list[3]]
    try:
        job = start_comparison(
            context.jobs(),
            context.base_scenario(base_name),
            list(zip(ids, values, strict=True)),
            seeds,
            days,
        )
    except ConfigError as exc:
        return dash.no_update, dash.no_update, str(exc), dash.no_update, dash.no_update
    return job, False, "", True, html.Div()


# the job goes into the address without a page change: Back and reload find it again
clientside_callback(
    """function(job) {
        if (job && window.location.search !== '?comparison=' + job) {
            window.history.replaceState(null, '', '/?comparison=' + job);
        }
        return job || null;
    }""",
    Output("compare-address", "data"),
    Input("compare-job", "data"),
)


@callback(
    Output("compare-progress", "children"),
    Output("compare-poll", "disabled", allow_duplicate=True),
    Output("compare-running", "data", allow_duplicate=True),
    Output("compare-done", "data"),
    Input("compare-poll", "n_intervals"),
    State("compare-job", "data"),
    prevent_initial_call=True,
)
def on_poll(_: int, job: str | None) -> tuple[Any, ...]:
    """Progress only: cheap, so that each answer arrives before the next tick asks again
    (Dash drops an answer overtaken by a newer request of the same callback)."""
    if not job:
        return html.Div(), True, False, dash.no_update
    status = context.jobs().status(job)
    if status is None or not status.finished:
        return progress_view(status, "compare"), False, True, dash.no_update
    return progress_view(status, "compare"), True, False, None if status.error else job


@callback(
    Output("compare-result", "children", allow_duplicate=True),
    Output("compare-earlier", "children"),
    Input("compare-done", "data"),
    prevent_initial_call=True,
)
def on_done(job: str | None) -> tuple[Any, Any]:
    """The finished comparison's verdict, and the list of earlier ones with it."""
    if not job:
        raise PreventUpdate
    earlier = comparison_links(context.store().comparisons(), "/", "compare")
    return comparison_view(context.store(), job), earlier


@callback(
    Output("compare-note-saved", "children"),
    Output("compare-title", "children"),
    Output("compare-earlier", "children", allow_duplicate=True),
    Input("compare-note-save", "n_clicks"),
    State("compare-note-target", "data"),
    State("compare-name", "value"),
    State("compare-note", "value"),
    prevent_initial_call=True,
)
def on_save_note(clicks: int | None, target: Any, name: Any, note: Any) -> tuple[Any, ...]:
    """The manager's name and note into the store; the title and Earlier list show it.
    Nothing until the button is pressed (Dash also calls it when a result draws the button)."""
    cid = store_id(target)
    if not clicks or cid is None:
        raise PreventUpdate
    try:
        record = set_note(context.store(), cid, name or "", note or "")
    except (ValueError, StoreError) as exc:
        return str(exc), dash.no_update, dash.no_update
    earlier = comparison_links(context.store().comparisons(), "/", "compare")
    return "Saved.", f"Result: {record.name or record.label}", earlier


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/", name="Compare", title="Compare · FieldTwin", order=0, layout=layout
)
