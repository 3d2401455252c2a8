"""cuebench.verl, loaded and called as verl 0.9 loads and calls it: the file
loaded alone by path or as ``pkg://cuebench.verl`` (the steps of
``verl.utils.import_utils.load_module``, reproduced: verl itself needs torch
and ray, which CI does not install), then ``compute_score`` per sample with
keywords from many threads at once (the reward loop's ``naive`` manager runs
each call in an executor thread), and batched with lists (the legacy
``BatchRewardManager``); the ground truth is a ``cuebench tasks`` line."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

import cuebench
from cuebench import verl
from conftest import ANNOTATIONS, ROOT, cli

TOLERANCE = 1e-12
VAU = ROOT / "examples" / "vau-bench" / "val.csv"
VAD = ROOT / "examples" / "vad-reasoning" / "ground_truth.jsonl"


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
    # as in `cuebench reward`: rewards are the CLI's. An earlier test module
    # may have loaded this process's session (the OpenRLHF file uses it).
    verl._session = None
    verl._settings.clear()
    verl._bench_sessions.clear()
    verl._bench_gt.clear()
    verl.configure(gt=str(ANNOTATIONS), cache_dir=str(tmp_path_factory.mktemp("verl-cache")),
                   bench_gt={"vau-bench": str(VAU), "vad-reasoning": str(VAD)})


def test_per_sample_calls_equal_the_cli(completions, cli_rewards, truths):
    for c, want in zip(completions, cli_rewards):
        got = verl.compute_score(
            data_source="cuebench",
            solution_str=c["response"],
            ground_truth=truths[(c["task"], c["id"])],
            extra_info={"index": 0, "split": "train"},
        )
        assert set(got) == set(verl.KEYS)
        assert abs(got["score"] - want["reward"]) <= TOLERANCE, want
        for part in ("format", "struct", "task"):
            assert abs(got[part] - want["parts"][part]) <= TOLERANCE, (want, part)


def load_like_verl(module_path: str):
    """``verl.utils.import_utils.load_module`` (verl 0.9.1), step for step."""
    if module_path.startswith("pkg://"):
        return importlib.import_module(module_path[len("pkg://"):].replace("/", "."))
    if module_path.startswith("file://"):
        module_path = module_path[len("file://"):]
    spec_name = f"custom_module_{hash(os.path.abspath(module_path))}"
    spec = importlib.util.spec_from_file_location(spec_name, module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regression_the_documented_path_loads_alone_and_pkg_works(completions, truths):
    # Regression: `from ._cuebench import Session` failed when verl loaded the
    # file by path ("attempted relative import with no known parent package").
    for path in (verl.__file__, "file://" + verl.__file__, "pkg://cuebench.verl", "pkg://cuebench/verl"):
        module = load_like_verl(path)
        assert callable(getattr(module, "compute_score"))
    alone = load_like_verl(verl.__file__)
    alone.configure(gt=str(ANNOTATIONS))
    c = completions[0]
    got = alone.compute_score(data_source="cuebench", solution_str=c["response"],
                              ground_truth=truths[(c["task"], c["id"])], extra_info={})
    want = verl.compute_score("cuebench", c["response"], truths[(c["task"], c["id"])])
    assert got == want


def test_the_naive_managers_threads_get_the_same_dicts(completions, truths):
    # The reward loop's naive manager calls compute_score per sample from an
    # executor's threads, with its extra keywords when a reward router runs.
    def call(c):
        return verl.compute_score(
            data_source="cuebench", solution_str=c["response"],
            ground_truth=truths[(c["task"], c["id"])],
            extra_info={"num_turns": None, "rollout_reward_scores": {}},
            reward_router_address=None, reward_model_tokenizer=None,
        )

    alone = [call(c) for c in completions]
    with ThreadPoolExecutor(max_workers=64) as pool:
        together = list(pool.map(call, completions * 2))
    assert together == alone * 2
    # Every dict has the same keys, as verl's collection of them requires.
    assert {tuple(d) for d in together} == {verl.KEYS}


def test_the_batched_form_equals_per_sample(completions, cli_rewards, truths):
    got = verl.compute_score_batch(
        data_sources=["cuebench"] * len(completions),
        solution_strs=[c["response"] for c in completions],
        ground_truths=[json.loads(truths[(c["task"], c["id"])]) for c in completions],
        extra_infos=[{} for _ in completions],
    )
    assert all(abs(g["score"] - w["reward"]) <= TOLERANCE for g, w in zip(got, cli_rewards))


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


def test_sibling_rows_are_routed_by_data_source_with_the_papers_rewards(completions, truths):
    # Hand-computed (docs/vau-bench.md, docs/vad-reasoning.md, "Training
    # rewards"): ecva_05's span is [2, 4]; glue [3, 5] has IoU 1/3, with
    # format 1 and answer "Anomaly" (A) 1. Robbery_001 is abnormal: the right
    # class 1, format 1, 300 words in [233, 456] 0.2.
    think = " ".join(["w"] * 300)
    rows = [
        ("vau-bench", "<think>t</think><answer>Anomaly</answer><glue>[3, 5]</glue>",
         {"id": "ecva_05", "task": "grounding"}),
        ("vau-bench", "<think>t</think><answer>A</answer>", '{"id": "ecva_01", "task": "qa"}'),
        ("vad-reasoning", f"<think>{think}</think><answer><which>Robbery</which></answer>",
         {"id": "Robbery_001"}),
        ("cuebench", completions[0]["response"], truths[(completions[0]["task"], completions[0]["id"])]),
    ]
    one_by_one = [verl.compute_score(data_source=d, solution_str=s, ground_truth=g, extra_info={})
                  for d, s, g in rows]
    assert [tuple(d) for d in one_by_one] == [verl.KEYS] * 4
    assert abs(one_by_one[0]["score"] - (2 + 1 / 3)) <= TOLERANCE
    assert (one_by_one[0]["format"], one_by_one[0]["accuracy"]) == (1.0, 1.0)
    assert abs(one_by_one[0]["iou"] - 1 / 3) <= TOLERANCE
    assert one_by_one[0]["struct"] == one_by_one[0]["task"] == one_by_one[0]["length"] == 0.0
    assert one_by_one[1]["score"] == 2.0
    assert abs(one_by_one[2]["score"] - 2.2) <= TOLERANCE and one_by_one[2]["length"] == 0.2
    # A mixed batch (the legacy batch manager) gives the same dicts.
    batch = verl.compute_score_batch([d for d, _, _ in rows], [s for _, s, _ in rows],
                                     [g for _, _, g in rows])
    assert batch == one_by_one
    # The same records as `cuebench reward --bench`.
    done = subprocess.run([cli(), "reward", "--bench", "vau-bench", "--task", "grounding",
                           "--gt", str(VAU)], input=json.dumps({"id": "ecva_05", "response": rows[0][1]}),
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["reward"] == one_by_one[0]["score"]
    with pytest.raises(ValueError, match="`nope` is not a qa sample"):
        verl.compute_score("vau-bench", "x", {"id": "nope", "task": "qa"})
    with pytest.raises(ValueError, match="`task` missing"):
        verl.compute_score("vau-bench", "x", {"id": "ecva_01"})
