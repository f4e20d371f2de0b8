"""Events on the wire: one JSON object per line, written and read back byte for byte::

    {"v":1,"type":"arrived","id":"w0000042","time":"2026-11-23T08:14:00Z","technician_id":"T007",...}

Keys are written in a fixed order (``v``, ``type``, ``id``, ``time``, then the fields in
declaration order), so parsing a log and writing it again gives the same bytes. A line
that is not a valid event raises :class:`EventParseError` naming the line and the field.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from twin.events.schema import EVENT_TYPES, SCHEMA_VERSION, Event
from twin.events.writer import Plan, Writer, compile_writer, line_plan, load_compiled


class EventParseError(ValueError):
    """A log line that is not a valid event; names the line and the field."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        self.reason = message
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)


def format_time(t: datetime) -> str:
    """UTC timestamp with a ``Z`` suffix; microseconds only when present."""
    spec = "microseconds" if t.microsecond else "seconds"
    if t.tzinfo is UTC:  # the common case: skip the conversion, drop the "+00:00"
        return t.isoformat(timespec=spec)[:-6] + "Z"
    return t.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=spec) + "Z"


# A full date and time, then ``Z`` or an offset: ``+02:00Z`` (two zones), a date alone or a
# time without seconds are refused, not guessed at (ASCII digits only).
_TIME_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)


def parse_time(text: str) -> datetime:
    """A wire timestamp as a UTC datetime: ``2026-11-23T08:00:00Z``, or with an explicit
    offset (``2026-11-23T10:00:00+02:00`` is 08:00 UTC)."""
    found = _TIME_TEXT.fullmatch(text)
    if found is None:
        msg = (
            "expected an ISO 8601 date and time ending in 'Z' or an offset such as "
            f"'+02:00' (e.g. 2026-11-23T08:00:00Z), got {text!r}"
        )
        raise ValueError(msg)
    try:
        if found.group(1) == "Z":
            return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # month 13; 0001-01-01T00:00:00+02:00 in UTC
        msg = f"timestamp {text!r} is not a valid UTC instant ({exc})"
        raise ValueError(msg) from None


