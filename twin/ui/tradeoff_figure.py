"""The trade-off chart: every arm's paired differences to the reference arm, readable.

A sweep's arms differ by a few hundred EUR a day while the day-to-day spread of cost is a
thousand or more, so unpaired means with their intervals overlap everywhere. Arms run on
the same seeds, so the chart shows each arm's *paired* difference to the reference arm (the
sweep's first combination): cost on x, customer satisfaction on y, each with its paired 95 %
interval; the reference sits at (0, 0). Colour is employee satisfaction (the arm's mean).

The axes are set to the data (intervals included, the reference's zero lines kept, a margin
for the labels), and each point's label goes to whichever side of it collides least with
the labels and points already placed (:func:`label_positions`), so labels do not overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from twin.analysis.stats import Difference

FRONT_COLOUR = "#d62728"
HEIGHT = 600
# the plot area at 1440 px wide (the page's 1400 px column less margins and the colour bar)
# and HEIGHT tall less title, axes and legend: what the label placement assumes
PLOT_PX = (1150.0, 420.0)
CHAR_PX, LINE_PX, GAP_PX = 7.0, 15.0, 9.0
POSITIONS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "top left",
    "bottom right",
    "bottom left",
)


@dataclass(frozen=True, slots=True)
class TradeoffPoint:
    """One arm: paired differences to the reference (``None`` for the reference itself).

    ``text`` is the short label drawn next to the point; ``label`` the arm's full name;
    ``cost`` and ``customer`` its own means (for the hover); ``run_id`` opens its first day.
    """

    label: str
    text: str
    cost: float
    customer: float
    employee: float
    cost_diff: Difference | None
    customer_diff: Difference | None
    run_id: str

    @property
    def x(self) -> float:
        return 0.0 if self.cost_diff is None else self.cost_diff.mean

    @property
    def y(self) -> float:
        return 0.0 if self.customer_diff is None else self.customer_diff.mean


def _half(d: Difference | None) -> tuple[float, float]:
    """Below and above the mean; 0 without an interval (the reference, or one seed)."""
    if d is None or math.isnan(d.low) or math.isnan(d.high):
        return 0.0, 0.0
    return d.mean - d.low, d.high - d.mean


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats: lower cost and higher satisfaction.

    A point is dominated when another is at most as costly and at least as satisfying, and
    strictly better in one. Returned in order of cost.
    """
    front = []
    for i, (c, s) in enumerate(points):
        dominated = any(
            (c2 <= c and s2 >= s) and (c2 < c or s2 > s)
            for j, (c2, s2) in enumerate(points)
            if j != i
        )
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: points[i])


def axis_range(values: Sequence[tuple[float, float, float]], pad: float) -> tuple[float, float]:
    """``(low, high)`` holding every ``(mean, below, above)`` and 0, padded by ``pad`` of
    the span on each side (at least 1 unit wide, for a lone reference point)."""
    low = min([0.0, *(m - b for m, b, _ in values)])
    high = max([0.0, *(m + a for m, _, a in values)])
    span = max(high - low, 1.0)
    return low - pad * span, high + pad * span


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels, y downwards


