"""cuebench inside the trainers' own code (heavy: PyTorch, TRL, verl,
OpenRLHF; run by scripts/trainers-check.sh, not by CI):

1. TRL: ``GRPOTrainer`` trains 2 steps on CPU with a tiny random model
   built here (no weights are downloaded) and cuebench's sync and async
   reward functions, on ``cuebench prompts --all`` files loaded together
   with ``datasets.load_dataset``; the reward parts reach its logs.
2. verl: ``get_custom_reward_fn`` loads ``<site-packages>/cuebench/verl.py``
   by path and ``pkg://cuebench.verl``; the reward loop's
   ``NaiveRewardManager.run_single`` scores DataProto items with it, CUE-R1's
   and the sibling benchmarks' (routed by ``data_source``) in one run;
   ``cuebench prompts --format verl`` rows written as Parquet
   (``python -m cuebench.parquet``) load with ``datasets`` as verl's
   ``RLHFDataset`` loads its files.
3. OpenRLHF: ``SingleTurnAgentExecutor.execute`` (a stand-in engine returns
   the response tokens) with the prompt cut on the left by max_length,
   against ``cuebench serve`` and against ``cuebench/openrlhf.py``: a random
   response gets 0, a real one the CLI's reward.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "examples" / "annotations.json"
CLI = os.environ.get("CUEBENCH_BIN", str(ROOT / "target" / "debug" / "cuebench"))
COMPLETIONS = [json.loads(l) for l in (ROOT / "python/tests/data/completions.jsonl").read_text().splitlines() if l.strip()]
WORK = Path(tempfile.mkdtemp(prefix="trainers-check-"))
os.environ["CUEBENCH_GT"] = str(ANNOTATIONS)
os.environ["CUEBENCH_CACHE_DIR"] = str(WORK / "vectors")
os.environ["CUEBENCH_VAU_BENCH_GT"] = str(ROOT / "examples" / "vau-bench" / "val.csv")
os.environ["CUEBENCH_VAD_REASONING_GT"] = str(ROOT / "examples" / "vad-reasoning" / "ground_truth.jsonl")


def cli_rewards() -> list[dict]:
    out = subprocess.run([CLI, "reward", str(ROOT / "python/tests/data/completions.jsonl"), "--gt",
                          str(ANNOTATIONS), "--cache-dir", str(WORK / "cli"), "--quiet"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def tiny_model(path: Path) -> None:
    """A 2-layer random Qwen2 and a byte-level BPE tokenizer trained on the prompts."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    texts = [json.loads(l)["prompt"] for f in glob.glob(str(WORK / "prompts" / "*.jsonl"))
             for l in open(f)] + [c["response"] for c in COMPLETIONS]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    fast.save_pretrained(path)
    config = Qwen2Config(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id)
    Qwen2ForCausalLM(config).save_pretrained(path)


def check_trl(model_dir: Path) -> None:
    from datasets import load_dataset
    from trl import GRPOConfig, GRPOTrainer

    from cuebench.trl import async_reward_function, reward_function

    # Every task's prompts file in one dataset: one schema for all.
    dataset = load_dataset("json", data_files=str(WORK / "prompts" / "all.jsonl"), split="train")
    dataset = dataset.shuffle(seed=0).select(range(16))
    args = GRPOConfig(output_dir=str(WORK / "trl"), per_device_train_batch_size=4, num_generations=4,
                      max_completion_length=8, max_steps=2, logging_steps=1, report_to=[], use_cpu=True,
                      save_strategy="no", seed=0)
    trainer = GRPOTrainer(model=str(model_dir), args=args, train_dataset=dataset,
                          reward_funcs=[reward_function(gt=str(ANNOTATIONS)),
                                        async_reward_function(gt=str(ANNOTATIONS))])
    trainer.train()
    logs = [h for h in trainer.state.log_history if "cuebench/format" in h]
    assert len(logs) == 2, trainer.state.log_history
    print("TRL GRPOTrainer: 2 steps; logged", {k: v for k, v in logs[-1].items() if "reward" in k or "cuebench" in k})


