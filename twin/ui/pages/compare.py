"""Compare page: set up arms by policy knobs, run them on common seeds, read the KPI table.

The table shows each arm's mean over seeds with its 95 % CI and, for every arm after the
first (the reference), the paired difference with its CI: green when significantly better,
red when significantly worse, grey "n.s." when the seeds cannot tell the arms apart.
"""

from __future__ import annotations

import math
import string
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from twin.analysis.stats import KpiRow, format_difference, format_estimate, summarise, verdict
from twin.app.arms import Arm, arm_label, knob_error
from twin.app.knobs import KNOBS, KNOBS_BY_NAME, Knob
from twin.app.store import RunStore, StoreError
from twin.config import ConfigError, Scenario
from twin.ui import context
from twin.ui.guard import whole_number
from twin.ui.jobs import Jobs
from twin.ui.widgets import HEADLINE, comparison_links, control, data_attrs, progress_view

MAX_SEEDS = 50
MAX_ARMS = 4  # the arm choices of the form; a forged request may name any arm


def _default_base(files: dict[str, Any]) -> str:
    return "small" if "small" in files else next(iter(files), "")


def knob_input(knob: Knob, arm: int, value: Any) -> Any:
    cid = {"type": "compare-knob", "arm": arm, "knob": knob.name}
    if knob.kind == "bool":
        opts = [{"label": "on", "value": "on"}, {"label": "off", "value": "off"}]
        return dcc.Dropdown(
            id=cid, options=opts, value=knob.show(value), clearable=False, style={"width": "110px"}
        )
    if knob.kind == "choice":
        return dcc.Dropdown(
            id=cid,
            options=list(knob.choices),
            value=value,
            clearable=False,
            style={"width": "130px"},
        )
    text = ", ".join(f"{w:g}" for w in value) if knob.kind == "widths" else knob.show(value)
    return dcc.Input(id=cid, type="text", value=text, debounce=False)


def default_value(base: Scenario, knob: Knob, arm: int) -> Any:
    """Arm A is the base; arm B starts with two more technicians, so Run shows something."""
    value = knob.get(base)
    if knob.name == "technicians" and arm == 1:
        return value + 2
    return value


def knob_grid(base: Scenario, n_arms: int) -> html.Table:
    head = [html.Th("Policy knob")] + [
        html.Th(f"Arm {string.ascii_uppercase[i]}" + (" (reference)" if i == 0 else ""))
        for i in range(n_arms)
    ]
    rows = []
    for knob in KNOBS:
        cells: list[Any] = [
            html.Td([html.Div(knob.label), html.Div(knob.help, className="knob-help")])
        ]
        for arm in range(n_arms):
            err = {"type": "compare-knob-error", "arm": arm, "knob": knob.name}
            cells.append(
                html.Td(
                    [
                        knob_input(knob, arm, default_value(base, knob, arm)),
                        html.Div(id=err, className="field-error"),
                    ]
                )
            )
        rows.append(html.Tr(cells))
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="knobs")


def layout(comparison: str | None = None, **_: Any) -> html.Div:
    files = context.scenario_files()
    base_name = _default_base(files)
    base = context.base_scenario(base_name) if base_name else Scenario()
    store = context.store()
    result = comparison_view(store, comparison) if comparison else html.Div()
    return html.Div(
        [
            html.H2("Compare policies"),
            html.P(
                "What happens if …? Pick a base scenario, change policy knobs per arm, and run "
                "every arm on the same simulated days (same customers, durations and traffic "
                "on each seed), so the differences come from the policy.",
                className="lead",
            ),
            html.Div(
                [
                    control(
                        "Base scenario",
                        dcc.Dropdown(
                            id="compare-base",
                            options=list(files),
                            value=base_name,
                            clearable=False,
                            style={"width": "220px"},
                        ),
                    ),
                    control(
                        "Arms",
                        dcc.RadioItems(
                            id="compare-n-arms",
                            options=list(range(2, MAX_ARMS + 1)),
                            value=2,
                            inline=True,
                        ),
                    ),
                    control(
                        "Seeds (simulated days per arm)",
                        dcc.Input(
                            id="compare-seeds",
                            type="number",
                            min=1,
                            max=MAX_SEEDS,
                            step=1,
                            value=3,
                            style={"width": "80px"},
                        ),
                    ),
                ],
                className="controls",
            ),
            html.Div(knob_grid(base, 2), id="compare-grid"),
            html.Div(
                [
                    html.Button("Run comparison", id="compare-start", className="button"),
                    html.Span(
                        id="compare-start-error", className="error", style={"marginLeft": "12px"}
                    ),
                ],
                style={"margin": "14px 0"},
            ),
            dcc.Store(id="compare-job", data=comparison),
            dcc.Interval(id="compare-poll", interval=400, disabled=True),
            html.Div(id="compare-progress"),
            html.Div(result, id="compare-result"),
            comparison_links(store.comparisons(), "/", "compare"),
        ]
    )


