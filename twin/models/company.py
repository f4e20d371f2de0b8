"""The company as every part of the twin sees it: one value built once per scenario and seed.

Its clock (simulated minutes <-> UTC), travel model, statutory break rule, the windows it
offers and its roster (the technicians' master data) are built here and nowhere else, so
the world, the brain, the booking desk and the cockpit agree on them by construction.
The seed enters here once: ``company.seed`` is the day's seed and ``company.scenario``
carries it (the base scenario's seed is replaced), so what is recorded is what ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from twin.clock import DayClock
from twin.config import ConfigError, Scenario
from twin.models.booking.windows import Window, offered_windows
from twin.models.routing.plan import BreakRule, TechnicianSpec
from twin.models.routing.roads import travel_model
from twin.models.routing.travel import TravelModel


def break_rule(scenario: Scenario) -> BreakRule:
    wf = scenario.workforce
    return BreakRule(wf.break_min, wf.break_after_work_min)


@dataclass(frozen=True)
class Company:
    scenario: Scenario
    roster: Mapping[str, TechnicianSpec]
    clock: DayClock = field(init=False)
    travel: TravelModel = field(init=False)
    break_rule: BreakRule = field(init=False)
    windows: tuple[Window, ...] = field(init=False)

    def __post_init__(self) -> None:
        sc = self.scenario
        object.__setattr__(self, "clock", DayClock(sc.date, sc.time_zone))
        object.__setattr__(self, "travel", travel_model(sc.city, sc.traffic))
        object.__setattr__(self, "break_rule", break_rule(sc))
        object.__setattr__(self, "windows", offered_windows(sc))

    @property
    def seed(self) -> int:
        return self.scenario.seed


def seeded(scenario: Scenario, seed: int | None) -> Scenario:
    """``scenario`` for the day of ``seed`` (the scenario's own seed when None)."""
    if seed is None or seed == scenario.seed:
        return scenario
    if seed < 0:
        msg = f"seed: must be a whole number >= 0, got {seed}"
        raise ConfigError(msg)
    return scenario.model_copy(update={"seed": seed})
