"""The manager's name and note on a stored comparison, editable after it ran.

A comparison's label is made from its arms ("technicians 8 vs technicians 10"); a manager
wants to find it again as "Winter staffing, option 2" with a line on why it was run. Both
live in the run store's ``comparisons`` table (columns ``name`` and ``note``), so the Runs
page lists and filters by them and a copied store keeps them. The company targets the
Compare scorecard judges it by (:mod:`twin.config.targets`), when edited on the page, are
kept with it too (column ``targets``, JSON; NULL: the base scenario's).
"""

from __future__ import annotations

import json

from twin.app.store import ComparisonRecord, RunStore
from twin.config import Targets

MAX_NAME, MAX_NOTE = 120, 2000


def set_note(store: RunStore, comparison_id: str, name: str, note: str) -> ComparisonRecord:
    """Store ``name`` and ``note`` (stripped) on the comparison; its record as stored.
    ValueError naming the field when one is not text or too long; StoreError when there
    is no such comparison."""
    for field, value, most in (("name", name, MAX_NAME), ("note", note, MAX_NOTE)):
        if not isinstance(value, str):
            msg = f"{field}: expected text, got {value!r}"
            raise ValueError(msg)
        if len(value.strip()) > most:
            msg = f"{field}: at most {most} characters, got {len(value.strip())}"
            raise ValueError(msg)
    store.comparison(comparison_id)  # StoreError naming it
    with store.connect() as con:
        con.execute(
            "UPDATE comparisons SET name = ?, note = ? WHERE id = ?",
            [name.strip(), note.strip(), comparison_id],
        )
    return store.comparison(comparison_id)


def set_targets(store: RunStore, comparison_id: str, targets: Targets) -> ComparisonRecord:
    """Keep ``targets`` with the comparison; its record as stored (StoreError when there is
    no such comparison)."""
    store.comparison(comparison_id)  # StoreError naming it
    with store.connect() as con:
        con.execute(
            "UPDATE comparisons SET targets = ? WHERE id = ?",
            [json.dumps(targets.model_dump()), comparison_id],
        )
    return store.comparison(comparison_id)


def title(record: ComparisonRecord) -> str:
    """The manager's name for the comparison, else its label."""
    return record.name or record.label
