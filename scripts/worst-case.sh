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

# Runs a command quietly; prints its wall time and peak resident memory.
measure() {
    local label=$1
    shift
    local stats
    stats=$({ /usr/bin/time -f '%e %M' "$@" >/dev/null 2>"$work/stderr"; } 2>&1 | tail -1) || true
    if [[ ! $stats =~ ^[0-9.]+\ [0-9]+$ ]]; then
        stats=$(tail -1 "$work/stderr")
    fi
    read -r secs kb <<<"$stats"
    printf '%-58s %8.2f s %8.0f MB\n' "$label" "$secs" "$((kb / 1024))"
}

python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def line(obj):
    return json.dumps(obj) + "\n"
# Item 11: runs of '[' inside a response.
for mb in (1, 5):
    with open(f"{work}/brackets{mb}.jsonl", "w") as f:
        f.write(line({"id": "vid_0001", "task": "event", "response": "[" * (mb << 20)}))
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
measure "11  validate, 1 MB of [ in a response" \
    "$bin" validate "$work/brackets1.jsonl" --task event --gt "$gt"
measure "11  validate, 5 MB of [ in a response" \
    "$bin" validate "$work/brackets5.jsonl" --task event --gt "$gt"
measure "11  reward stream, 1 MB of [ (task detection, no model)" \
    sh -c "sed 's/\"event\"/\"detection\"/' '$work/brackets1.jsonl' | '$bin' reward --gt '$gt' --quiet --no-cache"
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
