"""CUE-R1 rewards and CueBench evaluation, scored by cuebench's Rust core.

``Session`` loads the annotations, the taxonomy and the embedding model once
and then scores batches with the GIL released; its rewards equal those of
``cuebench reward`` and its evaluations those of ``cuebench eval --format
json``. Adapters for trainers: :mod:`cuebench.trl` (TRL's ``GRPOTrainer``)
:mod:`cuebench.verl` (verl's ``compute_score``) and :mod:`cuebench.openrlhf`
(OpenRLHF's ``reward_func``).

``BenchSession(bench, gt, task)`` gives the sibling benchmarks' training
rewards (VAU-Bench: VAU-R1's; Vad-Reasoning: Vad-R1's), as ``cuebench
reward --bench`` does.

Errors: a bad input (an annotation file line, a task name, an unknown id)
raises ``ValueError`` whose text names file, line and field; an unreadable
file ``OSError``; a missing or broken model ``RuntimeError``. A malformed
completion never raises: it scores as the CLI scores it.
"""

from ._cuebench import BenchSession, Session, __version__, response_of

__all__ = ["BenchSession", "Session", "__version__", "response_of"]
