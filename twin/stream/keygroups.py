"""Key groups: the technician states of the dataflow, held in a fixed number of groups.

Bytewax pays its per-item cost (about 2.5 µs per operator, STACK.md) for every item that
crosses an operator. Keyed by technician, a day at 1,000 technicians sent 121 k
(technician, payloads) items through the five operators between the fleet step and the
collector. As in Flink's key groups, the technician keys are therefore hashed into
``groups`` dataflow keys; each group holds the states of its technicians by technician
id and gets one item per batch: 10 k items a day with 16 groups (bench/RESULTS.md,
session 4). State and decisions stay per technician: a technician's state only ever sees
that technician's payloads, in the order the fleet step produced them, so the decisions
do not depend on the number of groups (tested).

The hash is CRC-32 of the technician id, not Python's ``hash`` (salted per process): every
run and every worker puts a technician in the same group, and with several workers a group
moves between them as a whole.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from twin.stream.fleet import PLANNER
from twin.stream.params import BrainParams
from twin.stream.technician import TechState, new_tech, tech_batch

Members = list[tuple[str, list[Any]]]  # (technician id, payloads), in routing order


def key_group(technician_id: str, groups: int) -> str:
    """The dataflow key of the group a technician belongs to (stable across runs)."""
    if groups < 1:
        raise ValueError(f"key groups: need at least 1, got {groups}")
    return f"group-{zlib.crc32(technician_id.encode()) % groups:04d}"


# a technician's group, per number of groups: asked for every technician in every batch
# (2 M times in a 10,000-technician day), so a plain dict, not an LRU cache's bookkeeping
_MEMO: dict[int, dict[str, str]] = {}
MEMO_LIMIT = 65_536  # technician ids per number of groups


def by_group(routed: Sequence[tuple[str, list[Any]]], groups: int) -> list[tuple[str, Any]]:
    """The fleet step's (key, payloads) pairs as one item per key group.

    The planner's pair passes unchanged; every technician's pair joins its group's members,
    in the order given. Groups come out in order of first appearance, the planner last.
    """
    memo = _MEMO.get(groups)
    if memo is None or len(memo) > MEMO_LIMIT:
        memo = _MEMO[groups] = {}
    out: dict[str, Members] = {}
    planner: list[tuple[str, Any]] = []
    for key, payloads in routed:
        group = memo.get(key)
        if group is None:
            if key == PLANNER:
                planner.append((PLANNER, payloads))
                continue
            group = memo[key] = key_group(key, groups)
        members = out.get(group)
        if members is None:
            members = out[group] = []
        members.append((key, payloads))
    return [*out.items(), *planner]


def group_batch(
    states: dict[str, TechState], members: Members, params: BrainParams
) -> list[object]:
    """Each member's payloads through its own technician state; all outputs in one list."""
    out: list[object] = []
    for tid, payloads in members:
        state = states.get(tid)
        if state is None:
            state = states[tid] = new_tech(tid, params)
        out.extend(tech_batch(state, payloads, params))
    return out
