"""The policy levers a manager can pull in a what-if comparison: the knob catalogue.

A knob names a scenario field by its dotted path (as :meth:`Scenario.with_overrides`
takes it), says how a value is read from a form or a command line, and how it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from twin.config import ConfigError, Scenario

KnobKind = Literal["int", "float", "bool", "choice", "widths"]


@dataclass(frozen=True, slots=True)
class Knob:
    """A policy lever a manager can pull; ``path`` is the scenario field it sets."""

    name: str
    label: str
    path: str
    kind: KnobKind
    help: str
    choices: tuple[str, ...] = ()

    def get(self, scenario: Scenario) -> Any:
        node: Any = scenario
        for part in self.path.split("."):
            node = getattr(node, part)
        return node

    def parse(self, raw: Any) -> Any:
        """A value from user input (text, number, bool); ConfigError naming the field if bad."""
        try:
            return _parse(self, raw)
        except (TypeError, ValueError):
            msg = f"{self.path}: {_EXPECTED[self.kind]}, got {raw!r}"
            raise ConfigError(msg) from None

    def show(self, value: Any) -> str:
        if self.kind == "bool":
            return "on" if value else "off"
        if self.kind == "widths":
            return "/".join(f"{float(w):g}" for w in value) + " h"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


_EXPECTED = {
    "int": "expected a whole number",
    "float": "expected a number",
    "bool": "expected on/off",
    "choice": "expected one of the listed choices",
    "widths": "expected window widths in hours, e.g. 2, 4, 8",
}


def _parse(knob: Knob, raw: Any) -> Any:
    if knob.kind == "int":
        if isinstance(raw, bool) or raw is None or raw == "":
            raise ValueError(raw)
        value = float(raw)
        if value != int(value):
            raise ValueError(raw)
        return int(value)
    if knob.kind == "float":
        if isinstance(raw, bool) or raw is None or raw == "":
            raise ValueError(raw)
        return float(raw)
    if knob.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("on", "true", "yes", "1"):
            return True
        if text in ("off", "false", "no", "0"):
            return False
        raise ValueError(raw)
    if knob.kind == "choice":
        if raw not in knob.choices:
            raise ValueError(raw)
        return raw
    parts = raw if isinstance(raw, list | tuple) else str(raw).replace("/", ",").split(",")
    widths = tuple(float(p) for p in parts if str(p).strip())
    if not widths or min(widths) <= 0:
        raise ValueError(raw)
    return widths


KNOBS: tuple[Knob, ...] = (
    Knob(
        "planner",
        "Planner",
        "policy.planner",
        "choice",
        "who books and plans: cheapest insertion, or PowerOpt (daily plan, ranked offers)",
        ("insertion", "poweropt"),
    ),
    Knob(
        "brain",
        "Streaming brain",
        "policy.brain",
        "bool",
        "live ETAs, delay alerts, customer notifications and replanning during the day",
    ),
    Knob(
        "technicians",
        "Technicians",
        "workforce.technicians",
        "int",
        "technicians on shift (the demand stays the base scenario's)",
    ),
    Knob(
        "window_widths_h",
        "Window widths offered (h)",
        "policy.window_widths_h",
        "widths",
        "appointment window widths offered to customers",
    ),
    Knob(
        "same_day_acceptance",
        "Same-day acceptance",
        "policy.same_day_acceptance",
        "bool",
        "accept same-day requests",
    ),
    Knob(
        "emergency_displacement",
        "Emergencies make room",
        "policy.emergency_displacement",
        "bool",
        "an emergency nobody can fit takes the place of a lower-priority visit",
    ),
    Knob(
        "defer_unreachable",
        "Move visits that no longer fit",
        "policy.defer_unreachable",
        "bool",
        "the brain moves a visit its technician can no longer reach today, with an apology",
    ),
    Knob(
        "replanning",
        "Replanning",
        "policy.replanning",
        "bool",
        "repair the plan when a delay is detected",
    ),
    Knob(
        "delay_threshold",
        "Replanning threshold",
        "policy.delay_threshold",
        "float",
        "probability of lateness that triggers an alert (0-1)",
    ),
    Knob(
        "notifications",
        "Customer notifications",
        "policy.notifications",
        "bool",
        "send on-the-way and delay messages",
    ),
    Knob(
        "best_match_weight",
        "Best-match weight",
        "policy.best_match_weight",
        "float",
        "preference for the technician customers rated best (0-100)",
    ),
    Knob(
        "overtime_allowed_min",
        "Overtime allowance (min)",
        "policy.overtime_allowed_min",
        "float",
        "minutes past shift end a plan may use (0-240)",
    ),
    Knob(
        "weight_travel",
        "Planner weight: travel",
        "policy.weights.travel",
        "float",
        "PowerOpt: cost of a minute of driving (minute-equivalents, 0-100)",
    ),
    Knob(
        "weight_lateness",
        "Planner weight: lateness",
        "policy.weights.lateness",
        "float",
        "PowerOpt: cost of a minute a visit starts after its window (0-100)",
    ),
    Knob(
        "weight_overtime",
        "Planner weight: overtime",
        "policy.weights.overtime",
        "float",
        "PowerOpt: cost of a minute past the regular shift end (0-100)",
    ),
    Knob(
        "weight_balance",
        "Planner weight: workload balance",
        "policy.weights.balance",
        "float",
        "PowerOpt: cost per squared hour of route span; spreads the work (0-100)",
    ),
    Knob(
        "duration_model",
        "Duration model",
        "policy.duration_model",
        "bool",
        "predict visit durations with the learned model",
    ),
)
KNOBS_BY_NAME: dict[str, Knob] = {k.name: k for k in KNOBS}
KNOBS_BY_PATH: dict[str, Knob] = {k.path: k for k in KNOBS}