def check_verl(want: list[dict]) -> None:
    import numpy as np
    import torch
    from omegaconf import OmegaConf
    from transformers import AutoTokenizer
    from verl import DataProto
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager
    from verl.trainer.ppo.reward import get_custom_reward_fn

    import cuebench.verl

    tasks = WORK / "tasks"
    subprocess.run([CLI, "tasks", "--gt", str(ANNOTATIONS), "--out", str(tasks)], check=True, capture_output=True)
    truths = {(r["task"], r["id"]): l for f in tasks.glob("*.jsonl") for l in f.read_text().splitlines()
              for r in [json.loads(l)]}
    tokenizer = AutoTokenizer.from_pretrained(WORK / "model")
    for path in (cuebench.verl.__file__, "pkg://cuebench.verl"):
        # verl 0.9.1 reads reward.custom_reward_function (the top-level key is migrated there).
        config = OmegaConf.create({"reward": {"custom_reward_function": {"path": path, "name": "compute_score"},
                                              "reward_manager": {"name": "naive"}}})
        fn = get_custom_reward_fn(config)
        manager = NaiveRewardManager(config, tokenizer, fn)

        def item(response, data_source, ground_truth):
            ids = tokenizer(response, add_special_tokens=False)["input_ids"]
            return DataProto.from_dict(
                tensors={"responses": torch.tensor([ids]), "attention_mask": torch.ones(1, len(ids), dtype=torch.long)},
                non_tensors={"data_source": np.array([data_source], dtype=object),
                             "reward_model": np.array([{"ground_truth": ground_truth}], dtype=object),
                             "extra_info": np.array([{}], dtype=object)})

        # ecva_01's option is A (format 1 + accuracy 1); Robbery_001 is
        # abnormal (class 1 + format 1 + 0.2 for 300 words).
        think = " ".join(["w"] * 300)
        siblings = [("<think>t</think><answer>A</answer>", "vau-bench", {"id": "ecva_01", "task": "qa"}, 2.0),
                    (f"<think>{think}</think><answer><which>Robbery</which></answer>", "vad-reasoning",
                     '{"id": "Robbery_001"}', 2.2)]

        async def run_all():
            items = [item(c["response"], "cuebench", truths[(c["task"], c["id"])]) for c in COMPLETIONS[:40]]
            items += [item(r, d, g) for r, d, g, _ in siblings]
            return await asyncio.gather(*[manager.run_single(i) for i in items])

        outs = manager.loop.run_until_complete(run_all())
        keys = {tuple(o["reward_extra_info"]) for o in outs}
        assert keys == {cuebench.verl.KEYS}, keys
        for o, (_, d, _, reward) in zip(outs[40:], siblings):
            assert abs(o["reward_score"] - reward) <= 1e-9, (d, o)
        # The response went through the tokenizer: compare with the CLI on what it decoded to.
        exact = sum(abs(o["reward_score"] - w["reward"]) <= 1e-9 for o, w in zip(outs[:40], want))
        print(f"verl {path.split('/')[-1]}: naive manager scored {len(outs)} items, keys {sorted(keys.pop())}, "
              f"{exact}/40 cuebench items equal the CLI (the rest were respaced by the tokenizer round trip), "
              f"vau-bench and vad-reasoning items their hand-computed rewards")
    check_verl_parquet()


def check_verl_parquet() -> None:
    """``cuebench prompts --format verl`` rows as Parquet, loaded as verl
    0.9.1's ``RLHFDataset._read_files_and_tokenize`` loads a ``.parquet``
    file: ``datasets.load_dataset("parquet", data_files=...)["train"]``."""
    import datasets

    data = WORK / "verl-data"
    subprocess.run([CLI, "prompts", "--all", "--format", "verl", "--out", str(data), "--gt", str(ANNOTATIONS)],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "cuebench.parquet", str(data)], check=True, capture_output=True)
    frames = [datasets.load_dataset("parquet", data_files=str(f))["train"] for f in sorted(data.glob("*.parquet"))]
    merged = datasets.concatenate_datasets(frames)  # one schema for every file
    rows = [json.loads(l) for l in (data / "all.jsonl").read_text().splitlines()]
    loaded = datasets.load_dataset("parquet", data_files=str(data / "all.parquet"))["train"]
    assert loaded.to_list() == rows
    print(f"verl Parquet: {len(frames)} files load with datasets (one schema, {len(merged)} rows); "
          f"all.parquet reads back as the {len(rows)} JSONL rows")


