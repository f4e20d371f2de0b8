"""Online correction of duration estimates as visits finish: a fleet and a technician bias.

Each finished visit gives a log-ratio ``r = log(actual / model P50)`` (always against the
model's *uncorrected* P50). Two exponentially forgotten averages are kept:

* the **fleet** bias over all visits — drift that hits everyone (a cold week, new
  regulations) is learnt within a few hours of a day's visits;
* a **technician** bias over what the fleet bias leaves of that technician's ratios — a
  new colleague, a technician who is slower this month.

Each keeps ``S ← λ·S + r`` and ``W ← λ·W + 1`` (forgetting per visit, so no clock is
needed) and is shrunk towards none by ``k`` pseudo-visits: ``b = S / (W + k)``. An
estimate is multiplied by ``exp(b_fleet + b_technician)``. A ratio is clipped to
``±max_log_ratio`` first, so a freak visit (a boiler that took all day) moves the biases a
bounded amount, and ``|b_fleet + b_technician| < 2 · max_log_ratio`` always.

In a world without drift there is nothing to correct; the defaults (measured in
``bench/RESULTS.md``) keep the correction's cost there within noise while recovering most
of a fleet-wide +20 % drift.

:func:`update_bias` is a pure reducer ``(state | None, observation) -> state`` in the
Bytewax style; the brain keeps one state and folds finished visits into it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from twin.models.duration.model import DurationEstimate


@dataclass(frozen=True, slots=True)
class BiasParams:
    """λ and k of the technician and the fleet bias, and the clip of one log-ratio."""

    forgetting: float = 0.9
    prior_visits: float = 20.0
    fleet_forgetting: float = 0.99
    fleet_prior_visits: float = 20.0
    max_log_ratio: float = math.log(3.0)

    def __post_init__(self) -> None:
        for name in ("forgetting", "fleet_forgetting"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        for name in ("prior_visits", "fleet_prior_visits"):
            value = getattr(self, name)
            if value <= 0:
                raise ValueError(f"{name} must be > 0, got {value}")
        if self.max_log_ratio <= 0:
            raise ValueError(f"max_log_ratio must be > 0, got {self.max_log_ratio}")


DEFAULT_BIAS = BiasParams()


@dataclass(frozen=True, slots=True)
class BiasEntry:
    """Forgotten sum and weight of log-ratios, and the number of visits seen."""

    log_sum: float = 0.0
    weight: float = 0.0
    visits: int = 0

    def bias(self, prior_visits: float) -> float:
        return self.log_sum / (self.weight + prior_visits)

    def add(self, r: float, forgetting: float) -> BiasEntry:
        return BiasEntry(
            forgetting * self.log_sum + r, forgetting * self.weight + 1.0, self.visits + 1
        )


@dataclass(frozen=True, slots=True)
class BiasState:
    """The fleet entry and one entry per technician; never mutated (updates copy), and
    picklable, so a dataflow can snapshot it for recovery."""

    fleet: BiasEntry = BiasEntry()
    entries: Mapping[str, BiasEntry] = field(default_factory=dict)
    params: BiasParams = DEFAULT_BIAS

    def fleet_bias(self) -> float:
        return self.fleet.bias(self.params.fleet_prior_visits)

    def log_bias(self, technician_id: str) -> float:
        """The log-multiplier for this technician's estimates (fleet part for a new one)."""
        e = self.entries.get(technician_id)
        own = e.bias(self.params.prior_visits) if e is not None else 0.0
        return self.fleet_bias() + own


def update_bias(
    state: BiasState | None,
    technician_id: str,
    job_type: str,
    predicted_p50: float,
    actual: float,
    params: BiasParams | None = None,
) -> BiasState:
    """Fold one finished visit into the state; ``params`` only for a new state (None).

    ``predicted_p50`` is the model's uncorrected P50 of the visit. ``job_type`` is not used
    by this correction; it is in the signature so that a per-(technician, job) variant can
    replace it. Copies the technician map: fine for hundreds of technicians; beyond that,
    a dataflow keyed by technician would keep one :class:`BiasEntry` per key and the fleet
    entry under a key of its own.
    """
    del job_type
    if state is not None and params is not None and params != state.params:
        msg = f"params {params} differ from the state's {state.params}; start a new state"
        raise ValueError(msg)
    if not (predicted_p50 > 0 and math.isfinite(predicted_p50)):
        raise ValueError(f"predicted_p50 must be a positive number, got {predicted_p50!r}")
    if not (actual > 0 and math.isfinite(actual)):
        raise ValueError(f"actual must be a positive number of minutes, got {actual!r}")
    if state is None:
        state = BiasState(params=params or DEFAULT_BIAS)
    p = state.params
    c = p.max_log_ratio
    r = min(c, max(-c, math.log(actual / predicted_p50)))
    own = min(c, max(-c, r - state.fleet_bias()))
    entries = dict(state.entries)
    entries[technician_id] = entries.get(technician_id, BiasEntry()).add(own, p.forgetting)
    return BiasState(state.fleet.add(r, p.fleet_forgetting), entries, p)


def corrected(
    estimate: DurationEstimate, bias_state: BiasState | None, technician_id: str
) -> DurationEstimate:
    """``estimate`` scaled by the technician's current bias (unchanged without one)."""
    if bias_state is None:
        return estimate
    b = bias_state.log_bias(technician_id)
    return estimate if b == 0.0 else estimate.scaled(math.exp(b))
