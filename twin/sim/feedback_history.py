"""Feedback history for the chemistry index: past days simulated, ratings read off the log.

``simulate_feedback`` runs the world with the baseline dispatcher for ``days`` past days
(seeds ``first_seed``, ``first_seed + 1``, …, apart from the run seeds and the duration
history's) and keeps every ``FeedbackGiven``: who rated whom, how many stars. The company's
technicians and its regular customers (:mod:`twin.sim.customers`) come from
``company_seed`` and are the same every day, so a (regular customer, technician) pair meets
again and its chemistry is learnable. Each row also carries the pair's hidden affinity
(:func:`twin.sim.truth.affinity`) for benchmarks; :func:`write_feedback` leaves it out of
the file, which holds only what a production system would see.

    .venv/bin/python -m twin.sim.feedback_history --days 60 \\
        --out data/history/default_feedback.csv.gz [--scenario data/scenarios/default.toml]
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from twin import events as ev
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.customers import customer_base
from twin.sim.truth import affinity
from twin.sim.world import World

log = logging.getLogger(__name__)

FEEDBACK_SEED = 40_000
"""First seed of the feedback history (days ``40_000``, ``40_001``, …)."""

DayProgress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    seed: int
    visit_id: str
    customer_id: str
    technician_id: str
    rating: int
    affinity: float  # hidden truth: never written to the history file


def feedback_of_day(world: World, events: Iterable[ev.Event]) -> list[FeedbackRow]:
    """The day's ratings, in log order, with the hidden affinity of each pair."""
    regulars = {c.customer_id for c in customer_base(world.scenario)}
    rows = []
    for e in events:
        if isinstance(e, ev.FeedbackGiven):
            visit = world.visit_specs[e.visit_id]
            truth = affinity(visit, world.profiles[e.technician_id])
            # one-off customers' ids are per-day indices in the simulation (C0001 is someone
            # else tomorrow); a real system's ids are unique, so the history makes them so
            cid = e.customer_id if e.customer_id in regulars else f"{e.customer_id}-{world.seed}"
            rows.append(FeedbackRow(world.seed, e.visit_id, cid, e.technician_id, e.rating, truth))
    return rows


def simulate_feedback(
    scenario: Scenario,
    days: int,
    first_seed: int = FEEDBACK_SEED,
    progress: DayProgress | None = None,
) -> list[FeedbackRow]:
    """Ratings of ``days`` simulated past days (seeds ``first_seed + i``), baseline dispatcher."""
    if days < 1:
        msg = f"days must be >= 1, got {days}"
        raise ValueError(msg)
    rows: list[FeedbackRow] = []
    for i in range(days):
        world = World(scenario, BaselineDispatcher, first_seed + i)
        rows.extend(feedback_of_day(world, world.run()))
        if progress is not None:
            progress(i + 1, days)
    return rows


def write_feedback(rows: Iterable[FeedbackRow], path: Path | str) -> None:
    """``customer_id,technician_id,rating`` as CSV (gzip if the name ends in ``.gz``)."""
    path = Path(path)
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(("customer_id", "technician_id", "rating"))
    out.writerows((r.customer_id, r.technician_id, r.rating) for r in rows)
    data = buf.getvalue().encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)  # mtime 0: the same history, the same bytes
    path.write_bytes(data)
