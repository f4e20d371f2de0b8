"""Model page: how good were the predictions behind one run's decisions?

Duration predictions (booked expected duration vs actual work), ETA errors (``EtaUpdated``
vs the actual arrival) and delay-alert precision/recall (``DelayDetected`` vs visits not on
time), all computed from the event log (definitions in :mod:`twin.ui.metrics`).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from twin.analysis.quality import HORIZONS, eta_errors, measure
from twin.app.store import StoreError
from twin.ui import context
from twin.ui.figures import duration_scatter, eta_accuracy
from twin.ui.metrics import duration_errors, has_brain_decisions
from twin.ui.widgets import control, run_dropdown

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
    parts: list[Any] = [
        dcc.Graph(id="model-durations", figure=duration_scatter(duration_errors(events)))
    ]
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


@callback(Output("model-content", "children"), Input("model-run", "value"))
def on_run(run_id: str | None) -> Any:
    return model_view(run_id)


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/model", name="Model", title="Model · FieldTwin", order=3, layout=layout
)
