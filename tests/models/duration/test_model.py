from __future__ import annotations

import copy
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.config import Scenario, load_scenario
from twin.models.duration.baselines import NaiveMeanPredictor, OraclePredictor
from twin.models.duration.data import HistoryRow, read_history, write_history
from twin.models.duration.model import (
    DurationEstimate,
    DurationModel,
    DurationQuery,
    queries_of,
)
from twin.models.duration.online import BiasParams, BiasState, corrected, update_bias
from twin.models.duration.quality import evaluate, pinball_loss, quality, replay_online
from twin.models.routing.plan import TechnicianSpec
from twin.sim.history import HeldOut, simulate_history, simulate_test_days

SCENARIOS = Path(__file__).resolve().parents[3] / "data" / "scenarios"
JOBS = ("maintenance", "repair", "installation", "inspection", "emergency")


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def town() -> Scenario:
    """The small town with technicians who differ clearly (efficiency sigma 0.3)."""
    small = load_scenario(SCENARIOS / "small.toml")
    return small.with_overrides(**{"workforce.efficiency_sigma": 0.3})


@pytest.fixture(scope="module")
def history(town: Scenario) -> list[HistoryRow]:
    return simulate_history(town, 25, first_seed=300)


@pytest.fixture(scope="module")
def held_out(town: Scenario) -> HeldOut:
    return simulate_test_days(town, 8, first_seed=350)


@pytest.fixture(scope="module")
def model(history: list[HistoryRow]) -> DurationModel:
    return DurationModel.fit(history)


def _row(tech: str, job: str, minutes: float, level: str = "regular", i: int = 0) -> HistoryRow:
    return HistoryRow(1, f"V{i:04d}", f"C{i:04d}", tech, level, job, "centre", 9, minutes)


def _spec(tid: str, experience: str) -> TechnicianSpec:
    return TechnicianSpec(tid, 0.0, 0.0, frozenset({"repair"}), 450, 960, 1050, experience)


# ------------------------------------------------------------------ the model
def test_model_beats_naive_and_oracle_beats_model(
    history: list[HistoryRow],
    held_out: HeldOut,
    model: DurationModel,
) -> None:
    naive, fitted, learnable, best = evaluate(
        held_out.rows,
        [
            ("naive", NaiveMeanPredictor.fit(history)),
            ("model", model),
            ("technician oracle", held_out.technician_oracle),
            ("oracle", held_out.oracle),
        ],
    )
    assert fitted.mae_p50 < naive.mae_p50
    assert fitted.pinball < naive.pinball
    assert best.mae_p50 < learnable.mae_p50 < fitted.mae_p50


def test_coverage_of_p10_p90_near_80_percent(held_out: HeldOut, model: DurationModel) -> None:
    (q,) = evaluate(held_out.rows, [("model", model)])
    assert 0.7 <= q.coverage <= 0.9


def test_quantiles_ordered(model: DurationModel, history: list[HistoryRow]) -> None:
    specs = [_spec(t, lv) for t, lv in {(r.technician_id, r.experience) for r in history}]
    table = model.predict_table([*specs, _spec("T999", "junior")], JOBS)
    assert len(table) == (len(specs) + 1) * len(JOBS)
    for e in [*table.values(), *model.predict(queries_of(history[:200]))]:
        assert 0 < e.p10 <= e.p50 <= e.p90


def test_predict_table_is_the_batch_prediction(model: DurationModel) -> None:
    spec = _spec("T001", "senior")
    table = model.predict_table([spec], ["repair"])
    (one,) = model.predict([DurationQuery("T001", "repair", "senior")])
    assert table[("T001", "repair")] == one


@pytest.fixture(scope="module")
def crew_model(town: Scenario) -> DurationModel:
    """A model from a crew large enough that each (job type, level) quantile group has
    its own residuals (``min_group``): the small town's two juniors have too few, and the
    model then gives every level of a job the job's spread."""
    crew = town.with_overrides(**{"workforce.technicians": 24})
    return DurationModel.fit(simulate_history(crew, 20, first_seed=300))


