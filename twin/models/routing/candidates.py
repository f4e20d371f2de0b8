"""The technicians a booking considers: those with the skill, nearest by home base first.

A :class:`CandidateIndex` is shared by everyone who plans on the same technicians (a
world's, a brain mirror's) and keeps the ranking of each place asked for, since the same
place is asked for again and again (each window of a request, the booking, a repair).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from twin.models.routing.nearest import NearestPoints
from twin.models.routing.plan import PlanState, StatusAt, TechnicianSpec, VisitTask

ORDER_CACHE = 5_000  # places whose candidate order is kept, at least
ORDER_CACHE_PER_TECHNICIAN = 5  # and per technician: a company's places grow with it
SHARED_INDEXES = 4  # technician mappings whose index is kept (worlds alive at once)


class CandidateIndex:
    """Technicians by skill, their home bases in KD-trees: nearest-k look-ups in O(log n).

    The order is exactly that of a full scan (``np.hypot`` to every home base, stable
    argsort over the technicians of the skill sorted by id), ties included: see
    :class:`~twin.models.routing.nearest.NearestPoints`.
    """

    def __init__(self, state: PlanState) -> None:
        self._key = id(state.technicians)
        by_skill: dict[str, list[str]] = {}
        for tid, spec in state.technicians.items():
            for skill in spec.skills:
                by_skill.setdefault(skill, []).append(tid)
        self._tids = {s: sorted(t) for s, t in by_skill.items()}
        techs = state.technicians
        self._points = {
            s: NearestPoints([techs[t].home_x for t in tids], [techs[t].home_y for t in tids])
            for s, tids in self._tids.items()
        }
        self._order: dict[tuple[str, float, float], _Ranking] = {}
        # the places asked for grow with the company (its visits): so does the cache, or a
        # larger company would find fewer of its places in it
        self._order_cap = max(ORDER_CACHE, ORDER_CACHE_PER_TECHNICIAN * len(techs))

    @classmethod
    def for_state(cls, state: PlanState) -> CandidateIndex:
        """The index of ``state.technicians``, shared by everyone who asks about the same
        technicians (the same mapping object: a world's, or a brain's mirror's), so that a
        look-up never pays for building one."""
        techs = state.technicians
        for held, size, index in _SHARED:
            if held is techs and size == len(techs):
                return index
        index = cls(state)
        _SHARED.append((techs, len(techs), index))
        del _SHARED[:-SHARED_INDEXES]
        return index

    def valid_for(self, state: PlanState) -> bool:
        return self._key == id(state.technicians)

    def nearest(self, state: PlanState, visit: VisitTask, k: int) -> list[str]:
        """Up to ``k`` available technicians with the skill, nearest by home base first."""
        key = (visit.skill, visit.x, visit.y)
        order = self._order.get(key)  # the same place is asked for again and again
        if order is None:
            points = self._points.get(visit.skill)
            if points is None:
                return []
            order = _Ranking(self._tids[visit.skill], points.batches(visit.x, visit.y))
            if len(self._order) >= self._order_cap:
                self._order.clear()
            self._order[key] = order
        out = []
        status = state.status
        if type(status) is StatusAt:  # availability is the base's: no adjusted state
            status = status.base
        for tid in order:
            if status[tid].available:
                out.append(tid)
                if len(out) == k:
                    break
        return out


class _Ranking:
    """Technicians of one skill nearest first from one place, fetched as far as needed."""

    __slots__ = ("_batches", "_done", "_tids")

    def __init__(self, tids: list[str], batches: Iterator[list[int]]) -> None:
        self._tids = tids
        self._batches: Iterator[list[int]] | None = batches
        self._done: list[str] = []

    def __iter__(self) -> Iterator[str]:
        done = self._done
        i = 0
        while True:
            while i < len(done):
                yield done[i]
                i += 1
            if self._batches is None:
                return
            batch = next(self._batches, None)
            if batch is None:
                self._batches = None
                return
            tids = self._tids
            done.extend(tids[j] for j in batch)


_SHARED: list[tuple[Mapping[str, TechnicianSpec], int, CandidateIndex]] = []
"""The indexes of the last few technician mappings (a strong reference keeps a mapping's
id from being reused while it is held here)."""
