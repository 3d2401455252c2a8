"""cuebench.openrlhf, loaded and called as OpenRLHF 0.11.2's
``SingleTurnAgentExecutor`` does (reproduced: OpenRLHF needs torch, vllm and
ray, which CI does not install): the file loaded by
``spec_from_file_location("reward_func", path)``, ``reward_func`` called
with one query, prompt and label per call from ``asyncio.to_thread``, the
query being ``decode(prompt_tokens[-max_prompt_length:] + response_tokens)``;
then each ``extra_logs`` value turned into a number as
``_process_response_into_experience`` does (``torch.tensor([value])``)."""

from __future__ import annotations

import asyncio
import importlib.util
import json

import pytest

import cuebench.openrlhf
from conftest import ANNOTATIONS, ROOT

TOLERANCE = 1e-12
PROMPT = (
    "<|im_start|>user\n<video>Please detect the anomalies. Output the thinking process within "
    "<think> </think> and final answers within <answer> </answer> tags: <think> ... </think> "
    "<answer> [{\"event\": \"event name\"}] </answer><|im_end|>\n<|im_start|>assistant\n"
)


@pytest.fixture(scope="module")
def reward_func(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("CUEBENCH_GT", str(ANNOTATIONS))
    monkeypatch_module.setenv("CUEBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("c")))
    monkeypatch_module.setenv("CUEBENCH_VAU_BENCH_GT", str(ROOT / "examples" / "vau-bench" / "val.csv"))
    spec = importlib.util.spec_from_file_location("reward_func", cuebench.openrlhf.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def fetch_like_openrlhf(reward_func, queries, prompts, labels):
    """``SingleTurnAgentExecutor._fetch_rewards_via_func``: one item a call."""

    async def gather():
        return await asyncio.gather(*[
            asyncio.to_thread(reward_func, [q], [p], [l]) for q, p, l in zip(queries, prompts, labels)
        ])

    results = asyncio.run(gather())
    for info in results:
        for value in info["extra_logs"].values():
            # torch.tensor([value]) needs numbers: no text in extra_logs.
            assert all(isinstance(v, float) for v in value), value
    return results


def test_rewards_equal_the_cli_and_prompt_text_is_never_scored(reward_func, completions, cli_rewards):
    picked = [0, 40, 90, 150]
    labels = [{"id": completions[k]["id"], "task": completions[k]["task"]} for k in picked]
    # Whole prompts, prompts cut on the left, labels as dicts or JSON text.
    queries = [PROMPT[cut:] + completions[k]["response"] for cut, k in zip([0, 25, 80, 0], picked)]
    labels[1] = json.dumps(labels[1])
    got = fetch_like_openrlhf(reward_func, queries, [PROMPT] * 4, labels)
    for info, k in zip(got, picked):
        assert abs(info["rewards"][0] - cli_rewards[k]["reward"]) <= TOLERANCE
        assert info["errors"] == [None]
    # Regression: a random response after a cut prompt scored the prompt's format example.
    random = [PROMPT[cut:] + "lorem ipsum dolor" for cut in (0, 10, 60, 120)]
    label = {"id": completions[0]["id"], "task": completions[0]["task"]}
    for info in fetch_like_openrlhf(reward_func, random, [PROMPT] * 4, [label] * 4):
        assert info["rewards"] == [0.0]


def test_a_bad_item_gets_zero_and_says_why(reward_func, completions):
    labels = [{"id": "nope", "task": "event"}, {"id": 3, "task": "event"}, "{not json",
              {"id": completions[0]["id"], "task": completions[0]["task"]}]
    queries = [PROMPT + "x"] * 3 + ["no prompt here"]
    got = fetch_like_openrlhf(reward_func, queries, [PROMPT] * 4, labels)
    assert [g["rewards"] for g in got] == [[0.0]] * 4
    assert [g["extra_logs"]["error"] for g in got] == [[1.0]] * 4
    assert "is not a sample of the event task" in got[0]["errors"][0]
    assert "must be the sample id" in got[1]["errors"][0]
    assert got[2]["errors"][0].startswith("labels[0]:")
    assert "cannot be told from its prompt" in got[3]["errors"][0]


def test_a_labels_bench_routes_it_to_that_benchmarks_reward(reward_func, completions):
    # ecva_01's correct option is A: format 1 + accuracy 1. Every item logs
    # the same keys, whichever benchmark scored it.
    labels = [{"bench": "vau-bench", "id": "ecva_01", "task": "qa"},
              json.dumps({"bench": "vau-bench", "id": "ecva_01", "task": "qa"}),
              {"bench": "vau-bench", "id": "nope", "task": "qa"},
              {"bench": "other", "id": "x", "task": "qa"},
              {"id": completions[0]["id"], "task": completions[0]["task"]}]
    queries = [PROMPT + "<think>t</think><answer>A</answer>", PROMPT + "<answer>B</answer>",
               PROMPT + "x", PROMPT + "x", PROMPT + completions[0]["response"]]
    got = fetch_like_openrlhf(reward_func, queries, [PROMPT] * 5, labels)
    assert [g["rewards"][0] for g in got[:4]] == [2.0, 0.0, 0.0, 0.0]
    assert got[0]["extra_logs"]["accuracy"] == [1.0] and got[0]["extra_logs"]["struct"] == [0.0]
    assert [g["extra_logs"]["error"][0] for g in got] == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert "`nope` is not a qa sample" in got[2]["errors"][0]
    assert "`bench` 'other'" in got[3]["errors"][0]
    assert {tuple(g["extra_logs"]) for g in got} == {
        ("format", "struct", "task", "accuracy", "iou", "length", "error")}
