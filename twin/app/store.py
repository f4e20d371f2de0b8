"""The run store: every simulated day the CLI or the cockpit ran, in one DuckDB file.

Three tables:

* ``comparisons``: one row per what-if comparison or sweep (id, label, kind, base scenario,
  the arms with their overrides as JSON, the seeds, status ``running``/``done``/``failed``/
  ``cancelled``, and the manager's own ``name`` and ``note``, editable afterwards).
* ``runs``: one row per simulated day: id, created (UTC), comparison id and arm (label and
  index; NULL for a lone run), scenario name, the full scenario as JSON, seed, dispatcher,
  wall time, number of events, and **one column per KPI** (named as in ``KPI_SPECS``).
* ``logs``: the run's full JSONL event log, zlib-compressed, one row per run. Stored in the
  database (not next to it) so one file is the whole store: copy it and the Day and Model
  pages still work. A default-scenario day (~28 k events) takes about 0.6 MB.

Concurrency: one writer process plus readers. DuckDB lets one process at a time open a file
for writing, so every operation opens a *short-lived* connection and closes it at once;
while another process holds the file, opening is retried with back-off (``lock_timeout_s``).
Inside one process, threads share DuckDB's database instance, so the cockpit's request
threads read while its comparison thread writes. Worker processes of a comparison never
touch the store: they hand their results back and the parent writes them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from twin import events as ev
from twin.analysis.kpi import KPI_SPECS, Kpis
from twin.app.log_blob import compress_file, compress_log
from twin.app.store_path import DEFAULT_STORE
from twin.config import Scenario, validate
from twin.models.company import seeded

log = logging.getLogger(__name__)

KPI_NAMES: tuple[str, ...] = tuple(s.name for s in KPI_SPECS)
_INT_KPIS = frozenset(f.name for f in fields(Kpis) if f.type in ("int", int))

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS comparisons (
        id VARCHAR PRIMARY KEY, created TIMESTAMP, label VARCHAR, kind VARCHAR,
        base_scenario VARCHAR, arms VARCHAR, seeds VARCHAR, status VARCHAR, message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS runs (
        id VARCHAR PRIMARY KEY, created TIMESTAMP, comparison_id VARCHAR, arm VARCHAR,
        arm_index INTEGER, scenario_name VARCHAR, scenario VARCHAR, seed INTEGER,
        dispatcher VARCHAR, wall_s DOUBLE, n_events INTEGER)""",
    "CREATE TABLE IF NOT EXISTS logs (run_id VARCHAR PRIMARY KEY, jsonl_zlib BLOB)",
)
_RUN_COLUMNS = (
    "id",
    "created",
    "comparison_id",
    "arm",
    "arm_index",
    "scenario_name",
    "seed",
    "dispatcher",
    "wall_s",
    "n_events",
)

_COMPARISON_COLUMNS = (
    "id, created, label, kind, base_scenario, arms, seeds, status, message, name, note, targets"
)

_OPEN_CLOSE = threading.Lock()


class StoreError(RuntimeError):
    """The store could not be opened (locked too long) or a run/comparison does not exist."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One stored run, without its event log (load that with :meth:`RunStore.events`)."""

    id: str
    created: datetime
    comparison_id: str | None
    arm: str | None
    arm_index: int | None
    scenario_name: str
    seed: int
    dispatcher: str
    wall_s: float
    n_events: int
    kpis: Kpis


@dataclass(frozen=True, slots=True)
class ComparisonRecord:
    """One stored comparison; ``arms`` are ``{"label": ..., "overrides": {...}}`` dicts."""

    id: str
    created: datetime
    label: str
    kind: str
    base_scenario: str
    arms: tuple[dict[str, Any], ...]
    seeds: tuple[int, ...]
    status: str
    message: str
    name: str = ""  # the manager's (twin.app.notes)
    note: str = ""
    targets: dict[str, float | None] | None = None  # as edited (twin.app.notes), else None

    @property
    def arm_labels(self) -> tuple[str, ...]:
        return tuple(str(a["label"]) for a in self.arms)


