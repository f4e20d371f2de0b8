"""Regular customers: the company's customer base, the same people from day to day.

Most of a day's requests come from one-off customers (``C0001``, … are per-day indices, a
new person every day). A share ``REGULAR_SHARE`` of them comes from the company's *regular
customers* instead: property managers and caretakers with a service contract, each looking
after the buildings of one neighbourhood. The base holds ``REGULARS_PER_REQUEST`` of
them per daily request, drawn from ``scenario.company_seed`` like the technicians, each with a
fixed id (``CR001``, …), a fixed home neighbourhood and a fixed hidden trait, so the
customer–technician chemistry (:func:`twin.sim.truth.affinity`) is learnable from feedback.

A regular's request keeps the site the day's demand drew; it goes to the regular whose
neighbourhood centre is nearest. So sites, durations, windows and traffic are exactly those
of a world without regulars (every other KPI is unchanged), and a regular's visits stay in
one neighbourhood, where the same few technicians work. Which requests are regulars' is
drawn from the day's demand generator *after* every other draw: common random numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from twin.config import Scenario
from twin.models.routing.nearest import NearestPoints
from twin.sim.visit import VisitSpec, customer_site

REGULAR_SHARE = 0.5
"""Share of a day's requests made by regular customers (assumed: service contracts)."""
REGULARS_PER_REQUEST = 0.75
"""Size of the base per daily request (assumed; a regular calls about every 1.5 days).

Tied to the day's request count, not the workforce, so an arm with more technicians for
the same demand (:func:`twin.app.compare.arm_scenario`) sees the very same customers."""


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    x: float
    y: float
    trait: tuple[float, float]


def customer_base(scenario: Scenario) -> tuple[Customer, ...]:
    """The company's regular customers (the same for every day of ``company_seed``)."""
    # own stream of the company seed, apart from the technicians' ("workforce")
    seq = np.random.SeedSequence([scenario.company_seed, zlib.crc32(b"customers")])
    rng = np.random.Generator(np.random.PCG64(seq))
    requests = round(scenario.workforce.technicians * scenario.demand.visits_per_technician)
    n = max(1, round(requests * REGULARS_PER_REQUEST))
    width = len(str(n))
    out = []
    for i in range(n):
        x, y = customer_site(rng, scenario.city.size_km)
        trait = (float(rng.normal()), float(rng.normal()))
        out.append(Customer(f"CR{i + 1:0{width}d}", x, y, trait))
    return tuple(out)


def with_regulars(
    visits: Sequence[VisitSpec],
    base: Sequence[Customer],
    rng: np.random.Generator,
    share: float = REGULAR_SHARE,
) -> tuple[VisitSpec, ...]:
    """``visits`` with a ``share`` of them made by the nearest regular (id and trait)."""
    if not 0 <= share <= 1:
        msg = f"share of regular customers must be within [0, 1], got {share!r}"
        raise ValueError(msg)
    if not visits or not base or share == 0:
        return tuple(visits)
    mine = np.flatnonzero(rng.random(len(visits)) < share)
    # the first nearest, as an argmin over every regular would choose, in O(log n)
    homes = NearestPoints([c.x for c in base], [c.y for c in base], first=4)
    out = list(visits)
    for i in mine:
        v = out[int(i)]
        r = base[homes.nearest(v.x, v.y)]
        out[int(i)] = replace(v, customer_id=r.customer_id, customer_trait=r.trait)
    return tuple(out)
