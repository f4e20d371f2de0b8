"""One PyVRP search under PowerOpt's budget: an iteration count, capped by wall time.

Both of PowerOpt's PyVRP models (the daily optimisation, :mod:`.static`, and the day of
tools and parts, :mod:`.kit_vrp`) search for a fixed number of iterations, so that the same
seed gives the same plan on any machine; the wall-clock limit is only a cap, and a search
stopped by it says so in the log, since its plan then depends on the machine's speed.
"""

from __future__ import annotations

import logging

import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

log = logging.getLogger(__name__)


def solve_budgeted(
    data: pyvrp.ProblemData,
    *,
    seed: int,
    time_limit_s: float,
    max_iterations: int | None,
    initial: pyvrp.Solution | None = None,
    stop: StoppingCriterion | None = None,
    what: str = "optimisation",
) -> pyvrp.Result:
    """``pyvrp.solve`` until ``max_iterations`` (if given), ``stop`` (if given) or
    ``time_limit_s`` of wall time, whichever comes first; a warning names ``what`` when the
    wall-clock cap ended a search that had an iteration budget."""
    criteria: list[StoppingCriterion] = [MaxRuntime(time_limit_s)]
    if max_iterations is not None:
        criteria.insert(0, MaxIterations(max_iterations))
    if stop is not None:
        criteria.insert(0, stop)
    criterion = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
    result = pyvrp.solve(data, criterion, seed=seed, display=False, initial_solution=initial)
    if max_iterations is not None and result.num_iterations < max_iterations:
        log.warning(
            "the %s stopped at its wall-clock cap (%.1f s) after %d of %d iterations: "
            "this plan depends on the machine's speed, not only on the seed",
            what,
            time_limit_s,
            result.num_iterations,
            max_iterations,
        )
    return result
