"""The roster file keeps technicians' tools and van stock, and omits them when empty."""

from __future__ import annotations

import json
from pathlib import Path

from twin.app.roster import read_roster, write_roster
from twin.models.routing.plan import TechnicianSpec


def test_tools_and_stock_round_trip_and_are_absent_by_default(tmp_path: Path) -> None:
    plain = TechnicianSpec("K1", 1.0, 2.0, frozenset({"gas"}), 480.0, 960.0, 1050.0)
    kitted = TechnicianSpec(
        "K2", 3.0, 4.0, frozenset({"gas"}), 480.0, 960.0, 1050.0,
        tools=frozenset({"ladder", "meter"}), stock={"valve": 2},
    )  # fmt: skip
    path = tmp_path / "roster.json"
    write_roster(path, {"K1": plain, "K2": kitted})
    rows = json.loads(path.read_text())
    assert "tools" not in rows[0] and "stock" not in rows[0]
    assert rows[1]["tools"] == ["ladder", "meter"] and rows[1]["stock"] == {"valve": 2}
    assert read_roster(path) == {"K1": plain, "K2": kitted}
