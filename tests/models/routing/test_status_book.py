"""``StatusBook``: technicians' states with the set of the unavailable kept in step."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.models.routing.plan import (
    StatusAt,
    StatusBook,
    TechnicianSpec,
    TechnicianState,
    unavailable_of,
)

TIDS = [f"T{i}" for i in range(6)]


def _off(book: StatusBook) -> set[str]:
    return {t for t, s in book.items() if not s.available}


@settings(max_examples=60, deadline=None)
@given(
    first=st.lists(st.booleans(), min_size=len(TIDS), max_size=len(TIDS)),
    changes=st.lists(st.tuples(st.sampled_from(TIDS), st.booleans(), st.booleans()), max_size=40),
)
def test_the_set_follows_every_change(
    first: list[bool], changes: list[tuple[str, bool, bool]]
) -> None:
    book = StatusBook(
        {t: TechnicianState(t, 0.0, 0.0, 480.0, a) for t, a in zip(TIDS, first, strict=True)}
    )
    assert book.unavailable == _off(book)
    for tid, available, delete in changes:
        if delete and tid in book:
            del book[tid]
        else:
            book[tid] = TechnicianState(tid, 1.0, 2.0, 500.0, available)
        assert book.unavailable == _off(book)
        assert unavailable_of(book) is book.unavailable
        assert unavailable_of(StatusAt(book, 600.0)) is book.unavailable
    copy = pickle.loads(pickle.dumps(book))
    assert type(copy) is StatusBook and copy == book and copy.unavailable == _off(book)


def test_changes_that_would_bypass_the_set_are_refused() -> None:
    book = StatusBook({"T1": TechnicianState("T1", 0.0, 0.0, 480.0)})
    other = {"T2": TechnicianState("T2", 0.0, 0.0, 480.0, False)}
    for change in (
        lambda: book.update(other),
        lambda: book.setdefault("T2", other["T2"]),
        lambda: book.pop("T1"),
        lambda: book.popitem(),
        lambda: book.clear(),
    ):
        with pytest.raises(TypeError, match="one technician at a time"):
            change()
    assert dict(book) == {"T1": TechnicianState("T1", 0.0, 0.0, 480.0)} and not book.unavailable


def test_everyone_starts_at_home_and_plain_mappings_keep_no_set() -> None:
    spec = TechnicianSpec("T1", 3.0, 4.0, frozenset({"s"}), 480.0, 960.0, 1080.0)
    book = StatusBook.at_home({"T1": spec})
    assert book == {"T1": TechnicianState("T1", 3.0, 4.0, 480.0)} and book.unavailable == set()
    assert unavailable_of(dict(book)) is None
    assert unavailable_of(StatusAt(dict(book), 500.0)) is None
