"""What every part of the configuration shares: its errors and its base model.

Sections are strict pydantic models (a bool is not a number, ``"24"`` is not 24, no inf or
NaN); a section may also follow rules over several of its fields, which
:mod:`twin.config.rules` registers in :data:`SECTION_RULES` by the section's class name.
"""

from __future__ import annotations

import datetime as dt
import numbers
import reprlib
from collections.abc import Callable
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

# section class name -> its rule (filled by twin.config.rules, which the package imports)
SECTION_RULES: dict[str, Callable[[Any], None]] = {}


class ConfigError(ValueError):
    """A scenario that does not validate; the message names every bad field."""


class DeprecatedSetting(FutureWarning):
    """A setting that still works but has a newer spelling (shown to users by default)."""


class RuleError(ValueError):
    """A broken rule: ``field`` (a path inside the section), its ``value``, the rule."""

    def __init__(self, field: str, value: Any, rule: str) -> None:
        super().__init__(rule)
        self.field = field
        self.value = value


class _Model(BaseModel):
    # strict: a bool is not a number and "24" is not 24; no inf or NaN anywhere
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        # TOML and JSON give lists where the fields hold tuples; numpy numbers are numbers
        if isinstance(value, list):
            return tuple(value)
        if isinstance(value, numbers.Integral) and not isinstance(value, int | bool):
            return int(value)
        if isinstance(value, numbers.Real) and not isinstance(value, float | int):
            return float(value)
        return value

    @model_validator(mode="after")
    def _rules(self) -> Self:
        rule = SECTION_RULES.get(type(self).__name__)
        if rule is not None:
            rule(self)
        return self


_SHOW = reprlib.Repr()
_SHOW.maxstring, _SHOW.maxother, _SHOW.maxlevel = 80, 80, 3


def format_errors(err: ValidationError, what: str = "scenario") -> str:
    lines = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        value = e.get("input")
        msg = e["msg"].removeprefix("Value error, ").replace("valid tuple", "valid list")
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, RuleError):  # a rule of the section: its field and value
            loc, value = [*loc, cause.field], cause.value
        if isinstance(value, bool) and e["type"] in ("int_type", "float_type"):
            msg += ", not true/false"
        text = value.isoformat() if isinstance(value, dt.date) else _SHOW.repr(value)
        shown = "" if isinstance(value, dict) else f" (got {text})"
        lines.append(f"{'.'.join(loc) or f'({what})'}: {msg}{shown}")
    return f"invalid {what}:\n  " + "\n  ".join(lines)
