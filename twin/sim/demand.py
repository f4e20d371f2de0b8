"""Customers and the day's demand, drawn before the day starts (common random numbers).

Every random quantity that concerns a visit — where, what, the customer's preferred window,
the standard-normal draw behind its true duration, whether the job gets fixed, whether the
customer is at home, cancels, rates the visit — is drawn here once, independent of the
policy. A policy changes who does the visit and when, never what the visit is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.config import Scenario
from twin.sim.customers import customer_base, with_regulars
from twin.sim.visit import VisitSpec, customer_site

NOTIFY = ("sms", "email", "app", "phone")
AVAILABILITY_P = (0.75, 0.125, 0.125)  # all day, mornings only, afternoons only


def choice_cdf(p: Sequence[float] | np.ndarray) -> list[float]:
    """What ``Generator.choice(len(p), p=p)`` searches: the cumulative sum of ``p``,
    normalised by its last value, after numpy's checks (ValueError for a ``p`` with a
    negative weight or not summing to 1)."""
    arr = np.asarray(p, dtype=np.float64)
    try:
        np.random.default_rng(0).choice(len(arr), p=arr)  # numpy's own checks of p
    except ValueError as exc:
        msg = f"choice probabilities p must be >= 0 and sum to 1, got {arr.tolist()!r}: {exc}"
        raise ValueError(msg) from None
    cdf = arr.cumsum()
    cdf /= cdf[-1]
    return [float(c) for c in cdf]


def pick(rng: np.random.Generator, cdf: list[float]) -> int:
    """``rng.choice(len(p), p=p)`` for ``cdf = choice_cdf(p)``: the same single uniform
    draw, the same index (numpy searches the cdf for ``rng.random()``, side right), but a
    bisection instead of numpy's per-call checks and array set-up (tested equal)."""
    return bisect_right(cdf, rng.random())


def _preferred(
    rng: np.random.Generator, scenario: Scenario, window_cdf: list[float]
) -> tuple[float, float]:
    w = scenario.demand.windows
    day = (w.day_start_min, w.day_end_min)
    kind = pick(rng, window_cdf)  # two hours, four hours, all day
    if kind == 2:
        return day
    width = 120.0 if kind == 0 else 240.0
    slots = int((day[1] - day[0]) // width)
    k = int(rng.integers(slots))
    return (day[0] + k * width, day[0] + (k + 1) * width)


def make_demand(scenario: Scenario, rng: np.random.Generator) -> tuple[VisitSpec, ...]:
    """All visit requests of the day: booked earlier, and arriving during the day."""
    d = scenario.demand
    n = round(scenario.workforce.technicians * d.visits_per_technician)
    jobs = sorted(d.jobs)
    emergency_share = d.jobs["emergency"].share if "emergency" in d.jobs else 0.0
    n_emergency = round(n * emergency_share)
    n_same_day = max(n_emergency, round(n * d.same_day_share))
    planned_jobs = [j for j in jobs if j != "emergency"]
    planned_p = np.array([d.jobs[j].share for j in planned_jobs])
    planned_cdf = choice_cdf(planned_p / planned_p.sum())
    draws = Draws.of(scenario)
    width = len(str(n)) + 1
    out = []
    for i in range(n):
        same_day = i >= n - n_same_day
        emergency = same_day and i >= n - n_emergency
        job = "emergency" if emergency else planned_jobs[pick(rng, planned_cdf)]
        vid, cid = f"V{i + 1:0{width}d}", f"C{i + 1:0{width}d}"
        out.append(draw_visit(rng, scenario, draws, vid, cid, job, same_day))
    # drawn last, so the rest of the seed's demand does not depend on the regulars
    return with_regulars(out, customer_base(scenario), rng)


@dataclass(frozen=True, slots=True)
class Draws:
    """The demand's categorical distributions, normalised once per day (as the cdfs that
    :func:`pick` draws from)."""

    channels: Sequence[str]
    channel_p: np.ndarray
    notify_p: np.ndarray
    channel_cdf: list[float]
    notify_cdf: list[float]
    window_cdf: list[float]  # two hours, four hours, all day
    availability_cdf: list[float]

    @classmethod
    def of(cls, scenario: Scenario) -> Draws:
        d = scenario.demand
        channels = list(d.channel_shares)
        channel_p = np.array([d.channel_shares[c] for c in channels])
        notify_p = np.array([d.notify_channel_shares.get(c, 0.0) for c in NOTIFY])  # type: ignore[call-overload]
        w = d.windows
        return cls(
            channels,
            channel_p,
            notify_p,
            choice_cdf(channel_p),
            choice_cdf(notify_p / notify_p.sum()),
            choice_cdf([w.two_hour, w.four_hour, w.all_day]),
            choice_cdf(AVAILABILITY_P),
        )


def draw_visit(
    rng: np.random.Generator,
    scenario: Scenario,
    draws: Draws,
    visit_id: str,
    customer_id: str,
    job: str,
    same_day: bool,
    request_min: float | None = None,
) -> VisitSpec:
    """One visit's every random quantity, in a fixed order (common random numbers).

    A same-day request is made at ``request_min`` (drawn uniformly over 07:00-15:00 when
    None); a visit booked before its day has none."""
    d = scenario.demand
    emergency = job == "emergency"
    x, y = customer_site(rng, scenario.city.size_km)
    channels = draws.channels
    channel = channels[pick(rng, draws.channel_cdf)] if same_day else "planned"
    request = None
    if same_day:
        drawn = float(rng.uniform(7 * 60, 15 * 60))
        request = drawn if request_min is None else request_min
    w = d.windows
    # a quarter of customers are only available in the morning or the afternoon
    avail_kind = pick(rng, draws.availability_cdf)
    mid = (w.day_start_min + w.day_end_min) / 2
    late = w.day_end_min + 120
    available = [(w.day_start_min, late), (w.day_start_min, mid), (mid, late)][avail_kind]
    preferred = _preferred(rng, scenario, draws.window_cdf)
    if not (available[0] <= preferred[0] and preferred[1] <= available[1]):
        # the customer asks for a window of the same width inside their availability
        span = min(preferred[1] - preferred[0], available[1] - available[0])
        start = min(max(preferred[0], available[0]), available[1] - span)
        preferred = (start, start + span)
    cancels = rng.random() < d.cancellation_share and not emergency
    return VisitSpec(
        visit_id=visit_id,
        customer_id=customer_id,
        job_type=job,
        skill=d.jobs[job].skill,
        priority=d.jobs[job].priority,
        x=x,
        y=y,
        channel=channel,
        request_min=request,
        preferred=preferred,
        available=(float(available[0]), float(available[1])),
        notify_channel=NOTIFY[pick(rng, draws.notify_cdf)],
        language="de" if rng.random() < d.german_share else "en",
        customer_trait=(float(rng.normal()), float(rng.normal())),
        site_factor=float(rng.lognormal(0.0, d.site_sigma)),
        z_duration=float(rng.normal()),
        z_travel=float(rng.normal()),
        u_fix=float(rng.random()),
        u_home=float(rng.random()),
        u_feedback=float(rng.random()),
        z_rating=float(rng.normal()),
        cancel_min=float(rng.uniform(6 * 60, 14 * 60)) if cancels else None,
    )


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of a lognormal with the given mean and coefficient of variation."""
    sigma2 = float(np.log1p(cv * cv))
    return (float(np.log(mean)) - sigma2 / 2, float(np.sqrt(sigma2)))