@callback(
    Output("compare-grid", "children"),
    Input("compare-base", "value"),
    Input("compare-n-arms", "value"),
    prevent_initial_call=True,
)
def on_setup(base_name: str, n_arms: Any) -> html.Table:
    try:
        arms = whole_number("arms", n_arms, 2, MAX_ARMS)
        return knob_grid(context.base_scenario(base_name), arms)
    except ConfigError:  # not a choice of the form: a forged request
        raise PreventUpdate from None


def knob_errors(base: Scenario, cells: list[tuple[dict[str, Any], Any]]) -> dict[str, str]:
    """Message per knob cell (key ``"arm/knob"``), empty when the value is fine."""
    check_cells(cells)
    out = {}
    for cid, value in cells:
        msg = knob_error(base, KNOBS_BY_NAME[cid["knob"]], value)
        out[f"{cid['arm']}/{cid['knob']}"] = msg or ""
    return out


@callback(
    Output({"type": "compare-knob-error", "arm": ALL, "knob": ALL}, "children"),
    Output("compare-start", "disabled"),
    Input({"type": "compare-knob", "arm": ALL, "knob": ALL}, "value"),
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


def check_cells(cells: list[tuple[dict[str, Any], Any]]) -> None:
    """The grid a request sends: known knobs of at most MAX_ARMS arms (ConfigError if not)."""
    if len(cells) > MAX_ARMS * len(KNOBS):
        raise ConfigError(f"arms: at most {MAX_ARMS} arms of {len(KNOBS)} knobs each")
    for cid, _ in cells:
        arm, knob = cid.get("arm"), cid.get("knob")
        if not isinstance(arm, int) or isinstance(arm, bool) or not 0 <= arm < MAX_ARMS:
            raise ConfigError(f"arms: arm {arm!r} is not one of the {MAX_ARMS} arms")
        if knob not in KNOBS_BY_NAME:
            raise ConfigError(f"unknown policy knob {knob!r}")


def build_arms(base: Scenario, cells: list[tuple[dict[str, Any], Any]]) -> list[Arm]:
    """Arms from the grid: each arm overrides the knobs whose value differs from the base."""
    check_cells(cells)
    per_arm: dict[int, dict[str, Any]] = {}
    for cid, raw in cells:
        knob = KNOBS_BY_NAME[cid["knob"]]
        value = knob.parse(raw)
        overrides = per_arm.setdefault(int(cid["arm"]), {})
        if value != knob.get(base):
            overrides[knob.path] = value
    arms = []
    for i in sorted(per_arm):
        arm = Arm(f"{string.ascii_uppercase[i]}: {arm_label(per_arm[i])}", per_arm[i])
        arm.scenario(base)  # raises ConfigError for a bad combination
        arms.append(arm)
    return arms


def start_comparison(
    jobs: Jobs, base: Scenario, cells: list[tuple[dict[str, Any], Any]], seeds: Any
) -> str:
    """Validate and start; returns the job (comparison) id. ConfigError names what is wrong."""
    n = whole_number("seeds", seeds, 1, MAX_SEEDS)
    arms = build_arms(base, cells)
    return jobs.start(base, arms, list(range(1, n + 1)), kind="compare")


@callback(
    Output("compare-job", "data"),
    Output("compare-poll", "disabled"),
    Output("compare-start-error", "children"),
    Input("compare-start", "n_clicks"),
    State("compare-base", "value"),
    State("compare-seeds", "value"),
    State({"type": "compare-knob", "arm": ALL, "knob": ALL}, "value"),
    prevent_initial_call=True,
)
def on_start(_: int, base_name: str, seeds: Any, values: list[Any]) -> tuple[Any, bool, str]:
    ids = [i["id"] for i in ctx.states_list[2]]
    try:
        job = start_comparison(
            context.jobs(),
            context.base_scenario(base_name),
            list(zip(ids, values, strict=True)),
            seeds,
        )
    except ConfigError as exc:
        return dash.no_update, True, str(exc)
    return job, False, ""


@callback(
    Output("compare-progress", "children"),
    Output("compare-result", "children"),
    Output("compare-poll", "disabled", allow_duplicate=True),
    Input("compare-poll", "n_intervals"),
    State("compare-job", "data"),
    prevent_initial_call=True,
)
def on_poll(_: int, job: str | None) -> tuple[Any, Any, bool]:
    if not job:
        return html.Div(), dash.no_update, True
    status = context.jobs().status(job)
    if status is None or not status.finished:
        return progress_view(status, "compare"), dash.no_update, False
    if status.error:
        return progress_view(status, "compare"), html.Div(), True
    return progress_view(status, "compare"), comparison_view(context.store(), job), True


# ---------------------------------------------------------------- the result table
def _diff_cell(row: KpiRow, i: int) -> html.Td:
    diff = row.differences[i]
    if diff is None:
        return html.Td("")
    v = verdict(row.spec, diff)
    cls = {"better": "better", "worse": "worse", "n.s.": "ns"}.get(v, "")
    text = format_difference(row.spec, diff).replace(" (n.s.)", "")
    mark = " n.s." if not diff.significant else ""
    return html.Td(
        [text, html.Span(mark, className="ns")],
        className=cls,
        title="not significant: the 95% CI of the difference contains 0" if mark else v,
        **data_attrs(kpi=row.spec.name, arm=str(i), col="diff"),
    )


def kpi_table(rows: list[KpiRow], arms: list[str], run_links: dict[str, str]) -> html.Table:
    head: list[Any] = [html.Th("KPI")]
    for i, arm in enumerate(arms):
        link = run_links.get(arm)
        title: list[Any] = [arm, html.Br(), dcc.Link("open a day", href=link)] if link else [arm]
        head.append(html.Th(title))
        if i:
            head.append(html.Th([f"Δ {arm.split(':')[0]} vs A", html.Br(), "[95% CI]"]))
    body = []
    for row in rows:
        cells: list[Any] = [html.Td(row.spec.label, title=row.spec.definition)]
        for i, est in enumerate(row.estimates):
            cells.append(
                html.Td(
                    format_estimate(row.spec, est),
                    **data_attrs(kpi=row.spec.name, arm=str(i), col="mean"),
                )
            )
            if i:
                cells.append(_diff_cell(row, i))
        body.append(html.Tr(cells))
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="results")


