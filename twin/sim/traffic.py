"""Traffic incidents: a zone slows down for a while (accident, road works, weather).

Incidents are drawn before the day from the traffic stream (Poisson count, uniform start
in 06:00–19:00, a zone, a speed factor and a duration), so every policy meets the same
jams. The world's ``incidents`` mapping holds the active factor per zone.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from twin import events as ev
from twin.clock import DayClock
from twin.config import Scenario
from twin.models.routing.travel import TravelModel


@dataclass(frozen=True, slots=True)
class Incident:
    start: float
    zone: str
    factor: float
    duration: float


def make_incidents(
    scenario: Scenario, travel: TravelModel, rng: np.random.Generator
) -> tuple[Incident, ...]:
    t = scenario.traffic
    n = int(rng.poisson(t.incidents_per_day))
    zones = [z.name for z in scenario.city.zones]
    out = [
        Incident(
            start=float(rng.uniform(6 * 60, 19 * 60)),
            zone=zones[int(rng.integers(len(zones)))],
            factor=round(float(rng.uniform(t.incident_factor_min, t.incident_factor_max)), 3),
            duration=float(rng.uniform(*t.incident_duration_min)),
        )
        for _ in range(n)
    ]
    return tuple(sorted(out, key=lambda i: i.start))


def traffic(
    env: simpy.Environment,
    incidents: Sequence[Incident],
    active_factors: MutableMapping[str, float],
    emit: Callable[..., ev.Event],
    clock: DayClock,
) -> Any:
    """Start and clear incidents; overlapping incidents in one zone keep the worst factor.

    ``active_factors`` (the world's incidents: zone -> speed factor) is kept up to date;
    each change is reported as a ``TrafficChanged`` through ``emit``."""
    active: dict[str, list[Incident]] = {}
    timeline = sorted(
        [(i.start, 1, i) for i in incidents] + [(i.start + i.duration, 0, i) for i in incidents],
        key=lambda e: (e[0], e[1]),
    )
    for at, starting, inc in timeline:
        yield env.timeout(max(0.0, at - env.now))
        zone_list = active.setdefault(inc.zone, [])
        if starting:
            zone_list.append(inc)
        else:
            zone_list.remove(inc)
        if zone_list:
            worst = min(zone_list, key=lambda i: i.factor)
            active_factors[inc.zone] = worst.factor
            until = worst.start + worst.duration
            factor = worst.factor
        else:
            active_factors.pop(inc.zone, None)
            until, factor = env.now, 1.0
        emit(ev.TrafficChanged, zone=inc.zone, factor=factor, until=clock.at(until))
