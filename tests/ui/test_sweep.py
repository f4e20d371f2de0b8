"""The trade-off sweep's parts without a browser: the form refused with reasons, labels
that do not overlap, axes that hold every interval, points paired with the reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ui.conftest import ROOT
from twin.analysis.stats import paired_difference
from twin.app.arms import sweep_arms
from twin.app.compare import run_comparison
from twin.app.store import RunStore
from twin.config import ConfigError, load_scenario
from twin.ui.sweep import parse_values, short_label, sweep_grid, tradeoff_points
from twin.ui.tradeoff_figure import (
    PLOT_PX,
    _label_box,
    _overlap,
    axis_range,
    label_positions,
    tradeoff_scatter,
)


@pytest.mark.parametrize(
    ("knobs", "says"),
    [
        ([("technicians", "6, 8"), ("technicians", "10")], "knob 2: Technicians is already knob 1"),
        ([("technicians", "6,,8"), (None, "")], "a value is missing between two commas in '6,,8'"),
        ([("technicians", "6, 6"), (None, "")], "names a value twice"),
        ([("technicians", ""), (None, "")], "give at least one value"),
        ([("technicians", "six"), (None, "")], "expected a whole number, got 'six'"),
        ([(None, ""), (None, "")], "knob 1: choose a policy knob"),
    ],
)
def test_a_sweep_form_is_refused_with_its_reason(knobs: list, says: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=says):
        sweep_grid(knobs)


def test_two_knobs_make_a_grid_and_short_labels() -> None:
    grid = sweep_grid([("technicians", "6, 8"), ("replanning", "on, off")])
    assert grid == {"workforce.technicians": [6, 8], "policy.replanning": [True, False]}
    assert parse_values("technicians", " 6 ,8 ") == [6, 8]
    arm = sweep_arms(grid)[1]
    assert short_label(dict(arm.overrides)) == "6 · off"


def _boxes(xy, texts, positions, xr, yr):  # type: ignore[no-untyped-def]
    sx = PLOT_PX[0] / (xr[1] - xr[0])
    sy = PLOT_PX[1] / (yr[1] - yr[0])
    return [
        _label_box((x - xr[0]) * sx, (yr[1] - y) * sy, t, p)
        for (x, y), t, p in zip(xy, texts, positions, strict=True)
    ]


def test_labels_of_a_tight_cluster_do_not_overlap() -> None:
    # arms a few EUR and points apart: every label on top would collide with its neighbour's
    xy = [(100.0 + 4 * (i % 3), 5.0 + 0.3 * (i // 3)) for i in range(5)]
    texts = [f"{6 + i} · on" for i in range(5)]
    xr, yr = (
        axis_range([(x, 0, 0) for x, _ in xy], 0.12),
        axis_range([(y, 0, 0) for _, y in xy], 0.15),
    )
    positions = label_positions(xy, texts, xr, yr)
    boxes = _boxes(xy, texts, positions, xr, yr)
    assert all(_overlap(a, b) == 0 for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert len(set(positions)) > 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-2000, 2000), st.floats(0, 500), st.floats(-80, 80), st.floats(0, 40)),
        min_size=1,
        max_size=16,
    )
)
def test_axes_hold_every_interval_and_the_reference(arms: list) -> None:  # type: ignore[type-arg]
    xs = [(m, h, h) for m, h, _, _ in arms]
    ys = [(m, h, h) for _, _, m, h in arms]
    (x0, x1), (y0, y1) = axis_range(xs, 0.12), axis_range(ys, 0.15)
    assert x0 < 0 < x1 and y0 < 0 < y1
    assert all(x0 < m - h and m + h < x1 for m, h, _ in xs)
    assert all(y0 < m - h and m + h < y1 for m, h, _ in ys)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunStore, str]:
    store = RunStore(tmp_path_factory.mktemp("sweep") / "s.duckdb")
    base = load_scenario(ROOT / "data/scenarios/small.toml")
    arms = sweep_arms({"workforce.technicians": [7, 9]})
    cid = run_comparison(base, arms, [1, 2], store, kind="sweep").comparison_id
    return store, cid


def test_points_are_paired_differences_to_the_first_arm(sweep) -> None:  # type: ignore[no-untyped-def]
    store, cid = sweep
    ref, other = tradeoff_points(store, cid)
    assert (ref.text, ref.x, ref.y, ref.cost_diff) == ("7", 0.0, 0.0, None)
    by_arm = store.kpis_by_arm(cid)
    a, b = (by_arm[label] for label in ("technicians 7", "technicians 9"))
    want = paired_difference(
        {s: k.cost_total_eur for s, k in a.items()}, {s: k.cost_total_eur for s, k in b.items()}
    )
    assert other.cost_diff == want and other.text == "9"
    fig = tradeoff_scatter([ref, other], "technicians 7")
    arms = fig.data[-1]
    assert list(arms.x) == [0.0, want.mean]
    assert arms.error_x.array[1] == pytest.approx(want.high - want.mean)
    assert fig.layout.title.text == "Paired differences to technicians 7"
