"""The compiled encoder (twin.events._lines) writes the Python encoders' bytes, on every
event class of the schema with generated field values and on a real brain day."""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import events as ev
from twin.config import Scenario
from twin.events import codec
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World

CLASSES = sorted(ev.EVENT_TYPES.values(), key=lambda c: c.TYPE)

# strings with quotes, backslashes, control characters, non-ASCII of 2, 3 and 4 bytes, and
# now and then a lone surrogate (no UTF-8 for it)
ODD_TEXT = st.text(
    st.one_of(
        st.sampled_from('"\\\x00\x01\x08\t\n\x0c\r\x1f\x7f é€😀\u2028'),
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    max_size=12,
)
FLOATS = st.one_of(
    st.floats(),  # NaN and the infinities: the generic encoder's own spelling
    # -0.0, where repr switches to exponents, a subnormal, the least normal, the greatest
    st.sampled_from([-0.0, 1e16, 1e-7, 5e-324, 2.2250738585072014e-308, sys.float_info.max]),
)
INTS = st.one_of(st.integers(), st.integers(min_value=-(10**60), max_value=10**60))
TIMES = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    st.builds(
        lambda t: t.replace(tzinfo=timezone(timedelta(hours=2))),
        st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9999, 12, 30)),
    ),
)
ANY = st.one_of(st.none(), st.booleans(), ODD_TEXT, FLOATS, INTS, TIMES, st.just(()))


def _values(tp: Any) -> st.SearchStrategy[Any]:
    """Values of an annotated type, and now and then a value of any other kind."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = st.one_of(*(_values(a) for a in typing.get_args(tp)))
    elif origin is typing.Literal:
        inner = st.sampled_from(typing.get_args(tp))
    elif origin is tuple:  # a plan's routes, a route's visit ids and depot stops
        inner = st.lists(_values(typing.get_args(tp)[0]), max_size=3).map(tuple)
    elif dataclasses.is_dataclass(tp):
        inner = st.deferred(lambda: _objects(tp))
    else:
        kinds = {str: ODD_TEXT, float: FLOATS, int: INTS, bool: st.booleans(), datetime: TIMES}
        inner = kinds.get(tp, st.none())
    return st.one_of(inner, inner, inner, ANY)  # mostly the annotated kind


def _objects(cls: Any) -> st.SearchStrategy[Any]:
    """Objects of the dataclass ``cls`` (an event, or a route inside one) with any field
    values (set past the class's validation: the encoders write what the fields hold)."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]

    def build(values: list[Any]) -> Any:
        e = object.__new__(cls)
        for name, value in zip(names, values, strict=True):
            object.__setattr__(e, name, value)
        return e

    return st.tuples(*(_values(hints[n]) for n in names)).map(lambda vs: build(list(vs)))


def _python_lines(events: list[ev.Event]) -> list[str]:
    return [codec.to_json(e) for e in events]


def _compiled(
    events: list[ev.Event], want_bytes: bool = True, want_lines: bool = True
) -> tuple[list[str], Any]:
    lines, data = codec._COMPILED.encode_block(
        events,
        codec._PLANS_C,
        codec._line_plan,
        codec.to_json,
        want_bytes,
        codec._nested_plan,
        want_lines,
    )
    return lines, data


def test_the_compiled_encoder_is_built() -> None:
    assert codec._COMPILED is not None, "twin/events/_lines.pyx is not built (scripts/setup.sh)"
    with pytest.raises(ValueError, match="want_lines or want_bytes"):
        _compiled([], want_bytes=False, want_lines=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(*(_objects(c) for c in CLASSES)), max_size=25))
def test_compiled_lines_equal_the_python_encoder(events: list[ev.Event]) -> None:
    expected = _python_lines(events)
    lines, data = _compiled(events)
    assert lines == expected
    assert _compiled(events, want_bytes=False) == (expected, None)
    try:
        whole = "".join(line + "\n" for line in expected).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the caller encodes (and refuses) it
        assert data is None
        assert _compiled(events, want_lines=False) == (None, None)
    else:
        assert data == whole
        assert _compiled(events, want_lines=False) == (None, whole)  # no line made a str


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.TYPE)
def test_every_event_class_is_written_from_its_fields(cls: type[ev.Event]) -> None:
    """One plain event of each class: written by the compiled plan, not the fallback."""
    hints = typing.get_type_hints(cls)
    plain = {str: 'a"b\\é\n', float: -0.0, int: 2**70, bool: True, datetime: datetime.now(UTC)}
    e = object.__new__(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        options = [tp, *typing.get_args(tp)]
        value = next((plain[o] for o in options if o in plain), None)
        if typing.get_origin(tp) is typing.Literal:
            value = typing.get_args(tp)[0]
        object.__setattr__(e, f.name, value)
    assert _refused([e]) == [] and codec.to_lines([e]) == [codec.to_json(e)]


def _refused(events: list[Any]) -> list[Any]:
    """The events the compiled encoder hands to its fallback."""
    refused: list[Any] = []
    codec._COMPILED.encode_block(
        events, {}, codec._line_plan, lambda e: refused.append(e) or "", True, codec._nested_plan
    )
    return refused


def test_a_lone_surrogate_is_refused_as_before(tmp_path: Any) -> None:
    from twin.app.outputs import RunFolder

    t = datetime(2026, 11, 23, 8, tzinfo=UTC)
    e = ev.Position(id="w\udc80", time=t, technician_id="T1", x=1.0, y=2.0)
    assert codec.to_lines([e]) == [codec.to_json(e)]
    with pytest.raises(UnicodeEncodeError), RunFolder(tmp_path / "out") as folder:
        folder.write_events([e])
    with pytest.raises(UnicodeEncodeError), RunFolder(tmp_path / "bytes") as folder:
        folder.write_events([e], keep=False)  # the bytes alone: the same refusal


def test_a_brain_day_is_written_as_the_python_encoders_write_it(
    tiny: Scenario, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twin.app.outputs import LOG, RunFolder
    from twin.app.wiring import build_brain
    from twin.stream.connectors.bridge import run_direct_loop

    world = World(tiny.with_overrides(**{"policy.brain": True}), BaselineDispatcher)
    events = run_direct_loop(world, build_brain(world.company)).events
    expected = _python_lines(events)
    assert codec.to_lines(events) == expected
    assert any(type(e) is ev.PlanPublished and e.routes for e in events)
    assert _refused(events) == []  # routes included, every line written in C
    with RunFolder(tmp_path / "a") as folder:
        assert folder.write_events(events) == tuple(expected)
    with RunFolder(tmp_path / "b") as folder:
        folder.write_log(expected, block=7)
    with RunFolder(tmp_path / "c") as folder:
        assert folder.write_events(events, keep=False) is None  # no line made a str
        assert folder.log_lines == len(expected)
    assert (tmp_path / "a" / LOG).read_bytes() == (tmp_path / "b" / LOG).read_bytes()
    assert (tmp_path / "c" / LOG).read_bytes() == (tmp_path / "b" / LOG).read_bytes()
    assert sum(n for n, _ in codec.encode_bytes(events, block=333)) == len(events)
    monkeypatch.setattr(codec, "_COMPILED", None)  # a tree without the build
    assert codec.to_lines(events) == expected
    blocks = list(codec.encode_blocks(events, block=1000))
    assert b"".join(d for _, d in blocks) == (tmp_path / "a" / LOG).read_bytes()
    assert b"".join(d for _, d in codec.encode_bytes(events)) == (tmp_path / "a" / LOG).read_bytes()
    assert sys.getrefcount(events[0]) < 10  # the compiled blocks leaked no references
