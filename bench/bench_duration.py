"""Duration-model benchmark: accuracy on held-out days, under drift, and speed.

Trains on the shipped history (``data/history/default.csv.gz``: 20 days of the default
scenario, seeds 10,000–10,019) and tests on ``--test-days`` fresh days (seeds from
``--first-seed``, default 30,000; the online-correction defaults were chosen on seeds
20,000–20,004, so these days are untouched by any tuning). For each predictor: MAE of the
P50 and of the mean, RMSE of the mean, mean pinball loss of P10/P50/P90 and P10–P90
coverage, all in minutes.

* naive: per-job-type history (what the world books today); oracle: the true lognormal of
  each visit (job, level, hidden efficiency and site factor known) — the floor; oracle
  w/o site: the same without the visit's site factor — the most a (technician, job)
  model could learn from an endless history;
* hgb-quantile: the alternative considered, three ``HistGradientBoostingRegressor``
  (``loss="quantile"``) with the technician as a categorical feature (its "mean" is its
  P50);
* drift: the same days with every job type's mean +``--drift`` (a hard winter), the model
  still trained on normal history — what the online correction is for.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_duration.py``
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from rich.console import Console
from sklearn.ensemble import HistGradientBoostingRegressor

from twin.cli.durations import quality_table
from twin.config import Scenario, load_scenario
from twin.models.duration.baselines import NaiveMeanPredictor
from twin.models.duration.data import HistoryRow, read_history
from twin.models.duration.model import (
    DurationEstimate,
    DurationModel,
    DurationPredictor,
    DurationQuery,
    queries_of,
)
from twin.models.duration.online import corrected, update_bias
from twin.models.duration.quality import evaluate
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.plan import TechnicianSpec
from twin.sim.history import simulate_test_days
from twin.sim.world import World

console = Console()


class HGBQuantilePredictor:
    """Three quantile-loss gradient-boosting models on minutes (the alternative)."""

    FEATURES = ("job_type", "experience", "zone", "technician_id")

    def __init__(self, rows: Sequence[HistoryRow]) -> None:
        self.vocab = {f: sorted({getattr(r, f) for r in rows}) for f in self.FEATURES}
        x = self._matrix(
            [DurationQuery(r.technician_id, r.job_type, r.experience, r.zone, r.hour) for r in rows]
        )
        y = np.array([r.duration_min for r in rows])
        cats = [True] * len(self.FEATURES) + [False]
        self.models = [
            HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                categorical_features=cats,
                learning_rate=0.05,
                max_iter=200,
                early_stopping=True,
                random_state=0,
            ).fit(x, y)
            for q in (0.1, 0.5, 0.9)
        ]

    def _matrix(self, queries: Sequence[DurationQuery]) -> np.ndarray:
        cols = []
        for f in self.FEATURES:
            index = {v: i for i, v in enumerate(self.vocab[f])}
            cols.append([index.get(getattr(q, f), np.nan) for q in queries])
        cols.append([np.nan if q.hour is None else q.hour for q in queries])
        return np.array(cols, dtype=float).T

    def predict(self, queries: Sequence[DurationQuery]) -> list[DurationEstimate]:
        x = self._matrix(queries)
        p = np.sort(np.maximum(np.array([m.predict(x) for m in self.models]), 1.0), axis=0)
        return [DurationEstimate(a, b, c, b) for a, b, c in p.T.tolist()]


def drifted(scenario: Scenario, factor: float) -> Scenario:
    jobs = {name: job.model_dump() for name, job in scenario.demand.jobs.items()}
    for job in jobs.values():
        job["mean_min"] *= factor
    return scenario.with_overrides(**{"demand.jobs": jobs})


def roster(scenario: Scenario) -> list[TechnicianSpec]:
    """The company's technicians (the same on every day)."""
    return list(World(scenario, BaselineDispatcher, 1).specs.values())


def per_call(fn: Callable[[], object], repeat: int) -> float:
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", default="data/history/default.csv.gz")
    parser.add_argument("--scenario", default="data/scenarios/default.toml")
    parser.add_argument("--test-days", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=30_000)
    parser.add_argument("--drift", type=float, default=1.2)
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    rows = read_history(args.history)
    t0 = time.perf_counter()
    model = DurationModel.fit(rows)
    fit_s = time.perf_counter() - t0
    naive = NaiveMeanPredictor.fit(rows)
    t0 = time.perf_counter()
    hgb = HGBQuantilePredictor(rows)
    hgb_fit_s = time.perf_counter() - t0
    seeds = f"seeds {args.first_seed}–{args.first_seed + args.test_days - 1}"
    console.print(f"history: {len(rows):,d} visits ({args.history}); test: {seeds}")

    for label, world in (
        ("held-out days", scenario),
        (f"drift: job means ×{args.drift}", drifted(scenario, args.drift)),
    ):
        held_out = simulate_test_days(world, args.test_days, args.first_seed)
        test = held_out.rows
        predictors: list[tuple[str, DurationPredictor]] = [
            ("naive", naive),
            ("model", model),
            ("oracle w/o site", held_out.technician_oracle),
            ("oracle", held_out.oracle),
        ]
        if world is scenario:
            predictors.insert(2, ("hgb-quantile", hgb))
        results = evaluate(test, predictors, online=["model"])
        console.print(quality_table(results, f"{label}: {len(test):,d} visits, minutes"))

    techs = roster(scenario)
    jobs = sorted(scenario.demand.jobs)
    table_s = per_call(lambda: model.predict_table(techs, jobs), 50)
    queries = queries_of(rows[:300])
    batch_s = per_call(lambda: model.predict(queries), 50)
    one_s = per_call(lambda: model.predict(queries[:1]), 500)
    hgb_one_s = per_call(lambda: hgb.predict(queries[:1]), 100)
    est = model.predict(queries[:1])[0]
    state = update_bias(None, "T001", "repair", est.p50, 50.0)
    upd_s = per_call(lambda: update_bias(state, "T002", "repair", est.p50, 70.0), 5000)
    cor_s = per_call(lambda: corrected(est, state, "T001"), 5000)
    console.print(
        f"fit {fit_s:.2f} s (hgb-quantile {hgb_fit_s:.2f} s); predict_table "
        f"{len(techs)}×{len(jobs)} {table_s * 1e3:.1f} ms; predict 300 rows "
        f"{batch_s * 1e3:.1f} ms; 1 row {one_s * 1e6:.0f} µs (hgb-quantile "
        f"{hgb_one_s * 1e6:.0f} µs); update_bias {upd_s * 1e6:.1f} µs; "
        f"corrected {cor_s * 1e6:.1f} µs"
    )


if __name__ == "__main__":
    main()
