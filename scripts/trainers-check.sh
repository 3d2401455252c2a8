#!/usr/bin/env bash
# The heavy check: cuebench inside TRL's GRPOTrainer (2 CPU steps, tiny
# random model), verl 0.9.1's reward loader and naive reward manager, and
# OpenRLHF 0.11.2's SingleTurnAgentExecutor (scripts/trainers_check.py).
# Not run by CI: it installs PyTorch (several GB from PyPI, CUDA wheels
# included; no CPU-only wheel is on PyPI) into .cache/trainers-venv.
#
#   scripts/trainers-check.sh [trl] [verl] [openrlhf]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CUEBENCH_TRAINERS_VENV:-$ROOT/.cache/trainers-venv}"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
PIP=("$VENV/bin/pip" install --quiet --disable-pip-version-check)
# The trainers, pinned. verl and OpenRLHF without their GPU stacks (vLLM,
# flash-attn, DeepSpeed): only their reward code is exercised.
"${PIP[@]}" "trl==1.16.0" torch datasets "ray==2.60.0" omegaconf aiohttp pylatexenc orjson \
    codetiming hydra-core "tensordict>=0.8,<=0.10"
"${PIP[@]}" --no-deps "verl==0.9.1" "openrlhf==0.11.2"
CARGO_NET_OFFLINE=true "${PIP[@]}" --no-index --find-links .setup/wheels --force-reinstall --no-deps ./python
cargo build --quiet --bin cuebench
CUEBENCH_BIN="$ROOT/target/debug/cuebench" "$VENV/bin/python" scripts/trainers_check.py "$@"
