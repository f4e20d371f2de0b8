"""A comparison's verdict at a glance: paired differences to arm A as a chart and one line.

For every headline KPI and every arm after the reference, the chart shows the mean paired
difference ``arm - A`` over the seeds with its 95 % CI, in the KPI's own unit (percentage
*points* for shares), green when the arm is significantly better for the company or its
customers, red when significantly worse, grey when the seeds cannot tell. An interval is
clipped to what a difference can take (a share moves by at most 100 points). The one-line
verdict counts the same colours. Means over seeds are clipped likewise (no share above 100 %,
no cost below 0). With fewer than :data:`MIN_SEEDS` seeds the intervals are
missing or very wide, and the page says so.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from twin.analysis.kpi import KpiSpec
from twin.analysis.stats import (
    CONFIDENCE,
    Difference,
    Estimate,
    KpiRow,
    format_difference,
    format_estimate,
    format_value,
    verdict,
)

MIN_SEEDS = 3
COLOURS = {"better": "#1e8449", "worse": "#c0392b", "n.s.": "#999999", "different": "#1f77b4"}


def letter(i: int) -> str:
    return string.ascii_uppercase[i]


def clipped(spec: KpiSpec, diff: Difference) -> Difference:
    """``diff`` with its interval clipped to what a difference of ``spec`` can take."""
    if spec.unit != "share" or math.isnan(diff.low):
        return diff
    return Difference(diff.mean, max(diff.low, -1.0), min(diff.high, 1.0), diff.n)


def difference_text(spec: KpiSpec, diff: Difference) -> str:
    """``+1.5 pp [0.3, 2.7]`` for shares (points, not percent), else as the CLI writes it;
    without the "(n.s.)" mark (the page marks it on its own)."""
    if math.isnan(diff.mean):
        return "–"
    if spec.unit != "share":
        return format_difference(spec, diff).replace(" (n.s.)", "")
    d = clipped(spec, diff)
    text = f"{100 * d.mean:+.1f} pp"
    if math.isnan(d.low):
        return text
    return f"{text} [{100 * d.low:.1f}, {100 * d.high:.1f}]"


def estimate_text(spec: KpiSpec, est: Estimate) -> str:
    """``mean ± half-width`` as the CLI writes it, or ``mean [low, high]`` when the interval
    reaches past what the KPI can take (below 0, a share above 100 %), clipped there."""
    top = 1.0 if spec.unit == "share" else math.inf
    if math.isnan(est.low) or (est.low >= 0.0 and est.high <= top):
        return format_estimate(spec, est)
    low, high = max(est.low, 0.0), min(est.high, top)
    if spec.unit == "share":
        return f"{est.mean:.1%} [{low:.1%}, {high:.1%}]"
    return f"{format_value(spec, est.mean)} [{format_value(spec, low)}, {format_value(spec, high)}]"


@dataclass(frozen=True, slots=True)
class ArmVerdict:
    """How one arm fares against the reference on the KPIs with a better direction."""

    arm: str
    better: int
    worse: int
    unclear: int
    seeds: int

    @property
    def total(self) -> int:
        return self.better + self.worse + self.unclear

    def sentence(self) -> str:
        return (
            f"{self.arm} is better on {self.better} of {self.total} KPIs, worse on "
            f"{self.worse}, no clear difference on {self.unclear} "
            f"({round(100 * CONFIDENCE)} %, {self.seeds} seeds)"
        )


def arm_verdicts(rows: Sequence[KpiRow]) -> list[ArmVerdict]:
    """One verdict per arm after the reference, over ``rows`` with a better direction."""
    rows = [r for r in rows if r.spec.higher_is_better is not None]
    if not rows:
        return []
    out = []
    for i in range(1, len(rows[0].estimates)):
        kinds = [verdict(r.spec, d) for r in rows if (d := r.differences[i]) is not None]
        seeds = min((d.n for r in rows if (d := r.differences[i]) is not None), default=0)
        out.append(
            ArmVerdict(
                letter(i), kinds.count("better"), kinds.count("worse"), kinds.count("n.s."), seeds
            )
        )
    return out


def too_few_seeds(seeds: int) -> str | None:
    """The warning to show when ``seeds`` cannot give a useful interval, else None."""
    if seeds >= MIN_SEEDS:
        return None
    if seeds <= 1:
        return (
            f"Only {seeds} seed: no confidence interval, so no verdict. "
            f"Run {MIN_SEEDS} or more seeds (10 tell most policies apart)."
        )
    return (
        f"Only {seeds} seeds: the intervals are very wide (Student t with {seeds - 1} degree "
        f"of freedom) and hardly anything can be told apart. Run {MIN_SEEDS} or more seeds "
        "(10 tell most policies apart)."
    )


def _scale(spec: KpiSpec) -> float:
    return 100.0 if spec.unit == "share" else 1.0


def _unit(spec: KpiSpec) -> str:
    unit = "pp" if spec.unit == "share" else spec.unit or "points"
    if spec.higher_is_better is None:
        return unit
    return f"{unit}, {'higher' if spec.higher_is_better else 'lower'} is better"


def _add_difference(fig: go.Figure, r: int, row: KpiRow, i: int) -> float:
    """Arm ``i``'s point and interval on subplot row ``r``; the largest |value| drawn."""
    raw = row.differences[i]
    if raw is None:
        return 0.0
    scale = _scale(row.spec)
    d = clipped(row.spec, raw)
    kind = verdict(row.spec, raw)
    mean = d.mean * scale
    low = mean if math.isnan(d.low) else d.low * scale
    high = mean if math.isnan(d.high) else d.high * scale
    fig.add_trace(
        go.Scatter(
            x=[mean],
            y=[letter(i)],
            mode="markers",
            marker={"color": COLOURS[kind], "size": 11},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [high - mean],
                "arrayminus": [mean - low],
                "color": COLOURS[kind],
                "thickness": 2,
            },
            showlegend=False,
            name=f"{row.spec.label} {letter(i)}",
            customdata=[[kind, difference_text(row.spec, raw)]],
            hovertemplate=f"{row.spec.label}, {letter(i)} - A: "
            "%{customdata[1]} (%{customdata[0]})<extra></extra>",
        ),
        row=r,
        col=1,
    )
    return max((abs(v) for v in (low, high, mean) if not math.isnan(v)), default=0.0)


