"""Atomic run folders: a run killed at any point leaves the previous run whole or the new one
whole, never a mix; replay refuses a log that was cut short; the run store rolls back.

Kills are real SIGKILLs of a child process at exact points: the test hook of
:mod:`twin.app.outputs` (``FIELDTWIN_TEST_KILL_AT``: half the log written, every file
written but the marker, the new folder in place before the old one is removed), the stage
callback of ``run_scenario`` (when the quality and the report start), and the log lines the
store iterates inside its transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SCENARIOS
from twin.app import outputs
from twin.app.outputs import KILL_ENV, MARKER, OutputError, RunFolder, check_log
from twin.app.run import run_scenario
from twin.app.store import RunStore
from twin.cli import main
from twin.config import Scenario, load_scenario


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def tiny_scenario() -> Scenario:
    return load_scenario(SCENARIOS / "small.toml").with_overrides(**{"workforce.technicians": 4})


def forked_run(
    out: Path, seed: int, *, report: bool = False, kill_at: str = "", stage: str = ""
) -> int:
    """Run a day into ``out`` in a forked child; its exit code (-9: killed as asked)."""
    scenario = tiny_scenario()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            if kill_at:
                os.environ[KILL_ENV] = kill_at

            def on_stage(name: str) -> None:
                if name == stage:
                    os.kill(os.getpid(), signal.SIGKILL)

            run_scenario(scenario, seed, out, report=report, stage=on_stage)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete run (seed 3, with report) to be overwritten; a template copied per test."""
    out = tmp_path_factory.mktemp("prev") / "run"
    run_scenario(tiny_scenario(), 3, out, report=True)
    return out


