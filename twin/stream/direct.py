"""The same steps as the dataflow, called in a plain loop: the "logic alone" reference.

Used by the speed benchmark (the cost of Bytewax is the closed loop's time over this one's)
and by tests that check the dataflow decides exactly what the logic decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from twin.stream.collector import collector_step, new_collector
from twin.stream.fleet import PLANNER, fleet_step, new_fleet
from twin.stream.order import Admission, parse
from twin.stream.params import BrainParams
from twin.stream.technician import TechState, new_tech, tech_step


class DirectBrain:
    def __init__(self, params: BrainParams) -> None:
        self.params = params
        self.admission = Admission()
        self.fleet = new_fleet(params)
        self.techs: dict[str, TechState] = {}
        self.collector = new_collector(params)

    def feed(self, items: Iterable[object]) -> list[object]:
        out: list[object] = []
        p = self.params
        for raw in items:
            for item in self.admission.step(parse(raw)):  # type: ignore[arg-type]
                for key, payload in fleet_step(self.fleet, item, p):
                    if key == PLANNER:
                        out.extend(collector_step(self.collector, payload, p))
                        continue
                    tech = self.techs.get(key)
                    if tech is None:
                        tech = self.techs[key] = new_tech(key, p)
                    for produced in tech_step(tech, payload, p):
                        out.extend(collector_step(self.collector, produced, p))
        return out
