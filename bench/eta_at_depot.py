"""The ETA of the visit after a depot stop, on show as the technician leaves for the depot.

    python bench/eta_at_depot.py BEFORE_DIR AFTER_DIR [BEFORE_DIR AFTER_DIR ...]

Each pair is the same day (scenario, seed, ``--policy brain``) run by two trees, each
directory a ``twin run --out`` with its ``events.jsonl``. For every drive to a depot in
the *after* log, the visit the technician drives to next; for each log, the last
``eta_updated`` of that visit published up to a minute after the technician set off for
the depot, against the visit's arrival. Prints the signed errors per visit and the mean
absolute error over all pairs (issue 20: the brain's ETAs include a planned depot stop).
"""

from __future__ import annotations

import json
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def _minutes(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() / 60


def _log(run: Path) -> list[dict[str, Any]]:
    with (run / "events.jsonl").open() as f:
        return [json.loads(line) for line in f]


def _after_depot(log: list[dict[str, Any]]) -> dict[str, float]:
    """Visit -> when its technician set off for the depot stop before it."""
    depots = {
        (s["x"], s["y"])
        for e in log
        if e["type"] == "plan_published"
        for r in e["routes"]
        for s in r.get("stops") or ()
    }
    pending: dict[str, float] = {}
    out: dict[str, float] = {}
    for e in log:
        if e["type"] != "travel_started":
            continue
        tid = e["technician_id"]
        if e.get("visit_id") is None and (e["to_x"], e["to_y"]) in depots:
            pending[tid] = _minutes(e["time"])
        elif e.get("visit_id") and tid in pending:
            out[e["visit_id"]] = pending.pop(tid)
    return out


def _errors(log: list[dict[str, Any]], left: dict[str, float]) -> dict[str, float]:
    arrived = {
        e["visit_id"]: _minutes(e["time"])
        for e in log
        if e["type"] == "arrived" and e.get("visit_id")
    }
    shown: dict[str, float] = {}
    for e in log:
        vid = e.get("visit_id")
        if e["type"] == "eta_updated" and vid in left and _minutes(e["time"]) <= left[vid] + 1:
            shown[vid] = _minutes(e["eta"])
    return {v: shown[v] - arrived[v] for v in shown if v in arrived}


def main() -> None:
    dirs = [Path(a) for a in sys.argv[1:]]
    if not dirs or len(dirs) % 2:
        raise SystemExit(__doc__)
    before_all: list[float] = []
    after_all: list[float] = []
    for before, after in zip(dirs[::2], dirs[1::2], strict=True):
        left = _after_depot(_log(after))
        b, a = _errors(_log(before), left), _errors(_log(after), left)
        both = sorted(set(a) & set(b))
        print(after.name, {v: (round(b[v], 1), round(a[v], 1)) for v in both})
        before_all += [abs(b[v]) for v in both]
        after_all += [abs(a[v]) for v in both]
    print(
        f"{len(before_all)} visits after a depot stop: mean absolute error of the ETA on "
        f"show at the depot departure {statistics.mean(before_all):.1f} min before, "
        f"{statistics.mean(after_all):.1f} min after"
    )


if __name__ == "__main__":
    main()
