"""Group commit: a served day's requests are answered only once their records are on disk,
but nobody waits for the disk while holding the day's lock.

A request writes its journal record and its events under the day's lock, in the day's
order, and takes a ticket (:meth:`GroupCommit.wrote`: the number of writes so far). Then,
with the lock released, it waits (:meth:`GroupCommit.wait`) until an ``fsync`` of the
day's files that *began after its writes* has ended: an ``fsync`` forces everything
written to the file before it, so it covers every ticket taken before it began. One
waiter at a time runs the ``fsync`` (of every file, for every ticket so far); those that
come while it runs wait for it and, if it began before their writes, run the next one for
all of them together. A tick or another booking takes the lock meanwhile: the disk wait
holds up only the answers it covers.

``fsync`` is passed in (``os.fsync`` by default), so that a test can slow it down or count
what it covered without touching the operating system's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import TextIO

Fsync = Callable[[int], None]


class GroupCommit:
    """Tickets for writes made under the day's lock; waits that share one ``fsync``."""

    def __init__(self, files: Callable[[], Iterable[TextIO]], fsync: Fsync = os.fsync) -> None:
        """``files``: the day's open files to force (called by the one waiter syncing;
        a file opened later, when first written to, is in it from then on)."""
        self._files = files
        self._fsync = fsync
        self._cond = threading.Condition()
        self.written = 0  # tickets handed out (writes made, flushed to the OS)
        self.synced = 0  # every ticket up to this one is on disk
        self.rounds = 0  # fsync rounds run (one round forces every file)
        self._syncing = False

    def wrote(self) -> int:
        """A ticket for the writes just made and flushed (call under the day's lock)."""
        with self._cond:
            self.written += 1
            return self.written

    def wait(self, ticket: int) -> None:
        """Return once the writes of ``ticket`` (and every earlier one) are on disk."""
        with self._cond:
            while self.synced < ticket:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._round()

    def _round(self) -> None:
        """One fsync of every file, run by this waiter outside the condition's lock (held
        on entry and exit): it covers every ticket handed out before it began."""
        target, self._syncing = self.written, True
        self._cond.release()
        try:
            for fh in self._files():
                self._fsync(fh.fileno())
        finally:
            self._cond.acquire()
            self._syncing = False
            self._cond.notify_all()
        self.synced, self.rounds = max(self.synced, target), self.rounds + 1

    def close(self) -> None:
        """Force what is written (after a round under way) before the files close (call
        under the day's lock: nothing is written meanwhile)."""
        self.wait(self.written)
