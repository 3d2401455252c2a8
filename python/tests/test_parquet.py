"""``cuebench prompts --format verl`` rows as Parquet (cuebench.parquet):
read back with pyarrow to the same rows, and loaded with ``datasets`` as
verl's ``RLHFDataset`` loads its files, where those are installed (the
trainers' check has both; without pyarrow the writer says what to install)."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pytest

from cuebench import parquet
from conftest import ANNOTATIONS, cli

HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


@pytest.fixture(scope="module")
def verl_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("verl-data")
    subprocess.run([cli(), "prompts", "--all", "--format", "verl", "--out", str(out), "--gt",
                    str(ANNOTATIONS)], check=True, capture_output=True)
    return out


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow is not installed")
def test_every_file_reads_back_as_the_same_rows_with_one_schema(verl_rows):
    import pyarrow.parquet as pq

    assert parquet.main([str(verl_rows)]) == 0
    schemas = set()
    for jsonl in sorted(verl_rows.glob("*.jsonl")):
        rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
        table = pq.read_table(jsonl.with_suffix(".parquet"))
        assert table.to_pylist() == rows, jsonl.name
        schemas.add(str(table.schema))
    # anticipation.jsonl has cut_at_s numbers, the others only nulls: one schema.
    assert len(schemas) == 1
    if importlib.util.find_spec("datasets") is not None:
        import datasets

        loaded = datasets.load_dataset("parquet", data_files=str(verl_rows / "all.parquet"))["train"]
        assert loaded[0]["reward_model"]["ground_truth"].startswith("{")


@pytest.mark.skipif(HAS_PYARROW, reason="pyarrow is installed")
def test_without_pyarrow_the_writer_says_what_to_install(verl_rows, capsys):
    assert parquet.main([str(verl_rows / "event.jsonl")]) == 2
    assert "needs pyarrow" in capsys.readouterr().err


def test_a_line_that_is_not_a_verl_row_names_file_and_line(tmp_path):
    bad = tmp_path / "rows.jsonl"
    bad.write_text('{"id": "v", "prompt": "p"}\n')
    with pytest.raises(ValueError, match=r"rows.jsonl:1: not a verl row"):
        parquet.write_verl_parquet(bad)
