"""Rules a scenario's values follow beyond one field's type and range.

:mod:`twin.config` declares every field with its type and range (strict: a bool is not a
number, inf and NaN are refused). The rules here look at a section as a whole: hourly speeds
a van can drive, ordered pairs (shortest <= longest), shares that form a mix, a booking day
inside the shift and a simulated day that outlasts it, window widths that fit the booking
day, skills that some technician has, ticks that divide the hour, a believable date.

Each section has one function (``RULES`` maps the section's class name to it); a broken rule
raises :class:`RuleError` naming the field relative to the section, the value and what is
allowed, and :func:`twin.config.base.format_errors` prefixes the section's path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from twin.config.base import SECTION_RULES, RuleError

if TYPE_CHECKING:
    from twin.config.policy import Policy
    from twin.config.sections import (
        Demand,
        Satisfaction,
        Scenario,
        Traffic,
        Windows,
        Workforce,
    )

# a believable calendar day (the clock maps simulated minutes onto it)
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
# whole minutes that divide the hour, so that every hour starts a tick
TICKS_MIN = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)
# an hour's base speed: from a walking-pace jam to a motorway, never zero
MIN_SPEED_KMH, MAX_SPEED_KMH = 3.0, 150.0
# offered window widths: from half an hour to the whole day
MIN_WIDTH_H, MAX_WIDTH_H = 0.5, 24.0
# the files a policy may name, by field, and the kinds (endings) each must be
FILE_KINDS: Mapping[str, tuple[str, ...]] = {
    "duration_history": (".csv.gz",),
    "chemistry_history": (".csv", ".csv.gz"),
    "eta_calibration": (".json",),
}
# technicians start up to 15 minutes before or after the shift start (sim/workforce.py)
SHIFT_JITTER_MIN = 15.0


def traffic(t: Traffic) -> None:
    speeds = t.speed_kmh_by_hour
    if len(speeds) != 24:
        raise RuleError("speed_kmh_by_hour", speeds, "must hold 24 speeds, one per hour")
    for hour, kmh in enumerate(speeds):
        if not MIN_SPEED_KMH <= kmh <= MAX_SPEED_KMH:
            rule = f"allowed: a speed from {MIN_SPEED_KMH:g} to {MAX_SPEED_KMH:g} km/h"
            raise RuleError(f"speed_kmh_by_hour.{hour}", kmh, rule)
    if t.incident_factor_min > t.incident_factor_max:
        rule = f"must not exceed incident_factor_max ({t.incident_factor_max:g})"
        raise RuleError("incident_factor_min", t.incident_factor_min, rule)
    shortest, longest = t.incident_duration_min
    if not 1 <= shortest <= longest <= 24 * 60:
        rule = "allowed: [shortest, longest] minutes with 1 <= shortest <= longest <= 1440"
        raise RuleError("incident_duration_min", t.incident_duration_min, rule)


def share_mix(field: str, shares: Mapping[Any, float]) -> None:
    """Shares of a mix: each from 0 to 1, together 1."""
    for key, share in shares.items():
        if not 0 <= share <= 1:
            raise RuleError(f"{field}.{key}", share, "allowed: a share from 0 to 1")
    if not shares or abs(sum(shares.values()) - 1) > 1e-6:
        total = sum(shares.values())
        raise RuleError(field, dict(shares), f"shares must sum to 1, got {total:.3f}")


def workforce(w: Workforce) -> None:
    for name in w.skill_sets:
        if len(name) > 200 or any(not s or s != s.strip() for s in name.split(",")):
            rule = "allowed: skill names separated by commas, without spaces around them"
            raise RuleError("skill_sets", name, rule)
    share_mix("skill_sets", w.skill_sets)
    share_mix("experience_shares", w.experience_shares)


def windows(w: Windows) -> None:
    span = w.day_end_min - w.day_start_min
    if span <= 0:
        rule = f"must come before day_end_min ({w.day_end_min:g})"
        raise RuleError("day_start_min", w.day_start_min, rule)
    for field, share, hours in (("two_hour", w.two_hour, 2), ("four_hour", w.four_hour, 4)):
        if share > 0 and span < hours * 60:
            rule = f"must be 0: the booking day ({span:g} min) holds no {hours} h window"
            raise RuleError(field, share, rule)


def demand(d: Demand) -> None:
    if not any(j.share > 0 for name, j in d.jobs.items() if name != "emergency"):
        rule = "a job type other than emergency needs a positive share"
        raise RuleError("jobs", sorted(d.jobs), rule)
    share_mix("channel_shares", d.channel_shares)
    share_mix("notify_channel_shares", d.notify_channel_shares)


def satisfaction(s: Satisfaction) -> None:
    for field, points in s.model_dump().items():
        if not -1000 <= points <= 1000:
            raise RuleError(field, points, "allowed: points from -1000 to 1000")


def policy(p: Policy) -> None:
    widths = p.window_widths_h
    if not widths:
        raise RuleError("window_widths_h", widths, "allowed: one or more window widths")
    for i, width in enumerate(widths):
        if not MIN_WIDTH_H <= width <= MAX_WIDTH_H:
            rule = f"allowed: a window width from {MIN_WIDTH_H:g} to {MAX_WIDTH_H:g} hours"
            raise RuleError(f"window_widths_h.{i}", width, rule)
    for field, kinds in FILE_KINDS.items():
        path = getattr(p, field)
        if path and (not path.endswith(kinds) or "\0" in path or len(path) > 4096):
            rule = f"allowed: a {' or '.join(kinds)} file, or empty for none"
            raise RuleError(field, path, rule)


def scenario(s: Scenario) -> None:
    if not FIRST_DATE <= s.date <= LAST_DATE:
        raise RuleError("date", s.date, f"allowed: a date from {FIRST_DATE} to {LAST_DATE}")
    if s.tick_min not in TICKS_MIN:
        rule = f"allowed: whole minutes that divide the hour: {', '.join(map(str, TICKS_MIN))}"
        raise RuleError("tick_min", s.tick_min, rule)
    if s.parked_ping_interval_min < s.ping_interval_min:
        rule = f"must be at least ping_interval_min ({s.ping_interval_min:g})"
        raise RuleError("parked_ping_interval_min", s.parked_ping_interval_min, rule)
    _day(s)
    held = {
        skill
        for name, share in s.workforce.skill_sets.items()
        if share > 0
        for skill in name.split(",")
    }
    for name, job in s.demand.jobs.items():
        if job.skill not in held:
            rule = f"nobody has this skill (workforce.skill_sets hold {', '.join(sorted(held))})"
            raise RuleError(f"demand.jobs.{name}.skill", job.skill, rule)


def _day(s: Scenario) -> None:
    """The booking day lies inside the shift, the simulated day outlasts the shift."""
    wf, w = s.workforce, s.demand.windows
    shift_end = wf.shift_start_min + wf.shift_length_min
    if w.day_start_min < wf.shift_start_min:
        rule = f"must not start before the shift (workforce.shift_start_min {wf.shift_start_min:g})"
        raise RuleError("demand.windows.day_start_min", w.day_start_min, rule)
    if w.day_end_min > shift_end:
        rule = (
            f"must not end after the shift ({shift_end:g}: workforce.shift_start_min "
            "+ shift_length_min)"
        )
        raise RuleError("demand.windows.day_end_min", w.day_end_min, rule)
    last_end = shift_end + SHIFT_JITTER_MIN
    if s.day_end_min <= last_end:
        rule = (
            f"must come after the last shift ends ({last_end:g}: workforce.shift_start_min "
            f"+ shift_length_min + {SHIFT_JITTER_MIN:g})"
        )
        raise RuleError("day_end_min", s.day_end_min, rule)
    span_h = (w.day_end_min - w.day_start_min) / 60
    for i, width in enumerate(s.policy.window_widths_h):
        if width > span_h:
            rule = f"must fit the booking day (demand.windows: {span_h:g} h)"
            raise RuleError(f"policy.window_widths_h.{i}", width, rule)


SECTION_RULES.update(
    {
        "Traffic": traffic,
        "Workforce": workforce,
        "Windows": windows,
        "Demand": demand,
        "Satisfaction": satisfaction,
        "Policy": policy,
        "Scenario": scenario,
    }
)
