"""CUE-R1 rewards as verl's ``compute_score``.

verl 0.9 loads this file by path or by package::

    custom_reward_function:
      path: pkg://cuebench.verl        # or <site-packages>/cuebench/verl.py
      name: compute_score

Loaded by path, the file runs alone (not as part of the ``cuebench``
package), so it imports the package absolutely. verl's reward loop (the
``naive`` reward manager in each ``RewardLoopWorker``) calls
``compute_score(data_source=..., solution_str=..., ground_truth=...,
extra_info=...)`` once per sample, from many threads at once (an executor
per worker); the legacy ``BatchRewardManager`` calls
:func:`compute_score_batch` with lists. Both return, per sample, a dict
with one fixed set of keys (:data:`KEYS`): ``score`` (the reward, what verl
trains on) and the reward's parts, which verl logs.

The ``ground_truth`` is the sample's line of ``cuebench tasks`` output (JSON
text, or that object), so no annotation file is read per call; ``cuebench
prompts --format verl`` writes rows that carry it.

The model and taxonomy load once per process, on the first call, from
these environment variables (or :func:`configure`, called first):
``CUEBENCH_TAXONOMY`` (default: the built-in taxonomy), ``CUEBENCH_MODEL``,
``CUEBENCH_DEVICE``, ``CUEBENCH_CACHE_DIR``, ``CUEBENCH_TAU``,
``CUEBENCH_LAMBDA``, and ``CUEBENCH_GT``.

Determinism: the taxonomy is fixed when it loads and never grows with the
samples scored, so a completion's reward never depends on what was scored
before it. The hierarchy score (R^H) looks a truth's anchors up in that
taxonomy; ``cuebench eval`` and ``cuebench reward`` also add every
annotated triplet of the annotation file to it, which changes the candidate
sets. To get their rewards exactly, set ``CUEBENCH_GT`` to the annotation
file (it is read once, for its triplets); without it, triplets outside the
taxonomy lie at the largest distance.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Optional, Sequence

# Absolute: verl may load this file alone, outside its package.
from cuebench._cuebench import Session

__all__ = ["KEYS", "compute_score", "compute_score_batch", "configure", "session"]

#: The keys of every dict :func:`compute_score` returns, in order: verl
#: collects each key over the batch, so every sample must have them all.
#: ``score`` is the reward (Eq. 7); ``format``, ``struct`` and ``task`` are
#: its three terms (R_format, R^K, R_task).
KEYS = ("score", "format", "struct", "task")

_lock = threading.Lock()
_session: Optional[Session] = None
_settings: dict[str, Any] = {}


def configure(**settings: Any) -> None:
    """Sets :class:`cuebench.Session`'s keyword arguments (``gt``,
    ``taxonomy``, ``model``, ``tau``, ...) for this process's session; call
    it before the first score. Environment variables fill what is not set."""
    with _lock:
        if _session is not None:
            raise RuntimeError("configure() must come before the first score")
        _settings.update(settings)


def _from_environment() -> dict[str, Any]:
    env = os.environ.get
    settings: dict[str, Any] = {
        "gt": env("CUEBENCH_GT"),
        "taxonomy": env("CUEBENCH_TAXONOMY"),
        "model": env("CUEBENCH_MODEL"),
        "cache_dir": env("CUEBENCH_CACHE_DIR"),
        "device": env("CUEBENCH_DEVICE"),
        "tau": env("CUEBENCH_TAU"),
        "lam": env("CUEBENCH_LAMBDA"),
    }
    for number in ("tau", "lam"):
        if settings[number] is not None:
            settings[number] = float(settings[number])
    return {k: v for k, v in settings.items() if v is not None}


def session() -> Session:
    """This process's session, loaded once, on first use (thread-safe)."""
    global _session
    with _lock:
        if _session is None:
            _session = Session(**{**_from_environment(), **_settings})
        return _session


def _truth_text(ground_truth: Any) -> str:
    return ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)


def _score_dict(record: dict) -> dict:
    parts = record["parts"]
    return {
        "score": record["reward"],
        "format": parts["format"],
        "struct": parts["struct"],
        "task": parts["task"],
    }


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[dict] = None,
    **kwargs: Any,
) -> dict:
    """The CUE-R1 reward of ``solution_str`` against ``ground_truth`` (a
    ``cuebench tasks`` line) as ``{"score", "format", "struct", "task"}``.
    ``data_source``, ``extra_info`` and verl's extra keywords are not used.
    A malformed ``ground_truth`` raises ``ValueError``; a malformed solution
    scores as the CLI scores it."""
    record = session().reward_details_against([solution_str], [_truth_text(ground_truth)])[0]
    return _score_dict(record)


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Optional[Sequence[Any]] = None,
    **kwargs: Any,
) -> list[dict]:
    """:func:`compute_score` for a batch (verl's legacy
    ``BatchRewardManager``), embedded in one pass; lists or numpy object
    arrays."""
    records = session().reward_details_against(
        [str(s) for s in solution_strs], [_truth_text(g) for g in ground_truths]
    )
    return [_score_dict(r) for r in records]
