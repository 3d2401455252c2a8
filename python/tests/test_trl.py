"""cuebench.trl, called exactly as TRL's GRPOTrainer calls reward functions:
``reward_func(prompts=..., completions=..., completion_ids=..., **reward_kwargs)``
where ``reward_kwargs`` holds every dataset column but the prompt and
completion (one value per completion) plus ``trainer_state``."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from cuebench import trl
from conftest import ANNOTATIONS

TOLERANCE = 1e-12


def call_like_grpo(reward_func, inputs, completions, metrics=None):
    """What GRPOTrainer._calculate_rewards (TRL 1.16) does for a callable
    reward; an async one is awaited as TRL's event loop does."""
    prompts = [x["prompt"] for x in inputs]
    completion_ids_list = [[1, 2, 3] for _ in completions]
    keys = [key for key in inputs[0] if key not in ["prompt", "completion", "completion_ids"]]
    reward_kwargs = {key: [example[key] for example in inputs] for key in keys}
    reward_kwargs["trainer_state"] = object()
    reward_kwargs["log_extra"] = lambda column, values: None
    logged = metrics if metrics is not None else {}
    reward_kwargs["log_metric"] = lambda name, value: logged.setdefault(name, []).append(value)
    output = reward_func(
        prompts=prompts,
        completions=completions,
        completion_ids=completion_ids_list,
        **reward_kwargs,
    )
    if inspect.iscoroutine(output):
        output = asyncio.run(output)
    return output


@pytest.fixture(scope="module")
def reward_func(tmp_path_factory):
    return trl.reward_function(gt=str(ANNOTATIONS), cache_dir=str(tmp_path_factory.mktemp("c")))


def grpo_batch(completions, per_prompt=8):
    """A GRPO-shaped batch: each prompt's row repeated per generation."""
    rows = completions[: 64 // per_prompt]
    inputs = [
        {"prompt": f"prompt {i}", "id": c["id"], "task": c["task"], "video": "v.mp4"}
        for i, c in enumerate(rows)
        for _ in range(per_prompt)
    ]
    texts = [c["response"] for c in rows for _ in range(per_prompt)]
    return inputs, texts


def test_standard_completions_equal_the_cli(reward_func, completions, cli_rewards):
    inputs, texts = grpo_batch(completions)
    got = call_like_grpo(reward_func, inputs, texts)
    want = [r["reward"] for r in cli_rewards[:8] for _ in range(8)]
    assert len(got) == 64
    assert all(abs(g - w) <= TOLERANCE for g, w in zip(got, want))
    assert reward_func.__name__ == "cuebench_reward"


def test_conversational_completions_score_their_last_message(reward_func, completions):
    inputs, texts = grpo_batch(completions)
    conversational = [[{"role": "assistant", "content": t}] for t in texts]
    parts = [[{"role": "assistant", "content": [{"type": "text", "text": t}]}] for t in texts]
    plain = call_like_grpo(reward_func, inputs, texts)
    assert call_like_grpo(reward_func, inputs, conversational) == plain
    assert call_like_grpo(reward_func, inputs, parts) == plain


def test_the_factory_task_serves_rows_without_a_task_column(tmp_path, completions):
    scene = [c for c in completions if c["task"] == "scene"][:2]
    func = trl.reward_function(gt=str(ANNOTATIONS), task="scene", cache_dir=str(tmp_path))
    inputs = [{"prompt": "p", "id": c["id"]} for c in scene]
    with_column = [{"prompt": "p", "id": c["id"], "task": "scene"} for c in scene]
    texts = [c["response"] for c in scene]
    assert call_like_grpo(func, inputs, texts) == call_like_grpo(func, with_column, texts)


def test_an_unknown_id_gets_none_which_trl_skips(reward_func):
    inputs = [{"prompt": "p", "id": "vid_0001", "task": "event"},
              {"prompt": "p", "id": "no-such-video", "task": "event"}]
    got = call_like_grpo(reward_func, inputs, ["x", "x"])
    assert isinstance(got[0], float) and got[1] is None


def test_a_missing_id_column_or_bad_task_is_an_error(reward_func):
    with pytest.raises(ValueError, match="`id` column"):
        call_like_grpo(reward_func, [{"prompt": "p", "task": "event"}], ["x"])
    with pytest.raises(ValueError, match="unknown task"):
        call_like_grpo(reward_func, [{"prompt": "p", "id": "vid_0001", "task": "evnt"}], ["x"])


def test_parts_are_logged_through_log_metric(reward_func, completions, cli_rewards):
    inputs, texts = grpo_batch(completions)
    metrics = {}
    call_like_grpo(reward_func, inputs, texts, metrics)
    assert sorted(metrics) == ["cuebench/format", "cuebench/struct", "cuebench/task"]
    want = [r["parts"]["struct"] for r in cli_rewards[:8] for _ in range(8)]
    assert abs(metrics["cuebench/struct"][0] - sum(want) / len(want)) <= TOLERANCE


def test_the_async_variant_gives_the_same_rewards(tmp_path, reward_func, completions):
    func = trl.async_reward_function(gt=str(ANNOTATIONS), cache_dir=str(tmp_path))
    assert inspect.iscoroutinefunction(func)
    inputs, texts = grpo_batch(completions)
    assert call_like_grpo(func, inputs, texts) == call_like_grpo(reward_func, inputs, texts)


def test_a_row_without_a_task_uses_the_factory_task(tmp_path, completions):
    scene = [c for c in completions if c["task"] == "scene"][:1]
    event = [c for c in completions if c["task"] == "event"][:1]
    func = trl.reward_function(gt=str(ANNOTATIONS), task="scene", cache_dir=str(tmp_path))
    inputs = [{"prompt": "p", "id": scene[0]["id"], "task": None},
              {"prompt": "p", "id": event[0]["id"], "task": "event"}]
    got = call_like_grpo(func, inputs, [scene[0]["response"], event[0]["response"]])
    alone = [call_like_grpo(func, [{"prompt": "p", "id": c["id"], "task": c["task"]}], [c["response"]])[0]
             for c in scene + event]
    assert got == alone and None not in got


def test_integer_ids_are_refused_naming_the_row(reward_func):
    inputs = [{"prompt": "p", "id": "vid_0001", "task": "event"},
              {"prompt": "p", "id": 17, "task": "event"}]
    with pytest.raises(TypeError, match=r"ids\[1\]: expected str, got int 17"):
        call_like_grpo(reward_func, inputs, ["x", "x"])
