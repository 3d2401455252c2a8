"""cuebench rewards through Ray actors, the way verl 0.9's reward loop runs
them: a ``RewardLoopWorker``-shaped actor per worker loads its scorer once
(``cuebench.verl``'s session, in ``__init__``), takes a chunk of plain rows
(``data_source``, ``solution_str``, ``ground_truth``, ``extra_info``: only
picklable data crosses a process boundary) and scores each row in an
executor thread as the ``naive`` reward manager does; the driver splits the
batch into one chunk per worker (``DataProto.chunk``) and gathers.

    python scripts/ray_rewards.py --workers 1 2 4 --batches 20

starts a local Ray cluster on loopback (no dashboard, no usage report),
prints completions/s per worker count, and checks that every count gives
the same rewards. ``python/tests/test_ray.py`` runs it against the CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import ray

ROOT = Path(__file__).resolve().parents[1]


@ray.remote
class RewardWorker:
    """verl's ``RewardLoopWorker`` with cuebench as its custom reward."""

    def __init__(self, settings: dict[str, Any]):
        from cuebench import verl

        verl.configure(**settings)
        verl.session()  # loaded once per worker, here, not per batch
        self.compute = verl.compute_score

    async def compute_score_batch(self, rows: list[dict]) -> list[dict]:
        return await asyncio.gather(*[self.compute_score(row) for row in rows])

    async def compute_score(self, row: dict) -> dict:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: self.compute(**row))


def start_local_cluster(num_cpus: int) -> None:
    """A one-node cluster on loopback; nothing leaves the machine."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )


def start_workers(n: int, settings: dict[str, Any]) -> list:
    workers = [RewardWorker.options(name=f"cuebench_reward_{i}").remote(settings) for i in range(n)]
    # Wait until every worker has loaded its session.
    ray.get([w.compute_score_batch.remote([]) for w in workers])
    return workers


def score(workers: list, rows: list[dict]) -> list[dict]:
    """One batch over the workers: a contiguous chunk each, results in order."""
    size = -(-len(rows) // len(workers))
    chunks = [rows[i * size:(i + 1) * size] for i in range(len(workers))]
    outputs = ray.get([w.compute_score_batch.remote(c) for w, c in zip(workers, chunks)])
    return [item for chunk in outputs for item in chunk]


def example_rows(cli: str, annotations: Path, completions: Path, tasks_dir: Path) -> list[dict]:
    """verl rows of the example completions: the ground truth is each
    sample's ``cuebench tasks`` line."""
    subprocess.run([cli, "tasks", "--gt", str(annotations), "--out", str(tasks_dir)],
                   check=True, capture_output=True)
    truths = {}
    for path in tasks_dir.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            truths[(record["task"], record["id"])] = line
    rows = []
    for line in completions.read_text().splitlines():
        if line.strip():
            c = json.loads(line)
            rows.append({"data_source": "cuebench", "solution_str": c["response"],
                         "ground_truth": truths[(c["task"], c["id"])], "extra_info": {}})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--cli", default=str(ROOT / "target" / "release" / "cuebench"))
    parser.add_argument("--work", default=str(ROOT / ".cache" / "ray-bench"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    annotations = ROOT / "examples" / "annotations.json"
    base = example_rows(args.cli, annotations, ROOT / "python/tests/data/completions.jsonl",
                        work / "tasks")
    # Every batch brings new answer texts (cold: the model embeds them), as
    # training does; the suffix keeps the answers parseable.
    batches = [[{**r, "solution_str": r["solution_str"] + f" <!-- {b}:{i} -->"}
                for i, r in enumerate((base * (args.batch_size // len(base) + 1))[:args.batch_size])]
               for b in range(args.batches)]
    start_local_cluster(num_cpus=max(args.workers))
    settings = {"gt": str(annotations), "cache_dir": str(work / "vectors"), "threads": 1}
    reference = None
    print(f"{'workers':>7} | {'load s':>6} | {'completions/s':>13}")
    for n in args.workers:
        t0 = time.perf_counter()
        workers = start_workers(n, settings)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = [score(workers, batch) for batch in batches]
        rate = sum(len(b) for b in batches) / (time.perf_counter() - t0)
        print(f"{n:>7} | {load:6.2f} | {rate:13.0f}")
        if reference is None:
            reference = results
        elif results != reference:
            print(f"error: {n} workers gave other rewards than {args.workers[0]}", file=sys.stderr)
            return 1
        for w in workers:
            ray.kill(w)
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
