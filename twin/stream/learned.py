"""What the brain learned in a day, carried to the next day of a period.

The technician step corrects each technician's predicted durations online (a log-bias
learned from the visits they finished, :func:`twin.stream.techstate.learn_bias`). A period
(:mod:`twin.app.period`) runs one brain per day; :func:`learned_after` folds the day's
finished visits into the bias each technician started the day with, by the same rule, so
that the next day's brain starts where this one ended (``BrainParams.learned``).

The fold predicts each visit as the brain's duration table does before any route
estimate arrives (``BrainParams.estimate``); the step itself may have used the estimate
its route carried, which gives the same median when the route came from the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from twin import events as ev
from twin.clock import minutes_between
from twin.stream.params import BrainParams
from twin.stream.techstate import learn_bias

CENSORED = ("customer_absent",)  # no work to measure (as the technician step)


def learned_after(
    events: Iterable[ev.Event], params: BrainParams, before: Mapping[str, tuple[float, int]]
) -> dict[str, tuple[float, int]]:
    """Each technician's (log-bias, visits seen) after the day of ``events``."""
    out = dict(before)
    jobs: dict[str, tuple[str, float]] = {}  # visit -> job type, expected minutes
    started: dict[tuple[str, str], ev.WorkStarted] = {}
    for e in events:
        if isinstance(e, ev.VisitRequested):
            jobs.setdefault(e.visit_id, (e.job_type, 0.0))
        elif isinstance(e, ev.VisitBooked) and e.visit_id in jobs:
            jobs[e.visit_id] = (jobs[e.visit_id][0], e.expected_duration_min)
        elif isinstance(e, ev.WorkStarted):
            started[(e.technician_id, e.visit_id)] = e
        elif isinstance(e, ev.WorkFinished) and e.outcome not in CENSORED:
            start = started.pop((e.technician_id, e.visit_id), None)
            if start is None or e.visit_id not in jobs or e.technician_id not in params.roster:
                continue
            job, expected = jobs[e.visit_id]
            p50 = params.estimate(e.technician_id, job, expected).p50
            bias, seen = out.get(e.technician_id, (0.0, 0))
            actual = minutes_between(e.time, start.time)
            out[e.technician_id] = learn_bias(bias, seen, actual, p50, params.bias_memory)
    return out
