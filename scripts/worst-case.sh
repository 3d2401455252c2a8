#!/usr/bin/env bash
# Worst-case cost of the hostile inputs of issue 11 (items 11-14), measured on
# the release binary: wall time and peak memory of one command each. A
# bench-style check, not a test: it prints figures and fails only when a
# command fails outright.
#
#   scripts/worst-case.sh            # builds target/release/cuebench first
#   CUEBENCH=path/to/cuebench scripts/worst-case.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${CUEBENCH:-target/release/cuebench}
if [[ -z ${CUEBENCH:-} ]]; then
    cargo build --release --quiet
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gt=examples/annotations.json

# Runs a command quietly; prints its wall time, its CPU time (user + system:
# what counts on a shared, loaded machine) and its peak resident memory.
measure() {
    local label=$1
    shift
    /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >/dev/null 2>"$work/stderr" || true
    read -r wall user sys kb < <(tail -1 "$work/time")
    printf '%-56s wall %7.2f s  cpu %7.2f s  %6d MB\n' "$label" "$wall" \
        "$(awk "BEGIN { print $user + $sys }")" "$((kb / 1024))"
}

python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def line(obj):
    return json.dumps(obj) + "\n"
# Item 11: a run of '[' filling a response up to the 1 MiB line limit (a
# longer line is not extracted at all: its answer counts as unparseable).
with open(f"{work}/brackets.jsonl", "w") as f:
    f.write(line({"id": "vid_0001", "task": "detection", "response": "[" * ((1 << 20) - 64)}))
with open(f"{work}/brackets5.jsonl", "w") as f:
    f.write(line({"id": "vid_0001", "task": "detection", "response": "[" * (5 << 20)}))
# Item 12: a 50 MB answer list of integers (over the 1 MiB line limit).
with open(f"{work}/answer50.jsonl", "w") as f:
    f.write('{"id": "vid_0001", "task": "event", "answer": [' + "1," * (25 << 20) + "1]}\n")
# Item 13: r = t = 4000 intervals on one grounding sample (matched TIoU).
frames = [[10 * i, 10 * i + 5] for i in range(4000)]
video = {"video_id": "v", "fps": 10, "triplets": [{"id": "t", "event": "e", "scene": "s",
         "attributes": [], "anomaly": 1, "frames": frames, "taxonomy": ["anomaly", "a", "b", "e"]}]}
with open(f"{work}/gt4000.jsonl", "w") as f:
    f.write(line(video))
answer = [{"duration": [i + 0.1, i + 0.4]} for i in range(4000)]
with open(f"{work}/answer4000.jsonl", "w") as f:
    f.write(line({"id": "v|t", "answer": answer}))
# Item 14: one video with 10^5 triplets.
n = 100_000
triplets = [{"id": f"t{i}", "event": f"e{i}", "scene": f"s{i % 7}", "attributes": [f"a{i}"],
             "anomaly": i % 2, "frames": [[i, i + 5]],
             "taxonomy": ["anomaly" if i % 2 else "normality", "x", "y", f"e{i}"]} for i in range(n)]
with open(f"{work}/gt100k.jsonl", "w") as f:
    f.write(line({"video_id": "v", "triplets": triplets}))
with open(f"{work}/p100k.jsonl", "w") as f:
    f.write(line({"id": "v|e7", "task": "scene", "answer": []}))
EOF

echo "worst cases of issue 11 on $("$bin" --version)"
measure "11  validate, 1 MiB of [ in a response" \
    "$bin" validate "$work/brackets.jsonl" --task detection --gt "$gt"
measure "11  eval detection, 1 MiB of [ in a response" \
    "$bin" eval --task detection --gt "$gt" "$work/brackets.jsonl" --no-cache --quiet
measure "11  eval detection, 5 MiB of [ (over the line limit)" \
    "$bin" eval --task detection --gt "$gt" "$work/brackets5.jsonl" --no-cache --quiet
measure "12  validate, 50 MB answer list of integers" \
    "$bin" validate "$work/answer50.jsonl" --task event --gt "$gt"
measure "12  validate, /dev/zero as --gt (refused)" \
    "$bin" validate "$work/answer50.jsonl" --task event --gt /dev/zero
measure "13  eval grounding --tiou matched, r = t = 4000" \
    "$bin" eval --task grounding --tiou matched --gt "$work/gt4000.jsonl" "$work/answer4000.jsonl" --no-cache --quiet
measure "14  validate, one video with 10^5 triplets (scene)" \
    "$bin" validate "$work/p100k.jsonl" --task scene --gt "$work/gt100k.jsonl"
measure "14  tasks, one video with 10^5 triplets (all tasks)" \
    "$bin" tasks --gt "$work/gt100k.jsonl" --out "$work/tasks"
