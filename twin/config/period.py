"""The scenario's period: how many working days run, and what carries from day to day.

One day (``days = 1``, the default) is the classic run: the day's demand is a fixed quota
booked before the day plus same-day calls (:mod:`twin.sim.demand`). A longer period runs
working day after working day (:mod:`twin.app.period`): requests arrive as a Poisson or
over-dispersed process with weekday and hour-of-day profiles, each asks for a day by the
lead-time mix, and whatever a day cannot do is rebooked on a later one.

Defaults follow ``shared/REALITY.md``: lead times 10 % same day, 20 % next day, 70 % in 2-6
working days; the Working Hours Act's 11 hours' rest and 8-hour average; sickness spells of
about three days. The demand rate, the weekday profile and the part-time share are
*assumed* (marked so below).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from twin.config.base import _Model

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class LeadTimes(_Model):
    """The day a customer asks for, counted in working days after the request."""

    same_day: float = Field(default=0.10, ge=0, le=1)
    next_day: float = Field(default=0.20, ge=0, le=1)
    later: float = Field(default=0.70, ge=0, le=1)  # 2 .. later_max_days
    later_max_days: int = Field(default=6, ge=2, le=30)

    @model_validator(mode="after")
    def _sums_to_one(self) -> LeadTimes:
        total = self.same_day + self.next_day + self.later
        if abs(total - 1.0) > 1e-6:
            msg = f"same_day + next_day + later must sum to 1, got {total:.4f}"
            raise ValueError(msg)
        return self


class Period(_Model):
    days: int = Field(default=1, ge=1, le=60)
    working_days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = Field(
        default=("mon", "tue", "wed", "thu", "fri"), min_length=1, max_length=7
    )
    # new requests per rostered technician and working day (assumed: about what fits)
    requests_per_technician: float = Field(default=5.3, gt=0, le=30)
    arrivals: Literal["poisson", "overdispersed"] = "poisson"
    # over-dispersed: a negative binomial with this shape (variance = mean + mean^2/shape)
    dispersion_shape: float = Field(default=20.0, gt=0, le=1e6)
    # the week's rhythm (assumed: Mondays busiest), one factor per weekday mon..sun
    weekday_factors: tuple[float, float, float, float, float, float, float] = (
        1.2,
        1.0,
        0.95,
        0.95,
        0.9,
        0.5,
        0.3,
    )
    # when same-day calls come in, by local hour 07..16 (weights; assumed: a morning peak)
    call_hour_weights: tuple[float, ...] = Field(
        default=(3.0, 3.0, 2.5, 2.0, 1.5, 1.5, 1.5, 1.0), min_length=1, max_length=17
    )
    call_first_hour: int = Field(default=7, ge=0, le=23)
    lead_times: LeadTimes = LeadTimes()
    # the booking horizon: a request with no room within it is refused with that reason
    horizon_days: int = Field(default=14, ge=1, le=60)
    # share of a day's pre-booking room kept for same-day calls and rebooking
    same_day_reserve: float = Field(default=0.10, ge=0, le=0.9)
    # how a request for a later day gets its window: "wish", the customer's wished window;
    # "levelled", the least-filled window no wider than the wish, for the customers who
    # take the best-ranked offer (demand.offer_acceptance; twin.models.booking.levelling)
    later_windows: Literal["wish", "levelled"] = "wish"
    # bookable visits per technician-day (the desk's rule of thumb for later days)
    bookable_per_technician: float = Field(default=5.2, gt=0, le=30)
    # a failed first-time fix comes back after this many working days
    follow_up_days: int = Field(default=2, ge=1, le=14)
    # rosters: share of part-timers (one fixed weekday off), sickness spells
    part_time_share: float = Field(default=0.10, ge=0, le=1)
    sick_spell_mean_days: float = Field(default=3.0, ge=1, le=60)
    # the Working Hours Act (ArbZG): rest between shifts, the average working day
    rest_min: float = Field(default=11 * 60, ge=0, le=24 * 60)
    average_work_min: float = Field(default=8 * 60, gt=0, le=12 * 60)
    # a technician already over the average is planned this much under what the average
    # allows: days overrun their plan (long jobs, traffic), and the last day of a period
    # has no later day to make up for it
    work_margin_min: float = Field(default=30.0, ge=0, le=240)

    @model_validator(mode="after")
    def _profiles(self) -> Period:
        if self.call_first_hour + len(self.call_hour_weights) > 24:
            msg = (
                f"call_hour_weights: {len(self.call_hour_weights)} hours from "
                f"{self.call_first_hour}:00 run past midnight; allowed: within the day"
            )
            raise ValueError(msg)
        if sum(self.call_hour_weights) <= 0 or min(self.call_hour_weights) < 0:
            raise ValueError("call_hour_weights: allowed: weights >= 0 with a positive sum")
        if min(self.weekday_factors) < 0:
            raise ValueError("weekday_factors: allowed: factors >= 0")
        if len(set(self.working_days)) != len(self.working_days):
            msg = f"working_days: {list(self.working_days)} names a day twice"
            raise ValueError(msg)
        return self
