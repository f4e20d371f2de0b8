"""Training sessions in the run store: one row per debrief (the session's folder, the
exercise, the trainee, the score and the whole debrief as JSON), in a table of its own
(``debriefs``) created on first use, like the scorecards'."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twin.app.store import RunStore, new_id

_SCHEMA = """CREATE TABLE IF NOT EXISTS debriefs (
    id VARCHAR PRIMARY KEY, created TIMESTAMP, session VARCHAR, exercise VARCHAR,
    trainee VARCHAR, score DOUBLE, debrief VARCHAR)"""
_COLUMNS = "id, created, session, exercise, trainee, score, debrief"


@dataclass(frozen=True, slots=True)
class DebriefRecord:
    id: str
    created: datetime
    session: str
    exercise: str
    trainee: str
    score: float
    debrief: dict[str, Any]


def add_debrief(store: RunStore, brief: Mapping[str, Any], *, session: str, trainee: str) -> str:
    """Keep a debrief (``Debrief.to_dict()``) of ``trainee``'s session; returns its id."""
    did = new_id("d")
    created = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the store keeps times
    with store.connect() as con:
        con.execute(_SCHEMA)
        con.execute(
            f"INSERT INTO debriefs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [did, created, session, str(brief["exercise"]), trainee, float(brief["score"]),
             json.dumps(brief)],
        )  # fmt: skip
    return did


def debriefs(store: RunStore, exercise: str | None = None) -> list[DebriefRecord]:
    """Stored debriefs (of one exercise), best score first: the trainer's ranking."""
    where, args = ("WHERE exercise = ?", [exercise]) if exercise else ("", [])
    with store.connect() as con:
        con.execute(_SCHEMA)
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM debriefs {where} ORDER BY score DESC, created", args
        ).fetchall()
    return [
        DebriefRecord(i, c.replace(tzinfo=UTC), s, e, t, sc, json.loads(d))
        for i, c, s, e, t, sc, d in rows
    ]
