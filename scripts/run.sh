#!/usr/bin/env bash
# Set up (if needed) and run the default scenario: a simulated working day of ~50
# technicians. Writes out/default/{events.jsonl,kpis.json,report.html}. Extra arguments go
# to `twin run` (e.g. --seed 7 --policy baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/twin run --scenario data/scenarios/default.toml --out out/default "$@"
