"""Report sections for the streaming brain: ETA accuracy, delay alerts, notifications, ops.

Pure figure functions over :class:`twin.quality.Quality`, the event log and the
operational KPI windows; ``brain_sections`` assembles them for ``write_report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import plotly.graph_objects as go

from twin import events as ev
from twin.analysis.quality import HORIZONS, Quality


def eta_accuracy(q: Quality) -> go.Figure:
    labels = [f"{h} min before" for h in HORIZONS]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[q.eta_mae_min[h] for h in HORIZONS], name="MAE (min)")
    fig.add_scatter(
        x=labels,
        y=[100 * q.eta_coverage[h] for h in HORIZONS],
        name="arrivals inside P10–P90 (%)",
        mode="lines+markers",
        yaxis="y2",
    )
    fig.update_layout(
        title="ETA accuracy by horizon (error of the last ETA issued before the horizon)",
        yaxis={"title": "mean absolute error (min)"},
        yaxis2={"title": "coverage (%)", "overlaying": "y", "side": "right", "range": [0, 100]},
        legend={"orientation": "h"},
    )
    return fig


def alert_lead_times(q: Quality) -> go.Figure:
    fig = go.Figure(go.Histogram(x=list(q.lead_times_min), nbinsx=30))
    fig.update_layout(
        title=(
            f"Delay alerts: precision {q.precision:.0%}, recall {q.recall:.0%}, "
            f"median warning {q.lead_time_median_min:.0f} min before the window closed"
        ),
        xaxis_title="lead time of true alerts (min before window end)",
        yaxis_title="visits",
    )
    return fig


def notifications_per_visit(q: Quality) -> go.Figure:
    """Visits by the number of messages sent for them (counted by :func:`measure`, in
    its one pass over the log), titled with the messages by kind."""
    spread, kinds = q.messages_per_visit, q.notifications_by_kind
    fig = go.Figure()
    fig.add_bar(x=sorted(spread), y=[spread[k] for k in sorted(spread)], name="visits")
    fig.update_layout(
        title="Messages per visit ("
        + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
        + ")",
        xaxis_title="messages sent for the visit",
        yaxis_title="visits",
    )
    return fig


class OpsWindowView(Protocol):
    """What the report reads of the brain's operational windows (``stream.messages.OpsWindow``)."""

    @property
    def window_end(self) -> datetime: ...
    @property
    def punctuality_so_far(self) -> float: ...
    @property
    def utilisation(self) -> float: ...
    @property
    def open_alerts(self) -> int: ...


def ops_timeline(ops: Sequence[OpsWindowView]) -> go.Figure:
    x = [o.window_end for o in ops]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[100 * o.punctuality_so_far for o in ops], name="punctuality so far (%)")
    fig.add_scatter(x=x, y=[100 * o.utilisation for o in ops], name="technicians working (%)")
    fig.add_bar(
        x=x, y=[o.open_alerts for o in ops], name="open delay alerts", yaxis="y2", opacity=0.4
    )
    fig.update_layout(
        title="Operational KPIs in 15-minute windows of simulated time",
        yaxis={"title": "%", "range": [0, 105]},
        yaxis2={"title": "open alerts", "overlaying": "y", "side": "right"},
        legend={"orientation": "h"},
    )
    return fig


def brain_sections(
    events: Sequence[ev.Event], q: Quality, ops: Sequence[OpsWindowView]
) -> list[tuple[str, go.Figure | str]]:
    if not any(isinstance(e, ev.EtaUpdated) for e in events):
        return []
    sections: list[tuple[str, go.Figure | str]] = [
        ("ETA accuracy", eta_accuracy(q)),
        ("Delay alerts", alert_lead_times(q)),
        ("Customer notifications", notifications_per_visit(q)),
    ]
    if ops:
        sections.append(("Operations over the day", ops_timeline(ops)))
    return sections
