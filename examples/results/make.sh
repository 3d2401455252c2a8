#!/usr/bin/env bash
# Regenerates the three example result sets (README.md). Run from the
# repository root after `cargo build --release`.
set -euo pipefail
# A fixed (git-ignored) work folder keeps the recorded paths the same on every run.
work=target/example-results
rm -rf "$work"
cuebench=${CUEBENCH:-target/release/cuebench}
"$cuebench" tasks --gt examples/annotations.json --out "$work/truth" >/dev/null 2>&1
python3 examples/results/make.py "$work/truth" "$work/predictions"
export SOURCE_DATE_EPOCH=1767225600   # 2026-01-01T00:00:00Z: reruns are byte-identical
for name in strong example weak; do
  rm -rf "examples/results/$name"
  "$cuebench" eval --all --gt examples/annotations.json --model models/minilm-l6-v2 \
    --name "$name" --confidence --quiet --no-cache \
    --output "examples/results/$name" "$work/predictions/$name" >/dev/null
done
