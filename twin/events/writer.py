"""The log's direct writer: one encoder generated per event class.

Most of a day's log is flat events (``eta_updated`` and ``position`` alone are about three
quarters of a brain day's lines) whose fields are strings, numbers, booleans, ``None`` or
UTC datetimes. For such an event the line is written straight from its fields, without
building a dict for :class:`json.JSONEncoder`: the same bytes, about 1.4x faster than a
loop over the fields (``bench/bench_outputs.py``'s "encode log").

Like :mod:`dataclasses`, which generates ``__init__`` from the fields, the encoder of a
class is generated once from its fields and their annotations: the fields are unpacked by
one getter, each is tested first for its annotated type and then for the others, and the
pieces are joined by one expression. A value of any other kind (a nested route, a float
that is not finite) makes the encoder return ``None``; the caller then uses the generic
encoder, whose bytes these are (``tests/test_events.py`` holds them equal).

Where the package is built, the compiled encoder :mod:`twin.events._lines` writes the same
lines from a plan per class (:func:`line_plan`) a block at a time, with the block's bytes
(7x faster in ``bench/bench_encode.py``); these generated encoders are the reference it is
tested against and what a tree without the build uses.
"""

from __future__ import annotations

import importlib
import json
import math
import operator
import typing
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from twin.events.schema import SCHEMA_VERSION, Event

Writer = Callable[[Event], "str | None"]

_quote = json.encoder.encode_basestring  # how the generic encoder quotes (non-ASCII kept)

# a field's test and text, by kind: ``k`` is the value's exact type, ``{v}`` the value
_TESTS: dict[type, tuple[str, str]] = {
    str: ("k is str", "q({v})"),
    datetime: ("k is dt", "qt({v})"),
    float: ("k is float and fin({v})", "fr({v})"),
    int: ("k is int", "ir({v})"),
}


def _field_code(i: int, name: str, hint: Any, omitted: bool) -> list[str]:
    """The lines that set ``p{i}``, the ``,"name":value`` piece of field ``i``."""
    key = f",{_quote(name)}:"
    order = [hint] if hint in _TESTS else []
    order += [kind for kind in _TESTS if kind not in order]
    lines = [f"    k = type(v{i})"]
    for j, kind in enumerate(order):
        test, text = _TESTS[kind]
        test, text = test.format(v=f"v{i}"), text.format(v=f"v{i}")
        lines.append(f"    {'if' if j == 0 else 'elif'} {test}: p{i} = {key!r} + {text}")
    lines.append(f"    elif k is bool: p{i} = {key + 'true'!r} if v{i} else {key + 'false'!r}")
    lines.append(f"    elif v{i} is None: p{i} = {'' if omitted else key + 'null'!r}")
    lines.append("    else: return None")
    return lines


def compile_writer(cls: type[Event], names: tuple[str, ...], quoted_time: Writer) -> Writer:
    """The encoder of ``cls``'s flat events: fields ``names`` in order, datetimes written by
    ``quoted_time`` (the codec's cached ``"…Z"`` text); ``None`` for any other event."""
    hints = typing.get_type_hints(cls)
    omit = set(getattr(cls, "OMIT_IF_NONE", ()))  # optional fields added later: left out
    head = f'{{"v":{SCHEMA_VERSION},"type":{_quote(cls.TYPE)}'
    values = ", ".join(f"v{i}" for i in range(len(names)))
    body = [f"def write(e):\n    {values}, = get(e)"]
    for i, name in enumerate(names):
        body += _field_code(i, name, hints.get(name), name in omit)
    line = head.replace("{", "{{") + "".join(f"{{p{i}}}" for i in range(len(names))) + "}}"
    body.append(f"    return f{line!r}")  # one f-string: the line built in one piece
    get = operator.attrgetter(*names)
    scope: dict[str, Any] = {
        "get": get if len(names) > 1 else (lambda e: (get(e),)),
        "q": _quote,
        "qt": quoted_time,
        "fin": math.isfinite,
        "fr": float.__repr__,
        "ir": int.__repr__,
        "dt": datetime,
    }
    exec("\n".join(body), scope)  # generated from the class's own fields (see above)
    write: Writer = scope["write"]
    return write


Plan = tuple[bytes, tuple[str, ...], tuple[bytes, ...], tuple[bytes, ...]]


def line_plan(cls: Any, names: tuple[str, ...], nested: bool = False) -> Plan:
    """What the compiled encoder writes for ``cls``: the line's head (``{`` for a dataclass
    inside an event), the field names in order, each field's ``,"name":`` and its text when
    ``None`` (nothing if omitted)."""
    omit = set(getattr(cls, "OMIT_IF_NONE", ()))
    head = b"{" if nested else f'{{"v":{SCHEMA_VERSION},"type":{_quote(cls.TYPE)}'.encode()
    keys = tuple(f",{_quote(name)}:".encode() for name in names)
    pairs = zip(names, keys, strict=True)
    nulls = tuple(b"" if name in omit else key + b"null" for name, key in pairs)
    return head, names, keys, nulls


def load_compiled() -> ModuleType | None:
    """The compiled encoder, or ``None`` (with a warning) if it is missing or was built
    before its source last changed: the generated encoders above are used then."""
    try:
        module = importlib.import_module("twin.events._lines")
    except ImportError:
        return None  # a tree without the build: the Python encoders, same bytes
    built = Path(module.__file__ or "")
    source = Path(__file__).with_name("_lines.pyx")
    if source.exists() and source.stat().st_mtime > built.stat().st_mtime:
        warnings.warn(
            f"{built.name} is older than {source.name}: the log is encoded by the slower "
            "Python encoders until it is rebuilt (run scripts/setup.sh)",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return module
