#!/usr/bin/env bash
# Set up (if needed) and run everything CI checks: ruff, mypy, the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export OMP_NUM_THREADS=1
.venv/bin/ruff check twin tests bench
.venv/bin/ruff format --check twin tests bench
.venv/bin/mypy
.venv/bin/pytest -q "$@"
