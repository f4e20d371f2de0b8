"""A keyed fold for the brain's steps: Bytewax's ``stateful_map`` without the deep copies.

Bytewax asks every stateful step for a snapshot of each key's state at the end of every
epoch (every 10 s of wall time by default, and at the end of the input), and
``stateful_map`` answers with ``copy.deepcopy(state)``. The brain's states are large (the
fleet mirror, the admission's seen ids, 1,000 technicians), so those copies cost seconds
per simulated day and grow with the day, while nothing uses them: the brain runs without
a recovery store (in the closed loop the world itself lives in the source and cannot be
resumed). ``fold`` hands the live state over instead. Configure a ``RecoveryConfig`` only
together with a copying snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import bytewax.operators as op
from bytewax.operators import StatefulLogic

V = TypeVar("V")
W = TypeVar("W")
S = TypeVar("S")

Step = Callable[[S | None, V], tuple[S, W]]


class _Fold(StatefulLogic[V, W, S], Generic[V, W, S]):
    def __init__(self, step: Step[S, V, W], state: S | None) -> None:
        self.step = step
        self.state = state

    def on_item(self, value: V) -> tuple[Iterable[W], bool]:
        self.state, out = self.step(self.state, value)
        return ((out,), StatefulLogic.RETAIN)

    def snapshot(self) -> S:
        assert self.state is not None
        return self.state  # by reference: see the module docstring


def fold(step_id: str, up: op.KeyedStream[V], step: Step[S, V, W]) -> op.KeyedStream[W]:
    """Like ``op.stateful_map``: ``step(state | None, value) -> (state, output)`` per key."""

    def build(resume: S | None) -> _Fold[V, W, S]:
        return _Fold(step, resume)

    return op.stateful(step_id, up, build)
