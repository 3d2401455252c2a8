"""Training rewards of the sibling benchmarks from Python: BenchSession and
the TRL adapter give `cuebench reward --bench`'s records."""

from __future__ import annotations

import json
import subprocess

import pytest

import cuebench
from cuebench import trl
from conftest import ROOT, cli
from test_trl import call_like_grpo

VAU = ROOT / "examples" / "vau-bench" / "val.csv"
VAD = ROOT / "examples" / "vad-reasoning" / "ground_truth.jsonl"
LINES = [
    {"id": "ecva_05", "response": "<think>t</think><answer>Anomaly</answer><glue>[3, 5]</glue>"},
    {"id": "ecva_01.mp4", "response": "<think>t</think><answer>Normal</answer><glue>[-1, -1]</glue>"},
    {"id": "ecva_02", "response": "no tags"},
]


def cli_records(bench, task, gt, lines):
    done = subprocess.run([cli(), "reward", "--bench", bench, "--task", task, "--gt", str(gt)],
                          input="".join(json.dumps(l) + "\n" for l in lines),
                          capture_output=True, text=True, check=True)
    return [json.loads(l) for l in done.stdout.splitlines()]


def test_bench_session_equals_the_cli():
    session = cuebench.BenchSession("vau-bench", str(VAU), "grounding")
    got = session.reward_details([l["response"] for l in LINES], [l["id"] for l in LINES])
    assert got == cli_records("vau-bench", "grounding", VAU, LINES)
    # ecva_05's span [2, 4] against [3, 5]: 1 + 1 + 1/3.
    assert abs(got[0]["reward"] - (2 + 1 / 3)) < 1e-12
    with pytest.raises(ValueError, match=r"ids\[0\]: `nope` is not a grounding sample"):
        session.rewards(["x"], ["nope"])
    assert session.rewards(["x"], ["nope"], on_unknown="none") == [None]
    with pytest.raises(ValueError, match="--bench vad-reasoning --task detection"):
        cuebench.BenchSession("vad-reasoning", str(VAD), "reasoning")


def test_trl_takes_a_sibling_benchmark():
    func = trl.reward_function(gt=str(VAD), bench="vad-reasoning", task="detection")
    think = " ".join(["w"] * 300)
    inputs = [{"prompt": "p", "id": "Robbery_001", "task": None},
              {"prompt": "p", "id": "Normal_004", "task": "detection"}]
    completions = [f"<think>{think}</think><answer><which>Robbery</which></answer>",
                   "<think>t</think><answer><which>Normal</which></answer>"]
    metrics = {}
    got = call_like_grpo(func, inputs, completions, metrics)
    # 1 + 1 + 0.2 (300 words, abnormal range); 1 + 1 + 0 (1 word).
    assert [round(g, 12) for g in got] == [2.2, 2.0]
    assert sorted(metrics) == ["cuebench/accuracy", "cuebench/format", "cuebench/length"]


def test_judged_vau_eval_is_refused_at_open():
    # Regression: it opened, then called every id "not a sample".
    with pytest.raises(ValueError, match=r"VAU-Eval is judged.*--task qa\|grounding\|cls"):
        cuebench.BenchSession("vau-bench", str(VAU), "vau-eval")
