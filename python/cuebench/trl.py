"""CUE-R1 rewards as a TRL reward function.

``GRPOTrainer(reward_funcs=[cuebench.trl.reward_function(gt="annotations.json")])``
calls the function as ``f(prompts=..., completions=..., completion_ids=...,
trainer_state=..., log_extra=..., log_metric=..., **columns)``: every
dataset column but ``prompt`` comes as a keyword argument holding one value
per completion. The sample id is read from the column ``id`` (a ``str``; an
integer is refused with a ``TypeError`` naming its row), the task from the
optional column ``task`` (a row whose task is ``None``, or a dataset without
the column, uses the factory's ``task``). Completions may be strings or
conversational message lists (the last message's content is scored). A
completion whose id is not a sample of its task gets ``None``, which TRL
skips.

When TRL passes ``log_metric`` (TRL >= 1.x), the mean of each reward part
over the batch is logged as ``cuebench/format``, ``cuebench/struct`` and
``cuebench/task``, beside TRL's own reward means.

:func:`async_reward_function` is the same as an ``async`` function: TRL
runs async reward functions together on its event loop, and the scoring
runs in a worker thread with the GIL released.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Optional, Sequence

from ._cuebench import BenchSession, Session

__all__ = ["reward_function", "async_reward_function", "completion_text", "PARTS"]

#: The reward parts logged through TRL's ``log_metric``.
PARTS = ("format", "struct", "task")


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


def _scorer(session: Session) -> Callable[..., list[Optional[float]]]:
    """The reward computation shared by the sync and async functions."""

    def score(completions: Sequence[Any], columns: dict) -> list[Optional[float]]:
        ids = columns.get("id")
        if ids is None:
            raise ValueError("id: the dataset needs an `id` column (the sample id)")
        tasks = columns.get("task")
        details = session.reward_details(
            [completion_text(c) for c in completions],
            list(ids),
            list(tasks) if tasks is not None else None,
        )
        log_metric = columns.get("log_metric")
        scored = [d for d in details if d["status"] != "unknown"]
        if callable(log_metric) and scored:
            for part in scored[0]["parts"]:
                values = [d["parts"][part] for d in scored if d["parts"].get(part) is not None]
                if part in PARTS or not isinstance(session, Session):
                    log_metric(f"cuebench/{part}", sum(values) / len(values))
        return [d["reward"] for d in details]

    return score


def _session(gt: str, task: Optional[str], bench: str, settings: dict) -> Any:
    if bench == "cuebench":
        return Session(gt=gt, task=task, **settings)
    if task is None or settings:
        raise ValueError(f"bench={bench!r} needs task= and takes no other settings")
    return BenchSession(bench, gt, task)


def reward_function(
    gt: str, task: Optional[str] = None, bench: str = "cuebench", **settings: Any
) -> Callable[..., list[Optional[float]]]:
    """A TRL reward function scoring against the annotation file ``gt``.
    ``settings`` are :class:`cuebench.Session`'s keyword arguments (``tau``,
    ``lam``, ``model``, ``device``, ``cache_dir``, ...). The session loads
    once, here. ``bench="vau-bench"`` or ``"vad-reasoning"`` (with
    ``task=``) gives that benchmark's training rewards instead
    (:class:`cuebench.BenchSession`); its parts are logged the same way."""
    session = _session(gt, task, bench, settings)
    score = _scorer(session)

    def cuebench_reward(
        prompts: Optional[Sequence[Any]] = None,
        completions: Sequence[Any] = (),
        **columns: Any,
    ) -> list[Optional[float]]:
        return score(completions, columns)

    cuebench_reward.session = session  # type: ignore[attr-defined]
    return cuebench_reward


def async_reward_function(
    gt: str, task: Optional[str] = None, bench: str = "cuebench", **settings: Any
) -> Callable[..., Awaitable[list[Optional[float]]]]:
    """:func:`reward_function` as a coroutine function, for TRL's
    concurrent reward functions: scoring runs in a thread
    (``asyncio.to_thread``), so other reward functions run meanwhile."""
    session = _session(gt, task, bench, settings)
    score = _scorer(session)

    async def cuebench_reward(
        prompts: Optional[Sequence[Any]] = None,
        completions: Sequence[Any] = (),
        **columns: Any,
    ) -> list[Optional[float]]:
        return await asyncio.to_thread(score, completions, columns)

    # TRL names a reward's log columns after the function.
    cuebench_reward.__name__ = cuebench_reward.__qualname__ = "cuebench_reward_async"
    cuebench_reward.session = session  # type: ignore[attr-defined]
    return cuebench_reward
