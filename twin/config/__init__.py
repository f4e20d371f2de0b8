"""Scenario and policy parameters: one validated, immutable object loaded from TOML.

A *scenario* is a world (city, traffic, workforce, demand, costs) plus a *policy* (how the
company plans and reacts), declared in :mod:`twin.config.sections`. Validation is strict:
an unknown key, a wrong type (``true`` is not a number, ``"24"`` is not 24), inf or NaN, a
value out of range or a combination that cannot make a day (the rules of
:mod:`twin.config.rules`) raises :class:`ConfigError` naming the field path, the value and
what is allowed. :func:`load_scenario` also refuses a file that is not UTF-8 TOML and
checks the files the policy names (:mod:`twin.config.files`).
"""

from twin.config import rules as _rules  # noqa: F401 (registers the sections' rules)
from twin.config.base import ConfigError, DeprecatedSetting, RuleError
from twin.config.load import load_scenario, validate
from twin.config.period import LeadTimes, Period
from twin.config.policy import (
    LEGACY_DISPATCHERS,
    POLICY_NAMES,
    Planner,
    PlannerWeights,
    Policy,
    legacy_dispatcher,
    named_policy,
)
from twin.config.sections import (
    City,
    Costs,
    Demand,
    JobSpec,
    Satisfaction,
    Scenario,
    Traffic,
    Windows,
    Workforce,
    Zone,
)
from twin.config.targets import TARGET_SPECS, Targets, TargetSpec

__all__ = [
    "LEGACY_DISPATCHERS",
    "POLICY_NAMES",
    "TARGET_SPECS",
    "City",
    "ConfigError",
    "Costs",
    "Demand",
    "DeprecatedSetting",
    "JobSpec",
    "LeadTimes",
    "Period",
    "Planner",
    "PlannerWeights",
    "Policy",
    "RuleError",
    "Satisfaction",
    "Scenario",
    "TargetSpec",
    "Targets",
    "Traffic",
    "Windows",
    "Workforce",
    "Zone",
    "legacy_dispatcher",
    "load_scenario",
    "named_policy",
    "validate",
]
