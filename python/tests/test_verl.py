"""cuebench.verl, called as verl's reward managers call ``compute_score``:
per sample with keywords (NaiveRewardManager) and batched with lists
(BatchRewardManager); the ground truth is a ``cuebench tasks`` line."""

from __future__ import annotations

import json
import subprocess

import pytest

import cuebench
from cuebench import verl
from conftest import ANNOTATIONS, cli

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def truths(tmp_path_factory):
    """Every task's `cuebench tasks` lines, by (task, id)."""
    out = tmp_path_factory.mktemp("tasks")
    subprocess.run([cli(), "tasks", "--gt", str(ANNOTATIONS), "--out", str(out)], check=True,
                   capture_output=True)
    lines = {}
    for path in out.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            lines[(record["task"], record["id"])] = line
    return lines


@pytest.fixture(scope="module", autouse=True)
def configured(tmp_path_factory):
    # With the annotation file, the taxonomy holds every annotated triplet,
    # as in `cuebench reward`: rewards are the CLI's.
    verl.configure(gt=str(ANNOTATIONS), cache_dir=str(tmp_path_factory.mktemp("verl-cache")))


def test_per_sample_calls_equal_the_cli(completions, cli_rewards, truths):
    for c, want in zip(completions, cli_rewards):
        got = verl.compute_score(
            data_source="cuebench",
            solution_str=c["response"],
            ground_truth=truths[(c["task"], c["id"])],
            extra_info={"index": 0, "split": "train"},
        )
        assert abs(got - want["reward"]) <= TOLERANCE, want


def test_the_batched_form_equals_per_sample(completions, cli_rewards, truths):
    got = verl.compute_score_batch(
        data_sources=["cuebench"] * len(completions),
        solution_strs=[c["response"] for c in completions],
        ground_truths=[json.loads(truths[(c["task"], c["id"])]) for c in completions],
        extra_infos=[{} for _ in completions],
    )
    assert all(abs(g - w["reward"]) <= TOLERANCE for g, w in zip(got, cli_rewards))


def test_configure_after_the_first_score_is_refused():
    with pytest.raises(RuntimeError, match="before the first score"):
        verl.configure(tau=0.5)


def test_a_bad_ground_truth_is_a_value_error():
    with pytest.raises(ValueError, match=r"ground_truth\[0\]"):
        verl.compute_score("cuebench", "x", '{"id": "v"}')


def test_without_annotations_scores_do_not_depend_on_order(completions, truths, tmp_path):
    # The taxonomy never grows with what is scored: the same completions in
    # another order, in a fresh process-like session, get the same rewards.
    pairs = [(c["response"], truths[(c["task"], c["id"])]) for c in completions]
    a = cuebench.Session(cache_dir=str(tmp_path / "a"))
    b = cuebench.Session(cache_dir=str(tmp_path / "b"))
    forward = a.rewards_against([p[0] for p in pairs], [p[1] for p in pairs])
    backward = b.rewards_against([p[0] for p in pairs[::-1]], [p[1] for p in pairs[::-1]])
    assert forward == backward[::-1]
    one_by_one = [a.rewards_against([s], [t])[0] for s, t in pairs[:20]]
    assert one_by_one == forward[:20]
