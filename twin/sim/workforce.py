"""The technicians: public specs the planner sees, and the hidden truth only the world knows.

Hidden per technician: an efficiency multiplier per job type (what a duration model must
learn), an experience level that scales mean and variance of durations (REALITY.md:
junior x1.25 mean, x1.3 variance; senior x0.9), a sick day, a mid-day breakdown, and a
"personality" vector whose dot product with a customer's gives their affinity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twin.config import Scenario
from twin.models.routing.plan import TechnicianSpec
from twin.models.routing.roads import on_roads

EXPERIENCE_MEAN = {"junior": 1.25, "regular": 1.0, "senior": 0.9}
EXPERIENCE_VAR = {"junior": 1.3, "regular": 1.0, "senior": 0.85}


@dataclass(frozen=True, slots=True)
class TechnicianProfile:
    spec: TechnicianSpec
    efficiency: Mapping[str, float]
    trait: tuple[float, float]
    sick: bool
    unavailable_at: float | None

    @property
    def id(self) -> str:
        return self.spec.technician_id


HOME_EDGE_SHARE = 0.05  # no homes in the outer 5 % of the city's side ...
HOME_EDGE_KM = 3.0  # ... nor more than 3 km of it (about a technician's reach)


def home_location(rng: np.random.Generator, size_km: float) -> tuple[float, float]:
    """Homes and depots lie anywhere in the city but its edge, more often outside the
    centre. The edge is 5 % of the side in a city (2.2 km of 44) and at most 3 km: in a
    national map 5 % would be a 9.5-km strip where customers live and no technician does,
    beyond the reach of any, and a bigger map would then not be the same company."""
    edge = min(HOME_EDGE_SHARE, HOME_EDGE_KM / size_km)
    x, y = rng.uniform(edge, 1.0 - edge, size=2) * size_km
    return (round(float(x), 3), round(float(y), 3))


def make_workforce(
    scenario: Scenario, rng: np.random.Generator, day_rng: np.random.Generator
) -> tuple[TechnicianProfile, ...]:
    """The company's technicians (from ``rng``: the same every day) and today's absences.

    ``day_rng`` decides who is sick today and whose van breaks down: it changes with the
    day's seed while the people, their skills and their hidden efficiencies do not.
    """
    wf = scenario.workforce
    skill_sets = list(wf.skill_sets)
    skill_p = np.array([wf.skill_sets[s] for s in skill_sets])
    levels = list(wf.experience_shares)
    level_p = np.array([wf.experience_shares[lv] for lv in levels])
    jobs = sorted(scenario.demand.jobs)
    overtime = min(scenario.policy.overtime_allowed_min, wf.max_work_min + wf.break_min)
    out = []
    width = max(3, len(str(wf.technicians)))
    for i in range(wf.technicians):
        hx, hy = on_roads(scenario.city, *home_location(rng, scenario.city.size_km))
        skills = frozenset(skill_sets[int(rng.choice(len(skill_sets), p=skill_p))].split(","))
        level = levels[int(rng.choice(len(levels), p=level_p))]
        # shift starts staggered by up to 30 min around the nominal start
        start = wf.shift_start_min + float(rng.choice([-15.0, 0.0, 0.0, 15.0]))
        end = start + wf.shift_length_min
        max_end = min(end + overtime, start + wf.max_work_min + wf.break_min + 15.0)
        eff = rng.lognormal(0.0, wf.efficiency_sigma, size=len(jobs))
        trait = rng.normal(0.0, 1.0, size=2)
        sick = bool(day_rng.random() < wf.sick_share)
        breaks_down = day_rng.random() < wf.midday_unavailable_share
        when = float(day_rng.uniform(start + 60, end - 60))
        spec = TechnicianSpec(
            technician_id=f"T{i + 1:0{width}d}",
            home_x=hx,
            home_y=hy,
            skills=skills,
            shift_start=start,
            shift_end=end,
            max_end=max_end,
            experience=level,
        )
        out.append(
            TechnicianProfile(
                spec=spec,
                efficiency={j: float(e) for j, e in zip(jobs, eff, strict=True)},
                trait=(float(trait[0]), float(trait[1])),
                sick=sick,
                unavailable_at=when if breaks_down and not sick else None,
            )
        )
    return tuple(out)
