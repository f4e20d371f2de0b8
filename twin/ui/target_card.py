"""The Compare scorecard: every arm against the company's targets, red/amber/green, editable.

One row per target (:mod:`twin.config.targets`): its bound in a field beside the label,
then each arm's measure with its 95 % interval over seeds, coloured by
:func:`twin.ui.targets.status`. The targets are the comparison's own when a manager saved
some (:func:`twin.app.notes.set_targets`), else those of the scenario its runs used. Typing
another bound recolours the row at once (Enter or leaving the field); *Save targets* keeps
them with the comparison, so it reopens judged the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from twin.analysis.kpi import Kpis
from twin.analysis.stats import Estimate
from twin.app.notes import set_targets
from twin.app.store import ComparisonRecord, RunStore, StoreError
from twin.config import TARGET_SPECS, ConfigError, Targets
from twin.ui import context
from twin.ui.guard import store_id
from twin.ui.targets import SPECS_BY_NAME, bound_text, estimates, parse_targets, status, value_text
from twin.ui.verdict import letter
from twin.ui.widgets import data_attrs

TARGET = {"type": "compare-target", "name": ALL}
RAG = {"type": "compare-rag", "target": ALL, "arm": ALL}
_WHY = {
    "green": "met: the whole 95 % interval is on the target's side",
    "red": "missed: the whole 95 % interval is on the wrong side",
    "amber": "cannot tell: the 95 % interval straddles the target (or one seed, no interval)",
    "none": "no target, or no value (e.g. no emergency on these days)",
}


def arm_context(
    store: RunStore, record: ComparisonRecord, first_run: Mapping[str, str]
) -> tuple[Targets, list[float]]:
    """The targets to judge by, and each arm's technician-days per run (technicians x
    working days of the scenario its first run used; 1 for an arm without runs)."""
    targets: Targets | None = None
    if record.targets is not None:
        try:
            targets = Targets.model_validate(record.targets)
        except ValueError:  # stored by another version: fall back to the scenario's
            targets = None
    tdays = []
    for label in record.arm_labels:
        rid = first_run.get(label)
        if rid is None:
            tdays.append(1.0)
            continue
        scenario = store.scenario(rid)
        targets = targets or scenario.targets
        tdays.append(float(scenario.workforce.technicians * scenario.period.days))
    return targets or Targets(), tdays


def _plain(est: Estimate) -> list[float | None]:
    return [None if math.isnan(v) else v for v in (est.mean, est.low, est.high)] + [est.n]


def _estimate(raw: Sequence[Any]) -> Estimate:
    mean, low, high, n = (math.nan if v is None else v for v in raw)
    return Estimate(float(mean), float(low), float(high), int(n))


def _bound_cell(name: str, bound: float | None) -> html.Td:
    spec = SPECS_BY_NAME[name]
    sign = "≥" if spec.direction == "at least" else "≤"
    field = dcc.Input(
        id={"type": "compare-target", "name": name},
        type="text",
        inputMode="numeric",
        value=bound_text(bound),
        debounce=True,
        placeholder="none",
        style={"width": "64px"},
    )
    return html.Td([f"{sign} ", field, f" {spec.unit}".rstrip()], className="bound")


def scorecard(
    record: ComparisonRecord,
    by_arm: Mapping[str, Mapping[int, Kpis]],
    targets: Targets,
    technician_days: Sequence[float],
) -> html.Div:
    """The scorecard block of a stored comparison (see the module docstring)."""
    found = estimates(by_arm, technician_days)
    arms = list(by_arm)
    head = [html.Th("Company target"), html.Th("bar")]
    head += [html.Th(letter(i), title=arm) for i, arm in enumerate(arms)]
    body = []
    for spec in TARGET_SPECS:
        bound = getattr(targets, spec.name)
        cells: list[Any] = [html.Td(spec.label, title=spec.label), _bound_cell(spec.name, bound)]
        for i, est in enumerate(found[spec.name]):
            kind = status(spec, est, bound)
            cells.append(
                html.Td(
                    value_text(spec, est),
                    id={"type": "compare-rag", "target": spec.name, "arm": i},
                    className=f"rag rag-{kind}",
                    title=_WHY[kind],
                    **data_attrs(target=spec.name, arm=str(i)),
                )
            )
        body.append(html.Tr(cells))
    return html.Div(
        [
            html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="scorecard"),
            html.Div(
                [
                    html.Button("Save targets", id="compare-targets-save", className="button"),
                    html.Span(id="compare-targets-saved", className="note"),
                    html.Span(id="compare-targets-error", className="error"),
                ],
                className="controls",
            ),
            html.P(
                "Green: the whole 95 % interval meets the target; red: it misses it; amber: "
                "the interval straddles it, so the seeds cannot tell. Targets come from the "
                "scenario's [targets] (defaults from published figures, some assumed); change "
                "a bar and press Enter to judge again, Save to keep it with this comparison.",
                className="note",
            ),
            dcc.Store(
                id="compare-target-values",
                data={k: [_plain(e) for e in v] for k, v in found.items()},
            ),
            dcc.Store(id="compare-target-of", data=record.id),
        ],
        id="compare-scorecard",
    )


def judged(raw: Mapping[str, Any], values: Mapping[str, Any]) -> dict[tuple[str, int], str]:
    """``{(target, arm): status}`` for targets typed as ``raw`` (ConfigError when one is
    bad) and estimates stored as ``values``."""
    targets = parse_targets(raw)
    out: dict[tuple[str, int], str] = {}
    for name, row in values.items():
        spec = SPECS_BY_NAME[name]
        for i, plain in enumerate(row):
            out[name, i] = status(spec, _estimate(plain), getattr(targets, name))
    return out


@callback(
    Output(RAG, "className"),
    Output(RAG, "title"),
    Output("compare-targets-error", "children"),
    Input(TARGET, "value"),
    State("compare-target-values", "data"),
    prevent_initial_call=True,
)
def on_targets(bounds: list[Any], values: Any) -> tuple[Any, Any, str]:
    """Recolour the scorecard for the bounds as typed; a bad one is named, nothing changes."""
    names = [i["id"]["name"] for i in ctx.inputs_list[0]]
    if not isinstance(values, dict) or set(values) - set(SPECS_BY_NAME):
        raise dash.exceptions.PreventUpdate  # not a scorecard this page drew
    try:
        kinds = judged(dict(zip(names, bounds, strict=True)), values)
    except (ConfigError, TypeError, ValueError) as exc:
        keep = [dash.no_update] * len(ctx.outputs_list[0])  # one per cell of a wildcard
        return keep, keep, str(exc)
    cells = [(o["id"]["target"], o["id"]["arm"]) for o in ctx.outputs_list[0]]
    shown = [kinds.get(c, "none") for c in cells]
    return [f"rag rag-{k}" for k in shown], [_WHY[k] for k in shown], ""


@callback(
    Output("compare-targets-saved", "children"),
    Input("compare-targets-save", "n_clicks"),
    State("compare-target-of", "data"),
    State(TARGET, "value"),
    prevent_initial_call=True,
)
def on_save_targets(_: int, target: Any, bounds: list[Any]) -> str:
    """Keep the bounds as typed with the comparison (or say which is wrong)."""
    cid = store_id(target)
    if cid is None:
        raise dash.exceptions.PreventUpdate
    names = [i["id"]["name"] for i in ctx.states_list[1]]
    try:
        targets = parse_targets(dict(zip(names, bounds, strict=True)))
        set_targets(context.store(), cid, targets)
    except (ConfigError, StoreError) as exc:
        return str(exc)
    return "Targets saved with this comparison."
