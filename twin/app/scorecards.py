"""Scorecards in the run store: one row per scored day, its scorecard as JSON.

A table of its own (``scorecards``: id, created, the log scored, its day, the scenario's
name, the scorecard's JSON) in the store's one DuckDB file, created on first use, so a
store written before scorecards existed gains it without a migration. Connections are the
store's short-lived ones (:meth:`twin.app.store.RunStore.connect`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twin.app.store import RunStore, StoreError, new_id

_SCHEMA = """CREATE TABLE IF NOT EXISTS scorecards (
    id VARCHAR PRIMARY KEY, created TIMESTAMP, log VARCHAR, day VARCHAR,
    scenario_name VARCHAR, card VARCHAR)"""
_COLUMNS = "id, created, log, day, scenario_name, card"


@dataclass(frozen=True, slots=True)
class ScorecardRecord:
    id: str
    created: datetime
    log: str
    day: str
    scenario_name: str
    card: dict[str, Any]


def _record(row: tuple[Any, ...]) -> ScorecardRecord:
    sid, created, log, day, name, card = row
    return ScorecardRecord(sid, created.replace(tzinfo=UTC), log, day, name, json.loads(card))


def add_scorecard(
    store: RunStore, card: Mapping[str, Any], *, log: str, score_id: str | None = None
) -> str:
    """Keep ``card`` (a scorecard's ``to_dict()``) in ``store``; returns its id."""
    sid = score_id or new_id("s")
    created = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the store keeps times
    with store.connect() as con:
        con.execute(_SCHEMA)
        con.execute(
            f"INSERT INTO scorecards ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            [
                sid,
                created,
                log,
                str(card.get("day", "")),
                str(card.get("scenario", "")),
                json.dumps(card),
            ],
        )
    return sid


def scorecards(store: RunStore) -> list[ScorecardRecord]:
    """Every stored scorecard, newest first."""
    with store.connect() as con:
        con.execute(_SCHEMA)
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM scorecards ORDER BY created DESC, id DESC"
        ).fetchall()
    return [_record(r) for r in rows]


def scorecard(store: RunStore, score_id: str) -> ScorecardRecord:
    with store.connect() as con:
        con.execute(_SCHEMA)
        row = con.execute(f"SELECT {_COLUMNS} FROM scorecards WHERE id = ?", [score_id]).fetchone()
    if row is None:
        msg = f"no scorecard {score_id!r} in {store.path}"
        raise StoreError(msg)
    return _record(row)
