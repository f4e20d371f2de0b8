"""Visit history for the duration model: past days simulated, rows read off the event log.

``simulate_history`` runs the world with the baseline dispatcher for ``days`` past days
(seeds ``first_seed``, ``first_seed + 1``, …, kept apart from the usual run seeds) and
turns each day's log into :class:`~twin.models.duration_data.HistoryRow` s with
:func:`extract_rows`. Extraction uses only what a production system would see: the event
log, the roster (public technician master data, for the experience level) and the city's
zones. The hidden truth is used in one place only, :func:`simulate_test_days`, which also
returns the oracle (the true lognormal of every held-out visit) for the benchmark.

The company (technicians and their hidden efficiencies) comes from the scenario's
``company_seed`` and is the same on every day, so per-technician effects are learnable.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from twin import events as ev
from twin.config import Scenario
from twin.models.duration.baselines import OraclePredictor
from twin.models.duration.data import HistoryRow
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.plan import TechnicianSpec
from twin.models.routing.roads import travel_model
from twin.sim.truth import true_duration_distribution
from twin.sim.world import World

# outcomes with no work to measure (nobody home); work stopped at the legal end of the day
# enters with the time worked, a lower bound on its duration (the models know no censoring,
# and leaving the longest jobs out would shrink the spread they learn more)
CENSORED = frozenset({"customer_absent"})

log = logging.getLogger(__name__)

HISTORY_SEED = 10_000
"""First seed of the training history (days ``10_000``, ``10_001``, …)."""
TEST_SEED = 20_000
"""First seed of held-out test days (never used for training)."""
UNKNOWN_EXPERIENCE = "unknown"

DayProgress = Callable[[int, int], None]
"""Called with (days done, days in total) after each simulated day."""


def extract_rows(
    events: Iterable[ev.Event],
    roster: Mapping[str, TechnicianSpec],
    zone_of: Callable[[float, float], str],
    seed: int,
) -> list[HistoryRow]:
    """Training rows of one day's log, in the order the visits finished.

    A row needs ``visit_requested`` (job, customer, site), ``work_started`` and
    ``work_finished`` of the same visit; visits where the customer was absent, work that
    never finished and duplicate events (same id) are skipped. A technician missing from
    ``roster`` gets the experience level ``"unknown"``.
    """
    seen: set[str] = set()
    requests: dict[str, ev.VisitRequested] = {}
    started: dict[str, ev.WorkStarted] = {}
    finished: list[ev.WorkFinished] = []
    for e in events:
        if e.id in seen:
            continue
        seen.add(e.id)
        if isinstance(e, ev.VisitRequested):
            requests[e.visit_id] = e
        elif isinstance(e, ev.WorkStarted):
            started[e.visit_id] = e
        elif isinstance(e, ev.WorkFinished) and e.outcome not in CENSORED:
            finished.append(e)
    rows = []
    for end in sorted(finished, key=lambda e: e.time):  # stable: log order breaks ties
        start = started.get(end.visit_id)
        request = requests.get(end.visit_id)
        if start is None or request is None:
            log.warning("visit %s finished without start or request: skipped", end.visit_id)
            continue
        spec = roster.get(end.technician_id)
        if spec is None:
            log.warning("technician %s is not in the roster", end.technician_id)
        minutes = (end.time - start.time).total_seconds() / 60.0
        if minutes <= 0:
            log.warning("visit %s has a non-positive duration: skipped", end.visit_id)
            continue
        rows.append(
            HistoryRow(
                seed=seed,
                visit_id=end.visit_id,
                customer_id=request.customer_id,
                technician_id=end.technician_id,
                experience=spec.experience if spec is not None else UNKNOWN_EXPERIENCE,
                job_type=request.job_type,
                zone=zone_of(request.x, request.y),
                hour=start.time.hour,
                duration_min=round(minutes, 3),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class SimulatedDay:
    seed: int
    rows: tuple[HistoryRow, ...]
    world: World


def simulate_day(scenario: Scenario, seed: int) -> SimulatedDay:
    """Run one day with the baseline dispatcher and extract its rows from the log."""
    world = World(scenario, BaselineDispatcher, seed)
    events = world.run()
    rows = extract_rows(events, world.specs, world.travel.zone_name, seed)
    return SimulatedDay(seed, tuple(rows), world)


def simulate_history(
    scenario: Scenario,
    days: int,
    first_seed: int = HISTORY_SEED,
    progress: DayProgress | None = None,
) -> list[HistoryRow]:
    """Rows of ``days`` simulated past days (seeds ``first_seed + i``), day after day."""
    if days < 1:
        msg = f"days must be >= 1, got {days}"
        raise ValueError(msg)
    rows: list[HistoryRow] = []
    for i in range(days):
        rows.extend(simulate_day(scenario, first_seed + i).rows)
        if progress is not None:
            progress(i + 1, days)
    return rows


@dataclass(frozen=True, slots=True)
class HeldOut:
    """Held-out rows and two oracles built from the hidden truth.

    ``oracle`` knows each visit's true lognormal (job, level, the technician's hidden
    efficiency and the site's factor): the floor of any error. ``technician_oracle`` knows
    everything but the site factor — the best a model of (technician, job) can learn from
    an infinite history.
    """

    rows: tuple[HistoryRow, ...]
    oracle: OraclePredictor
    technician_oracle: OraclePredictor


def simulate_test_days(
    scenario: Scenario,
    days: int,
    first_seed: int = TEST_SEED,
    progress: DayProgress | None = None,
) -> HeldOut:
    """Rows of ``days`` held-out days with the oracles that know their true distributions."""
    if days < 1:
        msg = f"days must be >= 1, got {days}"
        raise ValueError(msg)
    rows: list[HistoryRow] = []
    truth: dict[str, tuple[float, float]] = {}
    no_site: dict[str, tuple[float, float]] = {}
    site_var = scenario.demand.site_sigma**2
    for i in range(days):
        day = simulate_day(scenario, first_seed + i)
        w = day.world
        for r in day.rows:
            visit = w.visit_specs[r.visit_id]
            profile = w.profiles[r.technician_id]
            truth[r.visit_key] = true_duration_distribution(scenario, visit, profile)
            # log site factor ~ N(0, site_sigma²): unknown, it only widens the lognormal
            mu, sigma = true_duration_distribution(
                scenario, replace(visit, site_factor=1.0), profile
            )
            no_site[r.visit_key] = (mu, math.sqrt(sigma * sigma + site_var))
        rows.extend(day.rows)
        if progress is not None:
            progress(i + 1, days)
    return HeldOut(tuple(rows), OraclePredictor(truth), OraclePredictor(no_site))


def zone_function(scenario: Scenario) -> Callable[[float, float], str]:
    """The zone of a site, as the company's own map knows it."""
    return travel_model(scenario.city, scenario.traffic).zone_name
