"""What a page needs from the running cockpit: the store, the job runner, the scenarios.

``create_app`` puts them in the Flask app's config; pages read them through these functions
(inside a request), so no page imports the app module or a global. Parsed event logs are
cached per run: the Day and Model pages re-read the same log on every slider move.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import flask

from twin.app.store import RunRecord, RunStore
from twin.config import ConfigError, Scenario, load_scenario
from twin.events import Event
from twin.ui.guard import RateLimit
from twin.ui.jobs import Jobs

STORE_KEY = "TWIN_STORE"
JOBS_KEY = "TWIN_JOBS"
SCENARIOS_KEY = "TWIN_SCENARIOS"
DELETIONS_KEY = "TWIN_DELETIONS"
SHADOW_KEY = "TWIN_SHADOW"  # (brokers or None, prefix): where the live scorecard is read


def store() -> RunStore:
    value: RunStore = flask.current_app.config[STORE_KEY]
    return value


def jobs() -> Jobs:
    value: Jobs = flask.current_app.config[JOBS_KEY]
    return value


def deletions() -> RateLimit:
    """The cockpit's budget of deletions (:mod:`twin.ui.guard`)."""
    value: RateLimit = flask.current_app.config[DELETIONS_KEY]
    return value


def shadow_source() -> tuple[str | None, str]:
    """The brokers (None: not configured) and topic prefix of a shadow run to follow."""
    brokers, prefix = flask.current_app.config.get(SHADOW_KEY, (None, "fieldtwin"))
    return brokers, prefix


def scenarios_dir() -> Path:
    return Path(flask.current_app.config[SCENARIOS_KEY])


def scenario_files() -> dict[str, Path]:
    """Base scenarios offered: ``{name (file stem): path}``, sorted, small ones first."""
    files = sorted(scenarios_dir().glob("*.toml"), key=lambda p: (p.stem != "small", p.stem))
    return {p.stem: p for p in files}


def base_scenario(name: str) -> Scenario:
    files = scenario_files()
    if not isinstance(name, str) or name not in files:
        msg = f"unknown base scenario {name!r}; available: {', '.join(files)}"
        raise ConfigError(msg)
    return load_scenario(files[name])


@dataclass(frozen=True, slots=True)
class RunBundle:
    record: RunRecord
    scenario: Scenario
    events: tuple[Event, ...]


def run_bundle(run_id: str) -> RunBundle:
    """The run's record, scenario and parsed log (cached; a deleted run raises StoreError)."""
    return _bundle(store().path, run_id)


@lru_cache(maxsize=4)
def _bundle(path: Path, run_id: str) -> RunBundle:
    s = RunStore(path)
    return RunBundle(s.run(run_id), s.scenario(run_id), tuple(s.events(run_id)))
