"""The brain as one Bytewax dataflow. It only wires the steps; the steps hold the logic.

::

    input ─ parse ─ admit (dedupe, reorder) ─ fleet ─┬─ technician[tid] ─┐
                                                     └───────────────────┴─ collector ─ output

``parse`` turns raw lines into events or dead letters; ``admit``, ``fleet`` and
``collector`` are global (one key); ``technician`` is keyed by technician id. The
same flow runs on the in-process world (closed loop), a JSONL log (replay) or Kafka
topics (shadow mode): only the source and the sink change.
"""

from __future__ import annotations

from typing import Any

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.inputs import Source
from bytewax.outputs import Sink

from twin.stream.collector import CollectorState, collector_step, new_collector
from twin.stream.fleet import PLANNER, FleetState, fleet_step, new_fleet
from twin.stream.order import Admission, admission_step, parse
from twin.stream.params import BrainParams
from twin.stream.technician import TechState, new_tech, tech_step


def build_flow(
    source: Source[Any], sink: Sink[Any], params: BrainParams, name: str = "fieldtwin-brain"
) -> Dataflow:
    flow = Dataflow(name)
    raw = op.input("input", flow, source)
    parsed = op.map("parse", raw, parse)
    keyed = op.key_on("one_key", parsed, lambda _item: "fleet")

    def admit(state: Admission | None, item: Any) -> tuple[Admission, list[Any]]:
        return admission_step(state, item)

    admitted = op.stateful_flat_map("admit", keyed, admit)

    def fleet(state: FleetState | None, item: Any) -> tuple[FleetState, list[Any]]:
        state = state if state is not None else new_fleet(params)
        return state, fleet_step(state, item, params)

    routed = op.stateful_flat_map("fleet", admitted, fleet)
    pairs = op.map("route", routed, lambda kv: (kv[1][0], kv[1]))
    split = op.branch("to_collector", pairs, lambda kv: kv[0] == PLANNER)

    def technician(state: TechState | None, keyed_item: Any) -> tuple[TechState, list[Any]]:
        tid, item = keyed_item
        state = state if state is not None else new_tech(tid, params)
        return state, tech_step(state, item, params)

    tech_out = op.stateful_flat_map("technician", split.falses, technician)
    from_techs = op.map("to_planner_key", tech_out, lambda kv: (PLANNER, kv[1]))
    from_fleet = op.map("unwrap", split.trues, lambda kv: (PLANNER, kv[1][1]))
    merged = op.merge("merge", from_fleet, from_techs)

    def collect(state: CollectorState | None, item: Any) -> tuple[CollectorState, list[Any]]:
        state = state if state is not None else new_collector(params)
        return state, collector_step(state, item, params)

    collected = op.stateful_flat_map("collector", merged, collect)
    op.output("output", op.map("unkey", collected, lambda kv: kv[1]), sink)
    return flow
