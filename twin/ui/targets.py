"""The Compare scorecard's judgement: each arm against the company's targets, red/amber/green.

A target (:mod:`twin.config.targets`) bounds one measure of a day. Per arm, the measure is
taken on every seed's KPIs (a period's pooled days count as one), and its mean gets the
95 % Student-t interval over seeds (:func:`twin.analysis.stats.mean_ci`), clipped to what
the measure can take. Then:

* **green**: the whole interval is on the target's good side (the target is met);
* **red**: the whole interval is on its bad side (missed);
* **amber**: the interval straddles the target, or there is no interval (one seed): the
  seeds cannot tell whether the arm meets it.

Pure functions, no Dash: the page (:mod:`twin.ui.target_card`) draws what they return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import ValidationError

from twin.analysis.kpi import Kpis
from twin.analysis.stats import Estimate, mean_ci
from twin.config import TARGET_SPECS, ConfigError, Targets, TargetSpec
from twin.config.base import format_errors

Status = Literal["green", "amber", "red", "none"]
SPECS_BY_NAME: dict[str, TargetSpec] = {s.name: s for s in TARGET_SPECS}
_PCT_TOP = 100.0


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def measure(name: str, kpis: Kpis, technician_days: float) -> float:
    """The value of target ``name``'s measure in one run's KPIs (NaN when undefined, e.g.
    the cost per visit of a day without a completed visit). ``technician_days``: the arm's
    rostered technicians times the run's working days."""
    if name == "on_time_pct":
        return 100 * kpis.punctuality if kpis.visits_attended else math.nan
    if name == "missed_pct":
        return 100 * _ratio(kpis.visits_missed, kpis.visits_booked_today)
    if name == "cost_per_visit_eur":
        return _ratio(kpis.cost_total_eur, kpis.visits_completed)
    if name == "customer_satisfaction":
        return kpis.customer_satisfaction
    if name == "emergencies_in_target_pct":
        return 100 * kpis.emergency_within_target if kpis.emergencies else math.nan
    if name == "overtime_h_per_technician":
        return _ratio(kpis.overtime_hours, technician_days)
    msg = f"target: no measure named {name!r}; allowed: {', '.join(SPECS_BY_NAME)}"
    raise ValueError(msg)


def clip(spec: TargetSpec, est: Estimate) -> Estimate:
    """``est`` with its bounds inside what the measure can take (0..100 %, not below 0)."""
    if math.isnan(est.low):
        return est
    top = _PCT_TOP if spec.unit == "%" else 1000.0 if spec.unit == "/1000" else math.inf
    return Estimate(est.mean, max(est.low, 0.0), min(est.high, top), est.n)


def estimates(
    by_arm: Mapping[str, Mapping[int, Kpis]], technician_days: Sequence[float]
) -> dict[str, list[Estimate]]:
    """``{target name: one estimate per arm}`` (arms in ``by_arm``'s order); seeds where a
    measure is undefined are left out of its mean."""
    out: dict[str, list[Estimate]] = {}
    for spec in TARGET_SPECS:
        row = []
        for runs, tdays in zip(by_arm.values(), technician_days, strict=True):
            values = [measure(spec.name, runs[s], tdays) for s in sorted(runs)]
            row.append(clip(spec, mean_ci([v for v in values if not math.isnan(v)])))
        out[spec.name] = row
    return out


def status(spec: TargetSpec, est: Estimate, bound: float | None) -> Status:
    """Green, amber or red (see the module docstring); ``none`` without a target or a value."""
    if bound is None or math.isnan(est.mean):
        return "none"
    if math.isnan(est.low) or math.isnan(est.high):
        return "amber"
    low_ok, high_ok = spec.met(est.low, bound), spec.met(est.high, bound)
    if low_ok and high_ok:
        return "green"
    if not low_ok and not high_ok:
        return "red"
    return "amber"


def value_text(spec: TargetSpec, est: Estimate) -> str:
    """``88.6 % [86.1, 91.0]``, ``74 EUR [71, 77]``; ``–`` without a value."""
    if math.isnan(est.mean):
        return "–"
    digits = 0 if spec.unit in ("EUR", "/1000") else 2 if spec.unit == "h" else 1
    unit = {"/1000": "", "%": " %"}.get(spec.unit, f" {spec.unit}")
    text = f"{est.mean:.{digits}f}{unit}"
    if math.isnan(est.low):
        return text
    return f"{text} [{est.low:.{digits}f}, {est.high:.{digits}f}]"


def bound_text(value: float | None) -> str:
    """A target as its form field shows it (empty: no target)."""
    return "" if value is None else f"{value:g}"


def parse_targets(raw: Mapping[str, Any]) -> Targets:
    """Targets from form fields (text; empty for none); ConfigError naming each bad field
    with the value typed and what is allowed."""
    values: dict[str, float | None] = {}
    problems = []
    for name, text in raw.items():
        if name not in SPECS_BY_NAME:
            problems.append(f"targets.{name}: no such target (allowed: {', '.join(SPECS_BY_NAME)})")
            continue
        cleaned = "" if text is None else str(text).strip().replace(",", ".")
        if not cleaned:
            values[name] = None
            continue
        try:
            values[name] = float(cleaned)
        except ValueError:
            problems.append(f"targets.{name}: expected a number or nothing, got {text!r}")
            continue
        if not math.isfinite(values[name] or 0.0):
            problems.append(f"targets.{name}: expected a finite number, got {text!r}")
    if problems:
        raise ConfigError("invalid targets:\n  " + "\n  ".join(problems))
    try:
        return Targets.model_validate(values)
    except ValidationError as err:
        first, *rest = format_errors(err, "targets").splitlines()
        named = [f"  targets.{line.strip()}" for line in rest]
        raise ConfigError("\n".join([first, *named])) from None
