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
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Optional, Sequence

# Absolute: OpenRLHF loads this file alone, outside its package.
from cuebench import verl as _verl
from cuebench._cuebench import response_of

__all__ = ["reward_func", "read_label"]

_log = logging.getLogger("cuebench.openrlhf")


def read_label(label: Any, task: Optional[str] = None) -> tuple[str, str]:
    """A label's ``(id, task)``: a dict or its JSON text with ``id`` (a str)
    and ``task`` (else ``task``), or with ``task`` given a plain id."""
    if isinstance(label, str) and label.lstrip().startswith("{"):
        label = json.loads(label)
    if isinstance(label, str):
        if task is None:
            raise ValueError(
                "expected {\"id\": ..., \"task\": ...} or, with CUEBENCH_TASK set, the sample id"
            )
        return label, task
    if not isinstance(label, dict):
        raise ValueError(f"expected {{\"id\": ..., \"task\": ...}}, got {type(label).__name__}")
    sample_id, label_task = label.get("id"), label.get("task") or task
    if not isinstance(sample_id, str):
        raise ValueError(f"`id` must be the sample id as a str, got {sample_id!r}")
    if label_task is None:
        raise ValueError("`task` missing (give it, or set CUEBENCH_TASK)")
    return sample_id, label_task


def reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
) -> dict:
    """``{"rewards", "scores", "extra_logs", "errors"}`` for OpenRLHF, one
    value per query; ``extra_logs`` holds ``format``, ``struct``, ``task``
    and ``error`` (numbers only: OpenRLHF makes tensors of them)."""
    default_task = os.environ.get("CUEBENCH_TASK")
    items: list[Optional[tuple[str, str, str]]] = []
    errors: list[Optional[str]] = []
    for i, (query, prompt, label) in enumerate(zip(queries, prompts, labels)):
        try:
            sample_id, task = read_label(label, default_task)
        except (ValueError, json.JSONDecodeError) as e:
            items.append(None)
            errors.append(f"labels[{i}]: {e}")
            continue
        response = response_of(query, prompt)
        if response is None:
            items.append(None)
            errors.append(f"query[{i}]: the response cannot be told from its prompt; not scored")
            continue
        items.append((response, sample_id, task))
        errors.append(None)
    readable = [item for item in items if item is not None]
    details = iter(
        _verl.session().reward_details(
            [r for r, _, _ in readable], [s for _, s, _ in readable], [t for _, _, t in readable]
        )
        if readable
        else []
    )
    rewards, logs = [], {"format": [], "struct": [], "task": [], "error": []}
    for i, item in enumerate(items):
        record = next(details) if item is not None else None
        if record is not None and record["status"] == "unknown":
            errors[i] = f"labels[{i}]: {record['error']}"
            record = None
        if record is None:
            _log.warning("cuebench: %s (reward 0)", errors[i])
            rewards.append(0.0)
            for key in ("format", "struct", "task"):
                logs[key].append(0.0)
            logs["error"].append(1.0)
            continue
        rewards.append(record["reward"])
        for key in ("format", "struct", "task"):
            logs[key].append(record["parts"][key])
        logs["error"].append(0.0)
    return {"rewards": rewards, "scores": rewards, "extra_logs": logs, "errors": errors}
