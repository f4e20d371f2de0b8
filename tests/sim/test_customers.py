"""Regular customers: the nearest regular by index is the one an argmin over all chose."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from twin.config import Scenario
from twin.sim.customers import Customer, customer_base, with_regulars
from twin.sim.demand import VisitSpec, make_demand
from twin.sim.rng import stream


def _argmin_regulars(
    visits: tuple[VisitSpec, ...], base: tuple[Customer, ...], rng: np.random.Generator
) -> tuple[VisitSpec, ...]:
    """``with_regulars`` as it was: an argmin over every regular for each visit."""
    mine = np.flatnonzero(rng.random(len(visits)) < 0.5)
    homes = np.array([(c.x, c.y) for c in base])
    out = list(visits)
    for i in mine:
        v = out[int(i)]
        r = base[int(np.argmin(np.hypot(homes[:, 0] - v.x, homes[:, 1] - v.y)))]
        out[int(i)] = replace(v, customer_id=r.customer_id, customer_trait=r.trait)
    return tuple(out)


def _none(
    visits: tuple[VisitSpec, ...], base: object, rng: np.random.Generator
) -> tuple[VisitSpec, ...]:
    return tuple(visits)


def test_regulars_by_index_are_the_argmin_with_the_same_draws(
    small: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("twin.sim.demand.with_regulars", _none)
    big = small.with_overrides(**{"workforce.technicians": 300})
    plain = make_demand(big, stream(6, "demand"))
    base = customer_base(big)
    # duplicated homes: a visit between equals goes to the first of them, as argmin chose
    base = base + tuple(replace(c, customer_id=c.customer_id + "b") for c in base[:50])
    # and a regular living exactly at some sites: distance zero
    base = base + tuple(Customer(f"AT{i}", v.x, v.y, (0.0, 0.0)) for i, v in enumerate(plain[:9]))
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    got = with_regulars(plain, base, a)
    assert got == _argmin_regulars(plain, base, b)
    assert a.bit_generator.state == b.bit_generator.state  # the same draws, no more
    assert sum(v.customer_id.startswith("AT") for v in got) > 0
