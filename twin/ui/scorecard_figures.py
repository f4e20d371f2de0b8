"""Figures of a scorecard (``twin score``): pure functions from its JSON to plotly Figures.

The Shadow page shows them; a source that sent nothing (production without ETAs, say) has
no trace, and the title says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

Card = Mapping[str, Any]
COLOURS = {"brain": "#1f77b4", "production": "#7f7f7f"}


def _style(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        height=380,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        barmode="group",
    )
    return fig


def eta_figure(card: Card) -> go.Figure:
    """MAE by lead bucket per source (bars), p90 of the absolute error as error bars."""
    fig = go.Figure()
    for s in card["etas"]:
        if not s["carried"]:
            continue
        buckets = s["buckets"]
        mae = [b["mae_min"] for b in buckets]
        p90 = [b["p90_abs_min"] for b in buckets]
        fig.add_bar(
            name=f"{s['source']} MAE",
            x=[b["label"] for b in buckets],
            y=mae,
            marker_color=COLOURS.get(s["source"]),
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [
                    (p - m) if p is not None and m is not None else None
                    for p, m in zip(p90, mae, strict=True)
                ],
                "arrayminus": [0] * len(buckets),
            },
            customdata=[[b["samples"], b["coverage"]] for b in buckets],
            hovertemplate="%{x} min: MAE %{y:.1f} min, %{customdata[0]} samples, "
            "coverage %{customdata[1]:.0%}<extra>%{fullData.name}</extra>",
        )
    silent = [s["source"] for s in card["etas"] if not s["carried"]]
    title = "ETA error by minutes before the arrival (bar: MAE, whisker: p90)"
    if silent:
        title += f" — no ETAs from {', '.join(silent)}"
    fig.update_xaxes(title_text="minutes before the actual arrival")
    fig.update_yaxes(title_text="absolute error (min)")
    return _style(fig, title)


def warning_figure(card: Card) -> go.Figure:
    """Precision and recall of each source's delay warnings (notices and alerts)."""
    fig = go.Figure()
    rows = [w for w in card["warnings"] if w["carried"]]
    names = [f"{w['source']} {w['kind']}s" for w in rows]
    for measure in ("precision", "recall"):
        fig.add_bar(
            name=measure,
            x=names,
            y=[w[measure] for w in rows],
            text=[f"{w[measure]:.0%}" if w[measure] is not None else "–" for w in rows],
        )
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    silent = sorted({w["source"] for w in card["warnings"]} - {w["source"] for w in rows})
    title = f"Delay warnings against {card['late']} late visits of {card['visits']}"
    if silent:
        title += f" — none from {', '.join(silent)}"
    return _style(fig, title)
