"""Visit-duration prediction: a central estimate and P10/P50/P90 for a technician and a job.

On-site durations are lognormal (REALITY.md), so the model works on log-minutes: effects
multiply, and quantiles of log-residuals become quantiles of minutes.
:class:`DurationModel` is what the brain uses. It is trained on the visit history
(:mod:`twin.models.duration.data`) and answers in batches, because one-row scikit-learn
predictions are slow (STACK.md): :meth:`DurationModel.predict_table` once a day for every
(technician, job type), :meth:`DurationModel.predict` for a batch of visits.

In the brain::

    model = load_duration_model("data/history/default.csv.gz")  # start-up, ~0.2 s
    table = model.predict_table(roster, JOB_TYPES)  # once a day: {(tech, job): estimate}
    estimate = corrected(table[tech, job], bias, tech)  # for an ETA (bias may be None)
    bias = update_bias(bias, tech, job, table[tech, job].p50, actual_min)  # work_finished

Why this model (numbers from ``bench/RESULTS.md``, "Duration model (issue 3)"):

* **Linear on log-duration.** A lognormal with multiplicative effects (job type,
  experience, technician, site) is linear in log space. The base is a scikit-learn
  ``Ridge`` on one-hot job type and experience level; zone, hour of work start, technician
  and (technician, job type) enter as **target encodings shrunk by empirical Bayes**
  (:mod:`twin.models.duration.encoding`): a technician's own mean is believed as far as
  their number of visits and the noise of the job type support it (on the shipped
  history the estimated shrinkage matches the simulator's hidden truth: 17 pseudo-visits
  for repairs, 5 for maintenance), and an effect the history shows no sign of (zone and
  hour in the simulated world) shrinks to within ±2 %. An unknown technician gets the
  experience-level effect alone.
* **Quantiles from out-of-fold log-residuals** per (job type, experience level) — the
  spread differs by both — so P10–P90 also carries the uncertainty of the technician
  effect. The mean is the smearing estimate ``exp(log-prediction) · mean(exp(residual))``.
* **Alternative considered**: three ``HistGradientBoostingRegressor(loss="quantile")``
  with the technician as a categorical feature. On the benchmark's held-out days it was
  less accurate (MAE of P50 24.9 vs 24.5 min, pinball 8.18 vs 7.99, P10–P90 coverage
  78 % vs 80 %), about 10x slower to fit and 50x slower per one-row prediction.
* **Fast enough to fit at start-up**: about 0.1–0.3 s for 20 days (5,400 visits), so no
  pickled model has to be shipped or versioned; the history file is the artefact.

Online correction as visits finish is in :mod:`twin.models.duration.online`; quality
measures in :mod:`twin.models.duration.quality`; the naive and oracle predictors that
bracket this model in :mod:`twin.models.duration.baselines`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from twin.models.duration.data import HistoryRow, read_history
from twin.models.duration.encoding import Design, Effect, fit_components
from twin.models.routing.plan import TechnicianSpec

if TYPE_CHECKING:  # fitted in twin.models.duration.encoding, which imports it then
    from sklearn.linear_model import Ridge

QUANTILES = (0.1, 0.5, 0.9)
Z90 = 1.2815515655446004  # standard normal 90th percentile


@dataclass(frozen=True, slots=True)
class DurationEstimate:
    """Predicted on-site minutes: quantiles and mean (p10 <= p50 <= p90)."""

    p10: float
    p50: float
    p90: float
    mean: float
    # derived once (the ETA chain asks for them on every refresh)
    log_sigma: float = field(init=False, repr=False, compare=False)
    sd: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 < self.p10 <= self.p50 <= self.p90:
            msg = (
                f"DurationEstimate needs 0 < p10 <= p50 <= p90, got {self.p10, self.p50, self.p90}"
            )
            raise ValueError(msg)
        if not self.mean > 0:
            raise ValueError(f"DurationEstimate.mean must be > 0, got {self.mean!r}")
        # spread in log space implied by P10/P90 (lognormal), and the standard deviation in
        # minutes of the lognormal with this mean and spread
        s = math.log(self.p90 / self.p10) / (2 * Z90) if self.p90 > self.p10 else 0.0
        object.__setattr__(self, "log_sigma", s)
        object.__setattr__(self, "sd", self.mean * math.sqrt(max(0.0, math.exp(s * s) - 1.0)))

    def scaled(self, factor: float) -> DurationEstimate:
        """All figures multiplied by ``factor`` (> 0)."""
        return DurationEstimate(
            self.p10 * factor, self.p50 * factor, self.p90 * factor, self.mean * factor
        )

    @staticmethod
    def from_mean_cv(mean: float, cv: float) -> DurationEstimate:
        """The lognormal estimate with a given mean and coefficient of variation."""
        sigma = math.sqrt(math.log1p(cv * cv))
        med = mean / math.exp(sigma * sigma / 2)
        return DurationEstimate(
            med * math.exp(-Z90 * sigma), med, med * math.exp(Z90 * sigma), mean
        )


@dataclass(frozen=True, slots=True)
class DurationQuery:
    """One visit to predict. ``zone``/``hour`` None: averaged over the history's mix.

    ``visit_key`` (``"<seed>:<visit_id>"``) only matters to the oracle.
    """

    technician_id: str
    job_type: str
    experience: str
    zone: str | None = None
    hour: int | None = None
    visit_key: str | None = None


def queries_of(rows: Sequence[HistoryRow]) -> list[DurationQuery]:
    """The queries for already finished visits (for evaluation)."""
    return [
        DurationQuery(r.technician_id, r.job_type, r.experience, r.zone, r.hour, r.visit_key)
        for r in rows
    ]


class DurationPredictor(Protocol):
    """Anything that predicts durations for a batch of visits."""

    def predict(self, queries: Sequence[DurationQuery]) -> list[DurationEstimate]: ...


TableKey = tuple[str, str]


def predict_table(
    predictor: DurationPredictor,
    technicians: Sequence[TechnicianSpec],
    job_types: Sequence[str],
) -> dict[TableKey, DurationEstimate]:
    """Estimates for every (technician id, job type), in one batch; zone and hour averaged."""
    queries = [
        DurationQuery(t.technician_id, job, t.experience) for t in technicians for job in job_types
    ]
    estimates = predictor.predict(queries)
    return {(q.technician_id, q.job_type): e for q, e in zip(queries, estimates, strict=True)}


@dataclass(frozen=True, slots=True)
class DurationModelParams:
    """Fitting knobs; the defaults are what ``bench/bench_duration.py`` measured."""

    ridge_alpha: float = 1.0
    backfit_rounds: int = 3
    folds: int = 5
    min_group: int = 100  # fewest residuals for a (job, level) quantile group of its own

    def __post_init__(self) -> None:
        if self.ridge_alpha < 0:
            raise ValueError(f"ridge_alpha must be >= 0, got {self.ridge_alpha}")
        if self.backfit_rounds < 1:
            raise ValueError(f"backfit_rounds must be >= 1, got {self.backfit_rounds}")
        if self.folds < 2:
            raise ValueError(f"folds must be >= 2, got {self.folds}")
        if self.min_group < 1:
            raise ValueError(f"min_group must be >= 1, got {self.min_group}")


Offsets = dict[tuple[str, str], tuple[float, float, float, float]]


class DurationModel:
    """Ridge on log-duration + shrunk effects + residual quantiles (see the module doc)."""

    def __init__(
        self, design: Design, base: Ridge, effects: Sequence[Effect], offsets: Offsets
    ) -> None:
        self.design = design
        self.base = base
        self.effects = {e.name: e for e in effects}
        # (job, level) -> multipliers of p10, p50, p90 and mean; (job, "") and ("", "")
        # are the fallbacks for thin or unknown groups
        self.offsets = offsets

    @classmethod
    def fit(
        cls, rows: Sequence[HistoryRow], params: DurationModelParams | None = None
    ) -> DurationModel:
        p = params or DurationModelParams()
        if not rows:
            raise ValueError("cannot fit a duration model on an empty history")
        jobs = [r.job_type for r in rows]
        levels = [r.experience for r in rows]
        design = Design.from_columns(jobs, levels)
        keys = _effect_keys(queries_of(rows))
        parts = fit_components(
            design.matrix(jobs, levels),
            np.log([r.duration_min for r in rows]),
            keys,
            {
                "zone": [""] * len(rows),
                "hour": [""] * len(rows),
                "technician": [""] * len(rows),
                "technician_job": jobs,
            },
            rounds=p.backfit_rounds,
            folds=p.folds,
            alpha=p.ridge_alpha,
        )
        offsets = _offsets(jobs, levels, parts.oof_residuals, p.min_group)
        return cls(design, parts.base, parts.effects, offsets)

    def log_median(self, queries: Sequence[DurationQuery]) -> np.ndarray:
        """Predicted log-minutes of each query before the residual offsets."""
        x = self.design.matrix([q.job_type for q in queries], [q.experience for q in queries])
        out = np.asarray(self.base.predict(x), dtype=float)
        for name, keys in _effect_keys(queries).items():
            out += self.effects[name].lookup(keys)
        return out

    def predict(self, queries: Sequence[DurationQuery]) -> list[DurationEstimate]:
        if not queries:
            return []
        off = self.offsets
        out = []
        for q, b in zip(queries, np.exp(self.log_median(queries)).tolist(), strict=True):
            lo, mid, hi, smear = (
                off.get((q.job_type, q.experience)) or off.get((q.job_type, "")) or off[("", "")]
            )
            out.append(DurationEstimate(b * lo, b * mid, b * hi, b * smear))
        return out

    def predict_table(
        self, technicians: Sequence[TechnicianSpec], job_types: Sequence[str]
    ) -> dict[TableKey, DurationEstimate]:
        """Every (technician id, job type) in one batch: call once a day."""
        return predict_table(self, technicians, job_types)


def _effect_keys(queries: Sequence[DurationQuery]) -> dict[str, list[Hashable | None]]:
    return {
        "zone": [q.zone for q in queries],
        "hour": [q.hour for q in queries],
        "technician": [q.technician_id for q in queries],
        "technician_job": [(q.technician_id, q.job_type) for q in queries],
    }


def _offsets(
    jobs: Sequence[str], levels: Sequence[str], res: np.ndarray, min_group: int
) -> Offsets:
    """Quantile and smearing multipliers of the residuals per (job, level), job, and all."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (job, level) in enumerate(zip(jobs, levels, strict=True)):
        for key in ((job, level), (job, ""), ("", "")):
            groups[key].append(i)
    out = {}
    for key, idx in groups.items():
        if len(idx) >= min_group or key == ("", ""):
            r = res[idx]
            q = np.exp(np.quantile(r, QUANTILES))
            out[key] = (float(q[0]), float(q[1]), float(q[2]), float(np.exp(r).mean()))
    return out


def load_duration_model(
    path: Path | str, params: DurationModelParams | None = None
) -> DurationModel:
    """Read a history file and fit the model (well under a second for 20 days)."""
    return DurationModel.fit(read_history(path), params)
