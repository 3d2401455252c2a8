"""Writes the predictions of the three example result sets (see README.md).

strong:  the ground truth as the answer for the first half of each task's
         samples, the example model's predictions for the rest;
example: the example model's predictions as they are (examples/predictions);
weak:    the example model's predictions with every other line left out.
Run from the repository root; TASKS holds `cuebench tasks` output.
"""

import json
import pathlib
import sys

TASKS = ["event", "scene", "attribute", "anomaly-td", "anomaly-bu",
         "grounding", "detection", "anticipation"]


def lines(path):
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()]


def write(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def main(truth_dir, out_dir):
    truth_dir, out_dir = pathlib.Path(truth_dir), pathlib.Path(out_dir)
    for task in TASKS:
        example = lines(pathlib.Path("examples/predictions") / f"{task}.jsonl")
        truth = lines(truth_dir / f"{task}.jsonl")
        oracle = {t["id"]: {"id": t["id"], "answer": t["truth"]}
                  for t in truth[: len(truth) // 2]}
        strong = list(oracle.values()) + [p for p in example if p["id"] not in oracle]
        write(out_dir / "strong" / f"{task}.jsonl", strong)
        write(out_dir / "example" / f"{task}.jsonl", example)
        write(out_dir / "weak" / f"{task}.jsonl", example[::2])


if __name__ == "__main__":
    main(*sys.argv[1:3])
