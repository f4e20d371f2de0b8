"""The policy: how the company plans and reacts (planner, brain, booking rules, the
planner's objective), and the four policy names of earlier versions.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

from pydantic import (
    Field,
    model_validator,
)

from twin.config.base import DeprecatedSetting, _Model

# which planner books visits, plans the day and repairs: cheapest insertion at booking
# ("insertion"), or PowerOpt's daily plan, ranked offers and repair ("poweropt")
Planner = Literal["insertion", "poweropt"]
# the four policy names of earlier versions: (planner, brain in the loop)
LEGACY_DISPATCHERS: dict[str, tuple[str, bool]] = {
    "baseline": ("insertion", False),
    "brain": ("insertion", True),
    "optimised": ("poweropt", False),
    "optimised_brain": ("poweropt", True),
}
POLICY_NAMES = {value: name for name, value in LEGACY_DISPATCHERS.items()}


def named_policy(name: str) -> dict[str, object]:
    """Overrides for one of the four short policy names (``baseline`` …), for tables and
    benchmarks that loop over them: ``{"policy.planner": …, "policy.brain": …}``."""
    if name not in LEGACY_DISPATCHERS:
        msg = f"policy: unknown name {name!r}; allowed: {', '.join(LEGACY_DISPATCHERS)}"
        raise ValueError(msg)
    planner, brain = LEGACY_DISPATCHERS[name]
    return {"policy.planner": planner, "policy.brain": brain}


def legacy_dispatcher(name: object) -> tuple[str, bool]:
    """``(planner, brain)`` for an old ``policy.dispatcher`` name, with a deprecation warning."""
    if name not in LEGACY_DISPATCHERS:
        msg = (
            f"dispatcher: unknown policy name {name!r}; allowed: "
            f"{', '.join(LEGACY_DISPATCHERS)} (deprecated: set planner and brain instead)"
        )
        raise ValueError(msg)
    planner, brain = LEGACY_DISPATCHERS[str(name)]
    warnings.warn(
        f"policy.dispatcher = {name!r} is deprecated: use policy.planner = {planner!r} and "
        f"policy.brain = {'true' if brain else 'false'}",
        DeprecatedSetting,
        stacklevel=4,
    )
    return planner, brain


class PlannerWeights(_Model):
    """What PowerOpt minimises, in minute-equivalents (offers, daily plan, repair).

    ``travel`` per minute of driving, ``lateness`` per minute a visit starts after its
    window, ``late_visit`` per visit planned late, ``overtime`` per minute past the regular
    shift end, ``window_width`` per hour of promised window width (narrower offers rank
    first), ``balance`` per squared hour of route span (spreads the work), ``missed`` per
    visit left unplanned, ``paid_time`` per minute a technician is paid (see
    ``Policy.pay``). The preferred technician is ``Policy.best_match_weight``.
    """

    travel: float = Field(
        default=1.0,
        ge=0,
        le=100,
        title="Planner weight: travel",
        description="PowerOpt: cost of a minute of driving (minute-equivalents, 0-100)",
    )
    lateness: float = Field(
        default=5.0,
        ge=0,
        le=100,
        title="Planner weight: lateness",
        description="PowerOpt: cost of a minute a visit starts after its window (0-100)",
    )
    late_visit: float = Field(default=30.0, ge=0, le=1000)
    overtime: float = Field(
        default=2.0,
        ge=0,
        le=100,
        title="Planner weight: overtime",
        description="PowerOpt: cost of a minute past the regular shift end (0-100)",
    )
    window_width: float = Field(default=5.0, ge=0, le=100)
    balance: float = Field(
        default=1.0,
        ge=0,
        le=100,
        title="Planner weight: workload balance",
        description="PowerOpt: cost per squared hour of route span; spreads the work (0-100)",
    )
    missed: float = Field(default=600.0, ge=0, le=10_000)
    paid_time: float = Field(
        default=0.0,
        ge=0,
        le=100,
        title="Planner weight: paid time",
        description=(
            "PowerOpt: cost of a minute a technician is paid (policy.pay: from departure to "
            "return, or the whole shift) (0-100)"
        ),
    )


class Policy(_Model):
    planner: Planner = Field(
        default="insertion",
        title="Planner",
        description=(
            "who books and plans: cheapest insertion, or PowerOpt (daily plan, ranked offers)"
        ),
    )
    brain: bool = Field(
        default=True,
        title="Streaming brain",
        description="live ETAs, delay alerts, customer notifications and replanning during the day",
    )
    replanning: bool = Field(
        default=True,
        title="Replanning",
        description="repair the plan when a delay is detected",
    )
    delay_threshold: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        title="Replanning threshold",
        description="probability of lateness that triggers an alert (0-1)",
    )
    notifications: bool = Field(
        default=True,
        title="Customer notifications",
        description="send on-the-way and delay messages",
    )
    duration_model: bool = Field(
        default=True,
        title="Duration model",
        description="predict visit durations with the learned model",
    )
    # visit history the duration model is fitted on (made by `twin train-durations` for
    # this company); empty: the brain uses booked durations with a generic spread
    duration_history: str = ""
    best_match_weight: float = Field(
        default=0.0,
        ge=0,
        le=100,
        title="Best-match weight",
        description="preference for the technician customers rated best (0-100)",
    )
    # feedback history the chemistry index is learned from (customer_id, technician_id,
    # rating; made by `twin fit-chemistry`); the PowerOpt planner prefers
    # good matches when best_match_weight > 0. Empty: no chemistry index
    chemistry_history: str = ""
    # a fault reported by a connected product (the booking API's device alert): book the
    # planner's best window at once, or answer with offers for the customer to choose
    device_alerts: Literal["book", "ask"] = "book"
    same_day_acceptance: bool = Field(
        default=True,
        title="Same-day acceptance",
        description="accept same-day requests",
    )
    # an emergency that fits nobody's day takes the place of a visit of lower priority in a
    # nearby route (that visit is re-planned today if possible, else moved to another day);
    # off: such an emergency is refused
    emergency_displacement: bool = Field(
        default=True,
        title="Emergencies make room",
        description="an emergency nobody can fit takes the place of a lower-priority visit",
    )
    # the brain moves a visit that can no longer be done in its technician's day (even at
    # the early end of its ETA) to another day and tells the customer; off: it is missed
    defer_unreachable: bool = Field(
        default=True,
        title="Move visits that no longer fit",
        description=(
            "the brain moves a visit its technician can no longer reach today, with an apology"
        ),
    )
    # the brain publishes a visit's ETA again only when its central estimate moved by at
    # least this many minutes since the one on show (a dead-band: customers are not told
    # every small change). Delay alerts, warnings and replans use the brain's own estimate,
    # not the published one: only the eta_updated events depend on it
    eta_hysteresis_min: float = Field(
        default=3.0,
        ge=0,
        le=60,
        title="ETA dead-band (min)",
        description="an ETA is published again when it moved by at least this (0-60 min)",
    )
    # ETA calibration fitted on past days of this company (made by `twin calibrate-eta`):
    # ETA intervals and central ETAs corrected by past residuals, and the historic share of
    # customers not at home. Empty: the ETA chain's uncorrected normal approximation
    eta_calibration: str = ""
    overtime_allowed_min: float = Field(
        default=90.0,
        ge=0,
        le=240,
        title="Overtime allowance (min)",
        description="minutes past shift end a plan may use (0-240)",
    )
    window_widths_h: tuple[float, ...] = Field(
        default=(2.0, 4.0, 8.0),
        title="Window widths offered (h)",
        description="appointment window widths offered to customers",
    )
    # how a booking's window is chosen: "wish": the customer's wished window when it fits,
    # else the best-ranked other; "graded": the desk offers every window ranked by its cost
    # to the company (cheapest first, as PowerOpt grades them) and a customer open to
    # offers (demand.offer_acceptance) takes the best one no wider than the wish
    # how far the conventional dispatcher (planner = "insertion") looks for a technician:
    # the nearest N with the skill. Looking further fills the technicians' waiting with
    # driving (bench/RESULTS.md, session 10: the default company's week waits 21 % of the
    # shift at 8, 13 % at all 50, and drives 18 % against 25 %)
    dispatcher_reach: int = Field(
        default=8,
        ge=1,
        le=100_000,
        title="Dispatcher's reach",
        description="technicians the conventional dispatcher considers per booking (nearest first)",
    )
    window_choice: Literal["wish", "graded"] = Field(
        default="wish",
        title="Window choice",
        description="wish: the customer's window first; graded: cheapest offers first",
    )
    # the objective of the PowerOpt planner (planner = "poweropt")
    weights: PlannerWeights = PlannerWeights()
    # how the company pays its technicians: by the shift (the whole shift, whatever the plan:
    # technicians leave when their shift starts), or by the hour (from the departure the
    # planner chooses to the return home: a later departure replaces waiting for a window)
    pay: Literal["shift", "hour"] = Field(
        default="shift",
        title="Technicians paid by",
        description="shift: the whole shift; hour: from departure to return (late starts)",
    )
    # search iterations of the daily optimisation (planner = "poweropt"): a count, so that
    # a seed gives the same plan on any machine
    # (700 took about 5 s on the default scenario on the development machines)
    optimise_iterations: int = Field(default=700, ge=1, le=1_000_000)
    # wall-clock safety cap on the daily optimisation; a solve it stops is not
    # reproducible, and says so in a warning
    optimise_time_s: float = Field(default=60.0, gt=0, le=600)

    @model_validator(mode="before")
    @classmethod
    def _legacy_dispatcher(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "dispatcher" not in data:
            return data
        data = dict(data)
        planner, brain = legacy_dispatcher(data.pop("dispatcher"))
        for key, value in (("planner", planner), ("brain", brain)):
            if key in data and data[key] != value:
                msg = (
                    f"dispatcher contradicts {key} = {data[key]!r}; set planner and brain "
                    "only (dispatcher is deprecated)"
                )
                raise ValueError(msg)
            data[key] = value
        return data

    @property
    def name(self) -> str:
        """The policy's short name: baseline, brain, optimised or optimised_brain."""
        return POLICY_NAMES[(self.planner, self.brain)]
