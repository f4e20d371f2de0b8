"""Shadow page: the brain against production — live during a shadow run, and stored.

**Live**: the scorecard a running ``twin shadow`` publishes to ``<prefix>.scores`` every few
simulated minutes (:mod:`twin.app.live_score`), polled every two seconds from the brokers
given to ``twin ui --shadow-brokers`` (or typed here, or ``?brokers=HOST:PORT&prefix=P``):
as of which minute, the visits settled so far, input warnings counted by reason, and the
two figures. **Stored**: one scorecard from the run store (``twin score``): ETA error and
interval coverage by minutes before the actual arrival, delay-warning precision and
recall, the plans at the brain's replans and the warnings about the input. The figures are
pure functions of the scorecard's JSON (:mod:`twin.ui.scorecard_figures`: page modules
register themselves with Dash on import, so what tests call directly lives outside them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from twin.app.counterfactual import describe
from twin.app.live_score import latest_scorecard, scores_topic
from twin.app.scorecards import ScorecardRecord, scorecard, scorecards
from twin.app.shadow import broker_list
from twin.app.store import StoreError
from twin.ui import context
from twin.ui.scorecard_figures import eta_figure, warning_figure
from twin.ui.widgets import control, data_attrs

Card = Mapping[str, Any]
LIVE_POLL_MS = 2000
LIVE_TIMEOUT_S = 1.5


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


def warning_list(card: Card, prefix: str = "shadow") -> html.Ul | html.Div:
    """The input warnings of a card (none: an empty Div), each with its count by reason."""
    items = []
    for w in card["input_warnings"]:
        by = w.get("by_reason") or {}
        reasons = [html.Li(f"{r}: {n:,d}", **data_attrs(reason=r)) for r, n in by.items()]
        text = f"{w['kind']}: {w['message']}"
        items.append(
            html.Li([text, html.Ul(reasons)] if reasons else text, **data_attrs(kind=w["kind"]))
        )
    if not items:
        return html.Div()
    return html.Ul(items, id=f"{prefix}-input-warnings", className="error")


def figures(card: Card, prefix: str = "shadow") -> list[dcc.Graph]:
    return [
        dcc.Graph(id=f"{prefix}-eta", figure=eta_figure(card), config={"displaylogo": False}),
        dcc.Graph(
            id=f"{prefix}-warnings", figure=warning_figure(card), config={"displaylogo": False}
        ),
    ]


def card_view(card: Card) -> list[Any]:
    """Everything the page shows of one scorecard."""
    return [
        html.P(
            f"{card.get('log', '?')} · day {card['day']} · {card['visits']} visits, "
            f"{card['late']} late · brain: {card.get('brain', '?')}",
            id="shadow-about",
            className="lead",
        ),
        warning_list(card),
        *figures(card),
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


def live_view(card: Card | None, source: str) -> list[Any]:
    """The live scorecard (None: none published yet on ``source``, the scores topic)."""
    if card is None:
        return [html.P(f"No scorecard on {source} yet.", id="shadow-live-about", className="note")]
    state = "final" if card.get("final") else "live"
    about = (
        f"{state} · {source} · as of {card.get('as_of', '?')} · day {card['day']} · "
        f"{card['visits']} visits settled, {card['late']} late"
    )
    return [
        html.P(about, id="shadow-live-about", className="lead", **data_attrs(state=state)),
        warning_list(card, "shadow-live"),
        *figures(card, "shadow-live"),
    ]


def live_panel(brokers: str | None, prefix: str) -> html.Div:
    return html.Div(
        [
            html.H3("Live: a running shadow"),
            html.Div(
                [
                    control(
                        "Brokers",
                        dcc.Input(
                            id="shadow-live-brokers",
                            value=brokers or "",
                            placeholder="HOST:PORT",
                            style={"width": "18em"},
                            debounce=True,
                        ),
                    ),
                    control(
                        "Prefix",
                        dcc.Input(
                            id="shadow-live-prefix",
                            value=prefix,
                            style={"width": "10em"},
                            debounce=True,
                        ),
                    ),
                ],
                className="controls",
            ),
            dcc.Interval(id="shadow-live-tick", interval=LIVE_POLL_MS),
            dcc.Store(id="shadow-live-seen"),
            html.Div(id="shadow-live"),
        ]
    )


def layout(
    score: str | None = None, brokers: str | None = None, prefix: str | None = None, **_: Any
) -> html.Div:
    stored = scorecards(context.store())
    options = [{"label": _label(r), "value": r.id} for r in stored]
    chosen = score if score in {r.id for r in stored} else (stored[0].id if stored else None)
    configured, default_prefix = context.shadow_source()
    return html.Div(
        [
            html.H2("Shadow scorecard"),
            html.P(
                "The brain's decisions against production's, both against what happened: "
                "live from a running `twin shadow`, and stored by `twin score LOG`.",
                className="lead",
            ),
            live_panel(brokers or configured, prefix or default_prefix),
            html.H3("Stored scorecards"),
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


def live(brokers: str | None, prefix: str | None, seen: str | None) -> tuple[Any, Any]:
    """(children, seen) for the live panel; ``no_update`` while the newest card is the one
    shown (``seen``: its topic, minute and state)."""
    if not brokers:
        note = "Not following a shadow run: give its brokers (`twin ui --shadow-brokers`)."
        return [html.P(note, id="shadow-live-about", className="note")], None
    try:
        broker_list(brokers)
        topic = scores_topic(prefix or "")
        card = latest_scorecard(brokers, topic, timeout_s=LIVE_TIMEOUT_S)
    except (ValueError, RuntimeError) as exc:
        return [html.P(str(exc), id="shadow-live-about", className="error")], None
    key = f"{topic} {card.get('as_of')} {card.get('final')}" if card else f"{topic} none"
    if key == seen:
        return dash.no_update, dash.no_update
    return live_view(card, topic), key


@callback(
    Output("shadow-live", "children"),
    Output("shadow-live-seen", "data"),
    Input("shadow-live-tick", "n_intervals"),
    Input("shadow-live-brokers", "value"),
    Input("shadow-live-prefix", "value"),
    State("shadow-live-seen", "data"),
)
def on_live(_: int | None, brokers: str | None, prefix: str | None, seen: str | None) -> Any:
    return live(brokers, prefix, seen)


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/shadow", name="Shadow", title="Shadow · FieldTwin", order=5, layout=layout
)
