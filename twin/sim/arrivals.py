"""Demand over a period: requests arrive day by day as a random process.

Each working day draws its number of new requests (Poisson, or over-dispersed as a
negative binomial) with the weekday's factor, then each request: its job (emergencies
among them, by the jobs' shares), the day the customer asks for (the lead-time mix:
same day, next day, 2..N working days later) and, for a same-day request, the time of the
call from the hour-of-day profile. Everything else about the visit is drawn as a single
day draws it (:func:`twin.sim.demand.draw_visit`), so sites, windows and hidden truths have
the same distributions in both.

All draws come from the period's ``arrivals`` stream in day order and never depend on what
a policy did, so two policies meet the same requests (common random numbers). What depends
on a policy — a rebooked visit's new chance that the customer is home, a follow-up
visit's truth — is drawn from a stream keyed by the visit id (:func:`twin.sim.rng.keyed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from twin.config import Scenario
from twin.sim.customers import Customer, customer_base, with_regulars
from twin.sim.demand import Draws, draw_visit
from twin.sim.rng import keyed
from twin.sim.visit import VisitSpec


@dataclass(frozen=True, slots=True)
class Arrival:
    """A new request: made on period day ``day``, asking for ``lead_days`` working days
    later (0: today, ``spec.request_min`` is the call)."""

    spec: VisitSpec
    day: int
    lead_days: int


@dataclass(slots=True)
class ArrivalProcess:
    scenario: Scenario
    rng: np.random.Generator
    draws: Draws
    base: tuple[Customer, ...]
    count: int = 0  # requests drawn so far: the next visit's number

    @classmethod
    def of(cls, scenario: Scenario, rng: np.random.Generator) -> ArrivalProcess:
        return cls(scenario, rng, Draws.of(scenario), customer_base(scenario))

    def mean(self, weekday: int) -> float:
        p = self.scenario.period
        return (
            p.requests_per_technician
            * self.scenario.workforce.technicians
            * (p.weekday_factors[weekday])
        )

    def day(self, day: int, weekday: int) -> list[Arrival]:
        """The requests made on period day ``day`` (a ``weekday``, 0 = Monday)."""
        p = self.scenario.period
        rng = self.rng
        mean = self.mean(weekday)
        if p.arrivals == "poisson":
            n = int(rng.poisson(mean))
        else:
            k = p.dispersion_shape
            n = int(rng.negative_binomial(k, k / (k + mean))) if mean > 0 else 0
        jobs = sorted(self.scenario.demand.jobs)
        share = np.array([self.scenario.demand.jobs[j].share for j in jobs])
        share = share / share.sum()
        lead_p = np.array([p.lead_times.same_day, p.lead_times.next_day, p.lead_times.later])
        hours = np.array(p.call_hour_weights) / sum(p.call_hour_weights)
        out: list[Arrival] = []
        for _ in range(n):
            self.count += 1
            job = jobs[int(rng.choice(len(jobs), p=share))]
            kind = 0 if job == "emergency" else int(rng.choice(3, p=lead_p))
            lead = (0, 1, int(rng.integers(2, p.lead_times.later_max_days + 1)))[kind]
            hour = p.call_first_hour + int(rng.choice(len(hours), p=hours))
            call = hour * 60.0 + float(rng.uniform(0, 60))
            vid, cid = f"V{self.count:06d}", f"C{self.count:06d}"
            spec = draw_visit(rng, self.scenario, self.draws, vid, cid, job, lead == 0, call)
            out.append(Arrival(spec, day, lead))
        specs = with_regulars([a.spec for a in out], self.base, rng)
        return [replace(a, spec=s) for a, s in zip(out, specs, strict=True)]


def _planned(spec: VisitSpec, scenario: Scenario) -> VisitSpec:
    """``spec`` booked before its day: an emergency carried to a later day comes back as a
    planned repair with the emergency's priority (when the company does repairs)."""
    spec = replace(spec, request_min=None, channel="planned", cancel_min=None)
    jobs = scenario.demand.jobs
    if spec.job_type != "emergency" or "repair" not in jobs:
        return spec
    return replace(spec, job_type="repair", skill=jobs["repair"].skill)


def rebooked(spec: VisitSpec, scenario: Scenario, seed: int, attempt: int) -> VisitSpec:
    """``spec`` booked again on a later day: the same job and site; whether the customer is
    at home is drawn anew for the new day."""
    rng = keyed(seed, "rebook", f"{spec.visit_id}/{attempt}")
    return replace(_planned(spec, scenario), u_home=float(rng.random()))


def follow_up(spec: VisitSpec, scenario: Scenario, seed: int) -> VisitSpec:
    """The follow-up visit of ``spec`` (its first-time fix failed): same customer, site and
    job (an emergency's is a planned repair, when the company does repairs); its own
    duration, fix, absence and rating draws."""
    root, _, n = spec.visit_id.partition("-")
    vid = f"{root}-{int(n or 1) + 1}"
    rng = keyed(seed, "rebook", vid)
    planned = _planned(spec, scenario)
    return replace(
        planned,
        visit_id=vid,
        priority=scenario.demand.jobs[planned.job_type].priority,
        z_duration=float(rng.normal()),
        z_travel=float(rng.normal()),
        u_fix=float(rng.random()),
        u_home=float(rng.random()),
        u_feedback=float(rng.random()),
        z_rating=float(rng.normal()),
    )
