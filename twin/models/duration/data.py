"""Visit history: the training rows of the duration model, and their gzip CSV file.

One :class:`HistoryRow` is one finished visit (the customer was at home) as the event log
shows it: who did which job where, when the work started, and how long it took
(``work_started`` → ``work_finished``). Rows are kept in the order the visits finished,
so replaying them in list order is replaying the day.

The file is a gzip-compressed CSV with a fixed header; it is written with a zero gzip
timestamp, so the same rows always give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

COLUMNS: tuple[str, ...] = (
    "seed",
    "visit_id",
    "customer_id",
    "technician_id",
    "experience",
    "job_type",
    "zone",
    "hour",
    "duration_min",
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One finished visit; ``seed`` identifies the day (visit ids repeat from day to day)."""

    seed: int
    visit_id: str
    customer_id: str
    technician_id: str
    experience: str
    job_type: str
    zone: str
    hour: int
    duration_min: float

    def __post_init__(self) -> None:
        if not self.duration_min > 0:
            msg = f"HistoryRow.duration_min must be > 0, got {self.duration_min!r}"
            raise ValueError(msg)
        if not 0 <= self.hour < 24:
            msg = f"HistoryRow.hour must be in 0..23, got {self.hour!r}"
            raise ValueError(msg)

    @property
    def visit_key(self) -> str:
        """Unique across days: ``"<seed>:<visit_id>"``."""
        return f"{self.seed}:{self.visit_id}"


def write_history(rows: Iterable[HistoryRow], path: Path | str) -> int:
    """Write ``rows`` as gzip CSV (parent folders created); returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for r in rows:
        writer.writerow(
            (
                r.seed,
                r.visit_id,
                r.customer_id,
                r.technician_id,
                r.experience,
                r.job_type,
                r.zone,
                r.hour,
                f"{r.duration_min:.3f}",
            )
        )
        n += 1
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
    ):
        gz.write(text.getvalue().encode("utf-8"))
    return n


def read_history(path: Path | str) -> list[HistoryRow]:
    """Read a history file; a bad header or value raises ``ValueError`` naming line and column."""
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = tuple(next(reader, ()))
            if header != COLUMNS:
                msg = f"{path}: expected header {','.join(COLUMNS)}, got {','.join(header)!r}"
                raise ValueError(msg)
            return [_parse(path, no, values) for no, values in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise ValueError(f"history file not found: {path}") from None


def _parse(path: Path, line: int, values: list[str]) -> HistoryRow:
    if len(values) != len(COLUMNS):
        msg = f"{path}, line {line}: expected {len(COLUMNS)} values, got {len(values)}"
        raise ValueError(msg)
    rec = dict(zip(COLUMNS, values, strict=True))
    column = ""
    try:
        column = "seed"
        seed = int(rec["seed"])
        column = "hour"
        hour = int(rec["hour"])
        column = "duration_min"
        duration = float(rec["duration_min"])
        column = ""
        return HistoryRow(
            seed=seed,
            visit_id=rec["visit_id"],
            customer_id=rec["customer_id"],
            technician_id=rec["technician_id"],
            experience=rec["experience"],
            job_type=rec["job_type"],
            zone=rec["zone"],
            hour=hour,
            duration_min=duration,
        )
    except ValueError as exc:
        where = f"column {column!r}: " if column else ""
        raise ValueError(f"{path}, line {line}: {where}{exc}") from None
