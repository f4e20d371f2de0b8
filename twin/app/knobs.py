"""The policy levers a manager can pull in a what-if comparison: the knob catalogue.

A knob names a scenario field by its dotted path (as :meth:`Scenario.with_overrides`
takes it), says how a value is read from a form or a command line, and how it is shown.
The catalogue is generated from the fields themselves: a knob's label and help are its
field's title and description, its kind and choices come from the field's type, so each
lever is described once, where it is declared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

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
        except _Refused as exc:  # a reason more precise than the kind's
            msg = f"{self.path}: {exc}, got {raw!r}"
            raise ConfigError(msg) from None
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


class _Refused(ValueError):
    """A value refused for a reason of its own (the message says which)."""


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
    if len(parts) > 1 and any(not str(p).strip() for p in parts):  # "2,,4": a typo
        raise _Refused("a width is missing next to a comma; give e.g. 2, 4, 8")
    widths = tuple(float(p) for p in parts)
    if not widths or not all(math.isfinite(w) for w in widths):
        raise ValueError(raw)
    if min(widths) <= 0:
        raise _Refused("window widths are hours and must be above 0")
    return widths


# the levers offered, by name: each is a scenario field whose title and description (in
# twin.config.sections) are its label and help, and whose type gives its kind
KNOB_PATHS: tuple[tuple[str, str], ...] = (
    ("planner", "policy.planner"),
    ("brain", "policy.brain"),
    ("technicians", "workforce.technicians"),
    ("dispatcher_reach", "policy.dispatcher_reach"),
    ("window_widths_h", "policy.window_widths_h"),
    ("same_day_acceptance", "policy.same_day_acceptance"),
    ("emergency_displacement", "policy.emergency_displacement"),
    ("defer_unreachable", "policy.defer_unreachable"),
    ("replanning", "policy.replanning"),
    ("delay_threshold", "policy.delay_threshold"),
    ("notifications", "policy.notifications"),
    ("best_match_weight", "policy.best_match_weight"),
    ("overtime_allowed_min", "policy.overtime_allowed_min"),
    ("weight_travel", "policy.weights.travel"),
    ("weight_lateness", "policy.weights.lateness"),
    ("weight_overtime", "policy.weights.overtime"),
    ("weight_balance", "policy.weights.balance"),
    ("duration_model", "policy.duration_model"),
)


def field_of(path: str) -> FieldInfo:
    """The pydantic field a dotted scenario path names."""
    model: type[BaseModel] = Scenario
    *sections, leaf = path.split(".")
    for part in sections:
        annotation = model.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise ValueError(f"{path}: {part} is not a section")
        model = annotation
    return model.model_fields[leaf]


def knob_of(name: str, path: str) -> Knob:
    """The knob of one scenario field: label, help and kind from the field itself."""
    info = field_of(path)
    if not (info.title and info.description):
        raise ValueError(f"{path}: a knob's field needs a title and a description")
    annotation = info.annotation
    choices: tuple[str, ...] = ()
    kind: KnobKind
    if get_origin(annotation) is Literal:
        kind, choices = "choice", tuple(str(a) for a in get_args(annotation))
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        kind = "int"
    elif annotation is float:
        kind = "float"
    elif get_origin(annotation) is tuple and get_args(annotation)[0] is float:
        kind = "widths"
    else:
        raise ValueError(f"{path}: no knob kind for a field of type {annotation}")
    return Knob(name, info.title, path, kind, info.description, choices)


KNOBS: tuple[Knob, ...] = tuple(knob_of(name, path) for name, path in KNOB_PATHS)
KNOBS_BY_NAME: dict[str, Knob] = {k.name: k for k in KNOBS}
KNOBS_BY_PATH: dict[str, Knob] = {k.path: k for k in KNOBS}


# knobs that another knob's value leaves without effect: (knobs, that knob, its value, why)
_IDLE_WHEN: tuple[tuple[frozenset[str], str, Any, str], ...] = (
    (
        frozenset(
            {"weight_travel", "weight_lateness", "weight_overtime", "weight_balance"}
            | {"best_match_weight"}
        ),
        "planner",
        "insertion",
        "no effect with the insertion planner: it prices insertions with fixed weights and "
        "has no preferred technician; only PowerOpt reads this",
    ),
    (
        frozenset({"dispatcher_reach"}),
        "planner",
        "poweropt",
        "no effect with PowerOpt: only the insertion planner looks at the nearest technicians",
    ),
    (
        frozenset({"replanning", "delay_threshold", "notifications", "defer_unreachable"}),
        "brain",
        False,
        "no effect without the brain: nothing then predicts delays, replans, notifies "
        "customers or defers visits",
    ),
)


def idle_reason(name: str, settings: dict[str, Any]) -> str | None:
    """Why knob ``name`` does nothing given the other knobs' values (``{knob name: parsed
    value}``), or None when it acts."""
    for knobs, other, value, why in _IDLE_WHEN:
        if name in knobs and other in settings and settings[other] == value:
            return why
    return None
