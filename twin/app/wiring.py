"""One place that wires the twin: the company, the world and the brain, as the policy says.

Every entry point (``twin run``, ``replay``, ``shadow``, ``calibrate-eta``, ``offer``,
comparisons, the cockpit) builds its world with :func:`build_world` and its brain with
:func:`build_brain` from a :class:`~twin.models.company.Company`: the planner the policy
names (``policy.planner``), its duration model, chemistry index and ETA calibration,
loaded once per file.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from twin.config import ConfigError, Scenario
from twin.events import JOB_TYPES
from twin.models.company import Company
from twin.models.decisions.links import DEFAULT_BASE_URL, LinkSigner
from twin.models.duration.model import DurationModel, load_duration_model
from twin.models.eta.calibration import EtaCalibration, load_calibration
from twin.models.routing.dispatch import BaselineDispatcher, Dispatcher
from twin.models.routing.plan import BreakRule, TechnicianSpec
from twin.models.routing.travel import TravelModel
from twin.sim.world import World
from twin.stream.params import BrainParams, EstimateTable

if TYPE_CHECKING:  # the planner pulls in PyVRP, which the baseline never needs
    from twin.models.planner import ChemistryIndex


def dispatcher_factory(
    scenario: Scenario, live: bool = False
) -> Callable[[TravelModel, BreakRule], Dispatcher]:
    """The planner the policy names, as a dispatcher: cheapest insertion or PowerOpt.

    In a simulation every planner budget is a count, so a seed gives the same log on any
    machine; ``live`` (shadow mode) adds the planner's wall-clock cap on each repair, which
    bounds latency beside a production system instead.
    """
    name = scenario.policy.planner
    if name == "insertion":
        reach = scenario.policy.dispatcher_reach
        if reach == BaselineDispatcher.reach:
            return BaselineDispatcher
        return functools.partial(BaselineDispatcher, reach=reach)
    if name == "poweropt":
        from twin.models.planner import PlannerParams, PowerOptDispatcher
        from twin.models.planner.params import LIVE_REPAIR_BUDGET_MS

        chemistry = chemistry_index(scenario)

        def make(travel: TravelModel, brk: BreakRule) -> Dispatcher:
            live_cap = {"repair_budget_ms": LIVE_REPAIR_BUDGET_MS} if live else {}
            params = PlannerParams.from_policy(scenario.policy, **live_cap)
            return PowerOptDispatcher(
                travel,
                brk,
                params,
                chemistry=chemistry,
                time_limit_s=scenario.policy.optimise_time_s,
                max_iterations=scenario.policy.optimise_iterations,
            )

        return make
    msg = f"policy.planner: unknown planner {name!r}; allowed: insertion, poweropt"
    raise ValueError(msg)


@functools.lru_cache(maxsize=4)
def _chemistry(path: str) -> ChemistryIndex:
    from twin.models.planner import load_chemistry

    return load_chemistry(path)


def chemistry_index(scenario: Scenario) -> ChemistryIndex | None:
    """The chemistry index learned from the policy's feedback history, or None (no file)."""
    path = scenario.policy.chemistry_history
    if not path:
        return None
    if not Path(path).exists():
        msg = f"policy.chemistry_history: file not found: {path} (run `twin fit-chemistry`)"
        raise ConfigError(msg)
    try:
        return _chemistry(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"policy.chemistry_history: {exc}") from None


@functools.lru_cache(maxsize=4)
def _duration_model(path: str) -> DurationModel:
    return load_duration_model(path)


def duration_estimates(
    scenario: Scenario, roster: Mapping[str, TechnicianSpec]
) -> EstimateTable | None:
    """The day's duration table from the policy's history, or None (generic spread)."""
    p = scenario.policy
    if not (p.duration_model and p.duration_history):
        return None
    path = Path(p.duration_history)
    if not path.exists():
        msg = f"policy.duration_history: file not found: {path} (run `twin train-durations`)"
        raise ConfigError(msg)
    try:
        model = _duration_model(str(path))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"policy.duration_history: {path}: not a usable history ({exc})"
        ) from None
    return model.predict_table(list(roster.values()), JOB_TYPES)


@functools.lru_cache(maxsize=4)
def _eta_calibration(path: str) -> EtaCalibration:
    return load_calibration(path)


def eta_calibration(scenario: Scenario) -> EtaCalibration | None:
    """The ETA calibration the policy names, or None (uncorrected ETA chain)."""
    path = scenario.policy.eta_calibration
    if not path:
        return None
    if not Path(path).exists():
        msg = f"policy.eta_calibration: file not found: {path} (run `twin calibrate-eta`)"
        raise ConfigError(msg)
    try:
        return _eta_calibration(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"policy.eta_calibration: {exc}") from None


SECRET_ENV = "FIELDTWIN_LINK_SECRET"
PUBLIC_URL_ENV = "FIELDTWIN_PUBLIC_URL"


def company_links(company: Company) -> LinkSigner:
    """The info links of a simulated day: signed with ``FIELDTWIN_LINK_SECRET`` on
    ``FIELDTWIN_PUBLIC_URL`` when set (the company's own, as ``twin serve`` uses them),
    else the simulated company's deterministic links."""
    secret = os.environ.get(SECRET_ENV)
    url = os.environ.get(PUBLIC_URL_ENV) or DEFAULT_BASE_URL
    if secret:
        return LinkSigner(secret.encode(), url)
    return LinkSigner.for_simulation(company.scenario.company_seed, url)


def build_brain(
    company: Company,
    reorder_bound_min: float = 0.0,
    live: bool = False,
    calibration: EtaCalibration | Literal["policy"] | None = "policy",
    links: LinkSigner | None = None,
) -> BrainParams:
    """The brain the policy describes: its dispatcher for repairs, the duration model and
    the ETA calibration (the policy's, unless ``calibration`` is given). One definition for
    the closed loop, replay and shadow mode, so a recorded or live log meets the same brain
    as the simulated day (``live``: see :func:`dispatcher_factory`). Its messages carry
    ``links`` (default: the simulated company's, :meth:`LinkSigner.for_simulation`)."""
    scenario = company.scenario
    return BrainParams.for_company(
        company,
        dispatcher_factory(scenario, live)(company.travel, company.break_rule),
        duration_estimates(scenario, company.roster),
        reorder_bound_min=reorder_bound_min,
        eta_calibration=eta_calibration(scenario) if calibration == "policy" else calibration,
        links=links or company_links(company),
    )


def build_world(scenario: Scenario, seed: int | None = None) -> World:
    """The simulated day of ``scenario`` for ``seed`` (the scenario's when None), booking
    with the planner the policy names."""
    return World(scenario, dispatcher_factory(scenario), seed)


def company_from_roster(scenario: Scenario, roster: Mapping[str, TechnicianSpec]) -> Company:
    """The company of a recorded or live log: the scenario, and the roster from HR."""
    return Company(scenario, roster)
