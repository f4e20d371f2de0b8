"""Training page: the exercises, a trainee's session started (the desk's server, as
``twin train`` starts it), the trainer's live view of a session's trainees side by side
while their days run, and stored debriefs: the trainees of an exercise side by side with
the autopilot, their score parts as a chart, and each decision on a timeline (what the
autopilot did at that moment and what the decision cost) as a table and a chart.

Debriefs come from the run store (``twin train --debrief STATE ... [--effects]`` stores
them; ``--effects`` prices the decisions). The exercises are the ``exercises`` folder
beside the cockpit's scenarios; sessions started here keep their folders in
``train/EXERCISE/TRAINEE`` beside the run store, which the live view reads
(:mod:`twin.app.training.trainer`), every 15 s and on demand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from twin.app.training.launch import launch
from twin.app.training.session import ASSISTANCE
from twin.app.training.stored import DebriefRecord, debriefs
from twin.app.training.trainer import live_trainees, sessions
from twin.config import ConfigError
from twin.ui import context
from twin.ui.training_view import (
    decisions_figure,
    decisions_table,
    exercise_table,
    exercises,
    parts_figure,
    side_by_side,
)
from twin.ui.widgets import control, data_attrs

LIVE_EVERY_MS = 15_000


def _folder() -> Path:
    return context.scenarios_dir().parent / "exercises"


def _sessions_root() -> Path:
    return context.store().path.parent / "train"


def latest_per_trainee(records: list[DebriefRecord]) -> list[DebriefRecord]:
    """Each trainee's latest debrief, best score first."""
    latest: dict[str, DebriefRecord] = {}
    for r in sorted(records, key=lambda r: r.created, reverse=True):
        latest.setdefault(r.trainee, r)
    return sorted(latest.values(), key=lambda r: (-r.score, r.trainee))


def layout(**_: Any) -> html.Div:
    found = exercises(_folder())
    names = [{"label": f"{e.name} — {e.title}", "value": str(p)} for p, e in found]
    stored = sorted({r.exercise for r in debriefs(context.store())})
    return html.Div(
        [
            html.H2("Dispatcher training"),
            html.P(
                "A trainee dispatches an exercise's day at the desk; the debrief compares "
                "the day with the autopilot's on the same random numbers.",
                className="lead",
            ),
            exercise_table(found),
            html.H3("Start a session"),
            html.Div(
                [
                    control(
                        "Exercise",
                        dcc.Dropdown(
                            id="training-exercise",
                            options=names,
                            value=names[0]["value"] if names else None,
                            clearable=False,
                        ),
                    ),
                    control("Trainee", dcc.Input(id="training-trainee", value="", type="text")),
                    control(
                        "Assistance",
                        dcc.Dropdown(
                            id="training-assist",
                            options=ASSISTANCE,
                            value="suggest",
                            clearable=False,
                        ),
                    ),
                    html.Button("Start", id="training-start", n_clicks=0),
                ],
                className="controls",
            ),
            html.Div(id="training-started"),
            html.H3("Live sessions"),
            html.P(
                "The trainees of a session side by side as their days run (each day so far, "
                "continued to its end with the exercise's script, against the autopilot).",
                className="note",
            ),
            html.Div(
                [
                    dcc.RadioItems(
                        id="training-live-exercise",
                        options=sorted(sessions(_sessions_root())),
                        value=None,
                        inline=True,
                    ),
                    html.Button("Refresh", id="training-live-refresh", n_clicks=0),
                ],
                className="controls",
            ),
            dcc.Interval(id="training-live-tick", interval=LIVE_EVERY_MS),
            html.Div(id="training-live"),
            html.H3("Debriefs"),
            control(
                "Exercise",
                dcc.Dropdown(
                    id="training-debrief-exercise",
                    options=stored,
                    value=stored[0] if stored else None,
                    clearable=False,
                ),
            ),
            html.Div(id="training-debriefs"),
        ]
    )


def start(exercise: str | None, trainee: str, assistance: str) -> html.Div:
    """Start the session; the desk's link with its key, or the reason it cannot start."""
    if not exercise:
        return html.Div("Choose an exercise.", id="training-error", className="error")
    try:
        store = context.store().path
        s = launch(exercise, trainee.strip(), assistance, root=_sessions_root(), store=store)
    except (ValueError, ConfigError) as exc:
        return html.Div(str(exc), id="training-error", className="error")
    return html.Div(
        [
            html.Span(f"{s.trainee}'s session of {s.exercise} (paused): "),
            html.A("open the desk", href=s.link, target="_blank", id="training-desk"),
            html.Span(f" · API key {s.key} · folder {s.state} · log {s.log}"),
        ],
        **data_attrs(pid=str(s.process.pid)),
        id="training-session",
    )


@callback(
    Output("training-started", "children"),
    Input("training-start", "n_clicks"),
    State("training-exercise", "value"),
    State("training-trainee", "value"),
    State("training-assist", "value"),
    prevent_initial_call=True,
)
def on_start(_: int, exercise: str | None, trainee: str | None, assistance: str) -> html.Div:
    return start(exercise, trainee or "", assistance)


def debrief_view(exercise: str | None) -> list[Any]:
    if not exercise:
        text = "No debriefs stored yet: `twin train --debrief STATE ...` stores them."
        return [html.P(text, id="training-no-debriefs", className="note")]
    records = latest_per_trainee(debriefs(context.store(), exercise))
    out = [
        side_by_side(records),
        dcc.Graph(id="training-parts", figure=parts_figure(records), config={"displaylogo": False}),
        html.H4("Decisions"),
    ]
    if not any(r.debrief.get("decisions") for r in records):
        text = "No decision priced: `twin train --debrief STATE --effects` prices each one."
        return [*out, html.P(text, id="training-no-decisions", className="note")]
    return [
        *out,
        decisions_table(records),
        dcc.Graph(
            id="training-decisions-chart",
            figure=decisions_figure(records),
            config={"displaylogo": False},
        ),
    ]


@callback(Output("training-debriefs", "children"), Input("training-debrief-exercise", "value"))
def on_debriefs(exercise: str | None) -> list[Any]:
    return debrief_view(exercise)


def live_view(exercise: str | None) -> list[Any]:
    """The trainees of ``exercise``'s sessions side by side, as of now."""
    if not exercise:
        return [html.P("Choose a session's exercise.", className="note")]
    trainees = live_trainees(_sessions_root(), exercise)
    if not trainees:
        return [html.P(f"No sessions of {exercise}.", className="note")]
    clocks = [
        html.Span(
            f"{t.record.trainee}: {'day over' if t.over else t.now} ({t.requests} requests) ",
            **data_attrs(trainee=t.record.trainee, now=t.now),
        )
        for t in trainees
    ]
    records = [t.record for t in trainees]
    table = side_by_side(records, table_id="training-live-side-by-side")
    return [html.P(clocks, id="training-live-clocks"), table]


@callback(
    Output("training-live", "children"),
    Input("training-live-exercise", "value"),
    Input("training-live-refresh", "n_clicks"),
    Input("training-live-tick", "n_intervals"),
)
def on_live(exercise: str | None, *_: int | None) -> list[Any]:
    return live_view(exercise)


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/training", name="Training", title="Training · FieldTwin", order=6,
    layout=layout,
)  # fmt: skip
