"""What a period hands one day's world: the day's visits and its roster.

A single day draws its own demand (:func:`twin.sim.demand.make_demand`) and absences
(:func:`twin.sim.workforce.make_workforce`). Inside a period (:mod:`twin.app.period`) the
visits booked for the day, the calls that will come in during it and the day's rota are
decided by the period instead, and given to the world as a :class:`DayInput`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twin.sim.rota import DayRota
from twin.sim.visit import VisitSpec


@dataclass(frozen=True, slots=True)
class DayInput:
    demand: tuple[VisitSpec, ...]  # booked before the day (no request_min) and calls
    rota: DayRota = field(default_factory=DayRota)
