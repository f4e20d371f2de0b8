"""The served day's journal: every tick and every outside request, in the order they
happened, one JSON line each.

A served day is deterministic given its scenario, seed and outside requests, so this
journal is all it takes to rebuild the day after a crash (:mod:`twin.app.live.day`
replays it). Every line is written and flushed to the operating system in the day's
order; a request's line is forced to disk (``fsync``, :mod:`.commit`) before its answer
leaves the server, a tick line only with the next request's (a tick survives the process,
not the machine: the day replays up to the last request that was answered, then runs on).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

TICK = "tick"


class JournalError(ValueError):
    """A journal that cannot be read back (names the file and line)."""


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: TextIO | None = None

    def _open(self) -> TextIO:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        return self._fh

    def tick(self, index: int) -> None:
        fh = self._open()
        fh.write(json.dumps({"kind": TICK, "i": index}) + "\n")
        fh.flush()

    def request(self, record: dict[str, Any]) -> None:
        """Append an outside request (the caller forces it to disk: :mod:`.commit`)."""
        fh = self._open()
        fh.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
        fh.flush()

    @property
    def file(self) -> TextIO | None:
        """The open file (None before the first line and after :meth:`close`)."""
        return self._fh

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def entries(self) -> Iterator[dict[str, Any]]:
        """The journal as written; a torn last line (the process died mid-write) ends it."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        for n, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                if n == len(lines):  # no newline after it: torn by a kill, never answered
                    return
                raise JournalError(f"{self.path}, line {n}: not valid JSON") from None
            if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
                raise JournalError(f"{self.path}, line {n}: an entry needs a 'kind'")
            yield entry
