#!/usr/bin/env bash
# The README's test command, exactly, in a fresh clone of this checkout's
# HEAD that stands alone in an empty temporary folder: the tests must pass on
# the repository's own files, with no ../shared (or anything else) beside
# the clone. Run by .ci/run; commit first, since uncommitted changes are not
# in the clone.
#
#   scripts/clone-test.sh           # after scripts/setup.sh in this checkout
#
# To keep CI time down the clone reuses, without trusting them, what this
# checkout already has: the files scripts/setup.sh fetched (copied in; the
# clone's own setup.sh checks each one's sha256 and fetches any that is
# missing or wrong) and the build folder (CARGO_TARGET_DIR; cargo keys the
# clone's crate by its own path, so only the dependencies are shared).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
parent="$(mktemp -d)"
trap 'rm -rf "$parent"' EXIT
clone="$parent/cuebench"
git clone --quiet "$ROOT" "$clone"
if [[ -d "$ROOT/.setup" ]]; then
    cp -a "$ROOT/.setup" "$clone/"
fi
if [[ -f "$ROOT/models/minilm-l6-v2/model.onnx" ]]; then
    cp -a "$ROOT/models/minilm-l6-v2/model.onnx" "$clone/models/minilm-l6-v2/"
fi
others="$(ls -A "$parent" | grep -vx cuebench || true)"
if [[ -n "$others" ]]; then
    echo "error: $parent holds more than the clone: $others" >&2
    exit 1
fi
echo "clone-test: $(git -C "$clone" rev-parse --short HEAD) alone in $parent"
cd "$clone"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# The README's test command, exactly:
bash scripts/setup.sh && cargo test