def _label_box(px: float, py: float, text: str, position: str) -> Box:
    w, h = CHAR_PX * len(text), LINE_PX
    vertical, horizontal = position.split()
    if horizontal == "center":
        x0 = px - w / 2
    elif horizontal == "right":
        x0 = px + (GAP_PX if vertical == "middle" else GAP_PX / 3)
    else:
        x0 = px - (GAP_PX if vertical == "middle" else GAP_PX / 3) - w
    if vertical == "top":
        y0 = py - GAP_PX - h
    elif vertical == "bottom":
        y0 = py + GAP_PX
    else:
        y0 = py - h / 2
    return x0, y0, x0 + w, y0 + h


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def label_positions(
    xy: Sequence[tuple[float, float]],
    texts: Sequence[str],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    plot_px: tuple[float, float] = PLOT_PX,
) -> list[str]:
    """A plotly ``textposition`` per point: greedily, the side whose label box overlaps
    least the labels placed so far, every marker and the plot's edges."""
    width, height = plot_px
    sx = width / ((x_range[1] - x_range[0]) or 1.0)
    sy = height / ((y_range[1] - y_range[0]) or 1.0)
    pixels = [((x - x_range[0]) * sx, (y_range[1] - y) * sy) for x, y in xy]
    markers = [(px - 8, py - 8, px + 8, py + 8) for px, py in pixels]
    frame = (0.0, 0.0, width, height)
    placed: list[Box] = []
    order = sorted(range(len(xy)), key=lambda i: (pixels[i][1], pixels[i][0]))
    chosen: dict[int, str] = {}
    for i in order:
        px, py = pixels[i]

        def cost(position: str, px: float = px, py: float = py, i: int = i) -> float:
            box = _label_box(px, py, texts[i], position)
            area = (box[2] - box[0]) * (box[3] - box[1])
            outside = area - _overlap(box, frame)
            hits = sum(_overlap(box, b) for b in placed)
            hits += sum(_overlap(box, m) for j, m in enumerate(markers) if j != i)
            return hits + 2 * outside

        best = min(POSITIONS, key=cost)  # ties: the order of POSITIONS (top first)
        chosen[i] = best
        placed.append(_label_box(px, py, texts[i], best))
    return [chosen[i] for i in range(len(xy))]


def tradeoff_scatter(points: Sequence[TradeoffPoint], reference: str) -> go.Figure:
    """Paired differences to ``reference`` per arm, coloured by employee satisfaction."""
    xy = [(p.x, p.y) for p in points]
    front = pareto_front(xy)
    xs = [(p.x, *_half(p.cost_diff)) for p in points]
    ys = [(p.y, *_half(p.customer_diff)) for p in points]
    x_range, y_range = axis_range(xs, 0.12), axis_range(ys, 0.15)
    fig = go.Figure()
    if front:
        fig.add_trace(
            go.Scatter(
                x=[xy[i][0] for i in front],
                y=[xy[i][1] for i in front],
                mode="lines",
                name="Pareto front (no arm is cheaper and more satisfying)",
                line={"color": FRONT_COLOUR, "width": 2, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    on_front = set(front)
    texts = [p.text for p in points]
    fig.add_trace(
        go.Scatter(
            x=[x for x, _ in xy],
            y=[y for _, y in xy],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [a for _, _, a in xs],
                "arrayminus": [b for _, b, _ in xs],
                "thickness": 1,
            },
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [a for _, _, a in ys],
                "arrayminus": [b for _, b, _ in ys],
                "thickness": 1,
            },
            mode="markers+text",
            name="arms: paired difference ± 95% CI; click to open a day",
            text=texts,
            textposition=label_positions(xy, texts, x_range, y_range) if points else [],
            customdata=[[p.run_id, p.employee, p.label, p.cost, p.customer] for p in points],
            marker={
                "size": [16 if i in on_front else 11 for i in range(len(points))],
                "color": [p.employee for p in points],
                "colorscale": "Viridis",
                "colorbar": {"title": {"text": "employee<br>satisfaction"}},
                "line": {
                    "width": [3 if i in on_front else 0 for i in range(len(points))],
                    "color": FRONT_COLOUR,
                },
            },
            hovertemplate="%{customdata[2]}<br>Δ cost %{x:+,.0f} EUR/day "
            "(%{customdata[3]:,.0f})<br>Δ customer %{y:+.1f} (%{customdata[4]:.0f}/1000)"
            "<br>employee %{customdata[1]:.0f}/100<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": "#999", "dash": "dot", "width": 1})
    fig.add_hline(y=0, line={"color": "#999", "dash": "dot", "width": 1})
    fig.update_xaxes(
        title="Δ total cost per day vs the reference (EUR, paired by seed)",
        range=list(x_range),
        zeroline=False,
    )
    fig.update_yaxes(
        title="Δ customer satisfaction vs the reference (/1000)",
        range=list(y_range),
        zeroline=False,
    )
    fig.update_layout(
        title={"text": f"Paired differences to {reference}"},
        height=HEIGHT,
        template="plotly_white",
        margin={"l": 70, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.14},
    )
    return fig