def check_openrlhf(want: list[dict]) -> None:
    from types import SimpleNamespace

    from openrlhf.utils.agent import SingleTurnAgentExecutor
    from transformers import AutoTokenizer

    import cuebench.openrlhf

    tokenizer = AutoTokenizer.from_pretrained(WORK / "model")
    prompts = {json.loads(l)["id"]: json.loads(l) for f in glob.glob(str(WORK / "prompts" / "*.jsonl")) for l in open(f)}

    class Engine:
        def __init__(self, text):
            self.text = text

        async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
            ids = tokenizer(self.text, add_special_tokens=False)["input_ids"]
            return SimpleNamespace(outputs=[SimpleNamespace(token_ids=ids, text=self.text, finish_reason="stop", logprobs=None)])

    server = subprocess.Popen([CLI, "serve", "--port", "0", "--gt", str(ANNOTATIONS), "--cache-dir",
                               str(WORK / "serve"), "--quiet"], stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:
            if "listening on" in line:
                url = line.strip().split("listening on ")[1] + "/get_reward"
                break
        for endpoint in (url, cuebench.openrlhf.__file__):
            executor = SingleTurnAgentExecutor(endpoint)
            random_rewards, real = [], 0
            for c, w in list(zip(COMPLETIONS, want))[:24]:
                line = prompts[c["id"]] if prompts.get(c["id"], {}).get("task") == c["task"] else None
                if line is None:
                    continue
                prompt = "<|im_start|>user\n" + line["prompt"] + "<|im_end|>\n<|im_start|>assistant\n"
                n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
                for text, max_length in (("lorem ipsum dolor sit amet", n_prompt // 2 + 8),
                                         (c["response"], None)):
                    n_resp = len(tokenizer(text, add_special_tokens=False)["input_ids"])
                    params = SimpleNamespace(max_tokens=n_resp, logprobs=None)
                    out = asyncio.run(executor.execute(prompt, line["label"], params,
                                                       max_length or n_prompt + n_resp, tokenizer, Engine(text)))
                    reward = out["reward"][0] if isinstance(out["reward"], list) else out["reward"]
                    if max_length:
                        random_rewards.append(reward)
                    else:
                        real += abs(reward - w["reward"]) <= 1e-9
            assert random_rewards and all(r == 0.0 for r in random_rewards), random_rewards
            kind = "cuebench serve" if endpoint.startswith("http") else "reward_func file"
            sibling = ""
            if not endpoint.startswith("http"):
                # A VAU-Bench label (ecva_01's option is A: format 1 + accuracy 1).
                text, prompt = "<think>t</think><answer>A</answer>", "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"
                n = len(tokenizer(prompt + text, add_special_tokens=False)["input_ids"])
                params = SimpleNamespace(max_tokens=n, logprobs=None)
                out = asyncio.run(executor.execute(prompt, {"bench": "vau-bench", "id": "ecva_01", "task": "qa"},
                                                   params, 2 * n, tokenizer, Engine(text)))
                reward = out["reward"][0] if isinstance(out["reward"], list) else out["reward"]
                assert reward == 2.0, out
                sibling = "; a vau-bench label gets VAU-R1's reward (2.0)"
            print(f"OpenRLHF SingleTurnAgentExecutor -> {kind}: {len(random_rewards)} random responses after "
                  f"left-cut prompts all 0; {real}/{len(random_rewards)} real responses equal the CLI{sibling}")
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    subprocess.run([CLI, "prompts", "--all", "--out", str(WORK / "prompts"), "--gt", str(ANNOTATIONS)],
                   check=True, capture_output=True)
    want = cli_rewards()
    tiny_model(WORK / "model")
    for name, check in (("trl", lambda: check_trl(WORK / "model")), ("verl", lambda: check_verl(want)),
                        ("openrlhf", lambda: check_openrlhf(want))):
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        t0 = time.time()
        check()
        print(f"  ({name}: {time.time() - t0:.0f} s)")
    print("trainers check: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