# Events of one tick share their times, and ETAs fall on whole seconds: a day at 1,000
# technicians writes ~1 M timestamps but only ~40,000 distinct ones, so the cache holds a
# day's seconds (86,400; with 4,096 entries ETAs missed it 2 times in 3). Equal instants
# give equal text, so the cache cannot mix time zones up.
_TIME_CACHE = 1 << 17
_time_text = functools.lru_cache(maxsize=_TIME_CACHE)(format_time)
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is datetime:
        return _time_text(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        omit = getattr(kind, "OMIT_IF_NONE", ())  # optional fields added later
        return {
            name: _encode(v)
            for name in _field_names(kind)
            if (v := getattr(value, name)) is not None or name not in omit
        }
    return value


def to_dict(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"v": SCHEMA_VERSION, "type": event.TYPE}
    omit = getattr(event, "OMIT_IF_NONE", ())  # optional fields added later
    for name in _field_names(type(event)):
        value = getattr(event, name)
        if value is None and name in omit:
            continue
        out[name] = value if type(value) in _PLAIN else _encode(value)
    return out


def to_json(event: Event) -> str:
    """One line of the log: compact, keys in declaration order, non-ASCII kept."""
    line = _flat_json(event)
    return line if line is not None else _JSON.encode(to_dict(event))


_quote = json.encoder.encode_basestring  # how ``_JSON`` quotes strings (non-ASCII kept)
_quoted_time = functools.lru_cache(maxsize=_TIME_CACHE)(lambda t: _quote(format_time(t)))
_WRITERS: dict[type, Writer] = {}


def _flat_json(event: Event) -> str | None:
    """The bytes of ``_JSON.encode(to_dict(event))`` written directly by the encoder
    generated for the event's class (:mod:`twin.events.writer`), for an event whose fields
    are all plain strings, numbers, booleans, None or UTC datetimes (most of a log); None
    otherwise (nested routes, a float that is not finite, …)."""
    cls = type(event)
    write = _WRITERS.get(cls)
    if write is None:
        write = _WRITERS[cls] = compile_writer(cls, _field_names(cls), _quoted_time)
    return write(event)


_COMPILED = load_compiled()  # the compiled encoder (twin.events._lines), if built
_PLANS_C: dict[type, object] = {}  # the compiled encoder's plans, made from _line_plan
BLOCK = 20_000  # lines encoded (and written) at a time


def _line_plan(cls: type) -> Plan:
    return line_plan(cls, _field_names(cls))


def _nested_plan(cls: type) -> Plan | None:
    """The plan of a dataclass inside an event (as :func:`_encode` writes it), or None."""
    return line_plan(cls, _field_names(cls), nested=True) if dataclasses.is_dataclass(cls) else None


def to_lines(events: Iterable[Event]) -> list[str]:
    """The log's lines (no newlines), encoded once for a file, a store or a topic."""
    if _COMPILED is None:
        return [to_json(e) for e in events]
    events = events if isinstance(events, Sequence) else list(events)
    lines: list[str] = []
    for at in range(0, len(events), BLOCK):
        block = events[at : at + BLOCK]
        lines += _COMPILED.encode_block(block, _PLANS_C, _line_plan, to_json, False, _nested_plan)[
            0
        ]
    return lines


def encode_blocks(events: Sequence[Event], block: int = BLOCK) -> Iterator[tuple[list[str], bytes]]:
    """The log ``block`` lines at a time: each block's lines and its bytes in the file
    (every line followed by ``\\n``, UTF-8; a lone surrogate raises UnicodeEncodeError)."""
    for at in range(0, len(events), block):
        chunk = events[at : at + block]
        data: bytes | None = None
        if _COMPILED is None:
            lines = [to_json(e) for e in chunk]
        else:
            lines, data = _COMPILED.encode_block(
                chunk, _PLANS_C, _line_plan, to_json, True, _nested_plan
            )
        if data is None:
            data = ("\n".join(lines) + "\n").encode("utf-8")
        yield lines, data


def encode_bytes(events: Sequence[Event], block: int = BLOCK) -> Iterator[tuple[int, bytes]]:
    """The log's bytes in the file ``block`` lines at a time, without making each line a
    ``str`` (:func:`encode_blocks` keeps them): (lines in the block, its bytes)."""
    if _COMPILED is None:
        for lines, data in encode_blocks(events, block):
            yield len(lines), data
        return
    for at in range(0, len(events), block):
        chunk = events[at : at + block]
        _, data = _COMPILED.encode_block(
            chunk, _PLANS_C, _line_plan, to_json, True, _nested_plan, False
        )
        if data is None:  # a line with no UTF-8: encoded as lines, which raises as it should
            lines = _COMPILED.encode_block(
                chunk, _PLANS_C, _line_plan, to_json, False, _nested_plan
            )[0]
            data = ("\n".join(lines) + "\n").encode("utf-8")
        yield len(chunk), data


# Decoding is compiled once per type (a closure per field type, a plan per class), so a
# line costs no type introspection per field; it accepts, converts and refuses exactly as
# a walk over the type hints would, with the same messages (tests/test_events_decode.py).
Decoder = Callable[[Any, str], Any]
_DECODERS: dict[Any, Decoder] = {}
_PLANS: dict[type, tuple[tuple[tuple[str, bool, Decoder], ...], frozenset[str]]] = {}
# a tick's events share their times: each distinct text is parsed once (refusals not cached)
_parse_time = functools.lru_cache(maxsize=4096)(parse_time)


def _decode(tp: Any, value: Any, field: str) -> Any:
    """``value`` (from JSON) as a ``tp``; :class:`EventParseError` naming ``field`` if not."""
    return _decoder(tp)(value, field)


def _decoder(tp: Any) -> Decoder:
    found = _DECODERS.get(tp)
    if found is None:
        found = _DECODERS[tp] = _compile(tp)
    return found


def _compile(tp: Any) -> Decoder:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        optional = type(None) in args
        inner = _decoder(next(a for a in args if a is not type(None)))
        if not optional:
            return inner

        def union(value: Any, field: str) -> Any:
            return None if value is None else inner(value, field)

        return union
    if origin is Literal:
        allowed = typing.get_args(tp)

        def literal(value: Any, field: str) -> Any:
            if value not in allowed:
                msg = f"{value!r} is not one of {', '.join(map(repr, allowed))}"
                raise EventParseError(msg, field=field)
            return value

        return literal
    if origin is tuple:
        item = _decoder(typing.get_args(tp)[0])

        def sequence(value: Any, field: str) -> Any:
            if not isinstance(value, list):
                raise EventParseError(f"expected a list, got {value!r}", field=field)
            return tuple(item(v, f"{field}[{i}]") for i, v in enumerate(value))

        return sequence
    if tp is datetime:
        return _timestamp
    if tp is float:
        return _number
    if tp is int:
        return _integer
    if tp is str:
        return _string
    if dataclasses.is_dataclass(tp):

        def nested(value: Any, field: str) -> Any:
            if not isinstance(value, dict):
                raise EventParseError(f"expected an object, got {value!r}", field=field)
            return _build(tp, value, prefix=f"{field}.")

        return nested

    def unsupported(value: Any, field: str) -> Any:
        msg = f"unsupported field type {tp!r}"
        raise TypeError(msg)

    return unsupported


def _timestamp(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise EventParseError(f"expected a timestamp string, got {value!r}", field=field)
    try:
        return _parse_time(value)
    except ValueError as exc:
        raise EventParseError(str(exc), field=field) from None


def _number(value: Any, field: str) -> float:
    if type(value) is float:  # the common case; float(value) is value itself
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventParseError(f"expected a number, got {value!r}", field=field)
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        raise EventParseError("number out of range", field=field) from None


def _integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventParseError(f"expected an integer, got {value!r}", field=field)
    return value


def _string(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise EventParseError(f"expected a string, got {value!r}", field=field)
    return value


def _plan(cls: Any) -> tuple[tuple[tuple[str, bool, Decoder], ...], frozenset[str]]:
    """Per field (in declaration order): name, whether it is required, its decoder; and
    the names an object of ``cls`` may carry."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)
        steps = tuple(
            (f.name, f.default is dataclasses.MISSING, _decoder(hints[f.name])) for f in fields
        )
        plan = _PLANS[cls] = (steps, frozenset(f.name for f in fields))
    return plan


def _build(cls: Any, data: dict[str, Any], prefix: str = "") -> Any:
    steps, names = _PLANS.get(cls) or _plan(cls)
    kwargs: dict[str, Any] = {}
    for name, required, decode in steps:
        if name in data:
            kwargs[name] = decode(data[name], prefix + name)
        elif required:
            raise EventParseError("missing", field=prefix + name)
    # every decoded name is in ``data``: equal sizes leave no room for an unknown name
    extra = 0 if prefix else ("v" in data) + ("type" in data)
    if len(kwargs) + extra != len(data):
        known = names | {"v", "type"} if not prefix else names
        unknown = sorted(set(data) - known)
        if unknown:
            raise EventParseError("unknown field", field=prefix + unknown[0])
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise EventParseError(str(exc)) from None


def from_dict(data: Any) -> Event:
    """Build an event from its JSON object; raises :class:`EventParseError` naming the field."""
    if not isinstance(data, dict):
        raise EventParseError(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("v")
    if type(version) is not int or version != SCHEMA_VERSION:
        msg = f"unsupported schema version {version!r} (this build reads {SCHEMA_VERSION})"
        if type(version) is int and version > SCHEMA_VERSION:
            msg = (
                f"newer schema version {version} than this build reads ({SCHEMA_VERSION}): "
                "upgrade FieldTwin to read it"
            )
        raise EventParseError(msg, field="v")
    kind = data.get("type")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        msg = f"unknown event type {kind!r}; known: {', '.join(sorted(EVENT_TYPES))}"
        raise EventParseError(msg, field="type")
    event: Event = _build(cls, data)
    return event


def from_json(line: str, *, line_no: int | None = None) -> Event:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventParseError(f"not valid JSON: {exc.msg}", line=line_no) from None
    except RecursionError:  # e.g. "[[[[…": an event is never nested this deep
        raise EventParseError("not valid JSON: nested too deeply", line=line_no) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise EventParseError(f"not valid JSON: {exc}", line=line_no) from None
    try:
        return from_dict(data)
    except EventParseError as exc:
        raise EventParseError(exc.reason, line=line_no, field=exc.field) from None
