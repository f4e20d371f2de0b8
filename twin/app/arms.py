"""Arms of a comparison: the base scenario plus knob overrides, labelled.

An *arm* is the base scenario plus policy-knob overrides (dotted paths, as for
:meth:`Scenario.with_overrides`). Changing the number of technicians keeps the *demand*
of the base scenario: the world draws ``technicians x visits_per_technician`` requests,
so the arm's ``visits_per_technician`` is rescaled to keep the day's request count (and
so the very same requests) unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from twin.app.knobs import KNOBS_BY_PATH, Knob
from twin.config import ConfigError, Scenario


@dataclass(frozen=True, slots=True)
class Arm:
    """A labelled variant of the base scenario: ``overrides`` maps dotted paths to values."""

    label: str
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "overrides": dict(self.overrides)}

    def scenario(self, base: Scenario) -> Scenario:
        return arm_scenario(base, self.overrides)


def arm_scenario(base: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``base`` with ``overrides``; a technician count change keeps the base's request count."""
    changes = dict(overrides)
    techs = changes.get("workforce.technicians")
    if techs is not None and "demand.visits_per_technician" not in changes:
        base.with_overrides(**{"workforce.technicians": techs})  # precise error first
        requests = base.workforce.technicians * base.demand.visits_per_technician
        per_tech = requests / int(techs)
        if per_tech > 30:
            msg = (
                f"workforce.technicians: {techs} technicians cannot take the base demand of "
                f"{requests:.0f} requests (at most 30 each)"
            )
            raise ConfigError(msg)
        changes["demand.visits_per_technician"] = per_tech
    return base.with_overrides(**changes) if changes else base


def knob_error(base: Scenario, knob: Knob, raw: Any) -> str | None:
    """The message to show next to a knob's field, or None when the value is valid."""
    try:
        arm_scenario(base, {knob.path: knob.parse(raw)})
    except ConfigError as exc:
        return str(exc).replace("invalid scenario:\n  ", "")
    return None


def arm_label(overrides: Mapping[str, Any]) -> str:
    """``technicians 10, replanning off`` (``base`` for no overrides)."""
    parts = []
    for path, value in overrides.items():
        knob = KNOBS_BY_PATH.get(path)
        name = knob.name.replace("_", " ") if knob else path
        parts.append(f"{name} {knob.show(value) if knob else value}")
    return ", ".join(parts) or "base"


def sweep_arms(grid: Mapping[str, Sequence[Any]]) -> list[Arm]:
    """One arm per combination of the knob values in ``grid`` (path -> values)."""
    paths = list(grid)
    return [
        Arm(arm_label(dict(zip(paths, combo, strict=True))), dict(zip(paths, combo, strict=True)))
        for combo in itertools.product(*(grid[p] for p in paths))
    ]
