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
    --find-links .setup/wheels pytest
# The README's install command, exactly (inside the environment):
CARGO_NET_OFFLINE=true "$VENV/bin/pip" install --no-index --find-links .setup/wheels ./python
cargo build --quiet --bin cuebench
CUEBENCH_BIN="$ROOT/target/debug/cuebench" "$VENV/bin/python" -m pytest python/tests -q -p no:cacheprovider
