"""What the scorecard reads, and what is wrong with it.

:func:`read_day_log` reads a JSONL log line by line: each line is decoded and parsed on
its own, so a bad line spoils only itself (it is counted, with its reason). Events are
split into the *world* (what happened) and the log's own *decisions* (plans, ETAs,
alerts, notifications: production's, when the log is production's), each id once.

:func:`input_warnings` names input the scores must not silently rest on: lines that are
not events, the brain's dead letters, events dated off the scenario's day, and
technicians the roster does not know. Each warning is a count, a message naming the
value and what was expected, and a few examples; dead letters and unreadable lines are
also counted by reason (:func:`reason_kind`: malformed, newer schema version, off the
day, unknown technician, late beyond the bound, duplicate, ...).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from twin import events as ev

MAX_EXAMPLES = 5
_LINE = re.compile(r"^line \d+,?\s*")  # "line 706, field 'time': ..." -> "field 'time'"
_FIELD = re.compile(r"^field '([^']*)'")
# (what a reason says, its kind), first match wins; the wording is that of twin.events'
# parser, twin.stream.validate and twin.stream.order
REASON_KINDS = (
    ("not valid JSON", "malformed"),
    ("not UTF-8", "malformed"),
    ("expected a JSON object", "malformed"),
    ("bytes or more", "malformed"),
    ("newer schema version", "newer schema version"),
    ("schema version", "unsupported schema version"),
    ("unknown event type", "unknown event type"),
    ("unknown technician", "unknown technician"),
    ("is not within the day", "off the day"),
    ("out of order beyond the tolerated bound", "late beyond the bound"),
    ("duplicate event id", "duplicate"),
)


@dataclass(frozen=True, slots=True)
class DayLog:
    world: tuple[ev.Event, ...]
    decisions: tuple[ev.Event, ...]
    unreadable: tuple[str, ...]  # one reason per line that is not a valid event


@dataclass(frozen=True, slots=True)
class InputWarning:
    kind: str  # unreadable | dead_letters | dates | unknown_technicians
    count: int
    message: str
    examples: tuple[str, ...] = ()
    by_reason: tuple[tuple[str, int], ...] = ()  # (reason_kind, count), most frequent first

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "count": self.count,
            "message": self.message,
            "examples": list(self.examples),
            "by_reason": dict(self.by_reason),
        }


def reason_kind(reason: str) -> str:
    """The kind of a dead letter's (or an unreadable line's) reason, to count them by:
    ``"off the day"``, ``"unknown technician"``, ``"malformed"``, ... or, for any other
    refused value, ``"invalid field 'x'"``."""
    for said, kind in REASON_KINDS:
        if said in reason:
            return kind
    found = _FIELD.match(_LINE.sub("", reason))
    return f"invalid field {found.group(1)!r}" if found else "other"


def count_reasons(reasons: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Reasons counted by :func:`reason_kind`, most frequent first (ties by name)."""
    counts = Counter(map(reason_kind, reasons))
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _listed(counts: Sequence[tuple[str, int]], top: int = 4) -> str:
    shown = ", ".join(f"{r} ({n:,d})" for r, n in counts[:top])
    return shown + (f" and {len(counts) - top} more reasons" if len(counts) > top else "")


def is_decision(e: ev.Event) -> bool:
    return e.TYPE not in ev.WORLD_EVENT_TYPES


def split_events(events: Iterable[ev.Event]) -> tuple[list[ev.Event], list[ev.Event]]:
    """World events and decisions, each id once (the first), in log order."""
    seen: set[str] = set()
    world: list[ev.Event] = []
    decisions: list[ev.Event] = []
    for e in events:
        if e.id in seen:
            continue
        seen.add(e.id)
        (decisions if is_decision(e) else world).append(e)
    return world, decisions


def read_day_log(path: Path) -> DayLog:
    events, bad = ev.read_events(path)
    world, decisions = split_events(events)
    return DayLog(tuple(world), tuple(decisions), tuple(bad))


def _technicians(e: ev.Event) -> Iterable[str]:
    tid = getattr(e, "technician_id", None)
    if isinstance(tid, str):
        yield tid
    if isinstance(e, ev.PlanPublished):
        yield from (r.technician_id for r in e.routes)


def input_warnings(
    day: date,
    world: Sequence[ev.Event],
    decisions: Sequence[ev.Event],
    roster: Collection[str],
    unreadable: Sequence[str] = (),
    dead_letters: Sequence[str] = (),
    zone: str = "UTC",
) -> list[InputWarning]:
    """Warnings about the inputs of one scorecard (empty: nothing found); an event's day is
    its local date in the scenario's time ``zone``."""
    tz = ZoneInfo(zone)

    def local_day(e: ev.Event) -> date:
        return e.time.astimezone(tz).date()

    out: list[InputWarning] = []
    if unreadable:
        counts = count_reasons(unreadable)
        out.append(
            InputWarning(
                "unreadable",
                len(unreadable),
                f"{len(unreadable):,d} lines of the log are not valid events and were left "
                f"out: {_listed(counts)}",
                tuple(unreadable[:MAX_EXAMPLES]),
                counts,
            )
        )
    if dead_letters:
        counts = count_reasons(dead_letters)
        out.append(
            InputWarning(
                "dead_letters",
                len(dead_letters),
                f"the brain dead-lettered {len(dead_letters):,d} inputs: {_listed(counts)}",
                tuple(dead_letters[:MAX_EXAMPLES]),
                counts,
            )
        )
    off = Counter(d for e in (*world, *decisions) if (d := local_day(e)) != day)
    if off:
        n = sum(off.values())
        dates = ", ".join(f"{d.isoformat()} ({k:,d})" for d, k in sorted(off.items()))
        out.append(
            InputWarning(
                "dates",
                n,
                f"{n:,d} events are dated off the scenario's day {day.isoformat()}: {dates}; "
                "pass the scenario of the log's day",
                tuple(sorted({e.id for e in world if local_day(e) != day})[:MAX_EXAMPLES]),
            )
        )
    known = set(roster)
    unknown = Counter(t for e in (*world, *decisions) for t in _technicians(e) if t not in known)
    if unknown:
        n = sum(unknown.values())
        names = ", ".join(sorted(unknown)[:MAX_EXAMPLES])
        out.append(
            InputWarning(
                "unknown_technicians",
                n,
                f"{n:,d} events name {len(unknown):,d} technicians not in the roster "
                f"({len(known):,d} known): {names}",
                tuple(sorted(unknown)[:MAX_EXAMPLES]),
            )
        )
    return out
