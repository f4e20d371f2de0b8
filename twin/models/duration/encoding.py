"""Fitting the duration model: job/level design, shrunk effects, backfitting, cross-fitting.

Log-duration is modelled as ``base(job type, experience level) + Σ effects``:

* the **base** is a scikit-learn ``Ridge`` on one-hot job type and experience level (large
  groups, estimated as they are). A job type or level the history never saw is encoded
  as the history's mix (the column frequencies), which averages over it;
* the **effects** — zone, hour of work start, technician, and (technician, job type) —
  are empirical-Bayes *target encodings*: a cell with ``n`` residuals of mean ``r̄`` is
  ``n·r̄ / (n + m)``, ``m = σ² / τ²`` (within-cell over between-cell variance, one-way
  random-effects moment estimator). For (technician, job type) the noise ``σ²`` is
  estimated per job type and ``τ²`` pooled over job types, i.e. technicians are assumed to
  differ as much on every kind of job while some kinds are noisier to measure. An effect
  with no visible between-cell variance gets ``m = MAX_SHRINK`` (it vanishes); an unknown
  cell (new technician, missing zone or hour) is 0.

Base and effects are fitted alternately (backfitting) so that none absorbs another's part.
:func:`fit_components` also returns *out-of-fold* residuals (each row predicted by a fit
without its fold), which is what the quantiles are calibrated on.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where a model is fitted: 0.7 s of imports a day without one skips
    from sklearn.linear_model import Ridge

MAX_SHRINK = 1e4
EFFECTS = ("zone", "hour", "technician", "technician_job")


@dataclass(frozen=True, slots=True)
class Design:
    """One-hot job type and experience level, unknown values encoded as the history's mix."""

    jobs: tuple[str, ...]
    levels: tuple[str, ...]
    job_mix: np.ndarray
    level_mix: np.ndarray

    @classmethod
    def from_columns(cls, jobs: Sequence[str], levels: Sequence[str]) -> Design:
        if not jobs:
            raise ValueError("cannot build a design from an empty history")
        j, jn = np.unique(np.asarray(jobs), return_counts=True)
        lv, ln = np.unique(np.asarray(levels), return_counts=True)
        return cls(
            tuple(str(x) for x in j),
            tuple(str(x) for x in lv),
            jn / jn.sum(),
            ln / ln.sum(),
        )

    def matrix(self, jobs: Sequence[str], levels: Sequence[str]) -> np.ndarray:
        return np.hstack(
            [_one_hot(jobs, self.jobs, self.job_mix), _one_hot(levels, self.levels, self.level_mix)]
        )


def _one_hot(values: Sequence[str], vocab: Sequence[str], mix: np.ndarray) -> np.ndarray:
    index = {v: i for i, v in enumerate(vocab)}
    out = np.zeros((len(values), len(vocab)))
    for row, v in enumerate(values):
        i = index.get(v)
        if i is None:
            out[row] = mix
        else:
            out[row, i] = 1.0
    return out


@dataclass(frozen=True, slots=True)
class Effect:
    """Shrunk log-effects of one kind of cell; ``shrink`` is ``m`` per group."""

    name: str
    values: Mapping[Hashable, float]
    shrink: Mapping[str, float]

    def lookup(self, keys: Sequence[Hashable | None]) -> np.ndarray:
        v = self.values
        return np.array([v.get(k, 0.0) if k is not None else 0.0 for k in keys], dtype=float)


@dataclass(frozen=True, slots=True)
class _Block:
    """Integer codes of one effect's cells in the training rows, and each cell's group."""

    name: str
    codes: np.ndarray  # row -> cell
    cells: list[Hashable]
    cell_group: np.ndarray  # cell -> group
    groups: list[str]


def _block(name: str, keys: Sequence[Hashable], groups: Sequence[str]) -> _Block:
    index: dict[Hashable, int] = {}
    codes = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.intp)
    group_index: dict[str, int] = {}
    cell_group = np.zeros(len(index), dtype=np.intp)
    for code, g in zip(codes, groups, strict=True):
        cell_group[code] = group_index.setdefault(g, len(group_index))
    return _Block(name, codes, list(index), cell_group, list(group_index))


