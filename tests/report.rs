//! Seeing results: `eval --by` breakdowns end to end on the bundled sample data.
//!
//! Golden files: `tests/expected/by-<task>.json` (`eval --by ... --format json`).
//! The group figures are the task's own formula over the group's samples (hand-
//! checked in the unit tests of `evaluate::groups`); Sem and Hier come from the
//! real default model, as in `tests/cli.rs`. Regenerate after an intended
//! change with `CUEBENCH_BLESS=1 cargo test --test report` and say why in the
//! commit.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root with its own vector cache.
fn cuebench(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(args)
        .args(["--cache-dir", cache.path().to_str().unwrap(), "--quiet"])
        .current_dir(root())
        .env_remove("CUEBENCH_GT")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `eval --task TASK --by ...` on the example data as JSON, checked against
/// (or, with CUEBENCH_BLESS=1, written to) `tests/expected/by-TASK.json`.
fn golden_by(task: &str, by: &[&str]) {
    let predictions = format!("examples/predictions/{task}.jsonl");
    let mut args = vec![
        "eval",
        "--task",
        task,
        "--gt",
        "examples/annotations.json",
        &predictions,
        "--format",
        "json",
    ];
    for b in by {
        args.extend(["--by", b]);
    }
    let out = cuebench(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = text(&out.stdout);
    let path = root().join(format!("tests/expected/by-{task}.json"));
    if std::env::var_os("CUEBENCH_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    assert_eq!(got, std::fs::read_to_string(&path).unwrap());
}

#[test]
fn by_groups_a_when_task_by_branch_and_genre() {
    golden_by("detection", &["branch", "genre"]);
}

#[test]
fn by_groups_a_what_task_by_domain_and_camera_view() {
    golden_by("event", &["domain", "camera_view"]);
}

#[test]
fn by_marks_small_groups_in_the_table_instead_of_hiding_them() {
    let out = cuebench(&[
        "eval",
        "--task",
        "detection",
        "--gt",
        "examples/annotations.json",
        "examples/predictions/detection.jsonl",
        "--by",
        "genre",
    ]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    // One sports video: shown, marked small.
    assert!(stdout.contains("genre: sports            1*"), "{stdout}");
    assert!(stdout.contains("* fewer than 10 samples"), "{stdout}");
}

#[test]
fn by_without_the_field_warns_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let gt = dir.path().join("gt.json");
    let videos: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/annotations.json")).unwrap(),
    )
    .unwrap();
    let stripped: Vec<serde_json::Value> = videos
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("genre");
            v
        })
        .collect();
    std::fs::write(&gt, serde_json::to_string(&stripped).unwrap()).unwrap();
    let out = cuebench(&[
        "eval",
        "--task",
        "detection",
        "--gt",
        gt.to_str().unwrap(),
        "examples/predictions/detection.jsonl",
        "--by",
        "genre",
    ]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--by genre: no detection sample falls in a group"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("warning"));
}

#[test]
fn by_is_a_usage_error_for_the_siblings() {
    let out = cuebench(&[
        "eval",
        "--bench",
        "vad-reasoning",
        "--task",
        "detection",
        "--gt",
        "examples/vad-reasoning/ground_truth.jsonl",
        "examples/vad-reasoning/predictions.jsonl",
        "--by",
        "branch",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--by groups CueBench results only"));
}
