"""Hidden truths of a visit: its real duration, the customer's rating, being at home.

Pure functions of the pre-drawn visit spec and the technician profile, so that the same
visit done by the same technician has the same truth under every policy.
"""

from __future__ import annotations

import math

from twin.config import Scenario
from twin.sim.demand import lognormal_params
from twin.sim.visit import VisitSpec
from twin.sim.workforce import EXPERIENCE_MEAN, EXPERIENCE_VAR, TechnicianProfile


def true_duration(scenario: Scenario, visit: VisitSpec, tech: TechnicianProfile) -> float:
    """Minutes on site: lognormal by job type, scaled by technician, experience and site."""
    job = scenario.demand.jobs[visit.job_type]
    level = tech.spec.experience
    mean = (
        job.mean_min * EXPERIENCE_MEAN[level] * tech.efficiency[visit.job_type] * visit.site_factor
    )
    cv = job.cv * math.sqrt(EXPERIENCE_VAR[level])
    mu, sigma = lognormal_params(mean, cv)
    return max(5.0, math.exp(mu + sigma * visit.z_duration))


def true_duration_distribution(
    scenario: Scenario, visit: VisitSpec, tech: TechnicianProfile
) -> tuple[float, float]:
    """(mu, sigma) of the lognormal the truth is drawn from: the oracle's knowledge."""
    job = scenario.demand.jobs[visit.job_type]
    level = tech.spec.experience
    mean = (
        job.mean_min * EXPERIENCE_MEAN[level] * tech.efficiency[visit.job_type] * visit.site_factor
    )
    return lognormal_params(mean, job.cv * math.sqrt(EXPERIENCE_VAR[level]))


def affinity(visit: VisitSpec, tech: TechnicianProfile) -> float:
    """Hidden customer–technician chemistry, roughly standard normal."""
    a, b = visit.customer_trait, tech.trait
    return (a[0] * b[0] + a[1] * b[1]) / math.sqrt(2)


def rating(
    late_min: float, warned: bool, wait_min: float, visit: VisitSpec, tech: TechnicianProfile
) -> int:
    """1–5 stars: punctuality dominates, a warning softens lateness, chemistry shifts it."""
    score = 4.3
    if late_min > 0:
        score -= 1.2 + min(late_min, 120) / 120
        if warned:
            score += 0.6
    score -= min(wait_min, 60) / 120
    score += 0.45 * affinity(visit, tech) + 0.45 * visit.z_rating
    return int(min(5, max(1, round(score))))
