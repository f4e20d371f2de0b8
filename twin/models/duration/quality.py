"""How good a duration predictor is on visits it has not seen.

For each predictor, on the same held-out rows:

* **MAE P50**: mean absolute error of the median (minutes) — the central estimate; the
  median is what minimises absolute error.
* **MAE mean** / **RMSE mean**: the same for the mean estimate (the mean minimises squared
  error, and is what a naive per-job-type planner uses).
* **pinball**: the quantile (pinball) loss averaged over P10, P50 and P90, in minutes —
  lower is better, and it rewards sharp intervals only when they are right.
* **coverage**: the share of actual durations inside [P10, P90] (ideal: 80 %).

:func:`replay_online` applies the online bias correction in finish order, as the brain
would: each visit is predicted with the state *before* it finished, then folded in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.models.duration.data import HistoryRow
from twin.models.duration.model import DurationEstimate, DurationPredictor, queries_of
from twin.models.duration.online import BiasParams, BiasState, corrected, update_bias


@dataclass(frozen=True, slots=True)
class DurationQuality:
    name: str
    n: int
    mae_p50: float
    mae_mean: float
    rmse_mean: float
    pinball: float
    coverage: float


def pinball_loss(actual: np.ndarray, predicted: np.ndarray, q: float) -> float:
    """Mean quantile loss of ``predicted`` as the ``q``-quantile of ``actual``."""
    diff = actual - predicted
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))


def quality(
    name: str, actuals: Sequence[float], estimates: Sequence[DurationEstimate]
) -> DurationQuality:
    if len(actuals) != len(estimates) or not actuals:
        msg = f"need as many estimates as actuals (> 0), got {len(estimates)} and {len(actuals)}"
        raise ValueError(msg)
    a = np.asarray(actuals, dtype=float)
    p10 = np.array([e.p10 for e in estimates])
    p50 = np.array([e.p50 for e in estimates])
    p90 = np.array([e.p90 for e in estimates])
    mean = np.array([e.mean for e in estimates])
    pinball = (
        pinball_loss(a, p10, 0.1) + pinball_loss(a, p50, 0.5) + pinball_loss(a, p90, 0.9)
    ) / 3
    return DurationQuality(
        name=name,
        n=len(a),
        mae_p50=float(np.mean(np.abs(a - p50))),
        mae_mean=float(np.mean(np.abs(a - mean))),
        rmse_mean=math.sqrt(float(np.mean((a - mean) ** 2))),
        pinball=pinball,
        coverage=float(np.mean((a >= p10) & (a <= p90))),
    )


def replay_online(
    rows: Sequence[HistoryRow],
    estimates: Sequence[DurationEstimate],
    params: BiasParams | None = None,
    state: BiasState | None = None,
) -> tuple[list[DurationEstimate], BiasState | None]:
    """Corrected estimates of ``rows`` (in finish order) and the final bias state."""
    out = []
    for r, e in zip(rows, estimates, strict=True):
        out.append(corrected(e, state, r.technician_id))
        state = update_bias(state, r.technician_id, r.job_type, e.p50, r.duration_min, params)
    return out, state


def evaluate(
    rows: Sequence[HistoryRow],
    predictors: Sequence[tuple[str, DurationPredictor]],
    online: Sequence[str] = (),
    params: BiasParams | None = None,
) -> list[DurationQuality]:
    """Quality of each named predictor on ``rows``; names in ``online`` get a second line
    "<name> + online" with the bias correction replayed over the rows."""
    queries = queries_of(rows)
    actuals = [r.duration_min for r in rows]
    out = []
    for name, predictor in predictors:
        estimates = predictor.predict(queries)
        out.append(quality(name, actuals, estimates))
        if name in online:
            fixed, _ = replay_online(rows, estimates, params)
            out.append(quality(f"{name} + online", actuals, fixed))
    return out
