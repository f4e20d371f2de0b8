"""A comparison's name and note: stored, read back, refused precisely, kept by older stores."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from twin.app.notes import MAX_NAME, set_note, title
from twin.app.store import RunStore, StoreError


def _comparison(store: RunStore) -> str:
    return store.add_comparison(
        label="A vs B", kind="compare", base_scenario="small", arms=[], seeds=[1]
    )


def test_a_name_and_note_are_stored_and_read_back(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "s.duckdb")
    cid = _comparison(store)
    assert (store.comparison(cid).name, title(store.comparison(cid))) == ("", "A vs B")
    record = set_note(store, cid, "  Winter staffing ", "why: backlog\nsecond line")
    assert (record.name, record.note) == ("Winter staffing", "why: backlog\nsecond line")
    assert title(store.comparisons()[0]) == "Winter staffing"
    with pytest.raises(ValueError, match=f"name: at most {MAX_NAME} characters, got 121"):
        set_note(store, cid, "x" * 121, "")
    with pytest.raises(ValueError, match="note: expected text, got None"):
        set_note(store, cid, "n", None)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="no comparison 'c-none'"):
        set_note(store, "c-none", "n", "")


def test_a_store_from_before_names_gets_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE comparisons (id VARCHAR PRIMARY KEY, created TIMESTAMP, label VARCHAR, "
        "kind VARCHAR, base_scenario VARCHAR, arms VARCHAR, seeds VARCHAR, status VARCHAR, "
        "message VARCHAR)"
    )
    con.execute(
        "INSERT INTO comparisons VALUES ('c1', now()::TIMESTAMP, 'old', 'compare', 'small', "
        "'[]', '[1]', 'done', '')"
    )
    con.close()
    store = RunStore(path)
    assert (store.comparison("c1").label, store.comparison("c1").name) == ("old", "")
    assert set_note(store, "c1", "kept", "").name == "kept"
