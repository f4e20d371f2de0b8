"""The scenario's sections: city, traffic, workforce, demand, costs, satisfaction, and the
policy (:mod:`twin.config.policy`).

A *scenario* is a world (city, traffic, workforce, demand, costs) plus a *policy* (how the
company plans and reacts). Every parameter has a default calibrated to ``shared/REALITY.md``
(a mid-size German city with 50 technicians); a TOML file overrides what it names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from twin.config.base import ConfigError, _Model, format_errors
from twin.config.parts import Parts
from twin.config.period import Period
from twin.config.policy import Policy, legacy_dispatcher
from twin.config.targets import Targets
from twin.events import JOB_TYPES


class Zone(_Model):
    """A ring of the city around its centre; ``speed_factor`` scales the hourly speed."""

    name: str = Field(min_length=1, max_length=40)
    outer_radius_km: float = Field(gt=0)
    speed_factor: float = Field(ge=0.1, le=3)


class City(_Model):
    size_km: float = Field(default=24.0, gt=1, le=400)
    # road distance = straight line x detour factor (REALITY.md: 1.35, assumed)
    detour_factor: float = Field(default=1.35, ge=1, le=3)
    zones: tuple[Zone, ...] = (
        Zone(name="centre", outer_radius_km=3.0, speed_factor=0.8),
        Zone(name="inner", outer_radius_km=7.0, speed_factor=0.95),
        Zone(name="suburbs", outer_radius_km=1e9, speed_factor=1.15),
    )
    # real streets instead of the synthetic plane: an .osm.pbf path, or "packaged:helsinki"
    # (twin/models/routing/roads); sites drawn in the size_km square are scaled onto the
    # network's box and moved to the nearest street node
    roads: str | None = Field(default=None, min_length=1, max_length=1000)
    # a point farther than this from every street is off the network (an error)
    max_snap_km: float = Field(default=0.5, gt=0, le=50)

    @model_validator(mode="after")
    def _zones_ordered(self) -> City:
        radii = [z.outer_radius_km for z in self.zones]
        if not self.zones or radii != sorted(radii):
            msg = f"zones must be non-empty and ordered by outer_radius_km, got {radii}"
            raise ValueError(msg)
        return self

    @field_validator("roads")
    @classmethod
    def _roads_file(cls, roads: str | None) -> str | None:
        if roads is not None and not (roads.startswith("packaged:") or roads.endswith(".pbf")):
            msg = (
                f"{roads!r} is neither an .osm.pbf file nor a packaged extract "
                "(allowed: a path ending in .osm.pbf, or packaged:helsinki)"
            )
            raise ValueError(msg)
        return roads


class Traffic(_Model):
    # km/h by hour of day, TomTom Munich/Berlin 2024 scaled (REALITY.md)
    speed_kmh_by_hour: tuple[float, ...] = (
        (38.0,) * 6 + (33.0,) + (25.0,) * 2 + (30.0,) * 6 + (23.0,) * 3 + (30.0,) * 2 + (36.0,) * 4
    )
    leg_noise_cv: float = Field(default=0.25, ge=0, le=2)
    incidents_per_day: float = Field(default=3.0, ge=0, le=100)
    # an incident slows its area to this share of the usual speed (at least a tenth)
    incident_factor_min: float = Field(default=0.4, ge=0.1, le=1)
    incident_factor_max: float = Field(default=0.7, ge=0.1, le=1)
    incident_duration_min: tuple[float, float] = (30.0, 120.0)


class JobSpec(_Model):
    """One job type: share of demand, lognormal duration (mean, CV), skill, priority."""

    share: float = Field(ge=0, le=1)
    mean_min: float = Field(gt=0, le=600)
    cv: float = Field(gt=0, le=3)
    # one skill name (a skill set lists names separated by commas)
    skill: str = Field(min_length=1, max_length=40, pattern=r"^[^,\s]+$")
    priority: int = Field(default=1, ge=0, le=3)


def _default_jobs() -> dict[str, JobSpec]:
    # shares/means/CVs from REALITY.md's calibrated default (CVs assumed there)
    return {
        "maintenance": JobSpec(share=0.30, mean_min=60, cv=0.35, skill="service"),
        "repair": JobSpec(share=0.35, mean_min=60, cv=0.70, skill="repair"),
        "installation": JobSpec(share=0.15, mean_min=100, cv=0.45, skill="install"),
        "inspection": JobSpec(share=0.12, mean_min=30, cv=0.40, skill="service"),
        "emergency": JobSpec(share=0.08, mean_min=75, cv=0.80, skill="repair", priority=3),
    }


class Workforce(_Model):
    technicians: int = Field(
        default=50,
        ge=1,
        le=20000,
        title="Technicians",
        description="technicians on shift (the demand stays the base scenario's)",
    )
    # technicians start up to 15 min before or after it (sim/workforce.py)
    shift_start_min: float = Field(default=7.5 * 60, ge=15, lt=24 * 60)
    shift_length_min: float = Field(default=8.5 * 60, gt=0, le=12 * 60)
    # ArbZG: 30 min after 6 h of work, 45 min beyond 9 h
    break_min: float = Field(default=30.0, ge=0, le=120)
    break_after_work_min: float = Field(default=4.5 * 60, ge=0, le=6 * 60)
    max_work_min: float = Field(default=10 * 60, gt=0, le=12 * 60)
    skill_sets: dict[str, float] = Field(
        default_factory=lambda: {
            "service,repair": 0.45,
            "service,repair,install": 0.25,
            "service": 0.15,
            "install,repair": 0.15,
        }
    )
    experience_shares: dict[Literal["junior", "regular", "senior"], float] = Field(
        default={"junior": 0.25, "regular": 0.5, "senior": 0.25}
    )
    # hidden personal efficiency per job type: lognormal sigma
    efficiency_sigma: float = Field(default=0.15, ge=0, le=1)
    sick_share: float = Field(default=0.055, ge=0, le=1)
    midday_unavailable_share: float = Field(default=0.01, ge=0, le=1)


class Windows(_Model):
    """Window types a customer picks from: 4 h AM/PM, 2 h, all day (REALITY.md)."""

    four_hour: float = Field(default=0.55, ge=0, le=1)
    two_hour: float = Field(default=0.35, ge=0, le=1)
    all_day: float = Field(default=0.10, ge=0, le=1)
    day_start_min: float = Field(default=8 * 60, ge=0, lt=24 * 60)
    day_end_min: float = Field(default=16 * 60, gt=0, le=24 * 60)


class Demand(_Model):
    visits_per_technician: float = Field(default=8.0, gt=0, le=30)
    jobs: dict[str, JobSpec] = Field(default_factory=_default_jobs)
    same_day_share: float = Field(default=0.12, ge=0, le=1)
    channel_shares: dict[Literal["call_centre", "portal", "device"], float] = Field(
        default={"call_centre": 0.5, "portal": 0.35, "device": 0.15}
    )
    notify_channel_shares: dict[Literal["sms", "email", "app", "phone"], float] = Field(
        default={"sms": 0.45, "email": 0.25, "app": 0.2, "phone": 0.1}
    )
    german_share: float = Field(default=0.85, ge=0, le=1)
    emergency_response_min: float = Field(default=240.0, gt=0, le=24 * 60)
    windows: Windows = Windows()
    cancellation_share: float = Field(default=0.05, ge=0, le=1)
    not_home_share: float = Field(default=0.04, ge=0, le=1)
    not_home_share_notified: float = Field(default=0.02, ge=0, le=1)
    first_time_fix: float = Field(default=0.78, ge=0, le=1)
    feedback_share: float = Field(default=0.4, ge=0, le=1)
    site_sigma: float = Field(default=0.1, ge=0, le=1)
    # customers who take the best-ranked offer (no wider than their wish) rather than insist
    # on their own window, when the desk grades offers (policy.window_choice; assumed)
    offer_acceptance: float = Field(default=0.6, ge=0, le=1)
    # a technician early at a site calls ahead; customers who agree let work begin before
    # the window (J.D. Power 2018: 5 % of visits early); 0 = always wait for the window
    early_start_share: float = Field(default=0.0, ge=0, le=1)
    early_start_max_min: float = Field(default=60.0, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _jobs(self) -> Demand:
        unknown = sorted(set(self.jobs) - set(JOB_TYPES))
        if unknown:
            msg = f"unknown job type {unknown[0]!r}; allowed: {', '.join(JOB_TYPES)}"
            raise ValueError(msg)
        total = sum(j.share for j in self.jobs.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"job shares must sum to 1, got {total:.3f}")
        w = self.windows
        if abs(w.four_hour + w.two_hour + w.all_day - 1) > 1e-6:
            raise ValueError("windows shares (four_hour, two_hour, all_day) must sum to 1")
        return self


class Costs(_Model):
    # Destatis 2023 labour cost, premium assumed (REALITY.md)
    technician_hour_eur: float = Field(default=42.0, ge=0, le=1000)
    overtime_premium: float = Field(default=0.25, ge=0, le=10)
    van_km_eur: float = Field(default=0.50, ge=0, le=100)
    missed_visit_eur: float = Field(default=10.0, ge=0, le=100_000)
    late_visit_eur: float = Field(default=10.0, ge=0, le=100_000)


class Satisfaction(_Model):
    """Points out of 1,000 (J.D. Power 2018 scale, interpolated in REALITY.md)."""

    on_time: float = 871.0
    early: float = 819.0
    late: float = 683.0
    warned_recovery: float = 138.0
    missed: float = 400.0
    # a visit the company moved to another day (assumed: between missed and late; the
    # customer is told, but has to wait another day)
    deferred: float = 500.0
    # an emergency no technician could take (assumed: as bad as a missed visit)
    refused_emergency: float = 400.0
    per_window_hour: float = -30.0
    # added to a visit whose work did not fix the fault (a follow-up visit is needed: a
    # part or tool missing, or the job cut short); 0 by default, so the KPI is as before
    # unless a scenario prices it (parts.toml: assumed, see there)
    not_fixed: float = 0.0


class Scenario(_Model):
    name: str = Field(default="default", min_length=1, max_length=200)
    date: dt.date = dt.date(2026, 11, 23)
    # the company's IANA time zone: shifts, windows and every HH:MM are local time there;
    # events stay in UTC (twin/clock.py)
    time_zone: str = Field(default="Europe/Berlin", min_length=1, max_length=64)
    # the run store keeps seeds as 32-bit integers
    seed: int = Field(default=1, ge=0, le=2**31 - 1)
    # the company (technicians, skills, hidden efficiencies) is the same on every day/seed
    company_seed: int = Field(default=0, ge=0, le=2**31 - 1)
    city: City = City()
    traffic: Traffic = Traffic()
    workforce: Workforce = Workforce()
    demand: Demand = Demand()
    costs: Costs = Costs()
    satisfaction: Satisfaction = Satisfaction()
    policy: Policy = Policy()
    period: Period = Period()  # days = 1: one day (twin.config.period)
    parts: Parts | None = None  # spare parts, tools, depots (twin.config.parts)
    targets: Targets = Targets()  # the Compare scorecard's bars (twin.config.targets)
    # GPS: a ping every ``ping_interval_min`` while the van moves (and one when it stops);
    # parked, a heartbeat every ``parked_ping_interval_min`` (telematics units report on
    # movement, not every minute of a two-hour repair)
    ping_interval_min: float = Field(default=1.0, ge=0.25, le=60)
    parked_ping_interval_min: float = Field(default=15.0, ge=1, le=240)
    tick_min: float = Field(default=1.0, gt=0, le=60)
    day_end_min: float = Field(default=22 * 60, gt=0, le=24 * 60)

    @field_validator("date", mode="before")
    @classmethod
    def _calendar_date(cls, value: Any) -> Any:
        if isinstance(value, str):  # JSON (the run store) has dates as text
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValueError("allowed: a calendar date such as 2026-11-23")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            msg = "allowed: an IANA time zone such as Europe/Berlin, Europe/London or UTC"
            raise ValueError(msg) from None
        return value

    def with_overrides(self, **changes: Any) -> Scenario:
        """A copy with dotted-path overrides (``{"policy.replanning": False}``), re-validated."""
        data = self.model_dump()
        if "policy.dispatcher" in changes:
            changes = dict(changes)
            planner, brain = legacy_dispatcher(changes.pop("policy.dispatcher"))
            changes = {"policy.planner": planner, "policy.brain": brain, **changes}
        for path, value in changes.items():
            node: Any = data
            *parents, leaf = path.split(".")
            for p in parents:
                node = node.get(p) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                raise ConfigError(f"{path}: no such section in a scenario")
            node[leaf] = value
        try:
            return Scenario.model_validate(data)
        except ValidationError as err:
            raise ConfigError(format_errors(err)) from None
