"""ETA error and interval coverage by lead time, for any source of ``eta_updated`` events.

Scored as a customer sees it: every ``every_min`` minutes before a visit's *actual* arrival
(the first ``arrived`` for it), the ETA on show is the last ``eta_updated`` for the visit
issued at or before that moment. Its *lead* is the arrival minus that moment, and its
error is ``eta − arrival`` in minutes (positive: predicted too late). Samples are
bucketed by lead into ``0–15, 15–30, 30–60, 60–120, 120+`` minutes (lower bound included).
Per bucket: samples, visits, MAE, the 90th percentile of the absolute error (linear
interpolation, numpy's default), the mean signed error (bias) and the share of samples
whose ``[eta_low, eta_high]`` held the arrival (coverage).

Sampling on a clock rather than per update makes a source that publishes often and one
that publishes once per visit comparable: each visit weighs by how long its ETAs were on
show, not by how many were sent. Visits never arrived at have no truth and are left out.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from twin import events as ev
from twin.clock import minutes_between

LEAD_EDGES_MIN: tuple[float, ...] = (15.0, 30.0, 60.0, 120.0)
SAMPLE_EVERY_MIN = 5.0


@dataclass(frozen=True, slots=True)
class EtaBucket:
    """ETAs on show ``lead_min[0]`` to ``lead_min[1]`` minutes before the arrival; the
    figures are None when the bucket holds no sample."""

    lead_min: tuple[float, float]
    samples: int
    visits: int
    mae_min: float | None
    p90_abs_min: float | None
    bias_min: float | None
    coverage: float | None

    @property
    def label(self) -> str:
        lo, hi = self.lead_min
        return f"{lo:g}+" if math.isinf(hi) else f"{lo:g}–{hi:g}"

    def to_dict(self) -> dict[str, object]:
        return {
            "lead_min": [
                self.lead_min[0],
                None if math.isinf(self.lead_min[1]) else self.lead_min[1],
            ],
            "label": self.label,
            "samples": self.samples,
            "visits": self.visits,
            "mae_min": self.mae_min,
            "p90_abs_min": self.p90_abs_min,
            "bias_min": self.bias_min,
            "coverage": self.coverage,
        }


@dataclass(frozen=True, slots=True)
class EtaScore:
    """One source's ETAs: how many it sent, for how many arrived visits, and by lead."""

    source: str
    updates: int  # eta_updated events of the source
    visits: int  # arrived visits with an ETA on show before the arrival
    buckets: tuple[EtaBucket, ...]

    @property
    def carried(self) -> bool:
        return self.updates > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "carried": self.carried,
            "updates": self.updates,
            "visits": self.visits,
            "buckets": [b.to_dict() for b in self.buckets],
        }


def _bucket(lo: float, hi: float, rows: Sequence[tuple[str, float, bool]]) -> EtaBucket:
    if not rows:
        return EtaBucket((lo, hi), 0, 0, None, None, None, None)
    err = np.array([e for _, e, _ in rows], dtype=float)
    absolute = np.abs(err)
    return EtaBucket(
        (lo, hi),
        len(rows),
        len({v for v, _, _ in rows}),
        float(absolute.mean()),
        float(np.percentile(absolute, 90)),
        float(err.mean()),
        float(np.mean([c for _, _, c in rows])),
    )


def score_etas(
    source: str,
    arrivals: Mapping[str, datetime],
    updates: Iterable[ev.EtaUpdated],
    every_min: float = SAMPLE_EVERY_MIN,
    edges: Sequence[float] = LEAD_EDGES_MIN,
) -> EtaScore:
    """Score ``updates`` (one source's ETAs) against the actual ``arrivals`` by visit."""
    if not every_min > 0:
        msg = f"every_min must be > 0 minutes, got {every_min!r}"
        raise ValueError(msg)
    by_visit: dict[str, list[ev.EtaUpdated]] = defaultdict(list)
    n = 0
    for u in updates:
        n += 1
        by_visit[u.visit_id].append(u)
    rows: list[list[tuple[str, float, bool]]] = [[] for _ in range(len(edges) + 1)]
    scored: set[str] = set()
    for vid in sorted(by_visit):
        arrived = arrivals.get(vid)
        if arrived is None:
            continue
        ups = sorted(by_visit[vid], key=lambda u: u.time)  # stable: ties keep log order
        issued = [minutes_between(u.time, arrived) for u in ups]  # <= 0: before arrival
        lead = every_min
        while -lead >= issued[0]:
            u = ups[bisect_right(issued, -lead) - 1]
            rows[bisect_right(edges, lead)].append(
                (vid, minutes_between(u.eta, arrived), u.eta_low <= arrived <= u.eta_high)
            )
            scored.add(vid)
            lead += every_min
    bounds = (0.0, *edges, math.inf)
    buckets = tuple(_bucket(bounds[i], bounds[i + 1], got) for i, got in enumerate(rows))
    return EtaScore(source, n, len(scored), buckets)
