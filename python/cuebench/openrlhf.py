"""CUE-R1 rewards as OpenRLHF's ``reward_func(queries, prompts, labels)``.

OpenRLHF 0.11 loads a Python file given as ``--reward.remote_url FILE.py``
(``SingleTurnAgentExecutor``) and calls its ``reward_func`` with one query
(prompt and response as one decoded text), its prompt and its label per
call, from several threads. Point it at this file::

    --reward.remote_url "$(python -c 'import cuebench.openrlhf as m; print(m.__file__)')"

The response is found in the query as ``cuebench serve`` finds it (the text
after the longest tail of the prompt that opens the query, else after the
last chat-template assistant marker; ``docs/python-and-server.md``): text
from the prompt is never scored. Each label is ``{"id": ..., "task": ...}``
(a dict, e.g. a struct column, or its JSON text), or the sample id alone
when ``CUEBENCH_TASK`` is set. An item that cannot be scored (unreadable
label, unknown id, a response that cannot be told from its prompt) gets
reward 0 with ``extra_logs["error"]`` 1; its message goes to
``result["errors"]``, which OpenRLHF ignores, and to the log.

The session loads once per process, as :mod:`cuebench.verl`'s does, from
the same environment variables (``CUEBENCH_GT`` is needed here: labels
name samples of the annotation file).

Sibling benchmarks: a label with ``"bench": "vau-bench"`` or
``"vad-reasoning"`` (or any label when ``CUEBENCH_BENCH`` names one) gets
that benchmark's training reward, as :func:`cuebench.verl.bench_score`
gives it (its annotation file from ``CUEBENCH_VAU_BENCH_GT`` /
``CUEBENCH_VAD_REASONING_GT``). ``extra_logs`` has the same keys for every
item: every part of :data:`cuebench.verl.KEYS` (0.0 where the item's
benchmark has no such part) and ``error``.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Optional, Sequence

# Absolute: OpenRLHF loads this file alone, outside its package.
from cuebench import verl as _verl
from cuebench._cuebench import response_of
from cuebench.verl import read_label

__all__ = ["reward_func", "read_label"]

_log = logging.getLogger("cuebench.openrlhf")

#: The parts logged in ``extra_logs`` (with ``error``), the same for every item.
PARTS = _verl.KEYS[1:]


def _bench_of(label: Any, bench: Optional[str]) -> tuple[Any, Optional[str]]:
    """The label (a dict read from its JSON text) and the sibling benchmark
    it names (``"bench"``; else ``bench``), ``None`` for CUE-R1."""
    if isinstance(label, str) and label.lstrip().startswith("{"):
        label = json.loads(label)
    if isinstance(label, dict) and "bench" in label:
        bench = label["bench"]
        if bench not in _verl.SIBLINGS and bench != "cuebench":
            raise ValueError(f"`bench` {bench!r}: expected one of cuebench, {', '.join(_verl.SIBLINGS)}")
    return label, (bench if bench in _verl.SIBLINGS else None)


def reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
) -> dict:
    """``{"rewards", "scores", "extra_logs", "errors"}`` for OpenRLHF, one
    value per query; ``extra_logs`` holds every part of
    :data:`cuebench.verl.KEYS` and ``error`` (numbers only: OpenRLHF makes
    tensors of them)."""
    default_task = os.environ.get("CUEBENCH_TASK")
    default_bench = os.environ.get("CUEBENCH_BENCH")
    scored: list[Optional[dict]] = []
    errors: list[Optional[str]] = []
    cue: list[tuple[int, str, str, str]] = []
    for i, (query, prompt, label) in enumerate(zip(queries, prompts, labels)):
        scored.append(None)
        errors.append(None)
        try:
            label, bench = _bench_of(label, default_bench)
            if bench is None:
                sample_id, task = read_label(label, default_task)
        except (ValueError, json.JSONDecodeError) as e:
            errors[i] = f"labels[{i}]: {e}"
            continue
        response = response_of(query, prompt)
        if response is None:
            errors[i] = f"query[{i}]: the response cannot be told from its prompt; not scored"
            continue
        if bench is None:
            cue.append((i, response, sample_id, task))
            continue
        try:
            scored[i] = _verl.bench_score(bench, label, response)
        except ValueError as e:
            errors[i] = f"labels[{i}]: {e}"
    details = (
        _verl.session().reward_details(
            [r for _, r, _, _ in cue], [s for _, _, s, _ in cue], [t for _, _, _, t in cue]
        )
        if cue
        else []
    )
    for (i, _, _, _), record in zip(cue, details):
        if record["status"] == "unknown":
            errors[i] = f"labels[{i}]: {record['error']}"
        else:
            scored[i] = _verl._score_dict(record)
    rewards: list[float] = []
    logs: dict[str, list[float]] = {key: [] for key in (*PARTS, "error")}
    for i, score in enumerate(scored):
        if score is None:
            _log.warning("cuebench: %s (reward 0)", errors[i])
            score = dict.fromkeys(_verl.KEYS, 0.0)
        rewards.append(score["score"])
        for key in PARTS:
            logs[key].append(score[key])
        logs["error"].append(0.0 if errors[i] is None else 1.0)
    return {"rewards": rewards, "scores": rewards, "extra_logs": logs, "errors": errors}
