"""cuebench.Session: parity with the CLI, argument forms, error behaviour."""

from __future__ import annotations

import json
import threading

import pytest

import cuebench
from conftest import ANNOTATIONS, ROOT, run_cli

TOLERANCE = 1e-12


def columns(completions):
    return (
        [c["response"] for c in completions],
        [c["id"] for c in completions],
        [c["task"] for c in completions],
    )


def test_rewards_equal_the_cli_to_1e_12(session, completions, cli_rewards):
    texts, ids, tasks = columns(completions)
    got = session.rewards(texts, ids, tasks)
    assert len(got) == len(cli_rewards) == len(completions)
    for g, want in zip(got, cli_rewards):
        assert abs(g - want["reward"]) <= TOLERANCE, want


def test_reward_details_equal_the_cli_records(session, completions, cli_rewards):
    texts, ids, tasks = columns(completions)
    for got, want in zip(session.reward_details(texts, ids, tasks), cli_rewards):
        assert got.keys() == want.keys()
        assert (got["id"], got["task"], got["status"]) == (want["id"], want["task"], want["status"])
        assert got["parts"].keys() == want["parts"].keys()
        for part, value in want["parts"].items():
            assert abs(got["parts"][part] - value) <= TOLERANCE, (want, part)


def test_one_task_for_all_or_the_sessions_task(session, tmp_path):
    response = '<think>t</think><answer>[{"scene": "cliff"}]</answer>'
    one = session.rewards([response], ["vid_0001|climbing"], "scene")
    each = session.rewards([response], ["vid_0001|climbing"], ["scene"])
    default = cuebench.Session(
        gt=str(ANNOTATIONS), cache_dir=str(tmp_path), task="scene"
    ).rewards([response], ["vid_0001|climbing"])
    assert one == each == default
    with pytest.raises(ValueError, match="tasks: missing"):
        session.rewards([response], ["vid_0001|climbing"])


def test_a_malformed_completion_scores_and_never_raises(session):
    # Every kind of garbage a policy can produce scores as the CLI scores it.
    garbage = ["", "None", "<answer>", "<answer>{]</answer>", "\x00\udcff"[:1], "💥" * 1000]
    got = session.reward_details(garbage, ["vid_0001"] * len(garbage), "event")
    assert [d["status"] for d in got][:2] == ["parse_failed", "scored"]
    assert all(isinstance(d["reward"], float) for d in got)


def test_an_unknown_id_raises_or_gets_none(session):
    with pytest.raises(ValueError, match=r"ids\[1\]: `nope` is not a sample of the event task"):
        session.rewards(["x", "x"], ["vid_0001", "nope"], "event")
    assert session.rewards(["x", "x"], ["vid_0001", "nope"], "event", on_unknown="none")[1] is None
    detail = session.reward_details(["x"], ["nope"], "event")[0]
    assert (detail["status"], detail["reward"]) == ("unknown", None)
    assert "not a sample of the event task" in detail["error"]


def test_input_errors_are_value_errors_naming_the_field(session, tmp_path):
    with pytest.raises(ValueError, match=r"tasks\[0\]: unknown task `evnt`"):
        session.rewards(["x"], ["vid_0001"], ["evnt"])
    with pytest.raises(ValueError, match="ids: 2 given for 1 completions"):
        session.rewards(["x"], ["a", "b"], "event")
    with pytest.raises(ValueError, match="tau"):
        cuebench.Session(gt=str(ANNOTATIONS), tau=2.0, warm_up=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"video_id": "v1", "fps": 10, "triplets": [{"id": "t1"}]}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        cuebench.Session(gt=str(bad), warm_up=False)
    with pytest.raises(OSError, match="missing.json"):
        cuebench.Session(gt=str(tmp_path / "missing.json"), warm_up=False)


# What differs between any two runs of the same evaluation: when and how it ran.
RUN_FIELDS = ("created", "command")


def test_evaluate_equals_eval_format_json(session, tmp_path):
    predictions = ROOT / "examples" / "predictions" / "anomaly-bu.jsonl"
    want = json.loads(
        run_cli("eval", str(predictions), "--task", "anomaly-bu", "--format", "json", cache=tmp_path)
    )
    got = session.evaluate("anomaly-bu", str(predictions))
    for field in RUN_FIELDS:
        got.pop(field), want.pop(field)
    assert got == want
    # Lines given as a list score the same (the document names a temporary file).
    lines = [json.loads(line) for line in predictions.read_text().splitlines() if line.strip()]
    assert session.evaluate("anomaly-bu", lines)["results"] == want["results"]


def test_evaluate_names_the_bad_line(session):
    with pytest.raises(ValueError, match=r"predictions-.*\.jsonl:2"):
        session.evaluate("event", [{"id": "vid_0001", "response": "x"}, "{not json"])


def test_threads_share_a_session(session, completions):
    # The GIL is released while scoring; concurrent callers serialise on the
    # session and all get the same answers.
    texts, ids, tasks = columns(completions)
    want = session.rewards(texts, ids, tasks)
    got = [None] * 4

    def score(i):
        got[i] = session.rewards(texts, ids, tasks)

    threads = [threading.Thread(target=score, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [want] * 4


def test_type_errors_name_the_item(session):
    with pytest.raises(TypeError, match=r"completions\[1\]: expected str, got int 3"):
        session.rewards(["x", 3], ["vid_0001", "vid_0001"], "event")
    with pytest.raises(TypeError, match=r"ids\[0\]: expected str, got float"):
        session.rewards(["x"], [1.5], "event")
    with pytest.raises(TypeError, match=r"tasks\[0\]: expected str, got int"):
        session.rewards(["x"], ["vid_0001"], [4])
    with pytest.raises(TypeError, match="ids: expected a sequence of str, got one str"):
        session.rewards(["x"], "vid_0001", "event")


def test_cuebench_model_is_honoured_and_errors_speak_python(tmp_path, monkeypatch):
    monkeypatch.setenv("CUEBENCH_MODEL", str(tmp_path / "no-model"))
    with pytest.raises(RuntimeError) as raised:
        cuebench.Session(gt=str(ANNOTATIONS), cache_dir=str(tmp_path))
    message = str(raised.value)
    assert "no-model" in message, message
    assert "--model" not in message and "model=" in message, message


def test_response_of_never_returns_prompt_text():
    prompt = "<|im_start|>user\nOutput <think> </think> <answer> [] </answer><|im_end|>\n<|im_start|>assistant\n"
    assert cuebench.response_of(prompt[30:] + "words", prompt).strip() == "words"
    assert cuebench.response_of("unrelated <answer>[]</answer>", prompt) is None
