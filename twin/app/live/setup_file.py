"""The served day's set-up file (``serve.json`` in its state folder): the scenario, seed
and public URL it was started with, so that a restart serves the same day."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SETUP = "serve.json"


def write_setup(state_dir: Path, setup: dict[str, Any]) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / SETUP).write_text(json.dumps(setup, indent=2), encoding="utf-8")


def read_setup(state_dir: Path) -> dict[str, Any] | None:
    """The saved set-up, or None when the folder holds no served day."""
    path = state_dir / SETUP
    if not path.exists():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")))
