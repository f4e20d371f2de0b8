"""The brain as one Bytewax dataflow. It only wires the steps; the steps hold the logic.

::

    input ─ admit (parse, dedupe, reorder) ─ fleet ─┬─ technicians[group] ─┐
                                                    └──────────────────────┴─ collector ─ output

``admit``, ``fleet`` and ``collector`` are global (one key); the technician states are
kept per technician id inside ``params.key_groups`` key groups (see
:mod:`twin.stream.keygroups`). Items travel in batches: a source may hand over a list (the
closed loop gives one per tick, the log replay one per block of lines), the fleet step
groups what it routes by technician and key group, and each group answers a batch with one
list. Bytewax's per-item cost is then paid per group and batch instead of per event or
technician; the decisions depend neither on the batching nor on the number of groups (the
collector orders everything by minute and id). The same
flow runs on the in-process world (closed loop), a JSONL log (replay) or Kafka topics
(shadow mode): only the source and the sink change.
"""

from __future__ import annotations

from typing import Any

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.inputs import Source
from bytewax.outputs import Sink

from twin.stream.collector import CollectorState, collector_batch, new_collector
from twin.stream.fleet import PLANNER, FleetState, fleet_batch, new_fleet
from twin.stream.fold import fold
from twin.stream.keygroups import Members, by_group, group_batch
from twin.stream.order import Admission, admit_batch, as_batch, rules_for
from twin.stream.params import BrainParams
from twin.stream.technician import TechState


def build_flow(
    source: Source[Any],
    sink: Sink[Any],
    params: BrainParams,
    name: str = "fieldtwin-brain",
    batched_output: bool = False,
) -> Dataflow:
    """The brain between ``source`` and ``sink``. The sink gets the brain's outputs one by
    one, or (``batched_output``) as the collector's lists, in the same order: one item per
    list instead of one per decision through Bytewax (the closed loop's sink unpacks them)."""
    flow = Dataflow(name)
    raw = op.input("input", flow, source)
    keyed = op.key_on("one_key", op.map("batch", raw, as_batch), lambda _item: "fleet")

    rules = rules_for(params)  # raw lines are validated; the world's own events are trusted

    def admit(state: Admission | None, batch: list[Any]) -> tuple[Admission, list[Any]]:
        state = state if state is not None else Admission(rules)
        return state, admit_batch(state, batch)

    admitted = fold("admit", keyed, admit)

    def fleet(state: FleetState | None, batch: list[Any]) -> tuple[FleetState, list[Any]]:
        state = state if state is not None else new_fleet(params)
        return state, fleet_batch(state, batch, params)

    groups = params.key_groups
    if groups < 1:
        raise ValueError(f"params.key_groups: need at least 1 key group, got {groups}")
    routed = op.flat_map(
        "per_group", fold("fleet", admitted, fleet), lambda kv: by_group(kv[1], groups)
    )
    split = op.branch("to_collector", routed, lambda kv: kv[0] == PLANNER)

    def technicians(
        states: dict[str, TechState] | None, members: Members
    ) -> tuple[dict[str, TechState], list[Any]]:
        states = states if states is not None else {}
        return states, group_batch(states, members, params)

    tech_out = fold("technicians", split.falses, technicians)
    from_techs = op.map("to_planner_key", tech_out, lambda kv: (PLANNER, kv[1]))
    from_fleet = split.trues
    merged = op.merge("merge", from_fleet, from_techs)

    def collect(state: CollectorState | None, batch: list[Any]) -> tuple[CollectorState, list[Any]]:
        state = state if state is not None else new_collector(params)
        return state, collector_batch(state, batch, params)

    collected = fold("collector", merged, collect)
    if batched_output:
        op.output("output", op.map("batches", collected, lambda kv: kv[1]), sink)
    else:
        op.output("output", op.flat_map("unbatch", collected, lambda kv: kv[1]), sink)
    return flow
