#!/usr/bin/env bash
# The newcomer's path, end to end, from a fresh clone of the committed HEAD:
#
#   cargo install --path . --root "$PREFIX"
#   scripts/setup.sh --install "$PREFIX/share/cuebench"
#   (the clone is deleted: the binary must not need its checkout)
#   cd some/unrelated/folder   # holding a cuebench.toml
#   "$PREFIX/bin/cuebench" eval --task anomaly-bu preds.jsonl
#
# and the output must be exactly what README.md shows under
# `$ cuebench eval --task anomaly-bu preds.jsonl`.
#
#   scripts/acceptance.sh
#
# A release build takes minutes, so this is a script, not a test. Set
# CARGO_TARGET_DIR to reuse a build folder between runs. The clone reuses this
# checkout's fetched run-time files when they are here (setup.sh checks their
# sha256), so it downloads nothing that is already present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"
CLONE="$WORK/clone"

git clone --quiet "$ROOT" "$CLONE"
mkdir -p "$CLONE/.setup"
for dir in lib wordnet; do
    if [[ -d "$ROOT/.setup/$dir" ]]; then cp -R "$ROOT/.setup/$dir" "$CLONE/.setup/"; fi
done
if [[ -f "$ROOT/models/minilm-l6-v2/model.onnx" ]]; then
    cp "$ROOT/models/minilm-l6-v2/model.onnx" "$CLONE/models/minilm-l6-v2/"
fi

echo "acceptance: cargo install --path . --root $PREFIX" >&2
cargo install --quiet --locked --path "$CLONE" --root "$PREFIX"
bash "$CLONE/scripts/setup.sh" --install "$PREFIX/share/cuebench"
revision="$(git -C "$CLONE" rev-parse --short HEAD)"
rm -rf "$CLONE"

PROJECT="$WORK/unrelated/project"
mkdir -p "$PROJECT/data"
cp "$ROOT/examples/annotations.json" "$PROJECT/data/"
cp "$ROOT/examples/predictions/anomaly-bu.jsonl" "$PROJECT/preds.jsonl"
printf 'gt = "data/annotations.json"\n' > "$PROJECT/cuebench.toml"

cd "$PROJECT"
version="$(env -u CUEBENCH_DATA "$PREFIX/bin/cuebench" --version)"
if [[ "$version" != *"($revision)" ]]; then
    echo "acceptance: FAILED: --version says '$version', the clone was at $revision" >&2
    exit 1
fi
env -u CUEBENCH_GT -u CUEBENCH_DATA -u CUEBENCH_MODEL -u ORT_DYLIB_PATH \
    XDG_CACHE_HOME="$WORK/cache" \
    "$PREFIX/bin/cuebench" eval --task anomaly-bu preds.jsonl > "$WORK/actual.txt"

# The README's output for that command: the lines after it, to the block's end.
awk '
    $0 == "$ cuebench eval --task anomaly-bu preds.jsonl" { shown = 1; next }
    shown && /^(```|\$ )/ { exit }
    shown { print }
' "$ROOT/README.md" > "$WORK/readme.txt"
if [[ ! -s "$WORK/readme.txt" ]]; then
    echo "acceptance: FAILED: README.md shows no output for the used-by command" >&2
    exit 1
fi
if ! diff -u "$WORK/readme.txt" "$WORK/actual.txt"; then
    echo "acceptance: FAILED: the installed binary does not print the README's numbers" >&2
    exit 1
fi
echo "acceptance: ok ($version, installed and run without its checkout)"
