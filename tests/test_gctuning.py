"""The garbage-collection settings of a long run are set inside the block and undone after."""

from __future__ import annotations

import gc

import pytest

from twin.gctuning import long_run_gc


def test_thresholds_and_freeze_are_undone() -> None:
    before = gc.get_threshold()
    kept = [object() for _ in range(10)]  # something alive before the block
    with long_run_gc(12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
        with long_run_gc(99):  # nested: the outer settings stay
            assert gc.get_threshold()[0] == 12_345
        assert gc.get_threshold()[0] == 12_345
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert len(kept) == 10


def test_undone_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), long_run_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_threshold_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold0 must be at least 1"), long_run_gc(0):
        pass