def test_unknown_technician_gets_the_experience_level_effect(
    model: DurationModel, crew_model: DurationModel
) -> None:
    junior, senior = model.predict(
        [DurationQuery("new-1", "repair", "junior"), DurationQuery("new-2", "repair", "senior")]
    )
    assert junior.p50 > senior.p50 * 1.15  # true ratio 1.25 / 0.9
    junior, senior = crew_model.predict(
        [DurationQuery("new-1", "repair", "junior"), DurationQuery("new-2", "repair", "senior")]
    )
    assert junior.p50 > senior.p50 * 1.15  # true ratio 1.25 / 0.9
    assert junior.p90 / junior.p10 > senior.p90 / senior.p10  # juniors vary more
    # an unknown job type, level, zone and hour still give an estimate (the history's mix)
    (odd,) = model.predict([DurationQuery("new-3", "welding", "apprentice", "moon", 3)])
    assert 0 < odd.p10 <= odd.p50 <= odd.p90


def test_technician_effects_are_learnt_and_shrunk() -> None:
    # synthetic: T1 is 40 % slower at repairs, T2 has few visits, everyone else average
    rng = np.random.default_rng(0)
    rows = []
    for i in range(3000):
        tech = f"T{i % 10}"
        if tech == "T2" and i > 100:
            tech = "T3"
        effect = math.log(1.4) if tech == "T1" else 0.0
        minutes = 60 * math.exp(effect + 0.3 * rng.standard_normal())
        rows.append(_row(tech, "repair", minutes, i=i))
    m = DurationModel.fit(rows)
    t1, t2, t5 = m.predict([DurationQuery(t, "repair", "regular") for t in ("T1", "T2", "T5")])
    assert t1.p50 / t5.p50 == pytest.approx(1.4, rel=0.08)
    assert t2.p50 == pytest.approx(t5.p50, rel=0.1)  # few visits, little noise believed


def test_same_history_same_model(history: list[HistoryRow]) -> None:
    queries = queries_of(history[:50])
    assert DurationModel.fit(history).predict(queries) == DurationModel.fit(history).predict(
        queries
    )


def test_empty_history_is_refused() -> None:
    with pytest.raises(ValueError, match="empty history"):
        DurationModel.fit([])


def test_estimate_validates_order() -> None:
    with pytest.raises(ValueError, match="p10 <= p50 <= p90"):
        DurationEstimate(50, 40, 90, 60)


# ------------------------------------------------------------------ baselines
def test_naive_is_the_job_type_mean() -> None:
    rows = [_row("T1", "repair", m, i=i) for i, m in enumerate((30, 60, 90))]
    naive = NaiveMeanPredictor.fit(rows)
    (e,) = naive.predict([DurationQuery("T9", "repair", "senior")])
    assert (e.mean, e.p50) == (60, 60)
    (other,) = naive.predict([DurationQuery("T9", "emergency", "senior")])
    assert other.mean == 60  # unknown job type: all jobs


def test_oracle_reads_the_true_lognormal() -> None:
    oracle = OraclePredictor({"1:V0001": (math.log(50), 0.5)})
    (e,) = oracle.predict([DurationQuery("T1", "repair", "regular", visit_key="1:V0001")])
    assert e.p50 == pytest.approx(50)
    assert e.mean == pytest.approx(50 * math.exp(0.125))
    with pytest.raises(KeyError, match="only the visits"):
        oracle.predict([DurationQuery("T1", "repair", "regular", visit_key="1:V0002")])


# ------------------------------------------------------------------ online correction
def test_bias_moves_towards_the_observed_ratio() -> None:
    est = DurationEstimate(30, 60, 120, 70)
    state: BiasState | None = None
    last = 60.0
    for _ in range(40):
        state = update_bias(state, "T1", "repair", 60.0, 90.0)
        now = corrected(est, state, "T1").p50
        assert last < now < 90.0
        last = now
    assert last > 80.0
    # another technician shares only the fleet part
    assert 60.0 < corrected(est, state, "T2").p50 < last


