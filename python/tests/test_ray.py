"""Reward scoring through Ray actors on a local Ray cluster (loopback only),
as verl 0.9's reward loop runs it (``scripts/ray_rewards.py``): each
worker loads its session once, only plain rows cross processes, and the
rewards equal the CLI's. Needs the ``ray`` package (``scripts/setup.sh``
fetches it and ``scripts/python-ci.sh`` installs it); skipped without it
unless ``CUEBENCH_REQUIRE_RAY`` is set, as CI sets it."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from conftest import ANNOTATIONS, COMPLETIONS, ROOT, cli

if importlib.util.find_spec("ray") is None:
    if os.environ.get("CUEBENCH_REQUIRE_RAY"):
        raise ImportError("ray is not installed (scripts/setup.sh fetches it)")
    pytest.skip("ray is not installed", allow_module_level=True)

import ray  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import ray_rewards  # noqa: E402

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def cluster():
    ray_rewards.start_local_cluster(num_cpus=2)
    yield
    ray.shutdown()


def test_ray_workers_give_the_clis_rewards(cluster, cli_rewards, tmp_path):
    rows = ray_rewards.example_rows(cli(), ANNOTATIONS, COMPLETIONS, tmp_path / "tasks")
    # The rows cross to the workers pickled: they must be plain data.
    import pickle

    assert pickle.loads(pickle.dumps(rows)) == rows
    settings = {"gt": str(ANNOTATIONS), "cache_dir": str(tmp_path / "vectors")}
    workers = ray_rewards.start_workers(2, settings)
    got = ray_rewards.score(workers, rows)
    assert len(got) == len(cli_rewards)
    for g, want in zip(got, cli_rewards):
        assert abs(g["score"] - want["reward"]) <= TOLERANCE, want
        assert abs(g["struct"] - want["parts"]["struct"]) <= TOLERANCE, want
    # Each worker loaded its session once: a second batch reuses it.
    assert ray_rewards.score(workers, rows[:10]) == got[:10]
    for w in workers:
        ray.kill(w)
