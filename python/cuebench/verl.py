"""CUE-R1 rewards as verl's ``compute_score``.

Point ``custom_reward_function.path`` at this file (``name: compute_score``,
or ``compute_score_batch`` with verl's batch reward manager). verl calls
``compute_score(data_source=..., solution_str=..., ground_truth=...,
extra_info=...)`` per sample, or the batched form with lists. The
``ground_truth`` is the sample's line of ``cuebench tasks`` output (JSON
text, or that object), so no annotation file is read per call.

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

from ._cuebench import Session

__all__ = ["compute_score", "compute_score_batch", "configure"]

_lock = threading.Lock()
_session: Optional[Session] = None
_settings: dict[str, Any] = {}


def configure(**settings: Any) -> None:
    """Sets :class:`cuebench.Session`'s keyword arguments (``gt``,
    ``taxonomy``, ``model``, ``tau``, ...) for this process's session; call
    it before the first score. Environment variables fill what is not set."""
    global _session
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
    """This process's session, loaded on first use."""
    global _session
    with _lock:
        if _session is None:
            _session = Session(**{**_from_environment(), **_settings})
        return _session


def _truth_text(ground_truth: Any) -> str:
    return ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[dict] = None,
    **kwargs: Any,
) -> float:
    """The CUE-R1 reward of ``solution_str`` against ``ground_truth`` (a
    ``cuebench tasks`` line). ``data_source`` and ``extra_info`` are not
    used. A malformed ``ground_truth`` raises ``ValueError``; a malformed
    solution scores as the CLI scores it."""
    return session().rewards_against([solution_str], [_truth_text(ground_truth)])[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Optional[Sequence[Any]] = None,
    **kwargs: Any,
) -> list[float]:
    """:func:`compute_score` for a batch (verl's ``BatchRewardManager``),
    embedded in one pass; lists or numpy object arrays."""
    return session().rewards_against(
        [str(s) for s in solution_strs], [_truth_text(g) for g in ground_truths]
    )
