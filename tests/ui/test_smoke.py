"""Every page opens on an empty store without console errors."""

from __future__ import annotations

import pytest

from tests.ui.conftest import Cockpit, shot


@pytest.mark.parametrize("path", ["/", "/tradeoff", "/day", "/model", "/runs"])
def test_page_opens(page, cockpit: Cockpit, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + path)
    page.wait_for_selector("h2")
    page.wait_for_load_state("networkidle")
    shot(page, "empty" + path.replace("/", "-").rstrip("-"))
