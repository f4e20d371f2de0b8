"""The trainer's live view: the trainees of a session side by side while their days run.

Each trainee's session keeps its folder ``ROOT/EXERCISE/TRAINEE`` (``twin train --state``,
or the cockpit's Training page): the exercise and assistance in ``exercise.json``, and the
journal of ticks and requests, appended as the day runs. The view reads each journal (never
writes it: the trainee's server owns the folder), replays it in a folder of its own, and
debriefs the day so far against the autopilot (the day so far run to its end with the
exercise's script only, as :func:`twin.app.training.debrief.debrief` does at any time).
A journal's torn last line (a request being written) is left for the next look.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from twin.app.live.day import JOURNAL
from twin.app.live.journal import Journal
from twin.app.training.debrief import autopilot_kpis, debrief
from twin.app.training.exercise import load_exercise
from twin.app.training.session import Session
from twin.app.training.stored import DebriefRecord
from twin.clock import hhmm

MARKER = "exercise.json"


@dataclass(frozen=True, slots=True)
class LiveTrainee:
    record: DebriefRecord  # the debrief so far, as a stored one reads
    now: str  # the trainee's clock (local time)
    over: bool  # the trainee's day has ended
    requests: int  # requests journaled so far (the trainee's and the exercise's)


def sessions(root: Path) -> dict[str, list[Path]]:
    """The session folders under ``root``, by exercise (folder names: exercise, trainee)."""
    found: dict[str, list[Path]] = {}
    for marker in sorted(root.glob(f"*/*/{MARKER}")):
        found.setdefault(marker.parent.parent.name, []).append(marker.parent)
    return found


def live_trainees(root: Path, exercise: str) -> list[LiveTrainee]:
    """The trainees of ``exercise`` under ``root``, each debriefed as of now, best first."""
    out = []
    auto = None  # the autopilot's day is the same for every trainee: run once
    for folder in sessions(root).get(exercise, []):
        setup = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        entries = list(Journal(folder / JOURNAL).entries())
        with tempfile.TemporaryDirectory(prefix="trainer-") as tmp:
            session = Session(
                load_exercise(setup["exercise"]),
                Path(tmp),
                assistance=setup.get("assistance", "suggest"),
            )
            session.day.feed(entries)
            session.applied = sum(1 for e in entries if e.get("by") == "exercise")
            lines = "".join(json.dumps(e) + "\n" for e in entries)
            (Path(tmp) / JOURNAL).write_text(lines, encoding="utf-8")  # the debrief reads it
            auto = auto or autopilot_kpis(session)
            brief = debrief(session, effects=False, autopilot=auto)
            now, over = hhmm(session.day.now), session.day.over
            session.day.close()
        record = DebriefRecord(
            f"live-{folder.name}", datetime.now(UTC), str(folder), brief.exercise,
            folder.name, brief.score, brief.to_dict(),
        )  # fmt: skip
        requests = sum(1 for e in entries if e["kind"] != "tick")
        out.append(LiveTrainee(record, now, over, requests))
    return sorted(out, key=lambda t: (-t.record.score, t.record.trainee))
