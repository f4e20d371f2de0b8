"""Statistics of a what-if comparison: KPI means over seeds and paired differences between arms.

Each arm of a comparison is run on the same seeds (common random numbers), so seed ``s`` of
arm A and seed ``s`` of arm B saw the same customers, durations and traffic. Two estimates:

* per arm and KPI: the mean over seeds with a 95 % Student-t confidence interval,
  ``mean ± t(0.975, n-1) · sd / sqrt(n)`` (``sd`` with ``n - 1``);
* per arm (other than the first, the *reference*) and KPI: the mean of the *paired*
  differences ``arm[s] - reference[s]`` over the seeds both have, with the paired-t 95 % CI.
  Pairing removes the day-to-day noise both arms share, so fewer seeds tell arms apart.

A difference whose CI contains 0 is *not significant*: the seeds do not tell the arms apart.
With fewer than two seeds there is no interval (bounds are NaN) and nothing is significant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from twin.analysis.kpi import KPI_SPECS, Kpis, KpiSpec

CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean over ``n`` seeds with its confidence interval ``[low, high]``."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass(frozen=True, slots=True)
class Difference:
    """Mean paired difference (arm - reference) with its CI; ``significant`` iff 0 is outside."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def significant(self) -> bool:
        if math.isnan(self.low) or math.isnan(self.high):
            return False
        return not (self.low <= 0.0 <= self.high)


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI across the arms: an estimate per arm, a difference per non-reference arm."""

    spec: KpiSpec
    estimates: tuple[Estimate, ...]
    differences: tuple[Difference | None, ...]  # None for the reference arm


def t_quantile(n: int, confidence: float = CONFIDENCE) -> float:
    """Two-sided Student-t quantile for ``n`` observations (``n - 1`` degrees of freedom)."""
    if n < 2:
        return float("nan")
    from scipy import stats  # imported late: scipy costs half a second at CLI start

    return float(stats.t.ppf(0.5 + confidence / 2, n - 1))


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Estimate:
    """Mean and Student-t confidence interval of ``values`` (one per seed)."""
    if not 0 < confidence < 1:
        msg = f"confidence must be in (0, 1), got {confidence}"
        raise ValueError(msg)
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        nan = float("nan")
        return Estimate(nan, nan, nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, float("nan"), float("nan"), n)
    half = t_quantile(n, confidence) * float(x.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)


def paired_difference(
    reference: Mapping[int, float], other: Mapping[int, float], confidence: float = CONFIDENCE
) -> Difference:
    """``other - reference`` paired by seed, over the seeds both have (paired-t CI)."""
    seeds = sorted(set(reference) & set(other))
    est = mean_ci([other[s] - reference[s] for s in seeds], confidence)
    return Difference(est.mean, est.low, est.high, est.n)


def summarise(
    by_arm: Mapping[str, Mapping[int, Kpis]],
    specs: Sequence[KpiSpec] = KPI_SPECS,
    confidence: float = CONFIDENCE,
) -> list[KpiRow]:
    """Estimates and paired differences for every KPI; the first arm is the reference."""
    arms = list(by_arm)
    if not arms:
        return []
    rows = []
    for spec in specs:
        values = [{s: float(getattr(k, spec.name)) for s, k in by_arm[a].items()} for a in arms]
        estimates = tuple(mean_ci([v[s] for s in sorted(v)], confidence) for v in values)
        diffs: list[Difference | None] = [None]
        diffs += [paired_difference(values[0], v, confidence) for v in values[1:]]
        rows.append(KpiRow(spec, estimates, tuple(diffs)))
    return rows


def format_value(spec: KpiSpec, value: float) -> str:
    """A KPI value with its unit; NaN as an en dash."""
    if math.isnan(value):
        return "–"
    if spec.unit == "count":  # means of counts are fractional
        return f"{value:,.1f}"
    return spec.format(value)


def format_estimate(spec: KpiSpec, est: Estimate) -> str:
    """``mean ± half-width`` (the 95 % CI), e.g. ``91.2% ± 1.3%``."""
    if math.isnan(est.half_width):
        return format_value(spec, est.mean)
    return f"{format_value(spec, est.mean)} ± {_bare(spec, est.half_width)}"


def format_difference(spec: KpiSpec, diff: Difference) -> str:
    """``+1.2% [0.3%, 2.1%]``, with ``(n.s.)`` when the CI contains 0."""
    if math.isnan(diff.mean):
        return "–"
    text = f"{_signed(spec, diff.mean)} [{_bare(spec, diff.low)}, {_bare(spec, diff.high)}]"
    return text if diff.significant else f"{text} (n.s.)"


def verdict(spec: KpiSpec, diff: Difference) -> str:
    """``better``, ``worse``, ``different`` (no better direction) or ``n.s.``."""
    if not diff.significant:
        return "n.s."
    if spec.higher_is_better is None:
        return "different"
    return "better" if (diff.mean > 0) == spec.higher_is_better else "worse"


def _bare(spec: KpiSpec, value: float) -> str:
    if math.isnan(value):
        return "–"
    if spec.unit == "share":
        return f"{value:.1%}"
    if spec.unit == "EUR":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _signed(spec: KpiSpec, value: float) -> str:
    text = _bare(spec, value)
    return text if text.startswith("-") else f"+{text}"
