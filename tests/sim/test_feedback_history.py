from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from twin.config import Scenario
from twin.models.planner import ChemistryIndex, Rating, load_chemistry
from twin.sim.customers import customer_base, with_regulars
from twin.sim.demand import make_demand
from twin.sim.feedback_history import simulate_feedback, write_feedback
from twin.sim.rng import stream


def test_regular_customers_recur_with_the_same_trait_nearby(small: Scenario) -> None:
    base = {c.customer_id: c for c in customer_base(small)}
    days: dict[str, int] = {}
    for seed in (1, 2, 3):
        day = make_demand(small, stream(seed, "demand"))
        regular = [v for v in day if v.customer_id in base]
        assert 0.3 < len(regular) / len(day) < 0.7
        for v in regular:
            c = base[v.customer_id]
            assert v.customer_trait == c.trait
            # the request went to the regular whose neighbourhood is nearest its site
            nearest = min(base.values(), key=lambda o: (o.x - v.x) ** 2 + (o.y - v.y) ** 2)
            assert nearest.customer_id == c.customer_id
        for cid in {v.customer_id for v in regular}:
            days[cid] = days.get(cid, 0) + 1
    assert max(days.values()) > 1  # the same people come back


def test_regulars_change_only_who_the_customer_is(
    small: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = make_demand(small, stream(4, "demand"))
    assert day == make_demand(small, stream(4, "demand"))
    monkeypatch.setattr("twin.sim.demand.with_regulars", _no_regulars)
    plain = make_demand(small, stream(4, "demand"))
    assert all(v.customer_id == "C" + v.visit_id[1:] for v in plain)
    for v, p in zip(day, plain, strict=True):
        assert replace(v, customer_id=p.customer_id, customer_trait=p.customer_trait) == p
    rng = np.random.default_rng(0)
    assert with_regulars(day, customer_base(small), rng, share=0.0) == day
    with pytest.raises(ValueError, match="share"):
        with_regulars(day, customer_base(small), rng, share=1.5)


def _no_regulars(visits, base, rng):  # type: ignore[no-untyped-def]
    return tuple(visits)


@pytest.mark.slow
def test_learned_index_correlates_with_hidden_affinity(small: Scenario, tmp_path: Path) -> None:
    rows = simulate_feedback(small, 20)
    assert rows and all(1 <= r.rating <= 5 for r in rows)
    path = tmp_path / "feedback.csv.gz"
    write_feedback(rows, path)
    idx = load_chemistry(path)
    assert idx == ChemistryIndex.from_ratings(
        Rating(r.customer_id, r.technician_id, r.rating) for r in rows
    )
    truth = {(r.customer_id, r.technician_id): r.affinity for r in rows}
    learned = [idx.score(c, t) - idx.tech_mean(t) for c, t in truth]
    assert np.corrcoef(learned, list(truth.values()))[0, 1] > 0.25
    # one-off customers' per-day ids are kept apart across days
    assert all("-" in r.customer_id for r in rows if not r.customer_id.startswith("CR"))
