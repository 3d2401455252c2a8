#!/usr/bin/env bash
# Builds and installs the Python package with the README's command (offline:
# the wheels and crates come from scripts/setup.sh) into a virtual
# environment, builds the CLI the parity tests compare with, and runs pytest.
#
#   scripts/python-ci.sh            # after scripts/setup.sh
#
# The virtual environment is .cache/python-venv (CUEBENCH_VENV to change it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CUEBENCH_VENV:-$ROOT/.cache/python-venv}"
PYTHON="${PYTHON:-python3}"

"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-index \
    --find-links .setup/wheels pytest "ray==2.60.0"
# The README's install command, exactly (inside the environment):
# The README's install command; in the dev profile and the main target
# folder, so it reuses what the tests compiled (under 2 min instead of 6 for
# a release wheel; the numbers are the same, the parity tests check it).
CARGO_NET_OFFLINE=true MATURIN_PEP517_ARGS="--profile dev" \
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" \
    "$VENV/bin/pip" install --no-index --find-links .setup/wheels ./python
cargo build --quiet --bin cuebench
# The Ray test starts a local cluster on loopback; it must run here, not skip.
# Bounded: a hung cluster start cannot hold CI.
CUEBENCH_REQUIRE_RAY=1 RAY_USAGE_STATS_ENABLED=0 CUEBENCH_BIN="$ROOT/target/debug/cuebench" \
    timeout 1200 "$VENV/bin/python" -m pytest python/tests -q -p no:cacheprovider