def comparison_view(store: RunStore, comparison_id: str) -> html.Div:
    """The stored comparison as tables: headline KPIs, then all KPIs folded away."""
    try:
        record = store.comparison(comparison_id)
    except StoreError as exc:
        return html.Div(str(exc), className="error")
    by_arm = store.kpis_by_arm(comparison_id)
    rows = summarise(by_arm)
    first_runs = {}
    for r in store.runs(comparison_id):
        if r.arm is not None and r.arm not in first_runs:
            first_runs[r.arm] = f"/day?run={r.id}"
    arms = list(by_arm)
    n = min((len(v) for v in by_arm.values()), default=0)
    headline = [r for name in HEADLINE for r in rows if r.spec.name == name]
    nan_free = all(not math.isnan(e.mean) for r in headline for e in r.estimates)
    return html.Div(
        [
            html.H3(f"Result: {record.label}"),
            html.P(
                f"Base scenario {record.base_scenario} · {n} seeds per arm · "
                f"mean ± 95% confidence interval over seeds · Δ = paired difference to arm A "
                f"on the same seeds. Green: significantly better, red: significantly worse, "
                f"grey n.s.: not significant (the interval contains 0)."
                + ("" if n >= 2 else " One seed gives no interval: use 2 or more."),
                className="note",
            ),
            kpi_table(headline, arms, first_runs),
            html.Details([html.Summary("All KPIs"), kpi_table(rows, arms, {})], open=not nan_free),
        ],
        id="compare-result-view",
        **data_attrs(comparison=comparison_id),
    )


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/", name="Compare", title="Compare · FieldTwin", order=0, layout=layout
)
