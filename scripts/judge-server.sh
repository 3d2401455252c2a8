#!/usr/bin/env bash
# Runs the local judge: llama.cpp's llama-server with SmolLM2-135M-Instruct
# on loopback, installed by scripts/setup-judge.sh (run first, once).
#
#   scripts/judge-server.sh [PORT]     # default 8080; Ctrl-C stops it
#
# Then: cuebench eval ... --judge-url http://127.0.0.1:PORT/v1 --judge-model smollm2-135m
# 8 slots of 2048 tokens each, so --judge-concurrency 8 runs 8 at once.
# --no-repack: no AMX/repacked weight buffers; llama.cpp's AMX path crashes
# where the kernel does not grant AMX tiles (e.g. a sandbox).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(bash "$ROOT/scripts/setup-judge.sh")"
exec "$DIR/bin/llama-server" -m "$DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf" \
    --host 127.0.0.1 --port "${1:-8080}" -c 16384 -np 8 --metrics --no-repack
