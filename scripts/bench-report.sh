#!/usr/bin/env bash
# Benchmark of `cuebench report`: three models x every task of the
# CueBench-sized input of `cuebench bench` (1,222 videos, ~10,500 samples per
# model), grouped by all six groupings. Prints the warm time of each of five
# report runs and the file's size. Targets: under 2 s warm, under 5 MB.
#
#   scripts/bench-report.sh [WORK_DIR]        # default target/bench-report
#
# Uses $CUEBENCH or target/release/cuebench (build it with --release first).
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-target/bench-report}
bin=${CUEBENCH:-target/release/cuebench}
[ -x "$bin" ] || { echo "no $bin: cargo build --release first" >&2; exit 2; }
mkdir -p "$work"

# The generated annotations and predictions, and a warm vector cache.
"$bin" bench --work "$work/data" --quiet --json >"$work/bench.json"

# Three models: every prediction, every fifth line dropped, every third dropped.
by=(--by branch --by domain --by effect --by event --by genre --by camera_view)
for drop in 0 5 3; do
    name=model-drop$drop
    awk -v n="$drop" 'n == 0 || NR % n != 1' "$work/data/predictions.jsonl" >"$work/$name.jsonl"
    rm -rf "${work:?}/results/$name"
    "$bin" eval --all --gt "$work/data/annotations.jsonl" "$work/$name.jsonl" "${by[@]}" \
        --name "$name" --output "$work/results/$name" --cache-dir "$work/data/cache" --quiet \
        >/dev/null
done

runs=("$work"/results/model-drop0 "$work"/results/model-drop5 "$work"/results/model-drop3)
"$bin" report "${runs[@]}" --out "$work/report.html" 2>/dev/null # first run: files into the page cache
TIMEFORMAT=%R
for i in 1 2 3 4 5; do
    echo -n "report, 3 models x 8 tasks, warm, run $i: "
    { time "$bin" report "${runs[@]}" --out "$work/report.html" 2>/dev/null; } 2>&1 | tail -1
done
echo "size: $(wc -c <"$work/report.html") bytes"
