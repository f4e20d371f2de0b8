"""The one-pass parser (``twin.stream.fastparse``) against the exact path (``parse_line``).

The fast path may decline any line (None: the exact path decides), but whatever it accepts
must be the event the exact path builds, and it must accept the usual lines (else it saves
nothing). Held on every line of a recorded day, on the fuzz corpus of bad lines, and on
objects mutated by Hypothesis; and the replay's source (``with_ticks``) against the plain
loop it replaced.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.stream.connectors import fuzz_corpus
from tests.stream.connectors.conftest import Day
from twin import events as ev
from twin.stream.connectors.jsonl import read_lines, with_ticks
from twin.stream.fastparse import FastParser, parse_line_fast
from twin.stream.order import RawLine, Watermark, parse, rules_for
from twin.stream.validate import EventRules, parse_line


def _exact(raw: bytes | str, rules: EventRules | None) -> tuple[str, Any]:
    try:
        return "event", parse_line(raw, rules, 7)
    except ev.EventParseError as exc:
        return "error", str(exc)


def _agrees(parser: FastParser, raw: bytes | str) -> bool:
    """Whether the fast path accepted ``raw``; fails if it accepted it differently."""
    fast = parser.parse(raw)
    exact = _exact(raw, parser.rules)
    if fast is None:
        assert _outcome(parser, raw) == exact  # parse_line_fast falls back to the exact path
        return False
    assert exact == ("event", fast), raw
    return True


def _outcome(parser: FastParser, raw: bytes | str) -> tuple[str, Any]:
    try:
        return "event", parse_line_fast(parser, raw, 7)
    except ev.EventParseError as exc:
        return "error", str(exc)


def test_a_days_lines_parse_as_the_exact_path_parses_them(small_day: Day) -> None:
    rules = rules_for(small_day.params)
    for parser in (FastParser(rules), FastParser(None)):
        accepted = {json.loads(ln)["type"] for ln in small_day.lines if _agrees(parser, ln)}
        day_types = {json.loads(ln)["type"] for ln in small_day.lines}
        # every type but the nested plan takes the fast path (else it saves nothing)
        assert accepted == day_types - {"plan_published"}
        assert {"position", "visit_requested", "eta_updated", "customer_notified"} <= accepted
        for ln in small_day.lines[:50]:  # bytes as a Kafka message carries them
            _agrees(parser, ln.encode())


def test_bad_lines_are_refused_as_the_exact_path_refuses_them(small_day: Day) -> None:
    parser = FastParser(rules_for(small_day.params))
    bad = fuzz_corpus.bad_lines(small_day.lines, 3000, seed=22)
    accepted = {b.kind for b in bad if _agrees(parser, b.raw)}
    # late and repeated lines are valid events (the admission step refuses them), the
    # rest is declined and explained by the exact path
    assert accepted <= {"late", "duplicate"}
    assert sum(_exact(b.raw, parser.rules)[0] == "error" for b in bad) > 2000


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["2026-11-23T08:00:00Z", "2026-11-23T09:00:00+02:00", "repair", "T001"]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_mutated_objects_parse_as_the_exact_path_parses_them(
    small_day: Day, data: st.DataObject
) -> None:
    sample = data.draw(st.sampled_from(small_day.lines[::7]))
    obj = json.loads(sample)
    keys = [*obj, "extra"]
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()):
            obj.pop(key, None)
        elif data.draw(st.booleans()) and isinstance(obj.get(key), str):
            obj[key] = data.draw(st.sampled_from(small_day.lines))[30:50]  # another's text
        else:
            obj[key] = data.draw(JSON)
    raw = json.dumps(obj, ensure_ascii=data.draw(st.booleans()))
    space = data.draw(st.sampled_from(["", " ", "\r", "\n"]))
    for parser in (FastParser(rules_for(small_day.params)), FastParser(None)):
        _agrees(parser, raw + space)


def _plain_source(lines: list[tuple[int, bytes]], day: Day) -> Iterator[Any]:
    """``with_ticks`` as it was: every line through ``parse``, every event observed."""
    params = day.params
    mark = Watermark(params.clock, params.reorder_bound_min)
    for no, raw in lines:
        if not raw.strip():
            continue
        item = parse(RawLine(raw, no), rules_for(params))
        if isinstance(item, ev.Event):
            yield from mark.observe(params.clock.minutes(item.time), item.id)
        yield item
    yield from mark.finish()


def test_the_replay_source_is_the_plain_loop(small_day: Day) -> None:
    clean = small_day.lines
    bad = fuzz_corpus.bad_lines(clean, 600, seed=5)
    raw, _ = fuzz_corpus.dirty_log(clean, bad)
    lines = [(no, line) for no, line in enumerate([*raw, b"", b"  "], start=1)]
    params = small_day.params
    rules = rules_for(params)
    world: list[ev.Event] = []
    mine = list(with_ticks(lines, params.clock, params.reorder_bound_min, rules, world))
    assert mine == list(_plain_source(lines, small_day))
    assert len(world) == len({e.id for e in world}) > 0


def _readline_lines(fh: io.BytesIO, limit: int) -> Iterator[tuple[int, bytes]]:
    """``read_lines`` as it was: ``readline`` per line, the rest of a long line skipped."""
    for no, line in enumerate(iter(lambda: fh.readline(limit + 2), b""), start=1):
        if line.endswith(b"\n"):
            yield no, line[:-1]
            continue
        if len(line) > limit:
            while (rest := fh.readline(3)) and not rest.endswith(b"\n"):
                pass
        yield no, line


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from([b"\n", b"a", b"bc", b"\xff", b"defgh", b"\r\n", b"{}"])),
    limit=st.integers(min_value=1, max_value=9),
    chunk=st.integers(min_value=1, max_value=12),
)
def test_lines_are_read_in_chunks_as_readline_reads_them(
    text: list[bytes], limit: int, chunk: int
) -> None:
    data = b"".join(text)
    mine = list(read_lines(io.BytesIO(data), limit=limit, chunk=chunk))
    assert mine == list(_readline_lines(io.BytesIO(data), limit))
