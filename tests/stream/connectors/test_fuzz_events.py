"""Fuzz: over 10,000 bad event lines through the replay dataflow (and the Kafka source's path).

Bad lines made from a real recorded day (:mod:`tests.stream.connectors.fuzz_corpus`) are
put between its lines, a few thousand per log. Each log is replayed in a child process
with a time limit and a memory limit: no hang, no traceback, no memory blow-up; every
bad line is a dead letter with a reason (and nothing else is); the decisions are those
of the clean day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.stream.connectors import fuzz_corpus
from tests.stream.connectors.conftest import SMALL, Day, decisions
from twin.analysis.scorecard import count_reasons
from twin.stream.validate import MAX_LINE_BYTES

ROOT = Path(__file__).resolve().parents[3]
BATCHES = 2
PER_BATCH = 5_100  # 10,200 bad lines in all (and 1,000 more through the Kafka path)
TIME_LIMIT_S = 180  # a batch replays in a few seconds; a hang is caught here
MEMORY_LIMIT = 2 * 2**30  # address space; a clean replay peaks at ~0.4 GB


Found = dict[str, Any]  # decisions and dead letters, as the child wrote them


def _run(day: Day, log: Path, out: Path, *clean: str) -> dict[str, Found]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    args = [str(SMALL), str(day.roster), str(log), str(out), str(MEMORY_LIMIT), *clean]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.stream.connectors.fuzz_corpus", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: {log.name} did not finish within {TIME_LIMIT_S} s")
    assert done.returncode == 0, f"{log.name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr
    found: dict[str, Found] = json.loads(out.read_text(encoding="utf-8"))
    return found


def _batch(
    day: Day, tmp_path: Path, seed: int, n: int = PER_BATCH
) -> tuple[Path, dict[int, fuzz_corpus.Bad]]:
    bad = fuzz_corpus.bad_lines(day.lines, n, seed)
    if seed == 0:  # one line longer than any event may be (cut when read, never held)
        huge = b'{"v":1,"type":"position","id":"' + b"x" * (MAX_LINE_BYTES + 10) + b'"}'
        bad.append(fuzz_corpus.Bad(len(day.lines) // 2, huge, "too long"))
    lines, numbered = fuzz_corpus.dirty_log(day.lines, bad)
    log = tmp_path / f"dirty-{seed}.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    return log, numbered


def _check(found: Found, numbered: dict[int, fuzz_corpus.Bad]) -> None:
    dead = found["dead"]
    assert all(reason for reason, _, _ in dead)
    by_line = {line: reason for reason, line, _ in dead if line is not None}
    parsed = {no: b for no, b in numbered.items() if b.event_id is None}
    missed = {no: (b.kind, b.raw[:120]) for no, b in parsed.items() if no not in by_line}
    assert not missed, f"{len(missed)} bad lines were not dead-lettered: {list(missed.items())[:5]}"
    assert set(by_line) == set(parsed)  # nothing good was dead-lettered
    assert len(by_line) == sum(line is not None for _, line, _ in dead)  # one each
    # late and repeated events name no line: found by their ids
    unlined = Counter(json.loads(raw)["id"] for _, line, raw in dead if line is None)
    assert unlined == Counter(b.event_id for b in numbered.values() if b.event_id is not None)
    reasons = {b.kind: by_line.get(no, "") for no, b in numbered.items()}
    assert "not UTF-8" in reasons["bytes"] and "nested too deeply" in reasons["nesting"]
    assert len(dead) == len(numbered)
    # the scorecard's warning counts them by reason: every reason has a kind
    kinds = dict(count_reasons(reason for reason, _, _ in dead))
    assert sum(kinds.values()) == len(dead) and "other" not in kinds, kinds


@pytest.mark.slow
@pytest.mark.timeout(BATCHES * TIME_LIMIT_S + 120)
@pytest.mark.parametrize("seed", range(BATCHES))
def test_bad_lines_are_dead_letters_and_change_no_decision(
    small_day: Day, tmp_path: Path, seed: int
) -> None:
    log, numbered = _batch(small_day, tmp_path, seed)
    found = _run(small_day, log, tmp_path / "found.json")["replay"]
    _check(found, numbered)
    assert found["decisions"] == decisions(small_day.clean)
    assert found["ops"] == [json.dumps(o.to_dict()) for o in small_day.clean.ops]  # KPIs too
    kinds = Counter(b.kind.split(":")[0] for b in numbered.values())
    assert sum(kinds.values()) >= PER_BATCH and len(kinds) >= 15


@pytest.mark.slow
@pytest.mark.timeout(TIME_LIMIT_S + 60)
def test_the_kafka_source_refuses_the_same_lines_for_the_same_reasons(
    small_day: Day, tmp_path: Path
) -> None:
    """The same bad lines as messages (``ticked_lines``, what one Kafka partition feeds the
    flow): the same dead letters as the replay, and what the clean lines decide there."""
    log, numbered = _batch(small_day, tmp_path, 7, n=1_000)
    found = _run(small_day, log, tmp_path / "found.json", str(small_day.log))
    _check(found["kafka"], numbered)
    dead = sorted(map(tuple, found["kafka"]["dead"]))
    assert dead == sorted(map(tuple, found["replay"]["dead"]))
    clean = found["kafka_clean"]
    assert clean["dead"] == [] and found["kafka"]["decisions"] == clean["decisions"]
