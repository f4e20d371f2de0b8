"""The same steps as the dataflow, called in a plain loop: the "logic alone" reference.

Used by the speed benchmark (the cost of Bytewax is the closed loop's time over this one's)
and by tests that check the dataflow decides exactly what the logic decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from twin.stream.collector import collector_batch, new_collector
from twin.stream.fleet import PLANNER, fleet_batch, new_fleet
from twin.stream.order import Admission, admit_batch
from twin.stream.params import BrainParams
from twin.stream.technician import TechState, new_tech, tech_batch


class DirectBrain:
    def __init__(self, params: BrainParams) -> None:
        self.params = params
        self.admission = Admission()
        self.fleet = new_fleet(params)
        self.techs: dict[str, TechState] = {}
        self.collector = new_collector(params)

    def feed(self, items: Iterable[object]) -> list[object]:
        """One batch through the steps, as the dataflow passes it (see ``build_flow``)."""
        out: list[object] = []
        p = self.params
        admitted = admit_batch(self.admission, list(items))
        for key, payloads in fleet_batch(self.fleet, admitted, p):  # type: ignore[arg-type]
            if key == PLANNER:
                out.extend(collector_batch(self.collector, payloads, p))
                continue
            tech = self.techs.get(key)
            if tech is None:
                tech = self.techs[key] = new_tech(key, p)
            out.extend(collector_batch(self.collector, tech_batch(tech, payloads, p), p))
        return out
