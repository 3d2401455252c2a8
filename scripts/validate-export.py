#!/usr/bin/env python3
"""Validates `cuebench export` output with each format's own published checker.

    .setup/validators/bin/python scripts/validate-export.py eee FILE...
    .setup/validators/bin/python scripts/validate-export.py hf FILE...

eee: Every Eval Ever 0.3.0's validator (`every_eval_ever.validator`, the
     command its datastore runs on every submission: strict JSON, the pydantic
     models generated from eval.schema.json, the datastore path, the samples
     companion and the semantic checks), then the bundled JSON Schemas
     (eval.schema.json, instance_level_eval.schema.json) with jsonschema.
     Warnings count as failures, as the datastore's merge rule says.
hf:  huggingface_hub's `.eval_results/*.yaml` parser (parse_eval_result_entries)
     on each file's YAML list; the entries written back by
     eval_result_entries_to_yaml must equal the file (nothing outside the
     format), `value` must be a number and `date` ISO-8601.

Prints one line per problem and exits 1 if there is any, else 0. The
environment comes from scripts/setup.sh (fetch_validators).
"""

import datetime
import json
import sys
from importlib import resources
from pathlib import Path


def validate_eee(paths):
    import jsonschema
    from every_eval_ever.validator.validate import main as eee_validate

    problems = []
    code = eee_validate(["--format", "github", "--max-errors", "5", *paths])
    if code != 0:
        problems.append(f"every_eval_ever validator exited {code}")
    schemas = resources.files("every_eval_ever.schemas")
    aggregate = json.loads(schemas.joinpath("eval.schema.json").read_text())
    instance = json.loads(schemas.joinpath("instance_level_eval.schema.json").read_text())
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        if path.endswith(".jsonl"):
            documents = [(i + 1, json.loads(l)) for i, l in enumerate(text.splitlines()) if l.strip()]
            schema = instance
        else:
            documents = [(1, json.loads(text))]
            schema = aggregate
        validator = jsonschema.Draft7Validator(schema)
        for line, document in documents:
            for error in validator.iter_errors(document):
                location = "/".join(str(p) for p in error.absolute_path)
                problems.append(f"{path}:{line}: {location}: {error.message}")
    return problems


def validate_hf(paths):
    import yaml
    from huggingface_hub import eval_result_entries_to_yaml, parse_eval_result_entries

    problems = []
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, list) or not data:
            problems.append(f"{path}: expected a non-empty YAML list of results")
            continue
        try:
            entries = parse_eval_result_entries(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            problems.append(f"{path}: huggingface_hub cannot parse it: {error!r}")
            continue
        if eval_result_entries_to_yaml(entries) != data:
            problems.append(f"{path}: fields outside the .eval_results format (round trip differs)")
        for i, entry in enumerate(entries):
            if not isinstance(entry.value, (int, float)) or isinstance(entry.value, bool):
                problems.append(f"{path}: entry {i}: value {entry.value!r} is not a number")
            if "/" not in entry.dataset_id:
                problems.append(f"{path}: entry {i}: dataset.id {entry.dataset_id!r} is not a Hub id")
            if entry.date is not None:
                try:
                    datetime.datetime.fromisoformat(str(entry.date).replace("Z", "+00:00"))
                except ValueError:
                    problems.append(f"{path}: entry {i}: date {entry.date!r} is not ISO-8601")
    return problems


def main(argv):
    if len(argv) < 2 or argv[0] not in ("eee", "hf"):
        print(__doc__, file=sys.stderr)
        return 2
    problems = (validate_eee if argv[0] == "eee" else validate_hf)(argv[1:])
    for problem in problems[:20]:
        print(problem)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
