"""The technicians a booking considers: those with the skill, nearest by home base first.

A :class:`CandidateIndex` is shared by everyone who plans on the same technicians (a
world's, a brain mirror's) and keeps the ranking of each place asked for, since the same
place is asked for again and again (each window of a request, the booking, a repair).
"""

from __future__ import annotations

from array import array
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
        self.tids: list[str] = list(state.technicians)
        """Every technician, at their position (the rankings give positions)."""
        self.position = {tid: i for i, tid in enumerate(self.tids)}
        by_skill: dict[str, list[str]] = {}
        for tid, spec in state.technicians.items():
            for skill in spec.skills:
                by_skill.setdefault(skill, []).append(tid)
        self._tids = {s: sorted(t) for s, t in by_skill.items()}
        self._at = {s: [self.position[t] for t in tids] for s, tids in self._tids.items()}
        techs = state.technicians
        self._points = {
            s: NearestPoints([techs[t].home_x for t in tids], [techs[t].home_y for t in tids])
            for s, tids in self._tids.items()
        }
        self._order: dict[tuple[str, float, float], Ranking] = {}
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

    def ranking(self, visit: VisitTask) -> Ranking | None:
        """The technicians with ``visit``'s skill, nearest to its place first (None: nobody
        has the skill); kept, since the same place is asked for again and again."""
        key = (visit.skill, visit.x, visit.y)
        order = self._order.get(key)
        if order is None:
            points = self._points.get(visit.skill)
            if points is None:
                return None
            order = Ranking(self._at[visit.skill], points.batches(visit.x, visit.y))
            if len(self._order) >= self._order_cap:
                self._order.clear()
            self._order[key] = order
        return order

    def nearest(self, state: PlanState, visit: VisitTask, k: int) -> list[str]:
        """Up to ``k`` available technicians with the skill, nearest by home base first."""
        order = self.ranking(visit)
        if order is None:
            return []
        out: list[str] = []
        status = state.status
        if type(status) is StatusAt:  # availability is the base's: no adjusted state
            status = status.base
        tids = self.tids
        for at in order:
            tid = tids[at]
            if status[tid].available:
                out.append(tid)
                if len(out) == k:
                    break
        return out


class Ranking:
    """The positions (in :attr:`CandidateIndex.tids`) of the technicians of one skill,
    nearest first from one place, fetched as far as needed: ``done`` holds those fetched
    so far (C longs, which the compiled candidates' look-up reads directly), :meth:`more`
    fetches the next run."""

    __slots__ = ("_at", "_batches", "done")

    def __init__(self, at: list[int], batches: Iterator[list[int]]) -> None:
        self._at = at
        self._batches: Iterator[list[int]] | None = batches
        self.done = array("l")

    def more(self) -> bool:
        """Fetch the next run of technicians; False when every one has been."""
        if self._batches is None:
            return False
        batch = next(self._batches, None)
        if batch is None:
            self._batches = None
            return False
        at = self._at
        self.done.extend([at[j] for j in batch])
        return True

    def __iter__(self) -> Iterator[int]:
        done = self.done
        i = 0
        while i < len(done) or self.more():
            yield done[i]
            i += 1


_SHARED: list[tuple[Mapping[str, TechnicianSpec], int, CandidateIndex]] = []
"""The indexes of the last few technician mappings (a strong reference keeps a mapping's
id from being reused while it is held here)."""
