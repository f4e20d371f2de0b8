"""Calibrating the ETA chain on past days: how far off were the published ETAs, and how often.

The chain in :mod:`twin.models.eta.chain` is a model: a normal approximation around the
median path of the technician's remaining day. It cannot know that the plan will change
ahead of a visit (cancellations, visits moved to or from the route by the brain's own
replanning, same-day requests inserted), and its spread is an assumption. Calibration
measures what actually happened on past days of the same company, the way
:mod:`twin.analysis.quality` scores the brain:

* every published ``eta_updated`` carries ``arrive`` (the chain's median path) and ``s``
  (its spread, with a floor of ``sd_floor_min`` added in quadrature), so that the
  standardised residual ``z = (actual arrival - arrive) / s`` can be read off the log;
* every 5 minutes before each arrival, the ETA then on show gives one residual (so each
  published ETA counts by how long it was on show), bucketed by the ETA's *lead*
  (``arrive`` minus the time it was issued, which the brain knows when it issues it);
* each bucket keeps quantiles of ``z``: the published interval becomes
  ``arrive + z(P10) · s`` … ``arrive + z(P90) · s`` around ``arrive + z(P50) · s``
  (split-conformal style: on the training days, 80 % of arrivals fall inside). The same
  quantiles give ``P(arrival > t)`` (:meth:`EtaCalibration.exceed`); the delay alerts do
  not use it: on the benchmark it alerted earlier but with lower precision and recall than
  the chain's normal approximation (``bench/RESULTS.md``).

The company's historic share of visits where the customer was not at home, and the
minutes then spent on site, are learned from the same logs; the chain uses them as a
mixture for every visit still ahead (:func:`twin.models.eta.route_etas`).

``twin calibrate-eta`` simulates the training days (seeds from
:data:`CALIBRATION_SEED`, disjoint from every run, test and benchmark seed) and writes
the result as a small JSON file; ``policy.eta_calibration`` names it.
"""

from __future__ import annotations

import json
import math
import statistics
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from twin import events as ev
from twin.clock import minutes_between
from twin.models.eta.absent import AbsentStats

__all__ = [
    "CALIBRATION_SEED",
    "LEAD_EDGES_MIN",
    "LEVELS",
    "SAMPLE_EVERY_MIN",
    "EtaCalibration",
    "Residual",
    "fit_calibration",
    "load_calibration",
    "residuals",
]

FORMAT = "fieldtwin-eta-calibration"
VERSION = 1
CALIBRATION_SEED = 50_000
"""First seed of the calibration days (``50_000``, ``50_001``, …)."""
# probability levels of the stored z quantiles: P10/P50/P90 for the interval, the rest for
# P(arrival > window end); tails kept at 0.5 % so that every level has ~50 samples or more
LEVELS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995,
)  # fmt: skip
LOW, CENTER, HIGH = 0.1, 0.5, 0.9
LEAD_EDGES_MIN: tuple[float, ...] = (10.0, 20.0, 40.0, 80.0, 160.0)
"""Upper edges of the lead buckets: [0, 10), [10, 20), … [160, ∞) minutes ahead."""
SAMPLE_EVERY_MIN = 5.0
SD_FLOOR_MIN = 2.0
MIN_SAMPLES = 200  # a thinner bucket takes the quantiles of all buckets together

Residual = tuple[float, float]
"""(lead in minutes, standardised residual z) of one published ETA."""


def _normal_quantiles(levels: Sequence[float]) -> tuple[float, ...]:
    nd = statistics.NormalDist()
    return tuple(nd.inv_cdf(p) for p in levels)


