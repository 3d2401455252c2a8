"""The recipes of docs/python-and-server.md, one per trainer, run as far as
they can run here: each block marked ``<!-- recipe: NAME`` is read from the
doc. TRL's block is executed as written, with ``datasets.load_dataset`` and
``GRPOTrainer`` stood in by code that reads the JSON files and calls the
reward functions as TRL 1.16 does (scripts/trainers-check.sh runs the real
trainer). verl's and OpenRLHF's command blocks have their ``cuebench``
commands run, and their flags' files, keys and functions checked."""

from __future__ import annotations

import glob
import json
import re
import shlex
import shutil
import subprocess
import sys
import types

import pytest

from conftest import ANNOTATIONS, ROOT, cli
from test_trl import call_like_grpo
from test_verl import load_like_verl

from cuebench import verl

DOC = ROOT / "docs" / "python-and-server.md"


def recipe(name: str) -> str:
    text = DOC.read_text()
    match = re.search(rf"<!-- recipe: {name}\b.*?-->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert match, f"no recipe {name} in {DOC}"
    return match.group(1)


def commands(block: str) -> list[list[str]]:
    """The `$ ` commands of a console block, continuation lines joined."""
    joined = block.replace("\\\n", " ")
    return [shlex.split(line[2:]) for line in joined.splitlines() if line.startswith("$ ")]


def run_cuebench(argv: list[str], cwd) -> None:
    assert argv[0] == "cuebench"
    subprocess.run([cli(), *argv[1:]], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    shutil.copy(ANNOTATIONS, tmp_path / "annotations.json")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CUEBENCH_CACHE_DIR", str(tmp_path / "vectors"))
    return tmp_path


def test_the_trl_recipe_runs(workdir, monkeypatch):
    run_cuebench(["cuebench", "prompts", "--all", "--out", "inputs", "--gt", "annotations.json"], workdir)
    calls = []

    def load_dataset(kind, data_files, split):
        assert (kind, split) == ("json", "train")
        rows = [json.loads(line) for f in sorted(glob.glob(data_files)) for line in open(f)]
        # One schema: every row has the same columns.
        assert len({tuple(sorted(r)) for r in rows}) == 1
        return rows

    class GRPOTrainer:
        def __init__(self, model, args, reward_funcs, train_dataset):
            self.reward_funcs, self.rows = reward_funcs, train_dataset

        def train(self):
            rows = self.rows[::20]
            for func in self.reward_funcs:
                got = call_like_grpo(func, rows, ["<think>t</think><answer>[]</answer>"] * len(rows))
                calls.append(got)

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    monkeypatch.setitem(sys.modules, "trl", types.SimpleNamespace(
        GRPOTrainer=GRPOTrainer, GRPOConfig=lambda **kw: types.SimpleNamespace(**kw)))
    exec(compile(recipe("trl"), "docs/python-and-server.md#trl", "exec"), {})
    assert calls and all(isinstance(r, float) for r in calls[0])


def test_the_verl_recipe_runs(workdir):
    prompts, train = commands(recipe("verl"))
    run_cuebench(prompts, workdir)
    flags = dict(arg.split("=", 1) for arg in train if "=" in arg and not arg.startswith("CUEBENCH"))
    fn = getattr(load_like_verl(flags["reward.custom_reward_function.path"]),
                 flags["reward.custom_reward_function.name"])
    assert flags["reward.reward_manager.name"] == "naive"
    for key in ("data.train_files", "data.val_files"):
        rows = [json.loads(line) for line in open(flags[key])]
        row = rows[0]
        assert row["prompt"][0]["role"] == "user" and row["data_source"] == "cuebench"
        got = fn(data_source=row["data_source"], solution_str="<think>t</think><answer>[]</answer>",
                 ground_truth=row["reward_model"]["ground_truth"], extra_info=row["extra_info"])
        assert tuple(got) == verl.KEYS


def test_the_openrlhf_recipe_names_real_keys_and_endpoint(workdir):
    prompts, serve, train = commands(recipe("openrlhf"))
    run_cuebench(prompts, workdir)
    assert serve[:2] == ["cuebench", "serve"]
    flags = dict(zip(train[::1], train[1::1]))
    rows = [json.loads(line) for line in open(flags["--data.prompt_data"])]
    for row in rows:
        assert isinstance(row[flags["--data.input_key"]], str)
        assert set(row[flags["--data.label_key"]]) == {"id", "task"}
    assert flags["--reward.remote_url"].endswith(":" + serve[serve.index("--port") + 1] + "/get_reward")
