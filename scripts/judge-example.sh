#!/usr/bin/env bash
# Scores the example Vad-Reasoning and VAU-Bench predictions with the local
# judge (README "Judged reasoning metrics"): installs it if needed
# (scripts/setup-judge.sh), starts it on a free loopback port, runs both
# judged tasks, and stops it. Extra arguments go to both `cuebench eval`s.
#
#   scripts/judge-example.sh [--judge-refresh] [--output DIR] ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CUEBENCH="${CUEBENCH:-cuebench}"
DIR="$(bash "$ROOT/scripts/setup-judge.sh")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$DIR/bin/llama-server" -m "$DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf" \
    --host 127.0.0.1 --port "$PORT" -c 16384 -np 8 -t 1 --metrics --no-repack >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 600); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health')" \
        2>/dev/null && break
    sleep 0.2
done
JUDGE=(--judge-url "http://127.0.0.1:$PORT/v1" --judge-model smollm2-135m)
cd "$ROOT"
"$CUEBENCH" eval --bench vad-reasoning --task llm-guided "${JUDGE[@]}" \
    --gt examples/vad-reasoning/ground_truth.jsonl examples/vad-reasoning/predictions.jsonl "$@"
"$CUEBENCH" eval --bench vau-bench --task vau-eval "${JUDGE[@]}" \
    --gt examples/vau-bench/val.csv examples/vau-bench/predictions.jsonl "$@"
