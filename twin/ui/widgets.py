"""Small pieces several pages use: the form controls Compare and Trade-off share, progress
of a job, KPI cards, a run's name, run choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from twin.analysis.kpi import KPI_SPECS
from twin.app.notes import title
from twin.app.store import ComparisonRecord, RunRecord
from twin.ui.jobs import JobStatus

SPECS = {s.name: s for s in KPI_SPECS}
HEADLINE = (
    "cost_total_eur",
    "customer_satisfaction",
    "employee_satisfaction",
    "punctuality",
    "lateness_mean_min",
    "visits_missed",
    "visits_rejected",
    "emergency_within_target",
    "overtime_hours",
    "travel_km",
    "utilisation",
)


def control(label: str, component: Any) -> html.Div:
    """A labelled form control, laid out like every other knob of the cockpit."""
    return html.Div([html.Label(label), component], className="control")


def default_base(files: Sequence[str] | dict[str, Any]) -> str:
    """The base scenario a form starts with: the small one when offered (quick to run)."""
    return "small" if "small" in files else next(iter(files), "")


def base_control(component_id: str, files: Sequence[str] | dict[str, Any], value: str) -> html.Div:
    """The base scenario's dropdown (a scenario file's stem)."""
    return control(
        "Base scenario",
        dcc.Dropdown(
            id=component_id,
            options=list(files),
            value=value,
            clearable=False,
            style={"width": "200px"},
        ),
    )


def count_control(label: str, component_id: str, value: Any, width: str = "70px") -> html.Div:
    """A whole-number field. Text, not number: a browser hands a number field's bad input
    over as nothing ("got None"), and the message must name what was typed
    (:func:`twin.ui.guard.whole_number` reads it)."""
    field = dcc.Input(
        id=component_id,
        type="text",
        inputMode="numeric",
        value=str(value),
        style={"width": width},
    )
    return control(label, field)


def data_attrs(**values: str) -> dict[str, Any]:
    """``data-*`` attributes for a component (tests find cells by them)."""
    return {f"data-{k}": v for k, v in values.items()}


def progress_view(status: JobStatus | None, prefix: str) -> html.Div:
    """A progress bar and a line of text (``prefix`` names the page, for test ids)."""
    if status is None:
        return html.Div(id=f"{prefix}-progress-text")
    days = status.days_per_run
    if status.error:
        text = f"Failed: {status.error}"
    elif days > 1:  # each run a period: count runs, and the days they simulate
        done = "Done:" if status.finished else "Simulating…"
        text = (
            f"{done} {status.done} of {status.total} runs of {days} working days "
            f"({status.done * days} of {status.total * days} simulated days)."
        )
    elif status.cancelled:
        text = f"Cancelled after {status.done} of {status.total} simulated days."
    elif status.finished:
        text = f"Done: {status.total} simulated days."
    else:
        text = f"Simulating… {status.done} of {status.total} days done."
    return html.Div(
        [
            html.Progress(value=str(status.done), max=str(max(status.total, 1))),
            html.Span(
                f"  {text}", id=f"{prefix}-progress-text", className="error" if status.error else ""
            ),
        ],
        className="progress",
    )


def kpi_cards(record: RunRecord) -> html.Div:
    cards = []
    for name in HEADLINE[:6]:
        spec = SPECS[name]
        cards.append(
            html.Div(
                [
                    html.Div(spec.format(getattr(record.kpis, name)), className="value"),
                    html.Div(spec.label, className="name"),
                ],
                className="card",
                title=spec.definition,
                **data_attrs(kpi=name),
            )
        )
    return html.Div(cards, className="cards")


def run_name(r: RunRecord) -> str:
    arm = f"{r.arm} · " if r.arm else ""
    when = r.created.strftime("%Y-%m-%d %H:%M")
    return f"{arm}{r.scenario_name} · seed {r.seed} · {r.dispatcher} · {when}"


def run_dropdown(component_id: str, runs: Sequence[RunRecord], value: str | None) -> dcc.Dropdown:
    options = [{"label": run_name(r), "value": r.id} for r in runs]
    if value is None and runs:
        value = runs[0].id
    return dcc.Dropdown(
        id=component_id,
        options=options,
        value=value,
        clearable=False,
        placeholder="no runs stored yet: start a comparison first",
        style={"width": "720px"},
    )


def comparison_links(comparisons: Sequence[ComparisonRecord], path: str, kind: str) -> html.Div:
    shown = [c for c in comparisons if c.kind == kind][:8]
    if not shown:
        return html.Div()
    return html.Div(
        [
            html.H4("Earlier"),
            html.Ul(
                [
                    html.Li(
                        dcc.Link(
                            f"{c.created:%Y-%m-%d %H:%M} · {title(c)} · {len(c.seeds)} seeds "
                            f"({c.status})",
                            href=f"{path}?comparison={c.id}",
                        )
                    )
                    for c in shown
                ]
            ),
        ]
    )
