"""Runs page: every stored comparison and run; reopen them or delete them."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, callback, ctx, dcc, html

from twin.app.store import RunStore
from twin.config import ConfigError
from twin.ui import context
from twin.ui.guard import delete_one
from twin.ui.widgets import data_attrs

MAX_RUNS = 300


def layout(**_: Any) -> html.Div:
    return html.Div(
        [
            html.H2("Stored runs"),
            html.P(f"The run store: {context.store().path}", className="lead"),
            html.Div(id="runs-message", className="error"),
            html.Div(tables(context.store()), id="runs-tables"),
        ]
    )


def _delete(kind: str, ident: str) -> html.Button:
    return html.Button(
        "delete", id={"type": f"runs-delete-{kind}", "id": ident}, className="button danger"
    )


def tables(store: RunStore) -> list[Any]:
    comps = store.comparisons()
    runs = store.runs()
    comp_rows = [
        html.Tr(
            [
                html.Td(f"{c.created:%Y-%m-%d %H:%M}"),
                html.Td(
                    dcc.Link(
                        c.label,
                        href=("/tradeoff" if c.kind == "sweep" else "/") + f"?comparison={c.id}",
                    )
                ),
                html.Td(c.kind),
                html.Td(c.base_scenario),
                html.Td(str(len(c.arms))),
                html.Td(str(len(c.seeds))),
                html.Td(c.status),
                html.Td(_delete("comparison", c.id)),
            ],
            **data_attrs(comparison=c.id),
        )
        for c in comps
    ]
    run_rows = [
        html.Tr(
            [
                html.Td(f"{r.created:%Y-%m-%d %H:%M:%S}"),
                html.Td(r.arm or "–"),
                html.Td(r.scenario_name),
                html.Td(str(r.seed)),
                html.Td(r.dispatcher),
                html.Td(f"{r.kpis.cost_total_eur:,.0f} EUR"),
                html.Td(f"{r.kpis.customer_satisfaction:.0f}"),
                html.Td(f"{r.wall_s:.1f} s"),
                html.Td(
                    [
                        dcc.Link("day", href=f"/day?run={r.id}"),
                        " · ",
                        dcc.Link("model", href=f"/model?run={r.id}"),
                    ]
                ),
                html.Td(_delete("run", r.id)),
            ],
            **data_attrs(run=r.id),
        )
        for r in runs[:MAX_RUNS]
    ]
    comp_head = ["created", "comparison", "kind", "base", "arms", "seeds", "status", ""]
    run_head = [
        "created",
        "arm",
        "scenario",
        "seed",
        "dispatcher",
        "cost",
        "customer sat.",
        "wall",
        "open",
        "",
    ]
    return [
        html.H3(f"Comparisons ({len(comps)})"),
        html.Table(
            [html.Thead(html.Tr([html.Th(h) for h in comp_head])), html.Tbody(comp_rows)],
            className="results",
            id="runs-comparisons",
        ),
        html.H3(
            f"Runs ({len(runs)}" + (f", newest {MAX_RUNS} shown)" if len(runs) > MAX_RUNS else ")")
        ),
        html.Table(
            [html.Thead(html.Tr([html.Th(h) for h in run_head])), html.Tbody(run_rows)],
            className="results",
            id="runs-runs",
        ),
    ]


@callback(
    Output("runs-tables", "children"),
    Output("runs-message", "children"),
    Input({"type": "runs-delete-run", "id": ALL}, "n_clicks"),
    Input({"type": "runs-delete-comparison", "id": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def on_delete(run_clicks: list[Any], comp_clicks: list[Any]) -> Any:
    # re-rendering adds buttons, which fires this callback with nothing clicked; one
    # deletion per request, whatever a forged request claims was clicked
    if len(ctx.triggered) != 1 or not ctx.triggered[0]["value"]:
        return dash.no_update, dash.no_update
    try:
        done = delete_one(context.store(), ctx.triggered_id, context.jobs(), context.deletions())
        if not done:
            return dash.no_update, dash.no_update
    except ConfigError as exc:
        return dash.no_update, str(exc)
    return tables(context.store()), ""


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/runs", name="Runs", title="Runs · FieldTwin", order=4, layout=layout
)
