"""verl's rows as Parquet: ``cuebench prompts --format verl`` writes JSONL;
this writes the same rows as Parquet, the format verl's ``RLHFDataset``
reads by default (``data.train_files=...parquet``)::

    cuebench prompts --all --format verl --out verl-data --gt annotations.json
    python -m cuebench.parquet verl-data          # verl-data/*.parquet beside the .jsonl

It needs ``pyarrow``, which every verl installation has (verl depends on
``datasets``). Writing Parquet here rather than in the Rust binary keeps the
``arrow``/``parquet`` crates (dozens of crates, minutes of compile time and
megabytes of binary) out of a tool that every other user runs without them.

The schema is fixed (:data:`VERL_SCHEMA`), so every file of a folder has
the same column types, whatever its rows hold: ``extra_info.cut_at_s`` is a
double even in a file where it is always null (outside anticipation).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable, Optional, Union

__all__ = ["VERL_FIELDS", "verl_schema", "write_verl_parquet", "main"]

#: The fields of a verl row as ``cuebench prompts --format verl`` writes
#: them, with their Arrow types by name (see :func:`verl_schema`).
VERL_FIELDS = {
    "data_source": "string",
    "prompt": [{"role": "string", "content": "string"}],
    "ability": "string",
    "reward_model": {"style": "string", "ground_truth": "string"},
    "extra_info": {
        "index": "int64",
        "id": "string",
        "task": "string",
        "video_id": "string",
        "video": "string",
        "cut_at_s": "float64",
    },
}


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (the submodule loads on import)
    except ImportError as e:
        raise ImportError(
            "writing Parquet needs pyarrow (`pip install pyarrow`; verl installs it); "
            "or give verl the JSONL rows, which RLHFDataset also reads"
        ) from e
    return pyarrow


def verl_schema():
    """The Arrow schema of :data:`VERL_FIELDS`."""
    pa = _pyarrow()

    def arrow(kind: Any):
        if isinstance(kind, dict):
            return pa.struct([(name, arrow(k)) for name, k in kind.items()])
        if isinstance(kind, list):
            return pa.list_(arrow(kind[0]))
        return getattr(pa, kind)()

    return pa.schema([(name, arrow(kind)) for name, kind in VERL_FIELDS.items()])


def _rows(path: Path) -> Iterable[dict]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or set(row) != set(VERL_FIELDS):
            got = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise ValueError(
                f"{path}:{number}: not a verl row of `cuebench prompts --format verl` "
                f"(fields {sorted(VERL_FIELDS)}, got {got})"
            )
        yield row


def write_verl_parquet(
    source: Union[str, Path], out: Optional[Union[str, Path]] = None
) -> Path:
    """Writes the verl rows of the JSONL file ``source`` as Parquet to
    ``out`` (default: ``source`` with ``.parquet``); returns ``out``. A line
    that is not such a row raises ``ValueError`` naming file and line."""
    source = Path(source)
    rows = list(_rows(source))
    pa = _pyarrow()
    out = Path(out) if out is not None else source.with_suffix(".parquet")
    table = pa.Table.from_pylist(rows, schema=verl_schema())
    pa.parquet.write_table(table, out)
    return out


def main(argv: Optional[list[str]] = None) -> int:
    """``python -m cuebench.parquet PATH...``: each ``.jsonl`` file given,
    or in a folder given, written as ``.parquet`` beside it."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m cuebench.parquet FILE.jsonl|DIR ...", file=sys.stderr)
        return 2
    files = [f for a in map(Path, args) for f in (sorted(a.glob("*.jsonl")) if a.is_dir() else [a])]
    try:
        for f in files:
            print(f"wrote {write_verl_parquet(f)}", file=sys.stderr)
    except (ImportError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