def test_bias_update_is_pure() -> None:
    s1 = update_bias(None, "T1", "repair", 60.0, 90.0)
    before = copy.deepcopy(s1)
    s2 = update_bias(s1, "T1", "repair", 60.0, 30.0)
    assert s1 == before
    assert pickle.loads(pickle.dumps(s2)) == s2  # dataflow recovery snapshots it
    assert s2 != s1
    assert update_bias(s1, "T1", "repair", 60.0, 30.0) == s2
    assert corrected(DurationEstimate(1, 2, 3, 2), None, "T1") == DurationEstimate(1, 2, 3, 2)


def test_bias_rejects_non_positive_minutes() -> None:
    with pytest.raises(ValueError, match="actual"):
        update_bias(None, "T1", "repair", 60.0, 0.0)
    with pytest.raises(ValueError, match="forgetting"):
        BiasParams(forgetting=0.0)
    state = update_bias(None, "T1", "repair", 60.0, 90.0)
    with pytest.raises(ValueError, match="start a new state"):
        update_bias(state, "T1", "repair", 60.0, 90.0, BiasParams(prior_visits=1.0))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["T1", "T2", "T3"]),
            st.floats(min_value=1e-3, max_value=1e4),
            st.floats(min_value=1e-3, max_value=1e4),
        ),
        max_size=60,
    ),
    st.floats(min_value=0.5, max_value=1.0),
)
def test_bias_stays_bounded(obs: list[tuple[str, float, float]], forgetting: float) -> None:
    params = BiasParams(forgetting=forgetting, fleet_forgetting=forgetting)
    state = BiasState(params=params)
    for tech, predicted, actual in obs:
        state = update_bias(state, tech, "repair", predicted, actual)
    bound = 2 * params.max_log_ratio
    for tech in ("T1", "T2", "T3", "T9"):
        b = state.log_bias(tech)
        assert math.isfinite(b)
        assert abs(b) < bound
    assert state.fleet.visits == len(obs)


# ------------------------------------------------------------------ quality and data
def test_quality_measures() -> None:
    perfect = quality("x", [10.0, 20.0], [DurationEstimate(5, 10, 15, 10)] * 2)
    assert perfect.mae_p50 == 5.0
    assert perfect.coverage == 0.5
    assert pinball_loss(np.array([10.0]), np.array([8.0]), 0.9) == pytest.approx(1.8)
    assert pinball_loss(np.array([10.0]), np.array([12.0]), 0.9) == pytest.approx(0.2)


def test_replay_online_predicts_before_it_learns() -> None:
    rows = [_row("T1", "repair", 90.0, i=i) for i in range(3)]
    est = [DurationEstimate(30, 60, 120, 70)] * 3
    out, state = replay_online(rows, est)
    assert out[0] == est[0]
    assert out[0].p50 < out[1].p50 < out[2].p50
    assert state is not None and state.entries["T1"].visits == 3


def test_history_file_round_trip(tmp_path: Path, history: list[HistoryRow]) -> None:
    path = tmp_path / "h.csv.gz"
    assert write_history(history[:100], path) == 100
    again = read_history(path)
    assert [r.visit_key for r in again] == [r.visit_key for r in history[:100]]
    assert [r.duration_min for r in again] == pytest.approx([r.duration_min for r in history[:100]])
    write_history(again, tmp_path / "b.csv.gz")
    assert (tmp_path / "b.csv.gz").read_bytes() == path.read_bytes()


def test_history_file_errors_name_line_and_column(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "bad.csv.gz"
    path.write_bytes(gzip.compress(b"seed,visit_id\n1,V1\n"))
    with pytest.raises(ValueError, match="expected header"):
        read_history(path)
    header = b"seed,visit_id,customer_id,technician_id,experience,job_type,zone,hour,duration_min\n"
    path.write_bytes(gzip.compress(header + b"1,V1,C1,T1,regular,repair,centre,nine,30\n"))
    with pytest.raises(ValueError, match="line 2: column 'hour'"):
        read_history(path)
