"""Shared fixtures: the example annotations, the example completions, the
CLI binary (``CUEBENCH_BIN``, else the repository's debug build) and one
session per test module, each with its own empty vector cache."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import cuebench

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
ANNOTATIONS = ROOT / "examples" / "annotations.json"
COMPLETIONS = DATA / "completions.jsonl"


def cli() -> str:
    return os.environ.get("CUEBENCH_BIN", str(ROOT / "target" / "debug" / "cuebench"))


def run_cli(*args: str, cache: Path) -> str:
    """Runs the CLI with its own vector cache; returns stdout."""
    done = subprocess.run(
        [cli(), *args, "--gt", str(ANNOTATIONS), "--cache-dir", str(cache), "--quiet"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="session")
def completions() -> list[dict]:
    return [json.loads(line) for line in COMPLETIONS.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> cuebench.Session:
    return cuebench.Session(
        gt=str(ANNOTATIONS), cache_dir=str(tmp_path_factory.mktemp("cache"))
    )


@pytest.fixture(scope="session")
def cli_rewards(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """`cuebench reward` on the example completions, one record per line."""
    out = run_cli("reward", str(COMPLETIONS), cache=tmp_path_factory.mktemp("cli-cache"))
    return [json.loads(line) for line in out.splitlines()]
