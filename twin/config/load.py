"""Loading a scenario: from a dict (validated) or a TOML file (read safely, its policy's
files checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from twin.config.base import ConfigError, format_errors
from twin.config.files import check_policy_files, read_toml
from twin.config.sections import Scenario


def validate(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_errors(err)) from None


def load_scenario(path: Path | str) -> Scenario:
    """The scenario of a TOML file, with the files its policy names checked."""
    path = Path(path)
    try:
        data = read_toml(path)
    except FileNotFoundError:
        raise ConfigError(f"scenario file not found: {path}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        scenario = validate(data)
        check_policy_files(scenario.policy)
    except ValueError as exc:  # ConfigError too
        raise ConfigError(f"{path}: {exc}") from None
    return scenario
