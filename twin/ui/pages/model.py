"""Model page: how good were the predictions behind one run's decisions?

Duration predictions (the run's duration model, as the brain asked it, vs the actual work;
by job type and by technician experience), ETA errors (``EtaUpdated`` vs the actual
arrival) and delay-alert precision/recall (``DelayDetected`` vs visits not on time)
(definitions in :mod:`twin.ui.metrics`). A run whose policy names no duration model shows
the booked durations, which is what its brain used. Below, on request, ETA interval coverage
by lead time and alert precision/recall across the stored runs (:mod:`twin.ui.quality_runs`).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from twin.analysis.quality import HORIZONS, eta_errors, measure
from twin.app.store import StoreError
from twin.config import Scenario
from twin.events import Event
from twin.ui import context
from twin.ui.figures import duration_scatter, eta_accuracy
from twin.ui.metrics import (
    DurationError,
    DurationPrediction,
    duration_errors,
    has_brain_decisions,
    predicted_durations,
)
from twin.ui.quality_runs import MAX_RUNS, quality_table, stored_quality
from twin.ui.widgets import control, data_attrs, run_dropdown

NO_BRAIN = "No brain decisions in this run: no ETA updates, delay alerts, replans or notices."


def layout(run: str | None = None, **_: Any) -> html.Div:
    return html.Div(
        [
            html.H2("Model quality"),
            html.P(
                "Were the durations, ETAs and delay alerts right? Each measured against what "
                "actually happened in the same run.",
                className="lead",
            ),
            control("Run", run_dropdown("model-run", context.store().runs(), run)),
            html.Div(id="model-content"),
            html.H3("Across stored runs"),
            html.P(
                f"ETA intervals and delay alerts over the newest {MAX_RUNS} stored runs with "
                "the brain: one day has few delays to alert, many days tell more.",
                className="note",
            ),
            html.Button("Measure the stored runs", id="model-across-start", className="button"),
            dcc.Loading(html.Div(id="model-across-view")),
        ]
    )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def model_view(run_id: str | None) -> Any:
    if not run_id:
        return html.P("No run selected.")
    try:
        b = context.run_bundle(run_id)
    except StoreError as exc:
        return html.P(str(exc), className="error")
    events = list(b.events)
    parts: list[Any] = durations_section(events, b.scenario)
    if not has_brain_decisions(events):
        parts.append(html.P(NO_BRAIN, id="model-no-brain", className="note"))
        return html.Div(parts)
    errors = eta_errors(events)
    if errors:
        parts.append(dcc.Graph(id="model-eta", figure=eta_accuracy(errors)))
    else:
        parts.append(html.P("No ETA updates for visits later reached.", className="note"))
    q = measure(events)  # the same measures as the run's report and `twin replay`
    hits = round(q.precision * q.alerts)
    rows = [
        ("Visits alerted", str(q.alerts)),
        ("Visits not on time (late or missed)", str(q.late_visits)),
        ("Alerted and not on time", str(hits)),
        ("Precision (alerts that were right)", _share(q.precision if q.alerts else None)),
        ("Recall (delays that were alerted)", _share(q.recall if q.late_visits else None)),
        ("Median warning before the window closed", f"{q.lead_time_median_min:.0f} min"),
        *(
            (f"ETA error {h} min before arrival (MAE)", f"{q.eta_mae_min[h]:.1f} min")
            for h in HORIZONS
        ),
    ]
    parts.append(html.H3("Delay alerts"))
    parts.append(
        html.Table(
            html.Tbody([html.Tr([html.Td(k), html.Td(v)]) for k, v in rows]),
            className="results",
            id="model-alerts",
        )
    )
    return html.Div(parts)


def error_rows(preds: list[DurationPrediction], group: str) -> list[html.Tr]:
    """MAE, bias and interval coverage of the predictions per ``group`` (an attribute)."""
    rows = []
    for key in sorted({getattr(p, group) for p in preds}):
        ps = [p for p in preds if getattr(p, group) == key]
        mae = sum(abs(p.error_min) for p in ps) / len(ps)
        bias = sum(p.error_min for p in ps) / len(ps)
        inside = sum(p.inside for p in ps) / len(ps)
        cells = [key, str(len(ps)), f"{mae:.1f} min", f"{bias:+.1f} min", f"{inside:.0%}"]
        rows.append(html.Tr([html.Td(c) for c in cells], **data_attrs(group=str(key))))
    return rows


def durations_section(events: list[Event], scenario: Scenario) -> list[Any]:
    preds = predicted_durations(events, scenario)
    if preds is None:
        figure = duration_scatter(duration_errors(events), "Booked durations vs actual")
        note = (
            "This run's policy names no duration model: its brain took the booked "
            "durations, shown here."
        )
        return [
            dcc.Graph(id="model-durations", figure=figure),
            html.P(note, id="model-no-model", className="note"),
        ]
    errors = [DurationError(p.visit_id, p.job_type, p.p50, p.actual_min) for p in preds]
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("", "visits", "MAE", "bias (p50 - actual)", "in p10-p90")])
    )
    tables = [
        html.Div(
            [
                html.H4(f"Error by {label}"),
                html.Table(
                    [head, html.Tbody(error_rows(preds, group))],
                    className="results",
                    id=f"model-by-{group.replace('_', '-')}",
                ),
            ]
        )
        for label, group in (("job type", "job_type"), ("technician experience", "experience"))
    ]
    figure = duration_scatter(errors, "Duration model (p50) vs actual work")
    return [
        dcc.Graph(id="model-durations", figure=figure),
        html.Div(tables, style={"display": "flex", "gap": "32px"}),
    ]


@callback(Output("model-content", "children"), Input("model-run", "value"))
def on_run(run_id: str | None) -> Any:
    return model_view(run_id)


@callback(
    Output("model-across-view", "children"),
    Input("model-across-start", "n_clicks"),
    prevent_initial_call=True,
)
def on_across(clicks: Any) -> Any:
    if not clicks:
        raise PreventUpdate
    rows = stored_quality(context.store())
    if not rows:
        return html.P("No stored run has brain decisions yet.", className="note")
    return quality_table(rows)


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/model", name="Model", title="Model · FieldTwin", order=3, layout=layout
)
