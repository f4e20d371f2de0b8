"""A run's output folder, written atomically: the whole new run or the previous one, never a mix.

:class:`RunFolder` writes every file of a run (``events.jsonl``, ``kpis.json``,
``roster.json``, ``ops.jsonl``, ``quality.json``, ``report.html``) into a temporary sibling
of the output folder (``.NAME.partial-PID-TOKEN``). When all are written it adds the
completion marker ``run.json`` (the log's line count and SHA-256, every file's size and
SHA-256), flushes everything to disk and puts the folder in place in one step: an atomic
exchange of the two folders (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames,
with a moment in which the folder is missing), after which the previous run is removed. A
run killed before that step leaves the previous run as it was (the next run into the same
place removes the partial folder); a run killed after it leaves the new run whole.

:func:`check_log` is what ``twin replay`` asks before reading a log: a log whose folder has
no marker, or whose line count or hash differs from the marker's, was cut short or changed
(a bare log, such as a production export, passes with ``allow_incomplete``).

For tests, the environment variable ``FIELDTWIN_TEST_KILL_AT`` names a point at which the
process kills itself with SIGKILL (:data:`KILL_POINTS`), so that a kill lands exactly there.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from twin import events as ev
from twin.config import ConfigError
from twin.events import Event

MARKER = "run.json"
LOG = "events.jsonl"
MARKER_FORMAT = "fieldtwin-run"
# what a run folder may hold (a replay written into it adds decisions and dead letters,
# `twin score` its scorecard)
RUN_FILES = frozenset(
    {
        LOG,
        MARKER,
        "kpis.json",
        "roster.json",
        "ops.jsonl",
        "quality.json",
        "report.html",
        "decisions.jsonl",
        "dead_letters.jsonl",
        "scorecard.json",
        # a period of days (twin.app.period)
        "days",
        "period.json",
        "requests.jsonl",
        "notices.jsonl",
    }
)
KILL_ENV = "FIELDTWIN_TEST_KILL_AT"
# log: half the log written; marker: every file written, before run.json; swap: the new
# folder in place, the previous run not yet removed
KILL_POINTS = ("log", "marker", "swap")
_MAX_MARKER_BYTES = 1 << 20


class OutputError(ConfigError):
    """An output folder that cannot take a run (the CLI reports it like a bad setting)."""


def _checkpoint(name: str) -> None:
    """Test hook: SIGKILL this process here if ``FIELDTWIN_TEST_KILL_AT`` names ``name``."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def check_target(out_dir: Path) -> None:
    """Refuse an output folder that holds anything but a run's files (it would be replaced
    whole): ``OutputError`` naming what is in the way."""
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if not out_dir.is_dir():
        raise OutputError(f"--out {out_dir}: exists and is not a folder")
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in RUN_FILES)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        msg = (
            f"--out {out_dir}: holds files that are not a run's outputs ({shown}); a run "
            "replaces its folder whole, so choose a new or empty folder"
        )
        raise OutputError(msg)


