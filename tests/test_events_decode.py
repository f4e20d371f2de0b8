"""The compiled decoder of ``twin.events.codec`` against a plain walk over the type hints.

The reference below is the decoder as it was before it was compiled per type: for any JSON
object, valid or not, both must give equal events or the same error (message and field).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import events as ev
from twin.config import Scenario
from twin.events import codec
from twin.events.codec import EventParseError, parse_time
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World


def _ref_decode(tp: Any, value: Any, field: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _ref_decode(inner[0], value, field)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            msg = f"{value!r} is not one of {', '.join(map(repr, allowed))}"
            raise EventParseError(msg, field=field)
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise EventParseError(f"expected a list, got {value!r}", field=field)
        (item_tp, _ellipsis) = typing.get_args(tp)
        return tuple(_ref_decode(item_tp, v, f"{field}[{i}]") for i, v in enumerate(value))
    if tp is datetime:
        if not isinstance(value, str):
            raise EventParseError(f"expected a timestamp string, got {value!r}", field=field)
        try:
            return parse_time(value)
        except ValueError as exc:
            raise EventParseError(str(exc), field=field) from None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EventParseError(f"expected a number, got {value!r}", field=field)
        try:
            return float(value)
        except OverflowError:
            raise EventParseError("number out of range", field=field) from None
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise EventParseError(f"expected an integer, got {value!r}", field=field)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise EventParseError(f"expected a string, got {value!r}", field=field)
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise EventParseError(f"expected an object, got {value!r}", field=field)
        return _ref_build(tp, value, prefix=f"{field}.")
    raise TypeError(f"unsupported field type {tp!r}")


def _ref_build(cls: Any, data: dict[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        name = prefix + f.name
        if f.name not in data:
            if f.default is not dataclasses.MISSING:
                continue
            raise EventParseError("missing", field=name)
        kwargs[f.name] = _ref_decode(hints[f.name], data[f.name], name)
    known = {f.name for f in dataclasses.fields(cls)} | ({"v", "type"} if not prefix else set())
    unknown = sorted(set(data) - known)
    if unknown:
        raise EventParseError("unknown field", field=prefix + unknown[0])
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise EventParseError(str(exc)) from None


def _outcome(decode: Any, data: Any) -> tuple[str, Any]:
    try:
        return "event", decode(data)
    except EventParseError as exc:
        return "error", (exc.reason, exc.field)


def _reference(data: Any) -> Any:
    codec.from_dict(data)  # version and type checks are shared; only the build differs
    return _ref_build(ev.EVENT_TYPES[data["type"]], data)


@pytest.fixture(scope="module")
def samples() -> list[dict[str, Any]]:
    """One JSON object per event type of a tiny brain day (world and decisions)."""
    from tests.conftest import SCENARIOS
    from twin.app.wiring import build_brain
    from twin.config import load_scenario
    from twin.stream.connectors.bridge import run_direct_loop

    tiny: Scenario = load_scenario(SCENARIOS / "small.toml").with_overrides(
        **{"workforce.technicians": 4, "policy.brain": True}
    )
    world = World(tiny, BaselineDispatcher)
    by_type: dict[str, dict[str, Any]] = {}
    for e in run_direct_loop(world, build_brain(world.company)).events:
        by_type.setdefault(e.TYPE, json.loads(ev.to_json(e)))
    return list(by_type.values())


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(
        ["2026-11-23T08:00:00Z", "2026-11-23T08:00:00+02:00", "2026-13-01T00:00:00Z", "repair"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def test_a_day_decodes_as_the_reference_does(samples: list[dict[str, Any]]) -> None:
    assert {"position", "plan_published", "eta_updated", "customer_notified"} <= {
        s["type"] for s in samples
    }
    for data in samples:
        assert _outcome(codec.from_dict, data) == _outcome(_reference, data)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_bad_objects_are_refused_as_the_reference_refuses_them(
    samples: list[dict[str, Any]], data: st.DataObject
) -> None:
    obj = json.loads(json.dumps(data.draw(st.sampled_from(samples))))
    target = obj
    if "routes" in obj and obj["routes"] and data.draw(st.booleans()):
        target = obj["routes"][0]  # a nested object: prefixed field names
    keys = [k for k in target if k not in ("v", "type")] + ["extra", "v", "type"]
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = data.draw(JSON)
    mine = _outcome(codec.from_dict, obj)
    if mine[0] == "error" and mine[1][1] in ("v", "type"):
        return  # refused before the build: nothing of the compiled decoder ran
    assert mine == _outcome(_reference, obj)