def difference_chart(rows: Sequence[KpiRow]) -> go.Figure:
    """One row per KPI: each arm's paired difference to A (point) with its 95 % CI (bar)."""
    n_arms = len(rows[0].estimates) if rows else 1
    fig = make_subplots(rows=max(len(rows), 1), cols=1, vertical_spacing=0.012)
    for r, row in enumerate(rows, start=1):
        bound = 0.0
        for i in range(1, n_arms):
            bound = max(bound, _add_difference(fig, r, row, i))
        span = bound * 1.15 or 1.0
        fig.update_xaxes(
            range=[-span, span],
            zeroline=True,
            zerolinecolor="#555",
            zerolinewidth=1,
            showticklabels=False,
            row=r,
            col=1,
        )
        fig.update_yaxes(
            type="category",
            categoryorder="array",
            categoryarray=[letter(i) for i in range(n_arms - 1, 0, -1)],
            showticklabels=n_arms > 2,
            row=r,
            col=1,
        )
        fig.add_annotation(
            text=f"<b>{row.spec.label}</b> <span style='color:#777'>({_unit(row.spec)})</span>",
            xref="paper",
            yref=f"y{r if r > 1 else ''} domain",
            x=-0.01,
            y=0.5,
            xanchor="right",
            showarrow=False,
            font={"size": 12},
        )
        only = row.differences[1] if n_arms == 2 else None
        if only is not None:  # one arm against A: its numbers beside the bar
            fig.add_annotation(
                text=difference_text(row.spec, only),
                xref="paper",
                yref=f"y{r if r > 1 else ''} domain",
                x=1.01,
                y=0.5,
                xanchor="left",
                showarrow=False,
                font={"size": 12, "color": COLOURS[verdict(row.spec, only)]},
            )
    fig.update_layout(
        height=30 + len(rows) * (26 + 12 * (n_arms - 1)),
        template="plotly_white",
        margin={"l": 330, "r": 230 if n_arms == 2 else 20, "t": 10, "b": 10},
        showlegend=False,
    )
    return fig
