#!/usr/bin/env python3
"""Completions per second for GRPO-shaped reward batches (64 completions, 8
per prompt) through the three ways in: the CLI stream (`cuebench reward`
on stdin), the Python batch API (`cuebench.Session.rewards`) and the reward
server (`POST /reward`). Cold: every batch brings answer texts never seen
(the model embeds them); warm: the same batches again (vectors in memory).
Loading and the ground truth's warm-up are timed apart and left out.

    scripts/python-ci.sh                # or any install of the package
    cargo build --release
    .cache/python-venv/bin/python scripts/bench_rewards.py [--batches 40] [--json]

The three answer the same rewards (checked here to 1e-12).
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cuebench

ROOT = Path(__file__).resolve().parents[1]
BATCH, PER_PROMPT = 64, 8


def samples(cli: str, gt: Path, work: Path) -> list[dict]:
    """Every sample of every task, as `cuebench tasks` writes them."""
    subprocess.run([cli, "tasks", "--gt", str(gt), "--out", str(work)], check=True,
                   capture_output=True)
    found = []
    for path in sorted(work.glob("*.jsonl")):
        found += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return found


def vary(value, tag: str):
    """The truth with every text value changed by `tag` (a new text to embed)."""
    if isinstance(value, str):
        return f"{value} {tag}"
    if isinstance(value, dict):
        return {k: (v if k in ("duration", "anomaly_duration") else vary(v, tag))
                for k, v in value.items()}
    if isinstance(value, list):
        return [vary(v, tag) for v in value]
    return value


def batches(all_samples: list[dict], count: int) -> list[list[dict]]:
    """`count` batches of 64 completions: 8 prompts (samples, round robin
    over every task), 8 different answers each."""
    out, k = [], 0
    for b in range(count):
        batch = []
        for _ in range(BATCH // PER_PROMPT):
            s = all_samples[k % len(all_samples)]
            k += 1
            for g in range(PER_PROMPT):
                answer = json.dumps(vary(s["truth"], f"b{b}g{g}"))
                batch.append({"id": s["id"], "task": s["task"],
                              "response": f"<think>t</think><answer>{answer}</answer>"})
        out.append(batch)
    return out


def timed(run, data) -> tuple[float, list[float]]:
    start = time.perf_counter()
    rewards = [r for batch in data for r in run(batch)]
    return time.perf_counter() - start, rewards


def python_api(gt: Path, cache: Path, data):
    start = time.perf_counter()
    session = cuebench.Session(gt=str(gt), cache_dir=str(cache))
    load = time.perf_counter() - start

    def run(batch):
        return session.rewards([c["response"] for c in batch], [c["id"] for c in batch],
                               [c["task"] for c in batch])
    return load, timed(run, data), timed(run, data)


def cli_stream(cli: str, gt: Path, cache: Path, data):
    start = time.perf_counter()
    proc = subprocess.Popen([cli, "reward", "--gt", str(gt), "--cache-dir", str(cache),
                             "--quiet"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, bufsize=1)

    def run(batch):
        for c in batch:
            proc.stdin.write(json.dumps(c) + "\n")
        proc.stdin.flush()
        return [json.loads(proc.stdout.readline())["reward"] for _ in batch]
    run(data[0][:1])  # answered once loaded and warmed up
    load = time.perf_counter() - start
    cold, warm = timed(run, data), timed(run, data)
    proc.stdin.close()
    proc.wait()
    return load, cold, warm


def server(cli: str, gt: Path, cache: Path, data):
    start = time.perf_counter()
    proc = subprocess.Popen([cli, "serve", "--port", "0", "--gt", str(gt), "--cache-dir",
                             str(cache), "--quiet"], stderr=subprocess.PIPE, text=True)
    address = ""
    while not address:
        line = proc.stderr.readline()
        if not line:
            raise SystemExit("the server ended before listening")
        if "listening on http://" in line:
            address = line.strip().split("http://")[1]
    load = time.perf_counter() - start
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))

    def run(batch):
        conn.request("POST", "/reward", json.dumps({"completions": batch}),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        body = json.loads(response.read())
        return [r["reward"] for r in body["results"]]
    try:
        return load, timed(run, data), timed(run, data)
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--gt", type=Path, default=ROOT / "examples" / "annotations.json")
    parser.add_argument("--cli", default=str(ROOT / "target" / "release" / "cuebench"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = batches(samples(args.cli, args.gt, tmp / "tasks"), args.batches)
        n = sum(len(b) for b in data)
        figures, reference = {}, None
        for name, measure in [
            ("python", lambda: python_api(args.gt, tmp / "py", data)),
            ("cli-stream", lambda: cli_stream(args.cli, args.gt, tmp / "cli", data)),
            ("server", lambda: server(args.cli, args.gt, tmp / "srv", data)),
        ]:
            load, (cold_s, cold), (warm_s, warm) = measure()
            reference = reference or cold
            worst = max(abs(a - b) for a, b in zip(reference, cold + warm[: len(reference)]))
            if worst > 1e-12 or cold != warm:
                raise SystemExit(f"{name}: rewards differ from the Python API's by {worst}")
            figures[name] = {"load_s": round(load, 3),
                             "cold_completions_per_s": round(n / cold_s),
                             "warm_completions_per_s": round(n / warm_s)}
    if args.json:
        print(json.dumps({"batches": args.batches, "batch": BATCH, "per_prompt": PER_PROMPT,
                          "figures": figures}, indent=2))
    else:
        print(f"{args.batches} batches of {BATCH} completions ({PER_PROMPT} per prompt)")
        print(f"{'':12} {'load s':>8} {'cold /s':>10} {'warm /s':>10}")
        for name, f in figures.items():
            print(f"{name:12} {f['load_s']:8.2f} {f['cold_completions_per_s']:10} "
                  f"{f['warm_completions_per_s']:10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
