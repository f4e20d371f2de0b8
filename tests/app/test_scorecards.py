"""Scorecards in the run store: kept whole, newest first, a missing one named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from twin.app.scorecards import add_scorecard, scorecard, scorecards
from twin.app.store import RunStore, StoreError


def test_scorecards_round_trip_newest_first(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    assert scorecards(store) == []  # a store from before scorecards gains the table
    card = {"day": "2026-11-23", "scenario": "small", "etas": [{"mae_min": None}], "late": 3}
    first = add_scorecard(store, card, log="a/events.jsonl", score_id="s1")
    second = add_scorecard(store, {**card, "late": 4}, log="b/events.jsonl", score_id="s2")
    assert [r.id for r in scorecards(store)] == [second, first]
    got = scorecard(store, "s1")
    assert got.card == card and got.log == "a/events.jsonl"
    assert (got.day, got.scenario_name) == ("2026-11-23", "small")
    assert got.created.tzinfo is not None
    with pytest.raises(StoreError, match=r"no scorecard 'nope' in .*runs\.duckdb"):
        scorecard(store, "nope")
    with pytest.raises(duckdb.ConstraintException):  # ids are unique
        add_scorecard(store, card, log="c", score_id="s1")
