//! Results in the field's exchange formats and submissions a maintainer can
//! verify (docs/results.md "Exchange formats", "Verifying a submission"),
//! end to end with the binary:
//! - `export --format eee|hf`, each output checked by the format's own
//!   published validator (Every Eval Ever 0.3.0's, huggingface_hub's
//!   `.eval_results` parser), run through scripts/validate-export.py in the
//!   environment scripts/setup.sh installs (.setup/validators);
//! - `verify`: an untouched run passes, an edited figure, an edited count,
//!   other predictions and another annotation file do not;
//! - lmms-eval 0.7 sample files read with `--from lmms-eval`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{as_lmms_log, cuebench, path, root, stderr, stdout};

/// Runs the format's validator on `files`; panics with its report unless
/// they pass.
fn assert_valid(format: &str, files: &[PathBuf]) {
    let python = root().join(".setup/validators/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash scripts/setup.sh` (it installs the exchange formats' validators)",
        python.display()
    );
    let out = Command::new(python)
        .arg(root().join("scripts/validate-export.py"))
        .arg(format)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{format} validator rejected {files:?}:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn every_eval_ever_export_passes_the_every_eval_ever_validator() {
    let dir = tempfile::tempdir().unwrap();
    let out = cuebench(&[
        "export",
        "--format",
        "eee",
        "--model-id",
        "example-org/example-model",
        &path("examples/results/example"),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = files_under(dir.path());
    // The aggregate record and its per-sample companion, in the datastore layout.
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0]
            .to_str()
            .unwrap()
            .contains("data/cuebench/example-org/example-model/")
    );
    assert_valid("eee", &files);
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    // One result per figure (20 in Table 2, plus mIoU and R@k of the two
    // temporal tasks), each with the run's bootstrap and the signature.
    let results = record["evaluation_results"].as_array().unwrap();
    assert_eq!(results.len(), 28);
    let first = &results[0];
    assert_eq!(first["evaluation_result_id"], "cuebench/event/Struct");
    assert_eq!(
        first["score_details"]["uncertainty"]["num_bootstrap_samples"],
        1000
    );
    assert!(first["score_details"]["uncertainty"]["standard_error"]["value"].is_number());
    assert!(
        first["metric_config"]["additional_details"]["signature"]
            .as_str()
            .unwrap()
            .starts_with("cuebench:2|task:event|gt:sha256:9e37d10f")
    );
    // Printed (no folder): the record alone, without a companion to point at.
    let printed = cuebench(&[
        "export",
        "--format",
        "eee",
        "--model-id",
        "example-org/example-model",
        &path("examples/results/example/results.json"),
    ]);
    assert!(printed.status.success(), "{}", stderr(&printed));
    let record: serde_json::Value = serde_json::from_str(&stdout(&printed)).unwrap();
    assert!(record.get("detailed_evaluation_results").is_none());
    let alone = dir
        .path()
        .join("data/cuebench/example-org/example-model/alone.json");
    let uuid_name = files[0].file_name().unwrap();
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    std::fs::create_dir_all(alone.parent().unwrap()).unwrap();
    let placed = alone.with_file_name(uuid_name);
    std::fs::write(&placed, stdout(&printed)).unwrap();
    assert_valid("eee", &[placed]);
}

#[test]
fn hugging_face_eval_results_export_passes_huggingface_hubs_parser() {
    let dir = tempfile::tempdir().unwrap();
    let out = cuebench(&[
        "export",
        "--format",
        "hf",
        &path("examples/results/weak"),
        "--source-url",
        "https://example.org/runs/weak",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = dir.path().join(".eval_results/cuebench.yaml");
    assert_valid("hf", std::slice::from_ref(&yaml));
    let text = std::fs::read_to_string(&yaml).unwrap();
    assert!(
        text.contains("    id: \"CueBench/CueBench\"\n    task_id: \"cuebench/event/Struct\"\n"),
        "{text}"
    );
}

#[test]
fn export_needs_what_the_format_needs() {
    let results = path("examples/results/example");
    let out = cuebench(&["export", "--format", "eee", &results]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--model-id ORG/NAME"),
        "{}",
        stderr(&out)
    );
    let out = cuebench(&["export", "--format", "eee", "--model-id", "flat", &results]);
    assert_eq!(out.status.code(), Some(2));
    let out = cuebench(&[
        "export",
        "--format",
        "hf",
        &path("examples/annotations.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("schema"), "{}", stderr(&out));
}

/// A fresh `eval --task event --output` run of the example predictions,
/// in `dir/run`.
fn event_run(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    let out = cuebench(&[
        "eval",
        "--task",
        "event",
        "--gt",
        &path("examples/annotations.json"),
        &path("examples/predictions/event.jsonl"),
        "--confidence",
        "--quiet",
        "--output",
        run.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    run
}

fn verify(run: &Path, predictions: &str, gt: &str) -> Output {
    cuebench(&[
        "verify",
        run.to_str().unwrap(),
        &path(predictions),
        "--gt",
        &path(gt),
    ])
}

#[test]
fn verify_accepts_an_untouched_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = event_run(dir.path());
    let out = verify(
        &run,
        "examples/predictions/event.jsonl",
        "examples/annotations.json",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("verified: `event`"),
        "{}",
        stdout(&out)
    );
}

/// `run/results.json` with `from` replaced by `to` (once, at least).
fn edited(run: &Path, from: &str, to: &str) {
    let file = run.join("results.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn verify_rejects_an_edited_figure_with_the_signature_kept() {
    let dir = tempfile::tempdir().unwrap();
    let run = event_run(dir.path());
    // Event Struct 75.71 -> 99.5, the example.
    edited(&run, "\"value\": 75.71428571428572", "\"value\": 99.5");
    let out = verify(
        &run,
        "examples/predictions/event.jsonl",
        "examples/annotations.json",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("NOT verified"), "{text}");
    assert!(text.contains("cuebench/event Struct  99.5"), "{text}");
    assert!(text.contains("75.71428571428572"), "{text}");
}

#[test]
fn verify_rejects_an_edited_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = event_run(dir.path());
    // One more sample claimed scored, one fewer missing: counts that still
    // add up (ones that do not are refused on reading, exit 2).
    edited(&run, "\"missing\": 1", "\"missing\": 0");
    edited(&run, "\"scored\": 20", "\"scored\": 21");
    let out = verify(
        &run,
        "examples/predictions/event.jsonl",
        "examples/annotations.json",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cuebench/event missing"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn verify_rejects_predictions_that_are_not_the_recorded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let run = event_run(dir.path());
    // The same answers but one line fewer: other bytes, other figures.
    let text = std::fs::read_to_string(path("examples/predictions/event.jsonl")).unwrap();
    let fewer: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let other = dir.path().join("other.jsonl");
    std::fs::write(&other, fewer).unwrap();
    let out = cuebench(&[
        "verify",
        run.to_str().unwrap(),
        other.to_str().unwrap(),
        "--gt",
        &path("examples/annotations.json"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("predictions sha256"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn verify_refuses_another_annotation_file_as_not_comparable() {
    let dir = tempfile::tempdir().unwrap();
    let run = event_run(dir.path());
    // The same videos, re-indented: other bytes, another recorded hash.
    let annotations: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("examples/annotations.json")).unwrap())
            .unwrap();
    let other = dir.path().join("annotations.json");
    std::fs::write(&other, serde_json::to_string(&annotations).unwrap()).unwrap();
    let out = cuebench(&[
        "verify",
        run.to_str().unwrap(),
        &path("examples/predictions/event.jsonl"),
        "--gt",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("not comparable"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn lmms_eval_0_7_sample_files_score_like_the_same_responses() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = std::fs::read_to_string(path("examples/predictions/anomaly-bu.jsonl")).unwrap();
    let (ours, lmms) = as_lmms_log(&jsonl, |doc_id, record| {
        let response = record["response"].as_str().unwrap();
        // As lmms-eval 0.7 writes it: no `doc`, the id in `target`, the
        // reasoning stripped from a flattened `filtered_resps`, `resps` kept
        // only when it differs.
        let stripped = match (response.find("<think>"), response.find("</think>")) {
            (Some(a), Some(b)) => format!("{}{}", &response[..a], &response[b + 8..]),
            _ => response.to_owned(),
        };
        let mut sample = serde_json::json!({
            "doc_id": doc_id,
            "input": "prompt",
            "target": record["id"],
            "filtered_resps": stripped,
            "doc_hash": "0",
            "placeholder": 0,
        });
        if stripped != response {
            sample["resps"] = serde_json::json!([response]);
        }
        sample
    });
    std::fs::write(dir.path().join("ours.jsonl"), ours).unwrap();
    let log = dir.path().join("samples_cuebench_anomaly_bu.jsonl");
    std::fs::write(&log, lmms).unwrap();
    let eval = |file: &Path, from: &str| {
        let out = cuebench(&[
            "eval",
            "--task",
            "anomaly-bu",
            "--gt",
            &path("examples/annotations.json"),
            file.to_str().unwrap(),
            "--from",
            from,
            "--format",
            "csv",
            "--quiet",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .nth(1)
            .unwrap()
            .split_once(',')
            .unwrap()
            .1
            .to_owned()
    };
    assert_eq!(
        eval(&log, "lmms-eval"),
        eval(&dir.path().join("ours.jsonl"), "cuebench")
    );
}