def new_id(prefix: str) -> str:
    """A sortable, unique id: ``prefix`` + UTC time + random suffix (``r20261123T081500-1a2b``)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}{stamp}-{uuid.uuid4().hex[:6]}"


def _now() -> datetime:
    # stored as naive UTC: DuckDB's TIMESTAMPTZ needs pytz on the way back to Python
    return datetime.now(UTC).replace(tzinfo=None)


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _kpis(row: Sequence[Any]) -> Kpis:
    values: dict[str, Any] = {}
    for name, value in zip(KPI_NAMES, row, strict=True):
        if value is None:  # a KPI added after the run was stored
            values[name] = 0 if name in _INT_KPIS else float("nan")
        else:
            values[name] = int(value) if name in _INT_KPIS else float(value)
    return Kpis(**values)


class RunStore:
    """The embedded run store at ``path`` (created with its folder on first use)."""

    def __init__(self, path: Path | str = DEFAULT_STORE, *, lock_timeout_s: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            for stmt in _SCHEMA:
                con.execute(stmt)
            # KPIs added to kpi.py after the store was created become new columns
            for name in KPI_NAMES:
                con.execute(f'ALTER TABLE runs ADD COLUMN IF NOT EXISTS "{name}" DOUBLE')
            for column in ("name", "note", "targets"):  # added later: older stores get them
                con.execute(f"ALTER TABLE comparisons ADD COLUMN IF NOT EXISTS {column} VARCHAR")

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; waits (with back-off) while another process holds the file."""
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.02
        while True:
            try:
                # DuckDB's per-process instance cache races when threads attach and detach
                # the same file at once ("unique file handle conflict"): serialise both
                with _OPEN_CLOSE:
                    con = duckdb.connect(str(self.path))
                break
            except (duckdb.IOException, duckdb.ResourceInUseException) as exc:
                busy = "lock" in str(exc).lower() or "conflict" in str(exc).lower()
                if not busy or time.monotonic() > deadline:
                    msg = f"run store {self.path} is not available: {exc}"
                    raise StoreError(msg) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        try:
            yield con
        finally:
            with _OPEN_CLOSE:
                con.close()

    # ------------------------------------------------------------------ writing
    def add_comparison(
        self,
        *,
        label: str,
        kind: str,
        base_scenario: str,
        arms: Sequence[dict[str, Any]],
        seeds: Sequence[int],
        comparison_id: str | None = None,
    ) -> str:
        cid = comparison_id or new_id("c")
        with self.connect() as con:
            con.execute(
                f"INSERT INTO comparisons ({_COMPARISON_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', '', '', '', NULL)",
                [
                    cid,
                    _now(),
                    label,
                    kind,
                    base_scenario,
                    json.dumps(list(arms)),
                    json.dumps(list(seeds)),
                ],
            )
        return cid

    def set_status(self, comparison_id: str, status: str, message: str = "") -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE comparisons SET status = ?, message = ? WHERE id = ?",
                [status, message, comparison_id],
            )

    def add_run(
        self,
        *,
        scenario: Scenario,
        seed: int,
        kpis: Kpis,
        wall_s: float,
        log_lines: Sequence[str] | None = None,
        comparison_id: str | None = None,
        arm: str | None = None,
        arm_index: int | None = None,
        run_id: str | None = None,
        log_file: Path | None = None,
    ) -> str:
        """Store one run with its KPIs and its event log: its JSONL lines, or ``log_file``
        (those lines as a file, compressed and counted from there); returns its id."""
        rid = run_id or new_id("r")
        if log_file is not None:
            blob, n_events = compress_file(log_file)
        elif log_lines is not None:
            blob, n_events = compress_log(log_lines), len(log_lines)
        else:
            raise ValueError("add_run: give the log, as log_lines or as log_file")
        values = kpis.to_dict()
        kpi_cols = ", ".join(f'"{n}"' for n in KPI_NAMES)
        marks = ", ".join("?" for _ in range(11 + len(KPI_NAMES)))
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                f"INSERT INTO runs (id, created, comparison_id, arm, arm_index, scenario_name, "
                f"scenario, seed, dispatcher, wall_s, n_events, {kpi_cols}) VALUES ({marks})",
                [
                    rid,
                    _now(),
                    comparison_id,
                    arm,
                    arm_index,
                    scenario.name,
                    seeded(scenario, seed).model_dump_json(),  # the run's own seed
                    seed,
                    scenario.policy.name,
                    wall_s,
                    n_events,
                    *(float(values[n]) for n in KPI_NAMES),
                ],
            )
            con.execute("INSERT INTO logs VALUES (?, ?)", [rid, blob])
            con.execute("COMMIT")
        return rid

    def delete_run(self, run_id: str) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM logs WHERE run_id = ?", [run_id])
            con.execute("DELETE FROM runs WHERE id = ?", [run_id])

    def delete_comparison(self, comparison_id: str) -> None:
        """Delete a comparison and all its runs."""
        with self.connect() as con:
            con.execute(
                "DELETE FROM logs WHERE run_id IN (SELECT id FROM runs WHERE comparison_id = ?)",
                [comparison_id],
            )
            con.execute("DELETE FROM runs WHERE comparison_id = ?", [comparison_id])
            con.execute("DELETE FROM comparisons WHERE id = ?", [comparison_id])

    # ------------------------------------------------------------------ reading
    def runs(self, comparison_id: str | None = None) -> list[RunRecord]:
        """Runs, newest first; of one comparison, by arm index then seed."""
        cols = ", ".join([*_RUN_COLUMNS, *(f'"{n}"' for n in KPI_NAMES)])
        with self.connect() as con:
            if comparison_id is None:
                rows = con.execute(f"SELECT {cols} FROM runs ORDER BY created DESC, id").fetchall()
            else:
                rows = con.execute(
                    f"SELECT {cols} FROM runs WHERE comparison_id = ? ORDER BY arm_index, seed",
                    [comparison_id],
                ).fetchall()
        return [_run(row) for row in rows]

    def run(self, run_id: str) -> RunRecord:
        cols = ", ".join([*_RUN_COLUMNS, *(f'"{n}"' for n in KPI_NAMES)])
        with self.connect() as con:
            row = con.execute(f"SELECT {cols} FROM runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise StoreError(f"no run {run_id!r} in {self.path}")
        return _run(row)

    def scenario(self, run_id: str) -> Scenario:
        """The full scenario the run used (re-validated)."""
        with self.connect() as con:
            row = con.execute("SELECT scenario FROM runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise StoreError(f"no run {run_id!r} in {self.path}")
        return validate(json.loads(row[0]))

    def log_lines(self, run_id: str) -> list[str]:
        with self.connect() as con:
            row = con.execute("SELECT jsonl_zlib FROM logs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            raise StoreError(f"no event log for run {run_id!r} in {self.path}")
        return zlib.decompress(row[0]).decode("utf-8").splitlines()

    def events(self, run_id: str) -> list[ev.Event]:
        """The run's event log, parsed."""
        return [ev.from_json(line, line_no=i) for i, line in enumerate(self.log_lines(run_id), 1)]

    def comparisons(self) -> list[ComparisonRecord]:
        """All comparisons, newest first."""
        with self.connect() as con:
            rows = con.execute(
                f"SELECT {_COMPARISON_COLUMNS} FROM comparisons ORDER BY created DESC, id DESC"
            ).fetchall()
        return [_comparison(r) for r in rows]

    def comparison(self, comparison_id: str) -> ComparisonRecord:
        with self.connect() as con:
            row = con.execute(
                f"SELECT {_COMPARISON_COLUMNS} FROM comparisons WHERE id = ?", [comparison_id]
            ).fetchone()
        if row is None:
            raise StoreError(f"no comparison {comparison_id!r} in {self.path}")
        return _comparison(row)

    def kpis_by_arm(self, comparison_id: str) -> dict[str, dict[int, Kpis]]:
        """``{arm label: {seed: Kpis}}`` in arm order: the input of the statistics."""
        out: dict[str, dict[int, Kpis]] = {}
        for label in self.comparison(comparison_id).arm_labels:
            out[label] = {}
        for r in self.runs(comparison_id):
            out.setdefault(r.arm or "", {})[r.seed] = r.kpis
        return out


def _run(row: Sequence[Any]) -> RunRecord:
    n = len(_RUN_COLUMNS)
    rid, created, cid, arm, index, name, seed, dispatcher, wall, events = row[:n]
    args = (cid, arm, index, name, seed, dispatcher, wall, events)
    return RunRecord(rid, _utc(created), *args, kpis=_kpis(row[n:]))


def _comparison(row: Sequence[Any]) -> ComparisonRecord:
    cid, created, label, kind, base, arms, seeds, status, message, name, note, targets = row
    return ComparisonRecord(
        id=cid,
        created=_utc(created),
        label=label,
        kind=kind,
        base_scenario=base,
        arms=tuple(json.loads(arms)),
        seeds=tuple(json.loads(seeds)),
        status=status,
        message=message or "",
        name=name or "",
        note=note or "",
        targets=json.loads(targets) if targets else None,
    )
