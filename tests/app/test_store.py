"""The run store: runs and their logs round-trip, comparisons list and delete, threads share it."""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import pytest

from twin import events as ev
from twin.app.run import RunResult, run_scenario
from twin.app.store import RunStore, StoreError
from twin.config import Scenario


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "runs" / "store.duckdb")


@pytest.fixture
def day(tiny: Scenario) -> RunResult:
    return run_scenario(tiny, 3, report=False)


def _add(store: RunStore, day: RunResult, **kw: object) -> str:
    lines = [ev.to_json(e) for e in day.events]
    return store.add_run(
        scenario=day.scenario, seed=day.seed, kpis=day.kpis, wall_s=day.wall_s,
        log_lines=lines, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_run_round_trips_kpis_scenario_and_log(store: RunStore, day: RunResult) -> None:
    rid = _add(store, day)
    rec = store.run(rid)
    assert rec.kpis == day.kpis
    assert (rec.seed, rec.scenario_name, rec.dispatcher) == (3, "small", "baseline")
    assert rec.n_events == len(day.events)
    assert rec.created.tzinfo is not None
    assert store.scenario(rid) == day.scenario
    assert store.log_lines(rid) == [ev.to_json(e) for e in day.events]
    assert store.events(rid) == list(day.events)


def test_store_reopens_from_disk(store: RunStore, day: RunResult) -> None:
    rid = _add(store, day)
    again = RunStore(store.path)
    assert [r.id for r in again.runs()] == [rid]


def test_comparisons_list_group_and_delete(store: RunStore, day: RunResult) -> None:
    arms = [{"label": "a", "overrides": {}}, {"label": "b", "overrides": {"x": 1}}]
    cid = store.add_comparison(label="a vs b", kind="compare", base_scenario="small",
                               arms=arms, seeds=[3])  # fmt: skip
    r1 = _add(store, day, comparison_id=cid, arm="a", arm_index=0)
    r2 = _add(store, day, comparison_id=cid, arm="b", arm_index=1)
    lone = _add(store, day)
    rec = store.comparison(cid)
    assert (rec.arm_labels, rec.seeds, rec.status) == (("a", "b"), (3,), "running")
    store.set_status(cid, "done")
    assert store.comparisons()[0].status == "done"
    assert [r.id for r in store.runs(cid)] == [r1, r2]
    assert store.kpis_by_arm(cid) == {"a": {3: day.kpis}, "b": {3: day.kpis}}
    store.delete_comparison(cid)
    assert [r.id for r in store.runs()] == [lone]
    assert store.comparisons() == []
    store.delete_run(lone)
    assert store.runs() == []
    with pytest.raises(StoreError, match="no run"):
        store.run(lone)
    with pytest.raises(StoreError, match="no event log"):
        store.log_lines(lone)


def test_readers_and_a_writer_share_the_store_across_threads(
    store: RunStore, day: RunResult
) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(5):
                _add(store, day)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    seen = 0
    while writer.is_alive():
        seen = max(seen, len(store.runs()))
    writer.join()
    assert not errors
    assert len(store.runs()) == 5 >= seen


@pytest.mark.parametrize("block", [1, 3, 20_000])
def test_log_compressed_in_blocks_reads_back_whole(block: int) -> None:
    import zlib

    from twin.app.store import compress_log

    lines = [f'{{"id":"w{i}","text":"Größe {i}"}}' for i in range(10)]
    text = zlib.decompress(compress_log(lines, block=block)).decode("utf-8")
    assert text == "\n".join(lines) + "\n"


def test_a_log_stored_from_its_file_reads_back_as_its_lines(
    store: RunStore, day: RunResult, tmp_path: Path
) -> None:
    from twin.app.store import compress_file

    lines = list(day.encoded_log())
    path = tmp_path / "events.jsonl"
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    rid = _add(store, day, log_file=path)
    assert store.log_lines(rid) == lines
    blob, counted = compress_file(path, block=7)  # blocks that cut lines: counted right
    assert zlib.decompress(blob) == path.read_bytes() and counted == len(lines)
    assert store.run(rid).n_events == len(lines)
