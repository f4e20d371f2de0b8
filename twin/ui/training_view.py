"""What the Training page shows, as pure functions of stored debriefs (page modules
register themselves with Dash on import, so what tests call directly lives here): the
trainees of an exercise side by side with the autopilot, and their score parts as a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
from dash import html

from twin.app.training.exercise import Exercise, load_exercise
from twin.app.training.stored import DebriefRecord
from twin.ui.widgets import data_attrs


def exercises(folder: Path) -> list[tuple[Path, Exercise]]:
    """The exercises in ``folder``, easiest first."""
    found = [(p, load_exercise(str(p))) for p in sorted(folder.glob("*.toml"))]
    return sorted(found, key=lambda pe: (pe[1].difficulty, pe[1].name))


def exercise_table(found: Sequence[tuple[Path, Exercise]]) -> html.Table:
    head = ["exercise", "difficulty", "title", "disturbances", "goals"]
    rows = [
        html.Tr(
            [
                html.Td(e.name),
                html.Td("★" * e.difficulty),
                html.Td(e.title),
                html.Td(str(len(e.disturbance))),
                html.Td("; ".join(e.goals)),
            ],
            **data_attrs(exercise=e.name),
        )
        for _, e in found
    ]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="results",
        id="training-exercises",
    )


def _cell(value: float) -> str:
    return f"{value:,.2f}"


def side_by_side(
    records: Sequence[DebriefRecord], table_id: str = "training-side-by-side"
) -> html.Table:
    """One column per trainee (KPI and its difference to the autopilot), then the
    autopilot's; the score last."""
    first = records[0].debrief["kpis"]
    head = ["KPI", *(r.trainee for r in records), "autopilot"]
    rows = []
    for i, row in enumerate(first):
        cells = [html.Td(row["kpi"])]
        for r in records:
            k = r.debrief["kpis"][i]
            cells.append(
                html.Td(
                    f"{_cell(k['trainee'])} ({k['difference']:+,.2f})",
                    className="" if k["better"] is None else ("better" if k["better"] else "worse"),
                    **data_attrs(trainee=r.trainee, kpi=row["kpi"]),
                )
            )
        cells.append(
            html.Td(_cell(row["autopilot"]), **data_attrs(kpi=row["kpi"], col="autopilot"))
        )
        rows.append(html.Tr(cells))
    rows.append(
        html.Tr(
            [
                html.Td("score"),
                *(
                    html.Td(f"{r.score:.1f}", **data_attrs(trainee=r.trainee, kpi="score"))
                    for r in records
                ),
                html.Td("100.0"),
            ]
        )
    )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="results",
        id=table_id,
    )


def parts_figure(records: Sequence[DebriefRecord]) -> go.Figure:
    """The score's parts per trainee (points above or below the autopilot's 100)."""
    fig = go.Figure()
    for r in records:
        parts = r.debrief["parts"]
        fig.add_bar(name=f"{r.trainee} ({r.score:.1f})", x=list(parts), y=list(parts.values()))
    fig.update_layout(
        barmode="group",
        title="Score parts: points above or below the autopilot",
        yaxis_title="points",
        height=380,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend_title_text="trainee (score)",
    )
    return fig


def _hm(minute: float) -> str:
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"


def decisions_table(records: Sequence[DebriefRecord]) -> html.Table:
    """Each trainee's decisions in time order: what the autopilot's own day had then, what
    the autopilot did instead when handed the day, and what the decision cost (+) or saved."""
    head = ["trainee", "time", "decision", "the autopilot's day then", "the autopilot instead",
            "EUR", "late", "km", "points"]  # fmt: skip
    rows = []
    for r in records:
        for i, d in enumerate(r.debrief.get("decisions", [])):
            better = "worse" if d["points"] < 0 else ("better" if d["points"] > 0 else "")
            cells = [r.trainee, _hm(d["minute"]), d["what"], d["autopilot"], d["instead"],
                     f"{d['cost_eur']:+,.0f}", f"{d['late']:+d}", f"{d['km']:+,.1f}",
                     f"{d['points']:+.1f}"]  # fmt: skip
            rows.append(
                html.Tr(
                    [html.Td(c) for c in cells[:-1]] + [html.Td(cells[-1], className=better)],
                    **data_attrs(trainee=r.trainee, i=str(i)),
                )
            )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="results",
        id="training-decisions",
    )


def decisions_figure(records: Sequence[DebriefRecord]) -> go.Figure:
    """What each decision cost against the autopilot's answer (EUR), over the day."""
    fig = go.Figure()
    for r in records:
        ds = r.debrief.get("decisions", [])
        if not ds:
            continue
        fig.add_bar(
            name=r.trainee,
            x=[d["minute"] / 60 for d in ds],
            y=[d["cost_eur"] for d in ds],
            width=0.08,
            hovertext=[f"{_hm(d['minute'])} {d['what']} (autopilot: {d['instead']})" for d in ds],
        )
    fig.update_layout(
        barmode="group",
        title="What each decision cost against the autopilot's (EUR; below 0: saved)",
        xaxis_title="hour of the day",
        yaxis_title="EUR",
        height=340,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend_title_text="trainee",
        showlegend=True,
    )
    return fig
