"""Shadow page: a stored scorecard (``twin score``) — the brain against production.

Shows one scorecard from the run store: ETA error and interval coverage by minutes before
the actual arrival, delay-warning precision and recall, the plans at the brain's replans
and the warnings about the input. The two figures are pure functions of the scorecard's
JSON (:mod:`twin.ui.scorecard_figures`: page modules register themselves with Dash on
import, so what tests call directly lives outside them). A live view following a scores topic
during a shadow run is not here yet: this page reads what the store holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from twin.app.counterfactual import describe
from twin.app.scorecards import ScorecardRecord, scorecard, scorecards
from twin.app.store import StoreError
from twin.ui import context
from twin.ui.scorecard_figures import eta_figure, warning_figure
from twin.ui.widgets import control, data_attrs

Card = Mapping[str, Any]


def _label(r: ScorecardRecord) -> str:
    return f"{r.created:%Y-%m-%d %H:%M} · {r.scenario_name} · {r.day} · {r.log}"


def _number(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def plan_table(card: Card) -> html.Table:
    plans = card["plans"]
    head = ["brain against", "brain cheaper", "mean Δ cost", "median Δ cost", "Δ late visits"]
    rows = []
    for key, label in (
        ("production_plan", "production's plan"),
        ("production_actual", "production's actual day"),
    ):
        s = plans[key]
        rows.append(
            html.Tr(
                [
                    html.Td(label),
                    html.Td(f"{s['brain_cheaper']} of {plans['replans']}"),
                    html.Td(_number(s["mean_cost_delta"], ",.0f")),
                    html.Td(_number(s["median_cost_delta"], ",.0f")),
                    html.Td(f"{s['late_visits_delta_total']:+d}"),
                ],
                **data_attrs(against=key),
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="results",
        id="shadow-plans",
    )


def card_view(card: Card) -> list[Any]:
    """Everything the page shows of one scorecard."""
    warnings = [
        html.Li(f"{w['kind']}: {w['message']}", **data_attrs(kind=w["kind"]))
        for w in card["input_warnings"]
    ]
    return [
        html.P(
            f"{card.get('log', '?')} · day {card['day']} · {card['visits']} visits, "
            f"{card['late']} late · brain: {card.get('brain', '?')}",
            id="shadow-about",
            className="lead",
        ),
        html.Ul(warnings, id="shadow-input-warnings", className="error")
        if warnings
        else html.Div(),
        dcc.Graph(id="shadow-eta", figure=eta_figure(card), config={"displaylogo": False}),
        dcc.Graph(id="shadow-warnings", figure=warning_figure(card), config={"displaylogo": False}),
        html.H3(f"Plans at the brain's {card['plans']['replans']} replans"),
        html.P("Priced by the planner's objective; Δ = brain − production.", className="note"),
        plan_table(card),
        html.P(describe(card["counterfactual"]), id="shadow-counterfactual", className="lead")
        if "counterfactual" in card
        else html.P(
            "No counterfactual in this scorecard (`twin score LOG --counterfactual`).",
            id="shadow-counterfactual",
            className="note",
        ),
    ]


def layout(score: str | None = None, **_: Any) -> html.Div:
    stored = scorecards(context.store())
    options = [{"label": _label(r), "value": r.id} for r in stored]
    chosen = score if score in {r.id for r in stored} else (stored[0].id if stored else None)
    return html.Div(
        [
            html.H2("Shadow scorecard"),
            html.P(
                "The brain's decisions against production's, both against what happened "
                "(`twin score LOG` stores a scorecard here).",
                className="lead",
            ),
            control(
                "Scorecard",
                dcc.Dropdown(id="shadow-card", options=options, value=chosen, clearable=False),
            ),
            html.Div(id="shadow-view"),
        ]
    )


def view(score_id: str | None) -> Sequence[Any]:
    if not score_id:
        return [html.P("No scorecards stored yet: run `twin score LOG`.", id="shadow-empty")]
    try:
        record = scorecard(context.store(), score_id)
    except StoreError as exc:
        return [html.P(str(exc), className="error")]
    return card_view(record.card)


@callback(Output("shadow-view", "children"), Input("shadow-card", "value"))
def on_card(score_id: str | None) -> Sequence[Any]:
    return view(score_id)


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/shadow", name="Shadow", title="Shadow · FieldTwin", order=5, layout=layout
)
