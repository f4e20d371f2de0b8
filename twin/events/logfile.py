"""Event logs on disk: JSONL files written and read with :mod:`twin.events.codec`.

``read_log`` stops at the first bad line (a log the twin wrote itself must be whole);
``read_events`` keeps going and returns one reason per bad line (a production log).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from twin.events.codec import EventParseError, from_json, to_json
from twin.events.schema import Event


def write_log(events: Iterable[Event], path: Path) -> int:
    """Write events as JSONL; returns the number written."""
    return write_lines(map(to_json, events), path)


def write_lines(lines: Iterable[str], path: Path) -> int:
    """Write encoded log lines (:func:`to_lines`) as JSONL; returns the number written."""
    n = 0
    # a lone surrogate (no UTF-8 for it) is written as its JSON escape, never an error
    with path.open("w", encoding="utf-8", errors="backslashreplace") as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
            n += 1
    return n


def iter_log(path: Path) -> Iterator[Event]:
    """Parse a JSONL log; a malformed line (bad UTF-8 included: lines are decoded one by
    one) raises :class:`EventParseError` naming line and field."""
    with path.open("rb") as fh:
        for no, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                msg = f"not UTF-8: byte {raw[exc.start]:#04x} at position {exc.start}"
                raise EventParseError(msg, line=no) from None
            if line.strip():
                yield from_json(line, line_no=no)


def read_log(path: Path) -> list[Event]:
    return list(iter_log(path))


def read_events(path: Path) -> tuple[list[Event], list[str]]:
    """The events of a JSONL log that may hold bad lines (a production log): the events,
    and one reason per line that is not an event (``read_log`` stops at the first)."""
    events: list[Event] = []
    bad: list[str] = []
    with path.open("rb") as fh:
        for no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                events.append(from_json(raw.decode("utf-8"), line_no=no))
            except UnicodeDecodeError:
                bad.append(f"line {no}: not UTF-8")
            except EventParseError as exc:
                bad.append(str(exc))
    return events, bad