def _shrinkage(b: _Block, r: np.ndarray) -> np.ndarray:
    """``m`` per group: σ² per group over τ² pooled across groups (weighted by cells)."""
    n_cells = len(b.cells)
    n = np.bincount(b.codes, minlength=n_cells).astype(float)
    s = np.bincount(b.codes, weights=r, minlength=n_cells)
    ss = np.bincount(b.codes, weights=r * r, minlength=n_cells)
    mean = s / np.maximum(n, 1)
    sigma2 = np.full(len(b.groups), np.nan)
    tau2, weight = 0.0, 0.0
    for g in range(len(b.groups)):
        sel = b.cell_group == g
        ng, k = n[sel], int(sel.sum())
        total = ng.sum()
        if k < 2 or total <= k:
            continue
        within = float((ss[sel] - ng * mean[sel] ** 2).sum()) / (total - k)
        grand = float(s[sel].sum()) / total
        between = float((ng * (mean[sel] - grand) ** 2).sum())
        tau2 += k * (between - (k - 1) * within) / (total - float((ng * ng).sum()) / total)
        weight += k
        sigma2[g] = within
    tau2 = tau2 / weight if weight else 0.0
    pooled = float(np.nanmean(sigma2)) if weight else 1.0
    sigma2 = np.where(np.isnan(sigma2), pooled, sigma2)
    if tau2 <= float(sigma2.max()) / MAX_SHRINK:
        return np.full(len(b.groups), MAX_SHRINK)
    return np.asarray(np.minimum(sigma2 / tau2, MAX_SHRINK))


def _shrunk(b: _Block, r: np.ndarray, m: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-cell ``n·r̄ / (n + m)`` from the rows in ``mask`` (unseen cells: 0)."""
    n_cells = len(b.cells)
    n = np.bincount(b.codes[mask], minlength=n_cells)
    s = np.bincount(b.codes[mask], weights=r[mask], minlength=n_cells)
    return np.asarray(s / (n + m[b.cell_group]))


@dataclass(frozen=True, slots=True)
class Components:
    base: Ridge
    effects: tuple[Effect, ...]
    oof_residuals: np.ndarray


def _backfit(
    x: np.ndarray,
    y: np.ndarray,
    blocks: Sequence[_Block],
    mask: np.ndarray,
    rounds: int,
    alpha: float,
    shrink: list[np.ndarray] | None,
) -> tuple[Ridge, list[np.ndarray], list[np.ndarray]]:
    """Alternate base and effects on the rows in ``mask``; re-estimates ``m`` if not given."""
    from sklearn.linear_model import Ridge

    per_cell = [np.zeros(len(b.cells)) for b in blocks]
    ms = list(shrink) if shrink is not None else [np.zeros(len(b.groups)) for b in blocks]
    base = Ridge(alpha=alpha)
    for _ in range(rounds):
        effects = sum((v[b.codes] for v, b in zip(per_cell, blocks, strict=True)), np.zeros(len(y)))
        base.fit(x[mask], (y - effects)[mask])
        resid = y - base.predict(x)
        for i, b in enumerate(blocks):
            partial = resid - effects + per_cell[i][b.codes]
            if shrink is None:
                ms[i] = _shrinkage(b, partial[mask])
            new = _shrunk(b, partial, ms[i], mask)
            effects = effects - per_cell[i][b.codes] + new[b.codes]
            per_cell[i] = new
    return base, per_cell, ms


def fit_components(
    x: np.ndarray,
    y: np.ndarray,
    keys: Mapping[str, Sequence[Hashable]],
    groups: Mapping[str, Sequence[str]],
    *,
    rounds: int,
    folds: int,
    alpha: float,
) -> Components:
    """Backfit base and effects on all rows, then out-of-fold residuals with ``m`` fixed."""
    blocks = [_block(name, keys[name], groups[name]) for name in EFFECTS]
    everything = np.ones(len(y), dtype=bool)
    base, per_cell, ms = _backfit(x, y, blocks, everything, rounds, alpha, None)
    fold = np.arange(len(y)) % folds
    oof = np.zeros(len(y))
    for k in range(folds):
        held = fold == k
        b_k, cells_k, _ = _backfit(x, y, blocks, ~held, rounds, alpha, ms)
        pred = b_k.predict(x[held]) + sum(
            (v[b.codes[held]] for v, b in zip(cells_k, blocks, strict=True)), np.zeros(held.sum())
        )
        oof[held] = y[held] - pred
    effects = tuple(
        Effect(
            b.name,
            {c: float(v) for c, v in zip(b.cells, values, strict=True)},
            {g: float(m) for g, m in zip(b.groups, m_g, strict=True)},
        )
        for b, values, m_g in zip(blocks, per_cell, ms, strict=True)
    )
    return Components(base, effects, oof)
