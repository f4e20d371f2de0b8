"""Where the run store lives unless told otherwise.

A module of its own so that the command line can show the default in its options without
importing the store (DuckDB, the KPI specs, the scenario schema).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_STORE = Path("runs/fieldtwin.duckdb")
