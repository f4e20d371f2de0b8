"""The usual input line parsed and validated in one pass: the fast path of ``parse_line``.

:func:`twin.stream.validate.parse_line` decodes a line, parses it with the schema's
compiled decoder (a call per field), then checks it field by field against the rules (a
call per field again). For almost every line of a production stream all of that says
"fine", so :class:`FastParser` asks the question once, inline: per event type it
generates one function (as :mod:`dataclasses` generates ``__init__``, from the type hints
of :mod:`twin.events.schema` and the validation plan of :mod:`twin.stream.validate`) that
reads the JSON object's fields in declaration order, tests each value's type and its rule
with plain comparisons, and builds the frozen event by writing its slots (as
:mod:`twin.events.fast` does). Timestamps are parsed once per distinct text (a minute's
events share them).

It only ever *accepts*. Anything it does not see as plainly valid — bytes that are not
UTF-8, text that is not one JSON object, a missing or unknown field, an integer where a
float belongs, a value outside its rule, a nested plan, a check it does not know — gives
None, and the caller takes the exact path (:func:`parse_line_fast` does), which builds the
event or refuses it in its precise words. So both paths give the same events and the same
dead letters by construction; ``tests/stream/connectors/test_fastparse.py`` holds them
equal on every event type of a day, on mutated objects and on the fuzz corpus of bad
events.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Callable
from datetime import datetime
from types import CodeType
from typing import Any, Literal

from twin import events as ev
from twin.stream import validate as va

Builder = Callable[[dict[str, Any]], "ev.Event | None"]
TIME_CACHE = 1 << 17
_VALUE = re.compile(r"\bv\b")  # distinct timestamp texts kept (a day's seconds and more)

# per check of the validation plan: the inline test of a value ``v`` (True: valid), and
# whether the check lets None through (for ``X | None`` fields)
_INLINE: dict[Any, tuple[str, bool]] = {
    va._coordinate: ("LO_KM <= v <= HI_KM", False),
    va._distance: ("0.0 <= v <= MAX_LEG", False),
    va._technician: ("v in TECHNICIANS", True),
    va._zone: ("v in ZONES", False),
    va._id: ("v and len(v) <= MAX_ID and v.isprintable()", True),
    va._text: ("len(v) <= MAX_TEXT and utf8(v)", False),
    va._optional_text: ("len(v) <= MAX_TEXT and utf8(v)", True),
    va._event_time: ("DAY_START <= v < DAY_END", False),
    va._other_time: ("DAY_START <= v <= NIGHT_END", True),
    va._later_time: ("v >= DAY_START", False),
}


def _utf8(text: str) -> bool:
    """Whether ``text`` has UTF-8 (no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rule(check: Any) -> tuple[str, bool] | None:
    found = _INLINE.get(check)
    if found is not None:
        return found
    bounds = va.RANGES.get(check)
    if bounds is None:
        return None  # a check this module does not know: the type takes the exact path
    lo, hi, open_lo = bounds
    return (f"{lo!r} {'<' if open_lo else '<='} v <= {hi!r}", False)


def _type_test(tp: Any, k: int, consts: dict[str, Any]) -> list[str] | None:
    """Lines that leave ``v`` as the decoded value of type ``tp`` or return None."""
    if tp is str or tp is int or tp is float:
        return [f"if type(v) is not {tp.__name__}: return None"]
    if tp is datetime:
        # a datetime is never false: a cached time, else parsed (None if it is not one)
        return [
            "if type(v) is not str: return None",
            "v = times_get(v) or time_of(v)",
            "if v is None: return None",
        ]
    if typing.get_origin(tp) is Literal and all(type(a) is str for a in typing.get_args(tp)):
        consts[f"L{k}"] = frozenset(typing.get_args(tp))
        return [f"if type(v) is not str or v not in L{k}: return None"]
    return None  # tuples, nested dataclasses (plans): the exact path


def _field_lines(
    k: int, f: dataclasses.Field[Any], tp: Any, check: Any, consts: dict[str, Any]
) -> list[str] | None:
    """The lines that read field ``f`` into ``vK``, or None if it needs the exact path."""
    optional = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return None
        optional, tp = len(args) < len(typing.get_args(tp)), args[0]
    body = _type_test(tp, k, consts)
    if body is None:
        return None
    takes_none = True
    if check is not None:
        rule = _rule(check)
        if rule is None:
            return None
        body.append(f"if not ({rule[0]}): return None")
        takes_none = rule[1]
    if f.default is not dataclasses.MISSING:
        consts[f"D{k}"] = f.default
        lines = [f"v = d.get({f.name!r}, MISSING)", "if v is MISSING: v = D" + str(k)]
        lines.append("else: n += 1")
    else:
        lines = [f"v = d[{f.name!r}]"]
    if optional:
        lines.append("if v is not None:")
        lines += ["    " + line for line in body]
        if not takes_none:
            lines.append("else: return None")
    else:
        lines += body
    return [_VALUE.sub(f"v{k}", line) for line in lines]  # v → vK: one name per field


# per event type and whether rules are checked: the builder's code and its constants (the
# rules' values come in through the scope each parser gives it), or None (the exact path)
_CODE: dict[tuple[type, bool], tuple[CodeType, dict[str, Any]] | None] = {}


def _code(cls: type[ev.Event], rules: bool) -> tuple[CodeType, dict[str, Any]] | None:
    key = (cls, rules)
    if key not in _CODE:
        _CODE[key] = _compile(cls, rules)
    return _CODE[key]


def _compile(cls: type[ev.Event], rules: bool) -> tuple[CodeType, dict[str, Any]] | None:
    """The code that defines ``build`` for ``cls`` (None: the type takes the exact path)."""
    if cls.__post_init__ is not ev.Event.__post_init__:
        return None  # a check of its own in the constructor, which the slots would skip
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    plan = dict(va.PLANS[cls]) if rules else {}
    consts: dict[str, Any] = {"CLS": cls, "new": object.__new__}
    body = [f"n = {2 + sum(f.default is dataclasses.MISSING for f in fields)}"]
    for k, f in enumerate(fields):
        lines = _field_lines(k, f, hints[f.name], plan.get(f.name), consts)
        if lines is None:
            return None
        body += lines
    index = {f.name: k for k, f in enumerate(fields)}
    for rule in va.ACROSS.get(cls, ()) if rules else ():
        order = va.ORDERS.get(rule)
        if order is None:
            return None
        first, then, strict = order
        body.append(
            f"if not (v{index[then]} {'>' if strict else '>='} v{index[first]}): return None"
        )
    tail = ["if len(d) != n: return None", "e = new(CLS)"]  # n: the keys read, v and type
    for k, f in enumerate(fields):
        consts[f"S{k}"] = getattr(cls, f.name).__set__  # the slot's descriptor (slots=True)
        tail.append(f"S{k}(e, v{k})")
    source = "def build(d):\n try:\n" + "".join(f"  {line}\n" for line in body)
    source += " except KeyError:\n  return None\n" + "".join(f" {line}\n" for line in tail)
    source += " return e\n"
    return compile(source, f"<fastparse {cls.TYPE}>", "exec"), consts


class FastParser:
    """One line → its valid event, or None: take the exact path (see the module docstring).

    ``rules`` None checks the schema alone, as ``parse_line`` does without rules."""

    def __init__(self, rules: va.EventRules | None) -> None:
        self.rules = rules
        self.times: dict[str, datetime] = {}
        # what json.loads runs, without its layers (the C scanner of a default decoder)
        decoder: Any = json.JSONDecoder()
        self._scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once
        env: dict[str, Any] = {
            "MISSING": dataclasses.MISSING,
            "times_get": self.times.get,
            "time_of": self._time,
            "utf8": _utf8,
            "MAX_ID": va.MAX_ID_CHARS,
            "MAX_TEXT": va.MAX_TEXT_CHARS,
        }
        if rules is not None:
            env.update(
                LO_KM=rules.lo_km,
                HI_KM=rules.hi_km,
                MAX_LEG=rules.max_leg_km,
                TECHNICIANS=rules.technicians,
                ZONES=rules.zones,
                DAY_START=rules.day_start,
                DAY_END=rules.day_end,
                NIGHT_END=rules.night_end,
            )
        self.builders: dict[str, Builder] = {}
        for name, cls in ev.EVENT_TYPES.items():
            found = _code(cls, rules is not None)
            if found is not None:
                scope = {**env, **found[1]}
                exec(found[0], scope)  # defines ``build`` with this parser's rules
                self.builders[name] = scope["build"]

    def _time(self, text: str) -> datetime | None:
        try:
            t = ev.parse_time(text)
        except ValueError:
            return None
        if len(self.times) >= TIME_CACHE:
            self.times.clear()
        self.times[text] = t
        return t

    def parse(self, raw: bytes | str) -> ev.Event | None:
        """The event of a plainly valid line; None for anything else."""
        if len(raw) > va.MAX_LINE_BYTES:
            return None
        if type(raw) is bytes:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return None
        else:
            text = str(raw)
        try:
            data, end = self._scan(text, 0)
        except (StopIteration, ValueError, RecursionError):
            return None
        if end != len(text) or type(data) is not dict:
            return None  # trailing text or whitespace, or not an object: json.loads says
        version, kind = data.get("v"), data.get("type")
        if type(version) is not int or version != ev.SCHEMA_VERSION or type(kind) is not str:
            return None
        build = self.builders.get(kind)
        return None if build is None else build(data)


def parse_line_fast(parser: FastParser, raw: bytes | str, line_no: int | None = None) -> ev.Event:
    """:func:`~twin.stream.validate.parse_line` with ``parser``'s rules, the same result."""
    event = parser.parse(raw)
    return event if event is not None else va.parse_line(raw, parser.rules, line_no)