@dataclass(frozen=True, slots=True)
class EtaCalibration:
    """Quantiles of standardised ETA residuals by lead bucket, plus the absent mixture.

    ``z[b]`` holds the quantiles at ``levels`` for bucket ``b`` (leads below
    ``lead_edges_min[b]``; the last bucket is open). Derived on construction for the hot
    path: ``bands[b] = (z at P10, z at P50, z at P90)``.
    """

    lead_edges_min: tuple[float, ...]
    levels: tuple[float, ...]
    z: tuple[tuple[float, ...], ...]
    samples: tuple[int, ...]
    absent_share: float = 0.0
    absent_min: float = 10.0
    sd_floor_min: float = SD_FLOOR_MIN
    scenario: str = ""
    first_seed: int = CALIBRATION_SEED
    days: int = 0
    bands: tuple[tuple[float, float, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lv = self.levels
        if not lv or any(not 0 < p < 1 for p in lv) or any(a >= b for a, b in pairwise(lv)):
            msg = f"levels must increase strictly inside (0, 1), got {lv}"
            raise ValueError(msg)
        missing = [p for p in (LOW, CENTER, HIGH) if p not in lv]
        if missing:
            raise ValueError(f"levels must include {LOW}, {CENTER} and {HIGH}; missing {missing}")
        edges = self.lead_edges_min
        if any(a >= b for a, b in pairwise(edges)) or any(e <= 0 for e in edges):
            raise ValueError(f"lead_edges_min must be positive and increasing, got {edges}")
        n = len(edges) + 1
        if len(self.z) != n or len(self.samples) != n:
            msg = (
                f"{len(edges)} lead edges need {n} buckets; got {len(self.z)} z rows and "
                f"{len(self.samples)} sample counts"
            )
            raise ValueError(msg)
        for b, row in enumerate(self.z):
            if len(row) != len(lv) or any(not math.isfinite(q) for q in row):
                msg = f"z[{b}]: need {len(lv)} finite quantiles (one per level), got {row}"
                raise ValueError(msg)
            if any(a > b_ for a, b_ in pairwise(row)):
                raise ValueError(f"z[{b}]: quantiles must not decrease, got {row}")
        if not 0 <= self.absent_share < 1:
            raise ValueError(f"absent_share must be in [0, 1), got {self.absent_share!r}")
        if not self.absent_min >= 0:
            raise ValueError(f"absent_min must be >= 0, got {self.absent_min!r}")
        if not self.sd_floor_min > 0:
            raise ValueError(f"sd_floor_min must be > 0, got {self.sd_floor_min!r}")
        i, j, k = lv.index(LOW), lv.index(CENTER), lv.index(HIGH)
        object.__setattr__(self, "bands", tuple((row[i], row[j], row[k]) for row in self.z))

    # -------------------------------------------------------------- application
    def bucket(self, lead_min: float) -> int:
        return bisect_right(self.lead_edges_min, lead_min)

    def interval(self, arrive: float, s: float, lead_min: float) -> tuple[float, float, float]:
        """(P10, central ETA, P90) of the arrival for the chain's ``arrive`` and spread ``s``
        (``s`` already floored, see :meth:`spread`)."""
        lo, mid, hi = self.bands[bisect_right(self.lead_edges_min, lead_min)]
        return arrive + lo * s, arrive + mid * s, arrive + hi * s

    def spread(self, sd: float) -> float:
        """The chain's sd with the floor added in quadrature (the scale z is measured in)."""
        return math.sqrt(sd * sd + self.sd_floor_min * self.sd_floor_min)

    def exceed(self, lead_min: float, z: float) -> float:
        """P(standardised residual > z) in the lead's bucket (linear between levels;
        beyond the outermost levels it stays at their tail probability)."""
        return exceedance(self.z[bisect_right(self.lead_edges_min, lead_min)], self.levels, z)

    # -------------------------------------------------------------- construction
    @staticmethod
    def identity(
        absent_share: float = 0.0, absent_min: float = 10.0, sd_floor_min: float = SD_FLOOR_MIN
    ) -> EtaCalibration:
        """The uncorrected normal approximation (with the floor and the absent mixture): what
        the chain publishes while its residuals are collected."""
        row = _normal_quantiles(LEVELS)
        n = len(LEAD_EDGES_MIN) + 1
        return EtaCalibration(
            LEAD_EDGES_MIN, LEVELS, (row,) * n, (0,) * n, absent_share, absent_min, sd_floor_min
        )

    def to_dict(self) -> dict[str, Any]:
        bounds = (0.0, *self.lead_edges_min, None)
        return {
            "format": FORMAT,
            "version": VERSION,
            "scenario": self.scenario,
            "first_seed": self.first_seed,
            "days": self.days,
            "absent_share": round(self.absent_share, 6),
            "absent_min": round(self.absent_min, 3),
            "sd_floor_min": self.sd_floor_min,
            "levels": list(self.levels),
            "lead_edges_min": list(self.lead_edges_min),
            "buckets": [
                {
                    "lead_min": [bounds[b], bounds[b + 1]],
                    "samples": self.samples[b],
                    "z": [round(q, 4) for q in self.z[b]],
                }
                for b in range(len(self.z))
            ],
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> EtaCalibration:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            msg = (
                f"not an ETA calibration file (format {data.get('format')!r}, version "
                f"{data.get('version')!r}; expected {FORMAT!r}, {VERSION})"
            )
            raise ValueError(msg)
        try:
            buckets = list(data["buckets"])
            return EtaCalibration(
                lead_edges_min=tuple(float(e) for e in data["lead_edges_min"]),
                levels=tuple(float(p) for p in data["levels"]),
                z=tuple(tuple(float(q) for q in b["z"]) for b in buckets),
                samples=tuple(int(b["samples"]) for b in buckets),
                absent_share=float(data["absent_share"]),
                absent_min=float(data["absent_min"]),
                sd_floor_min=float(data["sd_floor_min"]),
                scenario=str(data.get("scenario", "")),
                first_seed=int(data.get("first_seed", CALIBRATION_SEED)),
                days=int(data.get("days", 0)),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed ETA calibration: {exc!r}") from None

    def save(self, path: Path | str) -> None:
        """Write as JSON, one bucket per line (parent folders created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = self.to_dict()
        lines = []
        for key, value in fields.items():
            if key == "buckets":
                rows = ",\n".join(f"  {json.dumps(b)}" for b in value)
                lines.append(f' "{key}": [\n{rows}\n ]')
            else:
                lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
        path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


def exceedance(zs: Sequence[float], levels: Sequence[float], z: float) -> float:
    """1 − F(z) for the quantile function given by ``zs`` at ``levels``."""
    i = bisect_right(zs, z)
    if i == 0:
        return 1.0 - levels[0]
    if i == len(zs):
        return 1.0 - levels[-1]
    z0, z1 = zs[i - 1], zs[i]  # z0 <= z < z1
    l0 = levels[i - 1]
    return 1.0 - (l0 + (levels[i] - l0) * (z - z0) / (z1 - z0))


def load_calibration(path: Path | str) -> EtaCalibration:
    """Read a calibration file (``ValueError`` with the reason if it is not one)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    try:
        return EtaCalibration.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# ------------------------------------------------------------------ reading past days
def residuals(
    events: Iterable[ev.Event], z_high: float, every_min: float = SAMPLE_EVERY_MIN
) -> list[Residual]:
    """(lead, z) of the ETAs one day's log showed, sampled every ``every_min`` minutes.

    For each arrival, at the arrival minus ``every_min``, minus twice that, … back to the
    visit's first ``eta_updated``: the ETA then on show (the last update issued by then).
    Sampling in time weighs every published ETA by how long it was on show, the way a
    customer glancing at the app at a random moment sees it; :mod:`twin.analysis.quality` looks at
    three of these moments (60, 30 and 15 minutes before the arrival).

    The log must come from a brain publishing uncorrected intervals
    (``eta_high = eta + z_high · s``, e.g. under :meth:`EtaCalibration.identity` with
    ``z_high`` its P90 quantile), so that ``s`` can be read back; updates with ``s <= 0``
    are skipped.
    """
    if not every_min > 0:
        raise ValueError(f"every_min must be > 0, got {every_min!r}")
    arrivals: dict[str, datetime] = {}
    updates: dict[str, list[ev.EtaUpdated]] = defaultdict(list)
    for e in events:
        if isinstance(e, ev.Arrived) and e.visit_id and e.visit_id not in arrivals:
            arrivals[e.visit_id] = e.time
        elif isinstance(e, ev.EtaUpdated):
            updates[e.visit_id].append(e)
    out: list[Residual] = []
    for vid, arrived in arrivals.items():
        ups = sorted(updates.get(vid, ()), key=lambda u: u.time)
        if not ups:
            continue
        issued = [minutes_between(u.time, arrived) for u in ups]  # minutes relative to the arrival
        shown = []  # (lead, z) of each update, or None
        for u in ups:
            s = minutes_between(u.eta_high, u.eta) / z_high
            shown.append(
                (minutes_between(u.eta, u.time), minutes_between(arrived, u.eta) / s)
                if s > 0
                else None
            )
        back = every_min
        while -back >= issued[0]:
            sample = shown[bisect_right(issued, -back) - 1]
            if sample is not None:
                out.append(sample)
            back += every_min
    return out


def fit_calibration(
    samples: Sequence[Residual],
    absent: AbsentStats,
    *,
    sd_floor_min: float = SD_FLOOR_MIN,
    lead_edges_min: Sequence[float] = LEAD_EDGES_MIN,
    levels: Sequence[float] = LEVELS,
    min_samples: int = MIN_SAMPLES,
    scenario: str = "",
    first_seed: int = CALIBRATION_SEED,
    days: int = 0,
) -> EtaCalibration:
    """Empirical z quantiles per lead bucket (a bucket with fewer than ``min_samples``
    residuals takes those of all residuals together)."""
    if not samples:
        raise ValueError("no residuals to calibrate on (no arrivals with published ETAs)")
    edges = tuple(float(e) for e in lead_edges_min)
    lv = tuple(float(p) for p in levels)
    leads = np.array([s[0] for s in samples], dtype=float)
    zs = np.array([s[1] for s in samples], dtype=float)
    which = np.searchsorted(np.array(edges), leads, side="right")

    def quantiles(values: np.ndarray) -> tuple[float, ...]:
        # rounded as stored, so that a saved and loaded calibration equals the fitted one
        return tuple(round(float(q), 4) for q in np.quantile(values, lv))

    pooled = quantiles(zs)
    rows: list[tuple[float, ...]] = []
    counts: list[int] = []
    for b in range(len(edges) + 1):
        mine = zs[which == b]
        counts.append(int(mine.size))
        rows.append(quantiles(mine) if mine.size >= min_samples else pooled)
    return EtaCalibration(
        edges,
        lv,
        tuple(rows),
        tuple(counts),
        absent_share=round(absent.share, 6),
        absent_min=round(absent.minutes, 3) if absent.absent else 10.0,
        sd_floor_min=sd_floor_min,
        scenario=scenario,
        first_seed=first_seed,
        days=days,
    )
