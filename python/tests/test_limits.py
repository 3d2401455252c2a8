"""Issue 21, item 7: the Python session applies the CLI's limits, and an odd
completion is answered alone (``parse_failed``), as the CLI stream does."""

from __future__ import annotations

import json
import os
import time

import pytest

import cuebench
from conftest import ANNOTATIONS, run_cli


def cli_records(lines: list[dict], tmp_path) -> list[dict]:
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = run_cli("reward", str(path), "--task", "event", cache=tmp_path / "cli-cache")
    return [json.loads(line) for line in out.splitlines()]


def test_a_completion_over_the_1_mib_line_cap_is_parse_failed_as_in_the_cli(session, tmp_path):
    answer = '<think>t</think><answer>[{"event": "climbing"}]</answer>'
    big = answer + " " * (3 * 1024 * 1024 // 2)  # 1.5 MB: the CLI's line cap is 1 MiB
    huge = answer + " " * (10 * 1024 * 1024)
    started = time.monotonic()
    got = session.reward_details([answer, big, huge], ["vid_0001"] * 3, "event")
    assert time.monotonic() - started < 5, "a 10 MB completion must not stall the call"
    want = cli_records([{"id": "vid_0001", "response": r} for r in (answer, big)], tmp_path)
    assert [d["status"] for d in got] == ["scored", "parse_failed", "parse_failed"]
    assert [d["status"] for d in want] == ["scored", "parse_failed"]
    assert [d["reward"] for d in got[:2]] == [d["reward"] for d in want]


def test_a_lone_surrogate_is_parse_failed_for_that_completion_alone(session):
    good = '<think>t</think><answer>[{"event": "climbing"}]</answer>'
    odd = '<think>t</think><answer>[{"event": "\ud800"}]</answer>'
    got = session.reward_details([good, odd], ["vid_0001", "vid_0001"], "event")
    assert [d["status"] for d in got] == ["scored", "parse_failed"]
    assert session.rewards([odd], ["vid_0001"], "event") == [got[1]["reward"]]


@pytest.mark.parametrize("threads", [8 * (os.cpu_count() or 1) + 1, 10**6])
def test_threads_over_eight_per_core_are_refused_as_by_the_cli(threads, tmp_path):
    with pytest.raises(ValueError, match=r"--threads \d+ is more than \d+ \(8 per core"):
        cuebench.Session(gt=str(ANNOTATIONS), cache_dir=str(tmp_path), threads=threads)