class RunFolder:
    """Files of one run, written to a temporary sibling and put in place at :meth:`commit`
    (or at the end of a ``with`` block; an exception removes them and keeps the old run)."""

    def __init__(self, out_dir: Path) -> None:
        check_target(out_dir)
        self.out_dir = Path(os.path.realpath(out_dir))
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(self.out_dir)
        name = f".{self.out_dir.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
        self.path = self.out_dir.parent / name
        self.path.mkdir()  # the umask's mode, as the folder would have had
        self.log_lines: int | None = None
        self._log_digest: dict[str, Any] | None = None  # written by write_log, not since

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            shutil.rmtree(self.path, ignore_errors=True)

    def write_text(self, name: str, text: str) -> Path:
        self._written(name)
        path = self.path / name
        path.write_text(text, encoding="utf-8")
        return path

    def write_json(self, name: str, data: Any) -> Path:
        """Pretty JSON with a final newline (as ``kpis.json`` and ``quality.json`` are)."""
        return self.write_text(name, json.dumps(data, indent=2) + "\n")

    def write_lines(self, name: str, lines: Iterable[str], *, kill_at: int = -1) -> int:
        """JSONL: one line each, ``\\n``-terminated; returns the count."""
        self._written(name)
        n = 0
        with (self.path / name).open("w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
                n += 1
                if n == kill_at:
                    fh.flush()
                    _checkpoint("log")
        return n

    def _written(self, name: str) -> None:
        if name == LOG:  # the log rewritten by hand: the marker hashes the file itself
            self._log_digest = None

    def write_log(self, lines: Iterable[str], block: int = 20_000) -> int:
        """The event log (``events.jsonl``) from its lines, counted and hashed for the marker
        as it is written: ``block`` lines joined and encoded at a time (one write each, not
        two per line), so that the marker needs no second pass over a log of half a
        gigabyte."""
        lines = lines if isinstance(lines, Sequence) else tuple(lines)
        blocks = (
            (len(chunk), ("\n".join(chunk) + "\n").encode("utf-8"))
            for at in range(0, len(lines), block)
            if (chunk := lines[at : at + block])
        )
        return self._write_blocks(blocks, len(lines))

    def write_events(self, events: Sequence[Event], keep: bool = True) -> tuple[str, ...] | None:
        """The event log from the day's events, encoded a block at a time (the compiled
        encoder gives each block's lines and bytes in one call); returns the lines, or
        None without ``keep`` (then no line is made a ``str``: 2.8 million of them at
        10,000 technicians)."""
        if not keep:
            self._write_blocks(ev.encode_bytes(events), len(events))
            return None
        kept: list[str] = []

        def blocks() -> Iterator[tuple[int, bytes]]:
            for chunk, data in ev.encode_blocks(events):
                kept.extend(chunk)
                yield len(chunk), data

        self._write_blocks(blocks(), len(events))
        return tuple(kept)

    def _write_blocks(self, blocks: Iterable[tuple[int, bytes]], total: int) -> int:
        """Write the log's blocks (lines in each, their bytes) and hash them; the test
        hook's kill point is half the log (``total`` lines)."""
        half, at = max(1, total // 2), 0
        sha = hashlib.sha256()
        with (self.path / LOG).open("wb") as fh:
            for count, data in blocks:
                if at < half <= at + count:  # write up to the kill point, then the rest
                    cut = _line_end(data, half - at)
                    fh.write(data[:cut])
                    sha.update(data[:cut])
                    fh.flush()
                    _checkpoint("log")
                    data = data[cut:]
                fh.write(data)
                sha.update(data)
                at += count
            size = fh.tell()
        self._log_digest = {"bytes": size, "sha256": sha.hexdigest()}
        self.log_lines = at
        return at

    def commit(self) -> None:
        """Write the marker, flush to disk, put the folder in place, drop the previous run."""
        _checkpoint("marker")
        # a period's day folders are run folders of their own, each with its marker
        files = {
            p.name: self._log_digest if p.name == LOG and self._log_digest else _digest(p)
            for p in sorted(self.path.iterdir())
            if p.is_file()
        }
        if LOG not in files or self.log_lines is None:
            raise OutputError(f"{self.out_dir}: a run folder needs its event log ({LOG})")
        marker = {
            "format": MARKER_FORMAT,
            "version": 1,
            "complete": True,
            "log": LOG,
            "events": self.log_lines,
            "sha256": files[LOG]["sha256"],
            "files": files,
        }
        (self.path / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        for p in self.path.iterdir():
            _fsync(p)
        _fsync(self.path)
        previous = _put_in_place(self.path, self.out_dir)
        _fsync(self.out_dir.parent)
        _checkpoint("swap")
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)


def _line_end(data: bytes, lines: int) -> int:
    """Where the first ``lines`` lines of ``data`` end (after their newline)."""
    end = 0
    for _ in range(lines):
        end = data.index(b"\n", end) + 1
    return end


def _digest(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() and hasattr(os, "O_DIRECTORY") else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # e.g. folders cannot be opened on Windows: nothing to flush there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _put_in_place(new: Path, target: Path) -> Path | None:
    """Move ``new`` to ``target``; returns where the previous run now is (None: none was)."""
    if not target.exists():
        os.rename(new, target)
        return None
    if _exchange(new, target):
        return new  # the two swapped: the previous run is where the new one was
    aside = new.with_name(new.name + "-previous")
    os.rename(target, aside)  # not atomic: between these two the folder is missing
    os.rename(new, target)
    return aside


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _remove_stale(out_dir: Path) -> None:
    """Remove partial folders of ``out_dir`` left by runs that were killed (dead processes)."""
    for p in out_dir.parent.glob(f".{out_dir.name}.partial-*"):
        try:
            pid = int(p.name.removeprefix(f".{out_dir.name}.partial-").split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def check_log(log: Path, allow_incomplete: bool = False) -> str | None:
    """Why ``twin replay`` must refuse ``log`` (a message), or None.

    A log from ``twin run`` has the completion marker beside it; no marker, or a line count
    or SHA-256 that differs from the marker's, means the run was cut short or the log was
    changed. ``allow_incomplete`` accepts any log (production logs have no marker)."""
    if not log.is_file():
        return f"event log not found: {log}"
    if allow_incomplete:
        return None
    hint = "pass --allow-incomplete to replay it anyway (e.g. a log from production)"
    marker = log.parent / MARKER
    if not marker.is_file():
        return (
            f"{log}: no completion marker ({MARKER}) beside it: the run that wrote it did "
            f"not finish, or the log did not come from `twin run`; {hint}"
        )
    try:
        with marker.open("rb") as fh:
            data = json.loads(fh.read(_MAX_MARKER_BYTES).decode("utf-8"))
        expected_lines, expected_sha = int(data["events"]), str(data["sha256"])
        described = data["log"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{marker}: not a completion marker of `twin run`; {hint}"
    if described != log.name:
        return f"{log}: the marker {marker} describes {described!r}, not this file; {hint}"
    lines, sha = _count_and_hash(log)
    if (lines, sha) != (expected_lines, expected_sha):
        return (
            f"{log}: truncated or changed after its run finished: {lines:,d} lines "
            f"(sha256 {sha[:12]}…), the run wrote {expected_lines:,d} "
            f"(sha256 {expected_sha[:12]}…); {hint}"
        )
    return None


def _count_and_hash(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    lines = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            lines += block.count(b"\n")
    return lines, h.hexdigest()
