"""Issue 21's event reproducers, one named test each, through the replay dataflow.

Each bad input is put into a real recorded day; the replay must finish, dead-letter that
input (and only it) with a reason naming the field, and decide for the rest exactly what
it decides on the clean day.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.stream.connectors.conftest import SMALL, Day, decisions
from twin import events as ev
from twin.cli import main
from twin.stream.connectors.jsonl import ReplayResult

pytestmark = pytest.mark.timeout(60)
PLUS_2 = timezone(timedelta(hours=2))


def _write(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(
        b"".join((ln if isinstance(ln, bytes) else ln.encode()) + b"\n" for ln in lines)
    )
    return path


def _inject(
    day: Day, tmp_path: Path, bad: list[str | bytes], at: int | None = None
) -> ReplayResult:
    """Replay the day with ``bad`` inserted at line index ``at`` (10:00 by default)."""
    at = day.first_at(10, 0) if at is None else at
    lines: list[str | bytes] = [*day.lines[:at], *bad, *day.lines[at:]]
    return day.replay(_write(tmp_path / "dirty.jsonl", lines))


def _only_these_dead(result: ReplayResult, day: Day, *words: str) -> None:
    """Exactly one dead letter per expected reason, and the decisions of the clean day."""
    assert len(result.dead_letters) == len(words), [d.reason for d in result.dead_letters]
    for d, w in zip(result.dead_letters, words, strict=True):
        assert w in d.reason, d.reason
    assert decisions(result) == decisions(day.clean)


def _event(day: Day, kind: str, at: int | None = None, **changes: Any) -> str:
    """A real line of ``kind`` made new (its id) and timed as the line at index ``at``
    (10:00 by default), where it is put: in order, so only the change makes it bad."""
    at = day.first_at(10, 0) if at is None else at
    data = day.line(kind)
    data.update(id="bad-0001", time=json.loads(day.lines[at])["time"])
    data.update(changes)
    return json.dumps(data)


def test_travel_started_with_nan_from_x(small_day: Day, tmp_path: Path) -> None:
    bad = _event(small_day, "travel_started", from_x=math.nan)
    _only_these_dead(_inject(small_day, tmp_path, [bad]), small_day, "field 'from_x': nan")


def test_travel_started_with_huge_from_x(small_day: Day, tmp_path: Path) -> None:
    bad = _event(small_day, "travel_started", from_x=1e308)
    result = _inject(small_day, tmp_path, [bad])
    _only_these_dead(result, small_day, "field 'from_x': 1e+308 km is outside the city")


def test_traffic_changed_with_factor_zero(small_day: Day, tmp_path: Path) -> None:
    bad = json.dumps(
        {
            "v": 1,
            "type": "traffic_changed",
            "id": "bad-0001",
            "time": "2026-11-23T10:00:00Z",
            "zone": "centre",
            "factor": 0.0,
            "until": "2026-11-23T11:00:00Z",
        }
    )
    result = _inject(small_day, tmp_path, [bad])
    _only_these_dead(result, small_day, "field 'factor': 0.0 is outside (0, 1]")


def test_new_visit_with_nan_x(small_day: Day, tmp_path: Path) -> None:
    request = _event(small_day, "visit_requested", visit_id="V-NEW", x=math.nan)
    result = _inject(small_day, tmp_path, [request])
    _only_these_dead(result, small_day, "field 'x': nan is not a finite number")


@pytest.mark.timeout(30)
def test_two_line_log_to_year_9999_ticks_nothing(small_day: Day, tmp_path: Path) -> None:
    # the two lines (not events: dead letters), then the same with real events
    log = _write(
        tmp_path / "two.jsonl",
        ['{"time":"2026-11-23T08:00:00Z"}', '{"time":"9999-12-31T23:59:59Z"}'],
    )
    result = small_day.replay(log)
    assert len(result.dead_letters) == 2 and not result.decisions and not result.ops
    first = json.loads(small_day.lines[small_day.first_at(8, 0)])
    last = dict(first, id="bad-0001", time="9999-12-31T23:59:59Z")
    result = small_day.replay(_write(tmp_path / "two.jsonl", [json.dumps(first), json.dumps(last)]))
    assert [d.reason for d in result.dead_letters] == [
        "line 2, field 'time': 9999-12-31T23:59:59Z is not within the day "
        "(2026-11-22T23:00:00Z to 2026-11-23T23:00:00Z)"  # local midnight in Berlin
    ]
    assert len(result.ops) < 5  # the watermark stayed at 08:00


def test_unknown_technician_t9999(small_day: Day, tmp_path: Path) -> None:
    at = small_day.first_at(7, 0)
    bad = _event(small_day, "shift_started", at, technician_id="T9999")
    result = _inject(small_day, tmp_path, [bad], at=at)
    _only_these_dead(result, small_day, "unknown technician 'T9999' (not in the roster)")


def test_a_byte_ff_spoils_only_its_line(small_day: Day, tmp_path: Path) -> None:
    at = small_day.first_at(9, 0)
    spoilt = small_day.lines[at].encode().replace(b'"type"', b'"t\xffpe"')
    lines: list[str | bytes] = [*small_day.lines[:at], b"\xff", spoilt, *small_day.lines[at + 1 :]]
    result = small_day.replay(_write(tmp_path / "ff.jsonl", lines))
    assert [d.line for d in result.dead_letters] == [at + 1, at + 2]
    assert all("not UTF-8: byte 0xff" in d.reason for d in result.dead_letters)
    assert "\\xff" in result.dead_letters[1].raw
    # the spoilt line is lost (it was a real event): nothing else is
    assert len(result.world) == len(small_day.clean.world) - 1


def test_deep_nesting(small_day: Day, tmp_path: Path) -> None:
    result = _inject(small_day, tmp_path, ["[" * 100_000, '{"a":' * 100_000])
    _only_these_dead(result, small_day, "nested too deeply", "nested too deeply")


def test_year_0001_on_the_first_line(small_day: Day, tmp_path: Path) -> None:
    bad = dict(json.loads(small_day.lines[0]), id="bad-0001", time="0001-01-01T00:00:00Z")
    result = _inject(small_day, tmp_path, [json.dumps(bad)], at=0)
    _only_these_dead(result, small_day, "field 'time': 0001-01-01T00:00:00Z is not within the day")


def test_lone_surrogate_in_an_id(small_day: Day, tmp_path: Path) -> None:
    bad = _event(small_day, "position")
    bad = bad.replace('"id": "bad-0001"', '"id": "bad-\\ud800"')
    assert "\\ud800" in bad
    result = _inject(small_day, tmp_path, [bad])
    _only_these_dead(result, small_day, "field 'id': 'bad-\\ud800' holds a lone surrogate")


def test_offset_with_z(small_day: Day, tmp_path: Path) -> None:
    bad = _event(small_day, "position", time="2026-11-23T12:00:00+02:00Z")
    _only_these_dead(_inject(small_day, tmp_path, [bad]), small_day, "field 'time': expected")


def test_an_offset_is_honoured(small_day: Day, tmp_path: Path) -> None:
    # the same day with every time written at +02:00: the same instants, the same decisions
    def shifted(line: str) -> str:
        data = json.loads(line)
        for k, v in data.items():
            if isinstance(v, str) and v.endswith("Z") and v[10:11] == "T":
                t = ev.parse_time(v)
                data[k] = (t.astimezone(PLUS_2)).isoformat()
        return json.dumps(data)

    lines: list[str | bytes] = [shifted(ln) for ln in small_day.lines]
    assert "+02:00" in str(lines[0])
    result = small_day.replay(_write(tmp_path / "plus2.jsonl", lines))
    assert result.dead_letters == [] and decisions(result) == decisions(small_day.clean)


def test_date_only_time(small_day: Day, tmp_path: Path) -> None:
    bad = _event(small_day, "position", time="2026-11-23")
    _only_these_dead(_inject(small_day, tmp_path, [bad]), small_day, "field 'time': expected")


def test_one_line_of_the_next_day(small_day: Day, tmp_path: Path) -> None:
    at = small_day.first_at(8, 0)
    bad = _event(small_day, "position", at, time="2026-11-24T10:00:00Z")
    result = _inject(small_day, tmp_path, [bad], at=at)
    _only_these_dead(result, small_day, "field 'time': 2026-11-24T10:00:00Z is not within the day")


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2026-11-23T14:00:00Z", "2026-11-23T12:00:00Z", "field 'window_end': 2026-11-23T12:00"),
        ("2026-11-23T14:00:00Z", "1970-01-01T00:00:00Z", "field 'window_end': 1970-01-01"),
        ("1970-01-01T00:00:00Z", "1970-01-01T02:00:00Z", "field 'window_start': 1970-01-01"),
    ],
)
def test_a_window_that_ends_before_it_starts_gets_no_confirmation(
    small_day: Day, tmp_path: Path, start: str, end: str, words: str
) -> None:
    request = _event(small_day, "visit_requested", visit_id="V-NEW")
    booking = _event(small_day, "visit_booked", visit_id="V-NEW", window_start=start)
    booking = json.dumps(dict(json.loads(booking), id="bad-0002", window_end=end))
    result = _inject(small_day, tmp_path, [request, booking])
    assert [d.line is not None and words in d.reason for d in result.dead_letters] == [True]
    assert not any(getattr(d, "visit_id", None) == "V-NEW" for d in result.decisions)
    assert decisions(result) == decisions(small_day.clean)


@pytest.mark.parametrize("late_min", [3, 4, 5])
def test_reordering_just_past_the_bound(small_day: Day, tmp_path: Path, late_min: int) -> None:
    """An ``arrived`` line moved ``late_min`` minutes down the log: beyond the 2-minute bound
    it is a dead letter saying how late it was and what is tolerated; with the bound raised
    to cover it, the day is decided exactly as if nothing had moved."""
    lines = list(small_day.lines)
    minutes = [
        small_day.params.clock.minutes(ev.parse_time(json.loads(ln)["time"])) for ln in lines
    ]
    for k in (i for i, ln in enumerate(lines) if '"type":"arrived"' in ln and i > 600):
        # after the second line at least late_min later (both within a minute of that)
        later = [i for i in range(k, len(lines)) if minutes[i] >= minutes[k] + late_min][:2]
        if len(later) == 2 and minutes[later[1]] < minutes[k] + late_min + 1:
            break
    lines.insert(later[1] + 1, lines[k])
    del lines[k]
    path = _write(tmp_path / "late.jsonl", list(lines))
    result = small_day.replay(path)
    assert len(result.dead_letters) == 1
    reason = result.dead_letters[0].reason
    assert json.loads(result.dead_letters[0].raw)["type"] == "arrived"
    assert "out of order beyond the tolerated bound" in reason
    assert "tolerated reordering: 2 min" in reason and "min late" in reason
    tolerant = small_day.replay(path, bound_min=late_min + 2.0)
    assert tolerant.dead_letters == []
    clean = small_day.replay(small_day.log, bound_min=late_min + 2.0)
    assert decisions(tolerant) == decisions(clean)


def test_one_valid_line_dated_later_today_affects_only_itself(
    small_day: Day, tmp_path: Path
) -> None:
    # a real ping re-dated to 23:59:59 (a wrong clock) early in the day: valid, so it is
    # processed, at its time; the watermark waits for a second witness and loses nothing
    at = small_day.first_at(8, 0)
    bad = _event(small_day, "position", at, time="2026-11-23T22:59:59Z")
    result = _inject(small_day, tmp_path, [bad], at=at)
    assert result.dead_letters == []
    assert decisions(result) == decisions(small_day.clean)


def test_events_about_a_visit_nobody_requested_raise_nothing(
    small_day: Day, tmp_path: Path
) -> None:
    # visit ids are not master data: a visit is new with its request; a booking, a
    # cancellation or feedback for one never requested is carried and changes nothing
    bad = [
        _event(small_day, "visit_booked", visit_id="V-NOBODY"),
        _event(small_day, "visit_cancelled", visit_id="V-NOBODY", id="b2", by="company"),
        _event(small_day, "feedback_given", visit_id="V-NOBODY", id="b3"),
    ]
    result = _inject(small_day, tmp_path, bad)
    assert result.dead_letters == []
    assert decisions(result) == decisions(small_day.clean)


# ---------------------------------------------------------------- twin replay
def _cli(day: Day, log: Path, out: Path, *extra: str) -> int:
    # hand-made logs have no run's completion marker: replayed as a production log is
    args = [
        "replay",
        str(log),
        "--out",
        str(out),
        "--roster",
        str(day.roster),
        "--allow-incomplete",
    ]
    return main([*args, "--scenario", str(SMALL), *extra])


def test_replay_cli_finishes_with_its_summary_when_lines_are_bad(
    small_day: Day, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = small_day.first_at(10, 0)
    bad: list[str | bytes] = [
        b"\xff",
        "[" * 100_000,
        _event(small_day, "travel_started", from_x=math.nan),
        _event(small_day, "shift_started", technician_id="T9999").replace("bad-0001", "b2"),
        _event(small_day, "position").replace('"bad-0001"', '"b\\ud800"'),
    ]
    log = _write(tmp_path / "dirty.jsonl", [*small_day.lines[:at], *bad, *small_day.lines[at:]])
    out = tmp_path / "out"
    assert _cli(small_day, log, out) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "dead letters" in shown and "first dead letter: line" in shown
    dead = [json.loads(ln) for ln in (out / "dead_letters.jsonl").read_text().splitlines()]
    assert [d["line"] for d in dead] == list(range(at + 1, at + 6))
    assert all(d["reason"] for d in dead)
    assert json.loads((out / "quality.json").read_text())["eta_mae_min"]
    assert ev.read_log(out / "decisions.jsonl")


def test_replay_cli_measures_only_its_own_decisions(small_day: Day, tmp_path: Path) -> None:
    """Issue 22: the log's own decisions were measured together with the replayed ones.
    The same log without them (plans kept: they moved people) gives the same quality."""
    own = ("eta_updated", "delay_detected", "replan_requested", "customer_notified")
    assert any(f'"type":"{k}"' in ln for k in own for ln in small_day.lines)
    stripped = [ln for ln in small_day.lines if not any(f'"type":"{k}"' in ln for k in own)]
    (tmp_path / "stripped").mkdir()
    log = _write(tmp_path / "stripped" / "events.jsonl", list(stripped))
    assert _cli(small_day, small_day.log, tmp_path / "a") == 0
    assert _cli(small_day, log, tmp_path / "b") == 0
    a, b = ((tmp_path / d / "quality.json").read_text() for d in "ab")
    assert a == b
    assert (tmp_path / "a" / "decisions.jsonl").read_bytes() == (
        tmp_path / "b" / "decisions.jsonl"
    ).read_bytes()


def test_replay_cli_fatal_conditions_are_named(
    small_day: Day, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _cli(small_day, tmp_path / "missing.jsonl", out) == 2
    assert _cli(small_day, tmp_path, out) == 2  # a folder, not a log
    assert _cli(small_day, small_day.log, out, "--bound", "1e9") == 2
    bad_roster = tmp_path / "roster.json"
    bad_roster.write_text("[{]")
    args = ["replay", str(small_day.log), "--out", str(out), "--roster", str(bad_roster)]
    assert main(args) == 2
    shown = " ".join(capsys.readouterr().out.split())  # as one line: the console wraps
    assert "event log not found" in shown and "--bound must be from 0 to 60" in shown
    assert "not a valid roster file" in shown
    assert not out.exists()
