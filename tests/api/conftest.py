"""One real ``twin serve`` (small scenario, paused at start) shared by a module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.served import Served
from tests.api.training_day import TrainingDay, play


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = Served(tmp_path_factory.mktemp("served")).start("--paused")
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def training_day(tmp_path_factory: pytest.TempPathFactory) -> TrainingDay:
    """One training day played for test_training.py and test_training_browser.py."""
    return play(tmp_path_factory.mktemp("training"))


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


__all__ = ["Path", "token_of"]
