"""A training exercise: a scenario and seed, scripted disturbances, learning goals and a
difficulty, read from a TOML file (``data/exercises/*.toml``).

Disturbances happen at local times of the day, to the trainee's copy and the autopilot's
alike (common random numbers): ``sick`` (technicians call in sick), ``breakdown`` (a van
breaks down), ``storm`` (a zone slows down for some hours), ``emergency`` (an emergency
request at a site) and ``call`` (a customer calls for a slot: the trainee answers it; the
autopilot books the planner's best offer).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from twin.clock import parse_hhmm
from twin.config import ConfigError, Scenario, load_scenario
from twin.config.base import _Model, format_errors

EXERCISES = Path("data/exercises")


class Disturbance(_Model):
    at: str = Field(description="local time HH:MM")
    kind: Literal["sick", "breakdown", "storm", "emergency", "call"]
    technicians: tuple[str, ...] = Field(default=(), description="sick, breakdown")
    zone: str = ""  # storm: a zone of the city
    factor: float = Field(default=0.6, gt=0, le=1)  # storm: speed factor
    hours: float = Field(default=3.0, gt=0, le=12)  # storm: how long
    x: float = Field(default=0.0, ge=0)  # emergency, call: the site (km)
    y: float = Field(default=0.0, ge=0)
    customer_id: str = "C-EXERCISE"
    job_type: Literal["maintenance", "repair", "installation", "inspection", "emergency"] = "repair"
    note: str = ""  # what the trainee is told

    @field_validator("at")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @property
    def minute(self) -> float:
        return parse_hhmm(self.at)


class Exercise(_Model):
    name: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=200)
    difficulty: int = Field(ge=1, le=5)
    scenario: str = "data/scenarios/default.toml"
    seed: int = Field(default=1, ge=0)
    goals: tuple[str, ...] = Field(min_length=1)
    disturbance: tuple[Disturbance, ...] = ()

    def load_scenario(self) -> Scenario:
        scenario = load_scenario(Path(self.scenario))
        size = scenario.city.size_km
        zones = {z.name for z in scenario.city.zones}
        for i, d in enumerate(self.disturbance):
            where = f"disturbance[{i}]"
            if d.kind in ("emergency", "call") and not (d.x <= size and d.y <= size):
                msg = f"{where}.x/y: ({d.x}, {d.y}) outside the city (0 to {size:g} km)"
                raise ConfigError(msg)
            if d.kind == "storm" and d.zone not in zones:
                allowed = ", ".join(sorted(zones))
                raise ConfigError(f"{where}.zone: {d.zone!r} is not a zone; allowed: {allowed}")
        return scenario


def load_exercise(name_or_path: str) -> Exercise:
    """An exercise by name (``data/exercises/NAME.toml``) or path; ConfigError naming the
    field, value and what is allowed."""
    path = Path(name_or_path)
    if not path.suffix:
        path = EXERCISES / f"{name_or_path}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in EXERCISES.glob("*.toml"))) or "none"
        raise ConfigError(f"exercise {name_or_path!r}: no such file {path}; known: {known}")
    try:
        return Exercise.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except ValidationError as err:
        raise ConfigError(f"{path}: {format_errors(err, 'exercise')}") from None
