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

Sibling benchmarks. A row whose ``data_source`` is ``vau-bench`` or
``vad-reasoning`` (:data:`SIBLINGS`) gets that benchmark's training reward
(VAU-R1's GRPO rewards; Vad-R1's AVA-GRPO rewards of the detection answer),
as ``cuebench reward --bench`` computes it. Its ``ground_truth`` names the
sample: ``{"id": ..., "task": ...}`` (or its JSON text; for vad-reasoning
the task may be left out, it is ``detection``), and the benchmark's
annotation file is read once per process from ``CUEBENCH_VAU_BENCH_GT`` /
``CUEBENCH_VAD_REASONING_GT`` (or ``configure(bench_gt={"vau-bench":
PATH})``). One run may mix benchmarks: every dict has every key of
:data:`KEYS`, a part the sample's benchmark does not have being 0.0 (verl
groups its validation metrics by ``data_source``).

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
from cuebench._cuebench import BenchSession, Session

__all__ = [
    "KEYS",
    "SIBLINGS",
    "bench_score",
    "bench_session",
    "compute_score",
    "compute_score_batch",
    "configure",
    "read_label",
    "session",
]

#: The keys of every dict :func:`compute_score` returns, in order: verl
#: collects each key over the batch, so every sample must have them all.
#: ``score`` is the reward; ``format``, ``struct`` and ``task`` are CUE-R1's
#: three terms (R_format, R^K, R_task, Eq. 7); ``accuracy``, ``iou`` and
#: ``length`` are the sibling benchmarks' parts (VAU-R1: format, accuracy,
#: and IoU for grounding; Vad-R1: accuracy, format, length). A part the
#: sample's benchmark does not have is 0.0.
KEYS = ("score", "format", "struct", "task", "accuracy", "iou", "length")

#: The ``data_source`` values routed to a sibling benchmark's rewards.
SIBLINGS = ("vau-bench", "vad-reasoning")

_lock = threading.Lock()
_session: Optional[Session] = None
_settings: dict[str, Any] = {}
_bench_gt: dict[str, str] = {}
_bench_sessions: dict[tuple[str, str], BenchSession] = {}


def configure(bench_gt: Optional[dict[str, str]] = None, **settings: Any) -> None:
    """Sets :class:`cuebench.Session`'s keyword arguments (``gt``,
    ``taxonomy``, ``model``, ``tau``, ...) for this process's session, and
    ``bench_gt`` (benchmark name -> annotation file) for the sibling
    benchmarks' rows; call it before the first score. Environment variables
    fill what is not set."""
    with _lock:
        if _session is not None or _bench_sessions:
            raise RuntimeError("configure() must come before the first score")
        _settings.update(settings)
        _bench_gt.update(bench_gt or {})


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


def _gt_variable(bench: str) -> str:
    return "CUEBENCH_" + bench.upper().replace("-", "_") + "_GT"


def bench_session(bench: str, task: str) -> BenchSession:
    """This process's rewards of ``bench``'s ``task``, loaded once, on first
    use (thread-safe), from the annotation file ``configure(bench_gt=...)``
    or ``CUEBENCH_<BENCH>_GT`` names."""
    with _lock:
        found = _bench_sessions.get((bench, task))
        if found is None:
            gt = _bench_gt.get(bench) or os.environ.get(_gt_variable(bench))
            if gt is None:
                raise ValueError(
                    f"{bench} rows need its annotation file: set {_gt_variable(bench)} "
                    f"or call configure(bench_gt={{{bench!r}: PATH}})"
                )
            found = _bench_sessions[(bench, task)] = BenchSession(bench, gt, task)
        return found


def read_label(label: Any, task: Optional[str] = None, *, missing: str = "set CUEBENCH_TASK") -> tuple[str, str]:
    """A label's ``(id, task)``: a dict or its JSON text with ``id`` (a str)
    and ``task`` (else ``task``), or with ``task`` given a plain id;
    ``missing`` says in errors how to supply a task."""
    if isinstance(label, str) and label.lstrip().startswith("{"):
        label = json.loads(label)
    if isinstance(label, str):
        if task is None:
            raise ValueError(f'expected {{"id": ..., "task": ...}}, or a plain sample id with a default task ({missing})')
        return label, task
    if not isinstance(label, dict):
        raise ValueError(f'expected {{"id": ..., "task": ...}}, got {type(label).__name__}')
    sample_id, label_task = label.get("id"), label.get("task") or task
    if not isinstance(sample_id, str):
        raise ValueError(f"`id` must be the sample id as a str, got {sample_id!r}")
    if label_task is None:
        raise ValueError(f"`task` missing ({missing})")
    return sample_id, label_task


def _sample_of(bench: str, truth: Any) -> tuple[str, str]:
    """A sibling row's ``(id, task)`` from its ``ground_truth``/label (for
    vad-reasoning the task is ``detection`` and may be left out)."""
    default = "detection" if bench == "vad-reasoning" else None
    try:
        return read_label(truth, default, missing="qa, grounding or cls")
    except ValueError as e:
        raise ValueError(f"{bench}: {e}") from None


def _keyed(reward: float, parts: dict) -> dict:
    values = {"score": reward, **parts}
    return {key: float(values.get(key, 0.0)) for key in KEYS}


def bench_score(bench: str, truth: Any, solution_str: str) -> dict:
    """The training reward of ``solution_str`` on the sibling benchmark
    ``bench`` for the sample ``truth`` names, as a dict with :data:`KEYS`
    (equal to ``cuebench reward --bench``'s record). An unknown sample or a
    malformed ``truth`` raises ``ValueError``."""
    sample_id, task = _sample_of(bench, truth)
    record = bench_session(bench, task).reward_details([solution_str], [sample_id])[0]
    if record["status"] == "unknown":
        raise ValueError(f"ground_truth: {record['error']}")
    return _keyed(record["reward"], record["parts"])


def _truth_text(ground_truth: Any) -> str:
    return ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)


def _score_dict(record: dict) -> dict:
    return _keyed(record["reward"], record["parts"])


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[dict] = None,
    **kwargs: Any,
) -> dict:
    """The reward of ``solution_str`` as a dict with :data:`KEYS`: CUE-R1's
    against ``ground_truth`` (a ``cuebench tasks`` line), or for a
    ``data_source`` in :data:`SIBLINGS` that benchmark's
    (:func:`bench_score`). ``extra_info`` and verl's extra keywords are not
    used. A malformed ``ground_truth`` raises ``ValueError``; a malformed
    solution scores as the CLI scores it."""
    if data_source in SIBLINGS:
        return bench_score(data_source, ground_truth, solution_str)
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
    ``BatchRewardManager``), CUE-R1's rows embedded in one pass; lists or
    numpy object arrays."""
    sources = list(data_sources)
    scores: list[Optional[dict]] = [
        bench_score(source, truth, str(solution)) if source in SIBLINGS else None
        for source, solution, truth in zip(sources, solution_strs, ground_truths)
    ]
    cue = [i for i, s in enumerate(scores) if s is None]
    if cue:
        records = session().reward_details_against(
            [str(solution_strs[i]) for i in cue], [_truth_text(ground_truths[i]) for i in cue]
        )
        for i, record in zip(cue, records):
            scores[i] = _score_dict(record)
    return scores
