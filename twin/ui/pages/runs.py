"""Runs page: every stored comparison and run; filter, sort, export, reopen or delete them.

A delete button only asks: the confirmation names what goes (for a comparison, each of its
runs), and nothing is deleted until it is confirmed (:func:`twin.ui.guard.delete_one` then
checks the id, a running job and the minute's budget, as for any request). The filter
matches any shown field; the CSV export holds the filtered runs with every KPI.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from twin.analysis.kpi import KPI_SPECS
from twin.app.notes import title
from twin.app.store import ComparisonRecord, RunRecord, RunStore, StoreError
from twin.config import ConfigError
from twin.ui import context
from twin.ui.guard import delete_one, store_id
from twin.ui.widgets import control, data_attrs

MAX_RUNS = 300
KPI_FIELDS = tuple(s.name for s in KPI_SPECS)
DELETE_KINDS = ("runs-delete-run", "runs-delete-comparison")
SORTS: dict[str, tuple[str, Callable[[RunRecord], Any], bool]] = {
    "newest": ("newest first", lambda r: (r.created, r.id), True),
    "oldest": ("oldest first", lambda r: (r.created, r.id), False),
    "cost": ("cheapest first", lambda r: r.kpis.cost_total_eur, False),
    "customer": ("most satisfied customers first", lambda r: r.kpis.customer_satisfaction, True),
    "comparison": (
        "by comparison, arm, seed",
        lambda r: (r.comparison_id or "", r.arm_index or 0, r.seed),
        False,
    ),
}


def layout(**_: Any) -> html.Div:
    return html.Div(
        [
            html.H2("Stored runs"),
            html.P(f"The run store: {context.store().path}", className="lead"),
            html.Div(
                [
                    control(
                        "Filter",
                        dcc.Input(
                            id="runs-filter",
                            type="text",
                            debounce=True,
                            placeholder="scenario, arm, seed, comparison …",
                        ),
                    ),
                    control(
                        "Sort runs",
                        dcc.Dropdown(
                            id="runs-sort",
                            options=[{"label": v[0], "value": k} for k, v in SORTS.items()],
                            value="newest",
                            clearable=False,
                            style={"width": "260px"},
                        ),
                    ),
                    html.Button("Export CSV", id="runs-export", className="button"),
                    dcc.Download(id="runs-download"),
                ],
                className="controls",
            ),
            html.Div(
                [
                    html.Div(id="runs-confirm-text"),
                    html.Button("Yes, delete", id="runs-confirm-yes", className="button danger"),
                    html.Button("Cancel", id="runs-confirm-no", className="button"),
                ],
                id="runs-confirm",
                className="confirm",
                style={"display": "none"},
            ),
            dcc.Store(id="runs-pending"),
            dcc.Store(id="runs-version", data=0),
            html.Div(id="runs-message", className="error"),
            html.Div(id="runs-tables"),
        ]
    )


def _delete(kind: str, ident: str) -> html.Button:
    return html.Button(
        "delete", id={"type": f"runs-delete-{kind}", "id": ident}, className="button danger"
    )


def matches(text: str, *fields: Any) -> bool:
    """Whether every word of ``text`` occurs in one of ``fields`` (case-insensitive)."""
    hay = " ".join(str(f) for f in fields if f is not None).lower()
    return all(word in hay for word in text.lower().split())


def shown_runs(store: RunStore, text: str, sort: str) -> list[RunRecord]:
    """The runs that match ``text``, in the order ``sort`` names."""
    labels = {c.id: f"{title(c)} {c.note}" for c in store.comparisons()}
    runs = [
        r
        for r in store.runs()
        if matches(
            text,
            r.id,
            r.arm,
            r.scenario_name,
            f"seed {r.seed}",
            r.dispatcher,
            r.comparison_id,
            labels.get(r.comparison_id or ""),
        )
    ]
    _, key, reverse = SORTS.get(sort, SORTS["newest"])
    return sorted(runs, key=key, reverse=reverse)


def _comparison_rows(comps: Sequence[ComparisonRecord]) -> list[html.Tr]:
    return [
        html.Tr(
            [
                html.Td(f"{c.created:%Y-%m-%d %H:%M}"),
                html.Td(
                    dcc.Link(
                        title(c),
                        href=("/tradeoff" if c.kind == "sweep" else "/") + f"?comparison={c.id}",
                        title=c.label,
                    )
                ),
                html.Td(c.note, className="note"),
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


def _run_rows(runs: Sequence[RunRecord], labels: dict[str, str]) -> list[html.Tr]:
    return [
        html.Tr(
            [
                html.Td(f"{r.created:%Y-%m-%d %H:%M:%S}"),
                html.Td(labels.get(r.comparison_id or "", "–")),
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


def _table(head: Sequence[str], rows: list[html.Tr], table_id: str) -> html.Table:
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="results",
        id=table_id,
    )


def tables(store: RunStore, text: str = "", sort: str = "newest") -> list[Any]:
    comps = [
        c
        for c in store.comparisons()
        if matches(text, c.id, c.label, c.name, c.note, c.kind, c.base_scenario, c.status)
    ]
    runs = shown_runs(store, text, sort)
    labels = {c.id: title(c) for c in store.comparisons()}
    comp_head = ["created", "comparison", "note", "kind", "base", "arms", "seeds", "status", ""]
    run_head = [
        "created",
        "comparison",
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
    more = f", first {MAX_RUNS} shown" if len(runs) > MAX_RUNS else ""
    return [
        html.H3(f"Comparisons ({len(comps)})"),
        _table(comp_head, _comparison_rows(comps), "runs-comparisons"),
        html.H3(f"Runs ({len(runs)}{more})"),
        _table(run_head, _run_rows(runs, labels), "runs-runs"),
    ]


def confirmation(store: RunStore, target: dict[str, str]) -> list[Any]:
    """What a deletion of ``target`` would remove, in words and a list of its runs."""
    if target["type"] == "runs-delete-run":
        r = store.run(target["id"])
        return [html.P(f"Delete run {r.id} ({r.arm or r.scenario_name}, seed {r.seed})?")]
    c = store.comparison(target["id"])
    runs = store.runs(c.id)
    return [
        html.P(f"Delete comparison '{c.label}' ({c.id}) and its {len(runs)} runs?"),
        html.Ul([html.Li(f"{r.id}: {r.arm}, seed {r.seed}") for r in runs]),
    ]


@callback(
    Output("runs-tables", "children"),
    Input("runs-filter", "value"),
    Input("runs-sort", "value"),
    Input("runs-version", "data"),
)
def on_view(text: Any, sort: Any, _: Any) -> list[Any]:
    return tables(context.store(), text if isinstance(text, str) else "", str(sort))


@callback(
    Output("runs-pending", "data"),
    Output("runs-confirm-text", "children"),
    Output("runs-confirm", "style"),
    Input({"type": "runs-delete-run", "id": ALL}, "n_clicks"),
    Input({"type": "runs-delete-comparison", "id": ALL}, "n_clicks"),
    Input("runs-confirm-no", "n_clicks"),
    prevent_initial_call=True,
)
def on_ask(*_: Any) -> tuple[Any, ...]:
    """A delete button asks first; Cancel (or anything not a button of a stored id) closes."""
    hidden: tuple[Any, ...] = (None, [], {"display": "none"})
    # re-rendering adds buttons, which fires this callback with nothing clicked
    if len(ctx.triggered) != 1 or not ctx.triggered[0]["value"]:
        return dash.no_update, dash.no_update, dash.no_update
    target = ctx.triggered_id
    if not isinstance(target, dict) or target.get("type") not in DELETE_KINDS:
        return hidden
    if store_id(target.get("id")) is None:
        return hidden
    try:
        text = confirmation(context.store(), target)
    except StoreError:
        return hidden
    return {"type": target["type"], "id": target["id"]}, text, {"display": "block"}


@callback(
    Output("runs-version", "data"),
    Output("runs-message", "children"),
    Output("runs-pending", "data", allow_duplicate=True),
    Output("runs-confirm", "style", allow_duplicate=True),
    Input("runs-confirm-yes", "n_clicks"),
    State("runs-pending", "data"),
    State("runs-version", "data"),
    prevent_initial_call=True,
)
def on_confirm(_: int, target: Any, version: Any) -> tuple[Any, ...]:
    hide = {"display": "none"}
    try:
        done = delete_one(context.store(), target, context.jobs(), context.deletions())
    except ConfigError as exc:
        return dash.no_update, str(exc), None, hide
    nxt = (version if isinstance(version, int) else 0) + 1
    return (nxt if done else dash.no_update), "", None, hide


def runs_csv(runs: Sequence[RunRecord]) -> str:
    """The runs with their comparison, arm, seed and every KPI, one row each."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "run_id",
            "created_utc",
            "comparison_id",
            "arm",
            "scenario",
            "seed",
            "dispatcher",
            "wall_s",
            *KPI_FIELDS,
        ]
    )
    for r in runs:
        kpis = r.kpis.to_dict()
        w.writerow(
            [
                r.id,
                r.created.isoformat(),
                r.comparison_id or "",
                r.arm or "",
                r.scenario_name,
                r.seed,
                r.dispatcher,
                f"{r.wall_s:.3f}",
                *(kpis[n] for n in KPI_FIELDS),
            ]
        )
    return out.getvalue()


@callback(
    Output("runs-download", "data"),
    Input("runs-export", "n_clicks"),
    State("runs-filter", "value"),
    State("runs-sort", "value"),
    prevent_initial_call=True,
)
def on_export(_: int, text: Any, sort: Any) -> dict[str, Any]:
    runs = shown_runs(context.store(), text if isinstance(text, str) else "", str(sort))
    return dcc.send_string(runs_csv(runs), "fieldtwin-runs.csv")


# registered last: with pages imported by create_app, Dash needs the layout given here
dash.register_page(
    __name__, path="/runs", name="Runs", title="Runs · FieldTwin", order=4, layout=layout
)
