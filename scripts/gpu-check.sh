#!/usr/bin/env bash
# One short check of `--device cuda` on a machine with an NVIDIA GPU
# (docs/scoring.md §15), sized for one call of ten minutes:
#   1. builds cuebench with --features cuda (or takes CUEBENCH_BIN),
#   2. scores bench's generated CueBench-sized input (all eight tasks) on the
#      CPU and on the GPU, and checks every per-sample score agrees within 1e-4,
#   3. prints a table of cold and warm `eval --all` times, texts/s and the
#      distance to the arithmetic floor at several batch sizes.
#
#   scripts/gpu-check.sh [--gpu N] [--batch-sizes "32 128 512"] [--work DIR]
#
# Needs `bash scripts/setup.sh --cuda` done (a data folder with cuda/), or
# CUDA_LIBS_FROM=DIR: a folder whose nvidia-* wheels' libraries (a Python
# environment's site-packages, e.g. PyTorch's) are linked into the data
# folder's cuda/ beside ONNX Runtime's GPU build. Exits 1 on a parity failure,
# 2 on a set-up failure (cuebench's own message names the missing piece).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GPU=0
BATCH_SIZES="32 128 512"
WORK="${TMPDIR:-/tmp}/cuebench-gpu-check"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --gpu) GPU="$2"; shift ;;
        --batch-sizes) BATCH_SIZES="$2"; shift ;;
        --work) WORK="$2"; shift ;;
        *) echo "usage: scripts/gpu-check.sh [--gpu N] [--batch-sizes \"32 128 512\"] [--work DIR]" >&2; exit 2 ;;
    esac
    shift
done

BIN="${CUEBENCH_BIN:-}"
if [[ -z "$BIN" ]]; then
    cargo build --release --features cuda --manifest-path "$ROOT/Cargo.toml" >&2
    BIN="$ROOT/target/release/cuebench"
fi

# Link a Python environment's CUDA libraries into the cuda/ folder in use.
if [[ -n "${CUDA_LIBS_FROM:-}" ]]; then
    CUDA_DIR="${CUEBENCH_DATA:-$ROOT/.setup}/cuda"
    mkdir -p "$CUDA_DIR"
    while IFS= read -r lib; do
        ln -sf "$lib" "$CUDA_DIR/$(basename "$lib")"
    done < <(find "$CUDA_LIBS_FROM" -path '*nvidia*' \( -name 'libcu*.so.*' -o -name 'libnvrtc*.so*' \) | sort)
fi

echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "(no nvidia-smi)"
"$BIN" --version

mkdir -p "$WORK"
echo "== bench input and CPU figures"
"$BIN" bench --work "$WORK/cpu" --device cpu --quiet --json >"$WORK/cpu.json"
GT="$WORK/cpu/annotations.jsonl"
PRED="$WORK/cpu/predictions.jsonl"

echo "== per-sample parity, CPU vs cuda:$GPU"
rm -rf "$WORK/parity-cpu" "$WORK/parity-gpu"
"$BIN" eval --all --gt "$GT" "$PRED" --no-cache --quiet --device cpu --output "$WORK/parity-cpu" >/dev/null
set +e
"$BIN" eval --all --gt "$GT" "$PRED" --no-cache --quiet --device "cuda:$GPU" --output "$WORK/parity-gpu" >/dev/null
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
    echo "gpu-check: eval --device cuda:$GPU failed (exit $rc)" >&2
    exit 2
fi
python3 - "$WORK/parity-cpu" "$WORK/parity-gpu" <<'PY'
import json, pathlib, sys
cpu, gpu = map(pathlib.Path, sys.argv[1:])
def numbers(value, path=""):
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield path, float(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("response",):
                yield from numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from numbers(v, f"{path}[{i}]")
worst, where, count = 0.0, "", 0
for f in sorted(cpu.glob("samples_*.jsonl")):
    a = [json.loads(l) for l in f.open()]
    b = [json.loads(l) for l in (gpu / f.name).open()]
    assert len(a) == len(b), f"{f.name}: {len(a)} vs {len(b)} samples"
    for x, y in zip(a, b):
        assert x["id"] == y["id"], f.name
        nx, ny = dict(numbers(x.get("scores"))), dict(numbers(y.get("scores")))
        nx.update(("pairs" + k, v) for k, v in numbers(x.get("pairs")))
        ny.update(("pairs" + k, v) for k, v in numbers(y.get("pairs")))
        assert nx.keys() == ny.keys(), f"{f.name} {x['id']}"
        for k in nx:
            count += 1
            d = abs(nx[k] - ny[k])
            if d > worst:
                worst, where = d, f"{f.name} {x['id']} {k}"
print(f"{count} per-sample numbers compared; largest |cpu - gpu| = {worst:.2e} ({where or 'none'})")
sys.exit(0 if worst <= 1e-4 else 1)
PY

echo "== cuda:$GPU timings"
for b in $BATCH_SIZES; do
    "$BIN" bench --work "$WORK/gpu-$b" --device "cuda:$GPU" --batch-size "$b" --quiet --json >"$WORK/gpu-$b.json"
done
python3 - "$WORK" $BATCH_SIZES <<'PY'
import json, pathlib, sys
work = pathlib.Path(sys.argv[1])
rows = [("cpu", json.loads((work / "cpu.json").read_text()))]
rows += [(f"cuda, batch {b}", json.loads((work / f"gpu-{b}.json").read_text())) for b in sys.argv[2:]]
print("| device | eval --all cold (s) | warm (s) | embedding texts/s | cold / floor | floor GFLOP/s |")
print("|---|---|---|---|---|---|")
for name, r in rows:
    f = r["floor"]
    print(f"| {name} | {r['eval_cold_s']:.2f} | {r['eval_warm_s']:.2f} | {r['embed_texts_per_s']:.0f} "
          f"| {r['eval_cold_ratio']:.2f} | {f['matmul_flops_per_s'] / 1e9:.0f} |")
r = rows[1][1]
print(f"{r['samples']} samples, {r['texts']} distinct texts, {r['floor']['tokens']} tokens")
PY
