"""A period's report: one self-contained HTML file for a week (or any run of days).

The figures a service manager reads a week by: the visits of each day by fate (done on
time, late, moved with notice, missed), the backlog (requests past the day they asked
for) day by day, the time from request to service, and each technician's average working
day against the Working Hours Act's eight hours. plotly.js is embedded once, as in the
day's report (:mod:`twin.analysis.report.html`); each day keeps its own report.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from twin.analysis.period import PERIOD_ROWS, Request

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
table.kpis { border-collapse: collapse; font-size: 0.92rem; }
table.kpis td, table.kpis th { padding: 0.25rem 0.8rem; border-bottom: 1px solid #e4e4e4; }
table.kpis th { text-align: left; font-weight: normal; }
table.kpis td { text-align: right; font-variant-numeric: tabular-nums; }
section { margin-top: 2.5rem; }
"""


def visits_by_day(days: Sequence[Mapping[str, Any]]) -> go.Figure:
    dates = [d["date"] for d in days]
    on_time = [d["visits_attended"] - d["visits_late"] for d in days]
    fig = go.Figure()
    for name, ys, colour in (
        ("on time", on_time, "#2a9d8f"),
        ("late", [d["visits_late"] for d in days], "#e9c46a"),
        ("moved with notice", [d["visits_deferred"] for d in days], "#8d99ae"),
        ("missed", [d["visits_missed"] for d in days], "#e63946"),
    ):
        fig.add_bar(x=dates, y=ys, name=name, marker_color=colour)
    fig.update_layout(
        title="Visits of each day by fate",
        barmode="stack",
        yaxis_title="visits",
        xaxis_type="category",
        height=380,
    )
    return fig


def backlog_by_day(days: Sequence[Mapping[str, Any]], overdue: Sequence[int]) -> go.Figure:
    fig = go.Figure(go.Scatter(x=[d["date"] for d in days], y=list(overdue), mode="lines+markers"))
    fig.update_layout(
        title="Backlog: requests past the day they asked for, at each day's end",
        yaxis_title="requests",
        yaxis_rangemode="tozero",
        xaxis_type="category",
        height=340,
    )
    return fig


def time_to_service(requests: Sequence[Request]) -> go.Figure:
    waits = Counter(
        r.done_day - r.made_day
        for r in requests
        if r.state == "done" and r.kind == "new" and r.made_day >= 0 and r.done_day is not None
    )
    xs = sorted(waits)
    fig = go.Figure(go.Bar(x=xs, y=[waits[x] for x in xs], marker_color="#457b9d"))
    fig.update_layout(
        title="Time to service: working days from request to visit",
        xaxis_title="working days",
        xaxis_dtick=1,
        yaxis_title="requests done",
        height=340,
    )
    return fig


def working_time(work_minutes: Mapping[str, Sequence[float]], limit_min: float) -> go.Figure:
    techs = sorted(work_minutes)
    avg = [sum(work_minutes[t]) / len(work_minutes[t]) / 60 for t in techs if work_minutes[t]]
    colours = ["#e63946" if a * 60 > limit_min else "#2a9d8f" for a in avg]
    fig = go.Figure(go.Bar(x=techs, y=avg, marker_color=colours))
    fig.add_hline(y=limit_min / 60, line_dash="dash", annotation_text="average allowed")
    fig.update_layout(
        title="Average working day per technician (red: over the allowed average)",
        yaxis_title="hours",
        height=340,
    )
    return fig


def waiting_by_hour(kpis: Mapping[str, Any]) -> go.Figure:
    """Technician-hours on shift spent neither driving, working nor on a break, by local
    hour: a hole in the day shows as a peak before the windows that open together."""
    hours = kpis.get("waiting_hours_by_hour", {})
    fig = go.Figure(go.Bar(x=[f"{h}:00" for h in hours], y=list(hours.values())))
    fig.update_traces(marker_color="#e9c46a")
    share = kpis.get("waiting_share")
    note = f" ({share:.1%} of the shifts)" if isinstance(share, float) else ""
    fig.update_layout(
        title=f"Waiting by hour of day{note}",
        xaxis_title="local hour",
        yaxis_title="technician-hours waiting",
        height=320,
        margin={"t": 50, "b": 40},
    )
    return fig


def render_period_report(
    title: str,
    kpis: Mapping[str, Any],
    days: Sequence[Mapping[str, Any]],
    requests: Sequence[Request],
    work_minutes: Mapping[str, Sequence[float]],
    limit_min: float,
) -> str:
    rows = "\n".join(
        f"<tr><th scope='row'>{html.escape(label)}</th>"
        f"<td>{html.escape(fmt.format(kpis[k]))}</td></tr>"
        for k, label, fmt in PERIOD_ROWS
        if k in kpis
    )
    figures = [
        visits_by_day(days),
        backlog_by_day(days, kpis.get("overdue_by_day", [])),
        time_to_service(requests),
        working_time(work_minutes, limit_min),
        waiting_by_hour(kpis),
    ]
    parts = []
    for i, fig in enumerate(figures):
        body = fig.to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"figure-{i}")
        parts.append(f"<section>\n{body}\n</section>")
    warnings = "".join(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in kpis.get("warnings", []))
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{warnings}\n<table class='kpis'>\n{rows}\n</table>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


def write_period_report(
    path: Path,
    title: str,
    kpis: Mapping[str, Any],
    days: Sequence[Mapping[str, Any]],
    requests: Sequence[Request],
    work_minutes: Mapping[str, Sequence[float]],
    limit_min: float,
) -> Path:
    """Write the period's report to ``path`` (see :func:`render_period_report`)."""
    text = render_period_report(title, kpis, days, requests, work_minutes, limit_min)
    path.write_text(text, encoding="utf-8")
    return path