def copy_of(previous: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out" / "run"
    out.mkdir(parents=True)
    for p in previous.iterdir():
        (out / p.name).write_bytes(p.read_bytes())
    return out


def test_a_run_folder_carries_a_marker_of_its_log(previous: Path) -> None:
    marker = json.loads((previous / MARKER).read_text())
    log = (previous / "events.jsonl").read_bytes()
    assert marker["complete"] and marker["log"] == "events.jsonl"
    assert marker["events"] == log.count(b"\n") > 0
    assert marker["sha256"] == hashlib.sha256(log).hexdigest()
    assert set(marker["files"]) == {"events.jsonl", "kpis.json", "roster.json", "quality.json",
                                    "report.html"}  # fmt: skip
    for name, info in marker["files"].items():
        assert info["sha256"] == hashlib.sha256((previous / name).read_bytes()).hexdigest()
    assert check_log(previous / "events.jsonl") is None
    assert not [p for p in previous.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("kill_at", ["log", "marker"])
def test_killed_before_the_swap_leaves_the_previous_run_whole(
    previous: Path, tmp_path: Path, kill_at: str
) -> None:
    out = copy_of(previous, tmp_path)
    before = digests(out)
    assert forked_run(out, 4, kill_at=kill_at) == -signal.SIGKILL
    assert digests(out) == before
    assert check_log(out / "events.jsonl") is None
    (partial,) = [p for p in out.parent.iterdir() if p.name.startswith(".run.partial-")]
    written = {p.name for p in partial.iterdir()}
    assert "events.jsonl" in written and MARKER not in written
    if kill_at == "log":  # the log was cut in the middle, in the partial folder only
        assert (partial / "events.jsonl").stat().st_size > 0
    # the next run into the same place clears the partial folder of the dead process
    assert forked_run(out, 4) == 0
    assert [p.name for p in out.parent.iterdir()] == ["run"]
    assert check_log(out / "events.jsonl") is None and digests(out) != before


@pytest.mark.parametrize("stage", ["quality", "report"])
def test_killed_while_writing_the_report_leaves_the_previous_run_whole(
    previous: Path, tmp_path: Path, stage: str
) -> None:
    out = copy_of(previous, tmp_path)
    before = digests(out)
    assert forked_run(out, 4, report=True, stage=stage) == -signal.SIGKILL
    assert digests(out) == before


def test_killed_after_the_swap_leaves_the_new_run_whole(
    previous: Path, tmp_path: Path, tiny: Scenario
) -> None:
    out = copy_of(previous, tmp_path)
    assert forked_run(out, 4, kill_at="swap") == -signal.SIGKILL
    expected = run_scenario(tiny, 4, None, report=False)
    assert (out / "events.jsonl").read_text().splitlines() == list(expected.encoded_log())
    assert check_log(out / "events.jsonl") is None
    assert {p.name for p in out.iterdir()} == {"events.jsonl", "kpis.json", "roster.json", MARKER}


def test_a_failing_run_keeps_the_previous_run(previous: Path, tmp_path: Path) -> None:
    out = copy_of(previous, tmp_path)
    before = digests(out)
    with pytest.raises(RuntimeError), RunFolder(out) as folder:
        folder.write_log(["{}"])
        raise RuntimeError("the report failed")
    assert digests(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["run"]


def test_two_renames_where_the_exchange_is_missing(
    previous: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs.sys, "platform", "darwin")  # no renameat2 there
    out = copy_of(previous, tmp_path)
    with RunFolder(out) as folder:
        folder.write_log(['{"a":1}', '{"b":2}'])
    assert (out / "events.jsonl").read_text() == '{"a":1}\n{"b":2}\n'
    assert check_log(out / "events.jsonl") is None
    assert [p.name for p in out.parent.iterdir()] == ["run"]


def test_a_folder_with_other_files_is_not_replaced(tmp_path: Path, tiny: Scenario) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match=r"notes\.txt.*choose a new or empty folder"):
        run_scenario(tiny, 3, out, report=False)
    assert (out / "notes.txt").read_text() == "keep me" and len(list(out.iterdir())) == 1
    args = ["run", "--scenario", str(SCENARIOS / "small.toml"), "--out", str(out), "--no-store"]
    assert main(args) == 2


def test_replay_refuses_a_truncated_log(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = copy_of(previous, tmp_path)
    log = out / "events.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[: len(lines) // 3]))
    args = ["replay", str(log), "--out", str(tmp_path / "r"), "--scenario",
            str(SCENARIOS / "small.toml")]  # fmt: skip
    assert main(args) == 2
    said = capsys.readouterr().out.replace("\n", "")
    assert "truncated or changed" in said and f"the run wrote {len(lines):,d}" in said
    assert not (tmp_path / "r").exists()
    assert main([*args, "--allow-incomplete"]) == 0  # a bare log, on purpose
    assert (tmp_path / "r" / "quality.json").exists()


def test_replay_refuses_a_log_without_a_marker(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "export"
    bare.mkdir()
    (bare / "events.jsonl").write_bytes((previous / "events.jsonl").read_bytes())
    msg = check_log(bare / "events.jsonl")
    assert msg is not None and "no completion marker (run.json)" in msg
    assert "--allow-incomplete" in msg
    assert check_log(bare / "events.jsonl", allow_incomplete=True) is None
    (bare / MARKER).write_text("{not json")
    assert "not a completion marker" in (check_log(bare / "events.jsonl") or "")
    assert "not found" in (check_log(bare / "nothing.jsonl") or "")


class KillWhenRead(list[str]):
    """Log lines that kill the process when the store reads them (inside its transaction)."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), signal.SIGKILL)
        return super().__iter__()


STORE_CHILD = """
import sys
import time
from tests.app.test_outputs import KillWhenRead
from twin.app.run import run_scenario
from twin.app.store import RunStore
from twin.config import load_scenario

tiny = load_scenario(sys.argv[2]).with_overrides(**{"workforce.technicians": 4})
day = run_scenario(tiny, 5, None, report=False)
RunStore(sys.argv[1]).add_run(scenario=day.scenario, seed=5, kpis=day.kpis, wall_s=day.wall_s,
                              log_lines=KillWhenRead(day.encoded_log()))
"""


def test_the_store_rolls_back_a_run_killed_inside_its_transaction(
    tmp_path: Path, tiny: Scenario
) -> None:
    db = tmp_path / "runs.duckdb"
    day = run_scenario(tiny, 3, None, report=False)
    kept = RunStore(db).add_run(scenario=day.scenario, seed=3, kpis=day.kpis, wall_s=1.0,
                                log_lines=day.encoded_log())  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-c", STORE_CHILD, str(db), str(SCENARIOS / "small.toml")]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    store = RunStore(db)
    assert [r.id for r in store.runs()] == [kept]
    assert store.log_lines(kept) == list(day.encoded_log())
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM logs").fetchone() == (1,)


def test_twin_run_killed_when_its_report_appears(previous: Path, tmp_path: Path) -> None:
    """The real command in its own process, killed from outside as soon as the report file
    shows up: the folder is the previous run, or (had the kill come late) the new one whole."""
    out = copy_of(previous, tmp_path)
    before = digests(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    code = "import sys; from twin.cli import main; sys.exit(main())"
    argv = [sys.executable, "-c", code, "run", "--scenario", str(SCENARIOS / "small.toml"),
            "--seed", "4", "--out", str(out), "--no-store"]  # fmt: skip
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if any(out.parent.glob(".run.partial-*/report.html")):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    assert proc.wait(60) in (0, -signal.SIGKILL)
    now = digests(out)
    if now != before:  # the new run, whole: every file the marker lists, as it lists them
        marker = json.loads((out / MARKER).read_text())
        assert {k: v["sha256"] for k, v in marker["files"].items()} == {
            k: v for k, v in now.items() if k != MARKER
        }
        assert check_log(out / "events.jsonl") is None
    else:
        assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("block", [1, 3, 10, 20_000])
def test_the_log_hashed_while_written_is_the_file_s_hash(tmp_path: Path, block: int) -> None:
    lines = [f'{{"n":{i},"t":"Größe"}}' for i in range(10)]
    out = tmp_path / "run"
    with RunFolder(out) as folder:
        assert folder.write_log(lines, block=block) == 10
    data = (out / "events.jsonl").read_bytes()
    assert data == "".join(line + "\n" for line in lines).encode("utf-8")
    marker = json.loads((out / MARKER).read_text())
    assert marker["sha256"] == hashlib.sha256(data).hexdigest()
    assert marker["files"]["events.jsonl"] == {"bytes": len(data), "sha256": marker["sha256"]}
    assert check_log(out / "events.jsonl") is None


def test_a_log_rewritten_after_write_log_is_hashed_from_the_file(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with RunFolder(out) as folder:
        folder.write_log(['{"a":1}'])
        folder.write_lines("events.jsonl", ['{"b":2}'])
    assert check_log(out / "events.jsonl") is None
