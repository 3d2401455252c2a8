"""CUE-R1 rewards as a TRL reward function.

``GRPOTrainer(reward_funcs=[cuebench.trl.reward_function(gt="annotations.json")])``
calls the function as ``f(prompts=..., completions=..., completion_ids=...,
**columns)``: every dataset column but ``prompt`` comes as a keyword
argument holding one value per completion. The sample id is read from the
column ``id``, the task from the optional column ``task`` (else the
factory's ``task``). Completions may be strings or conversational message
lists (the last message's content is scored). A completion whose id is not
a sample of its task gets ``None``, which TRL skips.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from ._cuebench import Session

__all__ = ["reward_function", "completion_text"]


def completion_text(completion: Any) -> str:
    """The text of one TRL completion: a string as it is; a conversational
    completion (a list of ``{"role", "content"}`` messages) gives its last
    message's content, whose text parts are joined when it is a list."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if not completion:
        return ""
    content = completion[-1].get("content", "")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def reward_function(
    gt: str, task: Optional[str] = None, **settings: Any
) -> Callable[..., list[Optional[float]]]:
    """A TRL reward function scoring against the annotation file ``gt``.
    ``settings`` are :class:`cuebench.Session`'s keyword arguments (``tau``,
    ``lam``, ``model``, ``device``, ``cache_dir``, ...). The session loads
    once, here."""
    session = Session(gt=gt, task=task, **settings)

    def cuebench_reward(
        prompts: Optional[Sequence[Any]] = None,
        completions: Sequence[Any] = (),
        **columns: Any,
    ) -> list[Optional[float]]:
        ids = columns.get("id")
        if ids is None:
            raise ValueError("id: the dataset needs an `id` column (the sample id)")
        texts = [completion_text(c) for c in completions]
        tasks = columns.get("task")
        return session.rewards(
            texts, [str(i) for i in ids], list(tasks) if tasks is not None else None,
            on_unknown="none",
        )

    cuebench_reward.session = session  # type: ignore[attr-defined]
    return cuebench_reward
