"""The chemistry index: how well a customer and a technician get on, from feedback ratings.

Ratings are 1–5. Few ratings of a pair say little, so the pair's score is shrunk towards
the technician's mean, which is itself shrunk towards the company mean (hierarchical
empirical-Bayes shrinkage with pseudo-counts)::

    company  μ₀  = (Σ all ratings + m₀·prior) / (N + m₀)
    tech     μ_t = (Σ ratings of t + k_t·μ₀) / (n_t + k_t)
    pair     θ_ct = (Σ ratings of (c, t) + k_p·μ_t) / (n_ct + k_p)

With no rating of the pair θ = μ_t; with many, θ → the pair's own mean. Every term is a
convex combination of values in [1, 5], so the index stays in [1, 5]. The planner uses
:meth:`ChemistryIndex.bonus`, ``θ_ct − μ_t`` (the pair's expected stars above what the
technician gets from anyone), as a soft bonus weighted by ``best_match``: the weight is
minute-equivalents per expected star. The bonus of a pair never rated is 0, so only
customers with a history (regulars) steer the plan.

:func:`update` is a pure reducer ``(index, rating) -> index``; it copies the two small
mappings it changes, so old indexes stay valid (replay, what-if arms).
:meth:`ChemistryIndex.from_ratings` builds an index from a whole history in one pass, and
:func:`load_chemistry` from a feedback file (``customer_id,technician_id,rating`` columns,
CSV, gzip if the name ends in ``.gz``; as written by :mod:`twin.sim.feedback_history`).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

MIN_RATING, MAX_RATING = 1.0, 5.0


@dataclass(frozen=True, slots=True)
class Rating:
    customer_id: str
    technician_id: str
    score: float

    def __post_init__(self) -> None:
        if not MIN_RATING <= self.score <= MAX_RATING:
            msg = f"Rating.score must be within [1, 5], got {self.score!r}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class ChemistryParams:
    prior_mean: float = 4.0  # company prior before any rating
    prior_weight: float = 1.0  # m₀
    tech_weight: float = 5.0  # k_t: ratings a technician needs to count as much as the company
    pair_weight: float = 3.0  # k_p: ratings a pair needs to count as much as the technician

    def __post_init__(self) -> None:
        if not MIN_RATING <= self.prior_mean <= MAX_RATING:
            msg = f"ChemistryParams.prior_mean must be within [1, 5], got {self.prior_mean!r}"
            raise ValueError(msg)
        for name in ("prior_weight", "tech_weight", "pair_weight"):
            if getattr(self, name) <= 0:
                msg = f"ChemistryParams.{name} must be > 0, got {getattr(self, name)!r}"
                raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class ChemistryIndex:
    """Counts and sums of ratings: overall, per technician, per (customer, technician)."""

    params: ChemistryParams = field(default_factory=ChemistryParams)
    n: int = 0
    total: float = 0.0
    tech: Mapping[str, tuple[int, float]] = field(default_factory=lambda: MappingProxyType({}))
    pair: Mapping[tuple[str, str], tuple[int, float]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def from_ratings(
        cls, ratings: Iterable[Rating], params: ChemistryParams | None = None
    ) -> ChemistryIndex:
        """The index of a whole history (the same as folding :func:`update` over it)."""
        n, total = 0, 0.0
        tech: dict[str, tuple[int, float]] = {}
        pair: dict[tuple[str, str], tuple[int, float]] = {}
        for r in ratings:
            n, total = n + 1, total + r.score
            tn, ts = tech.get(r.technician_id, (0, 0.0))
            tech[r.technician_id] = (tn + 1, ts + r.score)
            key = (r.customer_id, r.technician_id)
            pn, ps = pair.get(key, (0, 0.0))
            pair[key] = (pn + 1, ps + r.score)
        return cls(
            params or ChemistryParams(),
            n,
            total,
            MappingProxyType(tech),
            MappingProxyType(pair),
        )

    @property
    def company_mean(self) -> float:
        p = self.params
        return (self.total + p.prior_weight * p.prior_mean) / (self.n + p.prior_weight)

    def tech_mean(self, technician_id: str) -> float:
        n, s = self.tech.get(technician_id, (0, 0.0))
        k = self.params.tech_weight
        return (s + k * self.company_mean) / (n + k)

    def score(self, customer_id: str, technician_id: str) -> float:
        """θ_ct, the shrunk pair score in [1, 5]."""
        n, s = self.pair.get((customer_id, technician_id), (0, 0.0))
        k = self.params.pair_weight
        return (s + k * self.tech_mean(technician_id)) / (n + k)

    def bonus(self, customer_id: str, technician_id: str) -> float:
        """Points this pair scores above the technician's own mean: the planner's soft preference.

        Subtracting the technician's mean (not the company's) keeps general skill out of
        it: otherwise the bonus pulls every customer towards the best-rated technicians
        instead of towards the technician *this* customer gets on with.
        """
        return self.score(customer_id, technician_id) - self.tech_mean(technician_id)


def update(index: ChemistryIndex, rating: Rating) -> ChemistryIndex:
    """The index after one more rating (pure)."""
    tn, ts = index.tech.get(rating.technician_id, (0, 0.0))
    key = (rating.customer_id, rating.technician_id)
    pn, ps = index.pair.get(key, (0, 0.0))
    tech = dict(index.tech)
    tech[rating.technician_id] = (tn + 1, ts + rating.score)
    pair = dict(index.pair)
    pair[key] = (pn + 1, ps + rating.score)
    return ChemistryIndex(
        index.params,
        index.n + 1,
        index.total + rating.score,
        MappingProxyType(tech),
        MappingProxyType(pair),
    )


FEEDBACK_COLUMNS = ("customer_id", "technician_id", "rating")


def read_ratings(path: Path | str) -> list[Rating]:
    """The ratings of a feedback file; ValueError naming the file, line and field if bad."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in FEEDBACK_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            msg = f"{path}: feedback file lacks column(s) {', '.join(missing)}"
            raise ValueError(msg)
        out = []
        for line, row in enumerate(reader, start=2):
            try:
                out.append(Rating(row["customer_id"], row["technician_id"], float(row["rating"])))
            except ValueError as exc:
                msg = f"{path}, line {line}: {exc}"
                raise ValueError(msg) from None
    return out


def load_chemistry(path: Path | str, params: ChemistryParams | None = None) -> ChemistryIndex:
    """The chemistry index of a feedback history file."""
    return ChemistryIndex.from_ratings(read_ratings(path), params)
