"""The two yardsticks of the duration model: a naive per-job-type predictor and the oracle.

:class:`NaiveMeanPredictor` is what a company without a model does: the history's mean
per job type (and its empirical quantiles), whoever does the job. :class:`OraclePredictor`
knows the true lognormal ``(mu, sigma)`` each held-out visit was drawn from — only a
simulator can build it — so its errors are the hidden noise no model can remove.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from twin.models.duration.data import HistoryRow
from twin.models.duration.model import (
    QUANTILES,
    DurationEstimate,
    DurationQuery,
    TableKey,
    predict_table,
)
from twin.models.routing.plan import TechnicianSpec

_Z = {0.1: -1.2815515655446004, 0.5: 0.0, 0.9: 1.2815515655446004}


class NaiveMeanPredictor:
    """Per-job-type mean and empirical P10/P50/P90 of the history; unknown job → all jobs."""

    def __init__(self, by_job: Mapping[str, DurationEstimate], overall: DurationEstimate) -> None:
        self.by_job = dict(by_job)
        self.overall = overall

    @classmethod
    def fit(cls, rows: Sequence[HistoryRow]) -> NaiveMeanPredictor:
        if not rows:
            raise ValueError("cannot fit a naive predictor on an empty history")
        by_job: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            by_job[r.job_type].append(r.duration_min)
        return cls(
            {job: _summary(d) for job, d in by_job.items()},
            _summary([r.duration_min for r in rows]),
        )

    def predict(self, queries: Sequence[DurationQuery]) -> list[DurationEstimate]:
        return [self.by_job.get(q.job_type, self.overall) for q in queries]

    def predict_table(
        self, technicians: Sequence[TechnicianSpec], job_types: Sequence[str]
    ) -> dict[TableKey, DurationEstimate]:
        return predict_table(self, technicians, job_types)


def _summary(durations: Sequence[float]) -> DurationEstimate:
    q = np.quantile(np.asarray(durations), QUANTILES)
    return DurationEstimate(float(q[0]), float(q[1]), float(q[2]), float(np.mean(durations)))


class OraclePredictor:
    """The true lognormal of each visit, by ``DurationQuery.visit_key``.

    ``truth`` maps a visit key to ``(mu, sigma)`` of log-minutes (the simulator's
    ``true_duration_distribution``). Its mean ``exp(mu + sigma²/2)`` has the least squared
    error any predictor can reach, its median ``exp(mu)`` the least absolute error.
    """

    def __init__(self, truth: Mapping[str, tuple[float, float]]) -> None:
        self.truth = dict(truth)

    def predict(self, queries: Sequence[DurationQuery]) -> list[DurationEstimate]:
        out = []
        for q in queries:
            found = self.truth.get(q.visit_key) if q.visit_key is not None else None
            if found is None:
                msg = f"the oracle knows only the visits it was built for, not {q.visit_key!r}"
                raise KeyError(msg)
            mu, sigma = found
            out.append(
                DurationEstimate(
                    math.exp(mu + _Z[0.1] * sigma),
                    math.exp(mu),
                    math.exp(mu + _Z[0.9] * sigma),
                    math.exp(mu + sigma * sigma / 2),
                )
            )
        return out
