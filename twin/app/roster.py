"""The technician roster (master data) as a JSON file next to an event log.

A production system knows its technicians' skills, shifts and home bases from HR, not
from the event stream; ``twin run`` writes the roster beside ``events.jsonl`` so that
``twin replay`` and shadow mode start from the same master data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from twin.models.routing.plan import TechnicianSpec

KIT = ("tools", "stock")  # written only when not empty: rosters without them are unchanged


def write_roster(path: Path, roster: Mapping[str, TechnicianSpec]) -> None:
    rows = []
    for s in roster.values():
        row = {k: getattr(s, k) for k in s.__dataclass_fields__ if k not in KIT}
        row["skills"] = sorted(s.skills)
        if s.tools:
            row["tools"] = sorted(s.tools)
        if s.stock:
            row["stock"] = dict(s.stock)
        rows.append(row)
    path.write_text(json.dumps(rows, indent=1) + "\n")


def read_roster(path: Path) -> Mapping[str, TechnicianSpec]:
    try:
        rows = json.loads(path.read_text())
        return {
            r["technician_id"]: TechnicianSpec(
                **{**r, "skills": frozenset(r["skills"]), "tools": frozenset(r.get("tools", ()))}
            )
            for r in rows
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"{path}: not a valid roster file ({exc})"
        raise ValueError(msg) from None
