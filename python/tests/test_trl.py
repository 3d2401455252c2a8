"""cuebench.trl, called exactly as TRL's GRPOTrainer calls reward functions:
``reward_func(prompts=..., completions=..., completion_ids=..., **reward_kwargs)``
where ``reward_kwargs`` holds every dataset column but the prompt and
completion (one value per completion) plus ``trainer_state``."""

from __future__ import annotations

import pytest

from cuebench import trl
from conftest import ANNOTATIONS

TOLERANCE = 1e-12


def call_like_grpo(reward_func, inputs, completions):
    """What GRPOTrainer._calculate_rewards does for a callable reward."""
    prompts = [x["prompt"] for x in inputs]
    completion_ids_list = [[1, 2, 3] for _ in completions]
    keys = [key for key in inputs[0] if key not in ["prompt", "completion", "completion_ids"]]
    reward_kwargs = {key: [example[key] for example in inputs] for key in keys}
    reward_kwargs["trainer_state"] = object()
    return reward_func(
        prompts=prompts,
        completions=completions,
        completion_ids=completion_ids_list,
        **reward_kwargs,
    )


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
