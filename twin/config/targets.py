"""The company's targets: the bars a what-if arm must clear on the Compare scorecard.

An optional ``[targets]`` section of a scenario; each target is a bound on one measure of a
day (or of a period's pooled days), met or not by an arm's 95 % interval over seeds (the
scorecard in :mod:`twin.ui.scorecard`). A target set to nothing (``None``, an empty field
in the cockpit) is not judged; TOML has no null, so a file states only the targets it
changes.

Defaults from ``shared/REALITY.md`` where published, else assumed (marked so):

* on time at least 85 %: J.D. Power 2018 found 88 % arriving in the window, Aberdeen 84 %
  for best-in-class firms; 85 % sits in that published range;
* missed at most 1.3 % of the day's visits: Openreach 1.1-1.3 % (published);
* cost per completed visit at most 80 EUR: assumed, from REALITY's €42/h loaded, about 5
  visits in an 8.5-hour shift and €0.50/km;
* customer satisfaction at least 800 of 1,000: assumed, between J.D. Power's 683 for a
  late and 871 for an on-time visit;
* emergencies in target at least 90 %: assumed (REALITY gives the 4-hour target, not the
  share that meets it);
* overtime at most 0.5 h per technician and day: assumed; the Working Hours Act allows 10 h
  a day only while the six-month average stays at 8 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from twin.config.base import _Model


class Targets(_Model):
    on_time_pct: float | None = Field(
        default=85.0,
        ge=0,
        le=100,
        title="On time, % at least",
        description="attended visits begun within their window, neither late nor early, in % "
        "(J.D. Power 88 %, Aberdeen best-in-class 84 %)",
    )
    missed_pct: float | None = Field(
        default=1.3,
        ge=0,
        le=100,
        title="Missed, % at most",
        description="today's visits never arrived at, in % of the day's visits (Openreach "
        "1.1-1.3 %)",
    )
    cost_per_visit_eur: float | None = Field(
        default=80.0,
        gt=0,
        le=100_000,
        title="Cost per visit, EUR at most",
        description="total cost over completed visits (assumed from €42/h, 5 visits a day)",
    )
    customer_satisfaction: float | None = Field(
        default=800.0,
        ge=0,
        le=1000,
        title="Customer satisfaction at least",
        description="J.D. Power points of 1,000 (assumed: on time 871, late 683)",
    )
    emergencies_in_target_pct: float | None = Field(
        default=90.0,
        ge=0,
        le=100,
        title="Emergencies in target, % at least",
        description="emergencies arrived at by their due time, in % (assumed)",
    )
    overtime_h_per_technician: float | None = Field(
        default=0.5,
        ge=0,
        le=24,
        title="Overtime per technician, h at most",
        description="hours past the planned shift end per rostered technician and day "
        "(assumed; Working Hours Act: 8 h on average)",
    )


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """How one target reads: its field, its bound's direction and its unit."""

    name: str
    label: str
    direction: Literal["at least", "at most"]
    unit: str

    def met(self, value: float, bound: float) -> bool:
        """Whether ``value`` is on the good side of ``bound`` (the bound itself included)."""
        return value >= bound if self.direction == "at least" else value <= bound


# in the order of the fields of Targets (a test checks it)
TARGET_SPECS: tuple[TargetSpec, ...] = (
    TargetSpec("on_time_pct", "On time", "at least", "%"),
    TargetSpec("missed_pct", "Missed", "at most", "%"),
    TargetSpec("cost_per_visit_eur", "Cost per visit", "at most", "EUR"),
    TargetSpec("customer_satisfaction", "Customer satisfaction", "at least", "/1000"),
    TargetSpec("emergencies_in_target_pct", "Emergencies in target", "at least", "%"),
    TargetSpec("overtime_h_per_technician", "Overtime per technician", "at most", "h"),
)
