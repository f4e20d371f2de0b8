"""Bad event lines for the fuzz suite, made from a real log; and the runner of one batch.

:func:`bad_lines` mutates real lines of a recorded day into lines that must be refused:
every field of every event type with values of the wrong kind, out of range, not finite,
out of the day, malformed timestamps and offsets; broken windows and other cross-field
rules; unknown technicians and zones; broken bytes, nesting, structure and size; events
late beyond the reordering bound; duplicates. Each comes with the index it is inserted
at and its kind. :func:`main` replays one dirty log (``python -m``, in a child process
with a memory limit) and writes what came out as JSON.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import random
import resource
import sys
import types
import typing
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from twin import events as ev
from twin.clock import DayClock

DAY = "2026-11-23"
CLOCK = DayClock(datetime.fromisoformat(DAY).date(), "Europe/Berlin")  # the scenario's zone
SIZE_KM = 10.0  # the small scenario's city
BOUND_MIN = 2.0
FOREIGN = {"eta_updated", "delay_detected", "replan_requested", "customer_notified"}


@dataclasses.dataclass(frozen=True)
class Bad:
    at: int  # inserted before this index of the clean lines
    raw: bytes
    kind: str
    event_id: str | None = None  # for refusals that name no line (late, duplicate)


def _text(v: Any) -> bytes:
    return json.dumps(v, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


BAD_FLOATS = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    10**400,
    "1.0",
    True,
    None,
    [],
    {},
]
BAD_COORDS = [-2.0, -1.5, 11.5, 12.0, 1e9, -1e9]
BAD_INTS = [-1, 99, 10**30, 1.5, "1", True, None, [1]]
BAD_IDS = ["", "\ud800", "a\udfffb", "x" * 1000, "\u0000", "tab\there", 123, None, ["a"], {}]
BAD_TIMES = [
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    f"{DAY}",
    f"{DAY}T08:00:00+02:00Z",
    f"{DAY}T08:00:00",
    f"{DAY}T08:00",
    f"{DAY} 08:00:00Z",
    f"{DAY}T25:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-02-30T08:00:00Z",
    f"{DAY}T08:00:00.1234567Z",
    "\u0662\u0660\u0662\u0666-11-23T08:00:00Z",
    f"+00{DAY}T08:00:00Z",
    "now",
    "",
    0,
    None,
    f"{DAY}T08:00:00z",
    f"{DAY}T08:00:00+24:00",
    "0001-01-01T00:30:00+02:00",
]
# the day runs from local midnight in Berlin: 2026-11-22T23:00:00Z to 2026-11-23T23:00:00Z
EVENT_TIMES = ["2026-11-24T10:00:00Z", "2026-11-22T22:59:59Z", f"{DAY}T00:59:59+02:00"]
OTHER_TIMES = ["2026-11-25T10:00:00Z", "2026-11-22T22:59:59Z"]
BAD_LITERALS = ["spaceship", "", None, 1, ["repair"]]
IDS = {"id", "visit_id", "customer_id", "device_id", "technician_id", "zone"}


def _field_kinds(cls: type[ev.Event]) -> dict[str, tuple[str, bool]]:
    """Field name -> (kind, optional) for the mutations."""
    out: dict[str, tuple[str, bool]] = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp, optional = hints[f.name], False
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            optional = True
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if f.name in IDS:
            kind = "id"
        elif f.name in ("x", "y", "from_x", "from_y", "to_x", "to_y"):
            kind = "coord"
        elif typing.get_origin(tp) is typing.Literal:
            kind = "literal"
        else:
            kind = {float: "float", int: "int", str: "text", datetime: "time"}.get(tp, "other")
        out[f.name] = (kind, optional)
    return out


def _bad_value(rng: random.Random, name: str, kind: str, optional: bool) -> Any:
    pool: list[Any]
    if kind == "coord":
        pool = BAD_FLOATS + BAD_COORDS
    elif kind == "float":
        pool = [*BAD_FLOATS, -1.0, 1e6] if name != "factor" else [*BAD_FLOATS, 0.0, -0.5, 1.5]
    elif kind == "int":
        pool = [v for v in BAD_INTS if name != "version" or v != 99]  # plan 99 is fine
    elif kind == "id":
        pool = BAD_IDS + (["T9999", "t001"] if name == "technician_id" else [])
        pool += ["mars"] if name == "zone" else []
    elif kind == "time":
        pool = BAD_TIMES + (EVENT_TIMES if name == "time" else OTHER_TIMES)
    elif kind == "literal":
        pool = BAD_LITERALS
    elif kind == "text":
        pool = [None, 1, [], "\ud800", "é\udc80", "y" * 20_000]
    else:
        pool = [None, 1, "x", [{"technician_id": "T9999", "visit_ids": []}], [1]]
    if optional:
        pool = [v for v in pool if v is not None]
    return rng.choice(pool)


def _mutate_field(rng: random.Random, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    kinds = _field_kinds(ev.EVENT_TYPES[data["type"]])
    name = rng.choice(list(kinds))
    kind, optional = kinds[name]
    data[name] = _bad_value(rng, name, kind, optional)
    return data, f"field:{data['type']}.{name}"


ACROSS = {
    "visit_booked": ("window_start", "window_end"),
    "visit_requested": ("available_from", "available_until"),
    "shift_started": ("time", "planned_end"),
    "traffic_changed": ("time", "until"),
}


def _mutate_across(rng: random.Random, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    first, then = ACROSS[data["type"]]
    # ending where a window starts is no window either; a traffic change may end at once
    back = rng.choice([0, 1, 30, 120] if data["type"] != "traffic_changed" else [1, 30])
    data[then] = ev.format_time(ev.parse_time(data[first]) - timedelta(minutes=back))
    return data, f"across:{data['type']}"


def _structural(rng: random.Random, line: str) -> tuple[bytes, str]:
    data = json.loads(line)
    choice = rng.randrange(14)
    if choice == 0:
        return line.encode()[: rng.randrange(1, len(line) - 1)], "truncated"
    if choice == 1:  # a field the event cannot do without (not one with a default)
        cls = ev.EVENT_TYPES[data["type"]]
        required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
        data.pop(rng.choice(required))
        return _text(data), "missing field"
    if choice == 2:
        data["surprise"] = 1
        return _text(data), "unknown field"
    if choice == 3:
        return _text(rng.choice([[data], 1, None, "text", [], {}])), "not an object"
    if choice == 4:
        data["type"] = rng.choice(["teleported", "", None, 7, "ARRIVED"])
        return _text(data), "unknown type"
    if choice == 5:
        data["v"] = rng.choice([2, 0, "1", 1.0, True, None])
        return _text(data), "version"
    if choice == 6:
        return b"[" * rng.choice([1_000, 100_000]), "nesting"
    if choice == 7:
        return b'{"a":' * 60_000 + b"1", "nesting"
    if choice == 8:
        raw = line.encode()
        k = rng.randrange(len(raw))
        bad = rng.choice([b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88"])
        return raw[:k] + bad + raw[k:], "bytes"
    if choice == 9:
        return b"\x80" + bytes(rng.choice(range(256)) for _ in range(40)).replace(
            b"\n", b""
        ), "noise"
    if choice == 10:
        return b"\xef\xbb\xbf" + line.encode(), "byte order mark"
    if choice == 11:
        return line.replace('"id":"', '"id":"\u0000', 1).encode(), "control character"
    if choice == 12:  # 1e999999 is infinite: in a field of its own, a field too many
        return line.encode()[:-1] + b',"zz":1e999999}', "huge number"
    return line.encode() + b" trailing", "trailing garbage"


def _clean_minutes(clean: list[str]) -> list[float]:
    return [CLOCK.minutes(ev.parse_time(json.loads(ln)["time"])) for ln in clean]


def _released(minutes: list[float], at: int) -> float | None:
    """The last minute the replay has closed when line ``at`` arrives (the watermark: the
    second-newest time before it, minus the bound), if any."""
    before = sorted(minutes[:at])[-2:]
    return None if len(before) < 2 else math.floor(before[0] - BOUND_MIN)


def bad_lines(clean: list[str], n: int, seed: int) -> list[Bad]:
    """``n`` bad lines for ``clean`` (a recorded day), each with where it goes."""
    rng = random.Random(seed)
    minutes = _clean_minutes(clean)
    crossable = [i for i, ln in enumerate(clean) if json.loads(ln)["type"] in ACROSS]
    # another brain's decisions are dropped, not dead-lettered, when late or repeated
    own = [i for i, ln in enumerate(clean) if json.loads(ln)["type"] not in FOREIGN]
    # re-timed, these stay valid (no other field is held to their time)
    retimable = [i for i in own if json.loads(clean[i])["type"] not in ACROSS]
    out: list[Bad] = []

    def made(at: int, raw: bytes, kind: str, event_id: str | None = None) -> None:
        out.append(Bad(at, raw, kind, event_id))

    while len(out) < n:
        at = rng.randrange(1, len(clean))
        source = clean[rng.randrange(len(clean))]
        data = json.loads(source)
        data["id"] = f"fz{len(out):06d}"
        data["time"] = clean[at].split('"time":"', 1)[1][:20]  # in order where it goes
        roll = rng.random()
        if roll < 0.55:
            mutated, kind = _mutate_field(rng, data)
            made(at, _text(mutated), kind, None)
        elif roll < 0.65:
            data = json.loads(clean[rng.choice(crossable)])
            data.update(id=f"fz{len(out):06d}")
            mutated, kind = _mutate_across(rng, data)
            made(at, _text(mutated), kind, None)
        elif roll < 0.9:
            raw, kind = _structural(rng, clean[rng.randrange(len(clean))])
            made(at, raw, kind, None)
        elif roll < 0.95:
            released = _released(minutes, at)
            if released is None or released < 1:
                continue
            data = dict(json.loads(clean[rng.choice(retimable)]), id=data["id"])
            late = released - rng.choice([1, 10, 60, 120, 180]) / 60.0  # seconds to minutes
            data["time"] = ev.format_time(CLOCK.at(late))
            made(at, _text(data), "late", data["id"])
        else:  # an earlier line again: the later one is the duplicate
            earlier = bisect.bisect_left(own, at)
            if earlier == 0:
                continue
            k = own[rng.randrange(earlier)]
            made(at, clean[k].encode(), "duplicate", json.loads(clean[k])["id"])
    return out


def dirty_log(clean: list[str], bad: list[Bad]) -> tuple[list[bytes], dict[int, Bad]]:
    """The lines with the bad ones inserted, and the bad ones by their line number."""
    by_at: dict[int, list[Bad]] = {}
    for b in bad:
        by_at.setdefault(b.at, []).append(b)
    lines: list[bytes] = []
    numbered: dict[int, Bad] = {}
    for i, line in enumerate(clean):
        for b in by_at.get(i, ()):
            lines.append(b.raw)
            numbered[len(lines)] = b
        lines.append(line.encode())
    return lines, numbered


# ---------------------------------------------------------------- the child process
def main(argv: list[str]) -> None:
    """``python -m tests.stream.connectors.fuzz_corpus SCENARIO ROSTER LOG OUT BYTES [CLEAN]``:
    the replay of LOG within BYTES of address space; with CLEAN (the clean log) also LOG
    and CLEAN as Kafka messages."""
    limit = int(argv[4])  # before the brain is imported: a blow-up is a MemoryError
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    from twin.app.roster import read_roster
    from twin.app.wiring import build_brain, company_from_roster
    from twin.config import load_scenario
    from twin.stream.connectors.jsonl import replay

    scenario, roster, log, out = (Path(a) for a in argv[:4])
    params = build_brain(
        company_from_roster(load_scenario(scenario), read_roster(roster)),
        reorder_bound_min=BOUND_MIN,
    )
    result = replay(log, params)
    found = {"replay": _found(result.decisions, result.dead_letters, result.ops)}
    if argv[5:]:
        found["kafka"] = _as_messages(log, params)
        found["kafka_clean"] = _as_messages(Path(argv[5]), params)
    out.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")


def _found(decisions: list[Any], dead: list[Any], ops: Sequence[Any] = ()) -> dict[str, list[Any]]:
    return {
        "decisions": [ev.to_json(d) for d in decisions],
        "dead": [[d.reason, d.line, d.raw] for d in dead],
        "ops": [json.dumps(o.to_dict()) for o in ops],  # the operational KPIs, per window
    }


def _as_messages(log: Path, params: Any) -> dict[str, list[Any]]:
    """What the flow makes of the log's lines as the messages of one Kafka partition."""
    from bytewax.testing import TestingSink, TestingSource, run_main

    from twin.stream.connectors.jsonl import read_lines
    from twin.stream.connectors.ticks import ticked_lines
    from twin.stream.flow import build_flow
    from twin.stream.messages import DECISION_TYPES, DeadLetter
    from twin.stream.order import rules_for

    with log.open("rb") as fh:
        raw = [line for _, line in read_lines(fh)]
    rules = rules_for(params)
    items = list(ticked_lines(raw, params.clock, BOUND_MIN, first_line=1, rules=rules))
    got: list[object] = []
    run_main(build_flow(TestingSource(items), TestingSink(got), params))
    decisions = [d for d in got if isinstance(d, DECISION_TYPES)]
    return _found(decisions, [d for d in got if isinstance(d, DeadLetter)])


if __name__ == "__main__":
    main(sys.argv[1:])
