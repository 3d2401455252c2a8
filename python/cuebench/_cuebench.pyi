"""Type stubs of the native module (see ``cuebench`` for the overview)."""

from os import PathLike
from typing import Any, Literal, Mapping, Optional, Sequence, Union

_Path = Union[str, "PathLike[str]"]

__version__: str

class Session:
    """A loaded scorer: annotations, taxonomy (ground truth added), model
    and vectors, kept for the life of the object.

    ``gt`` is the annotation file (``None``: no samples; only
    :meth:`rewards_against` scores then, against the taxonomy alone).
    ``taxonomy``, ``model`` (a model folder), ``device`` (``"cpu"``,
    ``"cuda"``, ``"cuda:N"``), ``cache_dir`` (vector cache), ``tau``,
    ``tiou``, ``sem_norm`` are the CLI's ``--taxonomy``, ``--model``,
    ``--device``, ``--cache-dir``, ``--tau``, ``--tiou``, ``--sem-norm``;
    ``lam`` is Eq. 5's lambda (``--lambda``). ``model`` defaults to
    ``$CUEBENCH_MODEL``, then the data folder's model, as in the CLI. ``task`` is the task of
    completions given without one. ``warm_up`` embeds the ground truth and
    the taxonomy's candidates now, so the first batch embeds only answers.
    A setting left ``None`` takes the library's default, the CLI's too
    (``model::Settings``: ``tau`` 1.0, ``lam`` 0.2, ``tiou`` ``"union"``,
    ``sem_norm`` ``"rt"``, ``batch_size`` 32).
    """

    def __init__(
        self,
        gt: Optional[_Path] = None,
        taxonomy: Optional[_Path] = None,
        model: Optional[_Path] = None,
        device: str = "cpu",
        cache_dir: Optional[_Path] = None,
        tau: Optional[float] = None,
        lam: Optional[float] = None,
        *,
        task: Optional[str] = None,
        tiou: Optional[Literal["union", "matched"]] = None,
        sem_norm: Optional[Literal["rt", "max"]] = None,
        batch_size: Optional[int] = None,
        threads: Optional[int] = None,
        ort_library: Optional[_Path] = None,
        warm_up: bool = True,
    ) -> None: ...
    def rewards(
        self,
        completions: Sequence[str],
        ids: Sequence[str],
        tasks: Union[str, Sequence[Optional[str]], None] = None,
        *,
        on_unknown: Literal["raise", "none"] = "raise",
    ) -> list[Optional[float]]:
        """The CUE-R1 reward (docs/scoring.md §7) of each completion, in
        order. ``tasks``: one task name for all, one per completion (an
        item ``None`` takes the session's ``task``), or ``None`` for the
        session's ``task``. An item that is not a ``str`` raises
        ``TypeError`` naming it (``ids[3]: expected str, got int 17``). An id that is not a sample of
        its task raises ``ValueError`` (``on_unknown="raise"``) or gets
        ``None`` (``"none"``); with ``"raise"`` every item is a float."""
    def reward_details(
        self,
        completions: Sequence[str],
        ids: Sequence[str],
        tasks: Union[str, Sequence[str], None] = None,
    ) -> list[dict[str, Any]]:
        """One record per completion, as ``cuebench reward`` writes them:
        ``{"id", "task", "status", "reward", "parts"}``; ``status`` is
        ``"scored"`` or ``"parse_failed"``, or ``"unknown"`` (with
        ``"error"``, ``reward`` and ``parts`` ``None``) for an unknown id."""
    def rewards_against(
        self, completions: Sequence[str], truths: Sequence[str]
    ) -> list[float]:
        """The reward of each completion against the sample given with it:
        a line of ``cuebench tasks`` output (JSON text). The session's
        taxonomy is never changed by it."""
    def reward_details_against(
        self, completions: Sequence[str], truths: Sequence[str]
    ) -> list[dict[str, Any]]:
        """:meth:`rewards_against` with the records of :meth:`reward_details`."""
    def evaluate(
        self,
        task: str,
        predictions: Union[_Path, Sequence[Union[str, Mapping[str, Any]]]],
        *,
        name: Optional[str] = None,
    ) -> dict[str, Any]:
        """Scores one task's predictions (a JSONL file, or a list of lines
        as dicts or JSON strings, scored from a temporary file) and returns
        the results document ``cuebench eval --task TASK --format json``
        prints, parsed; only ``created`` and ``command`` tell them apart.
        ``name`` defaults to the file's stem. Likely mistakes (e.g. no id
        matching the task) are issued as Python warnings."""
    def signature(self, task: str) -> str:
        """The signature of a result for ``task`` (docs/scoring.md §8)."""


class BenchSession:
    """A sibling benchmark's training rewards, loaded once (``cuebench
    reward --bench``): ``bench`` ``"vau-bench"`` (VAU-R1's GRPO rewards,
    ``task`` ``qa``, ``grounding`` or ``cls``) or ``"vad-reasoning"``
    (Vad-R1's AVA-GRPO rewards, ``task`` ``detection``); ``gt`` its
    annotation file. The formulas: docs/vau-bench.md and
    docs/vad-reasoning.md, "Training rewards"."""

    task: str
    def __init__(self, bench: str, gt: _Path, task: str) -> None: ...
    def rewards(
        self,
        completions: Sequence[str],
        ids: Sequence[str],
        tasks: Union[str, Sequence[Optional[str]], None] = None,
        *,
        on_unknown: Literal["raise", "none"] = "raise",
    ) -> list[Optional[float]]:
        """The reward of each completion (the sum of its parts)."""
    def reward_details(
        self,
        completions: Sequence[str],
        ids: Sequence[str],
        tasks: Union[str, Sequence[Optional[str]], None] = None,
    ) -> list[dict[str, Any]]:
        """One record per completion: ``{"id", "task", "status", "reward",
        "parts"}``; an unknown id has ``status`` ``"unknown"`` and ``error``."""

def response_of(query: str, prompt: Optional[str] = None) -> Optional[str]:
    """The policy's response inside a trainer's query (prompt and response
    as one text): the text after the longest tail of ``prompt`` that opens
    the query (whitespace ignored), else after the last chat-template
    assistant marker; ``None`` when it cannot be told from the prompt."""
