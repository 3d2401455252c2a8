//! Helpers every end-to-end test file shares: where the repository is and
//! what a run printed. Each test file compiles this module on its own and
//! uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// CueBench's tasks in the paper's order.
pub const TASKS: [&str; 8] = [
    "event",
    "scene",
    "attribute",
    "anomaly-td",
    "anomaly-bu",
    "grounding",
    "detection",
    "anticipation",
];

/// The repository root (fixtures, examples and docs are found from it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run wrote on stdout (invalid UTF-8 replaced, never a panic).
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run wrote on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `rel` under the repository root, as a command-line argument.
pub fn path(rel: &str) -> String {
    root().join(rel).to_str().unwrap().to_owned()
}

/// The binary, ready for arguments, without an inherited `CUEBENCH_GT`.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
    command.env_remove("CUEBENCH_GT");
    command
}

/// Runs the binary with a fixed creation time (`SOURCE_DATE_EPOCH`) and no
/// inherited `CUEBENCH_GT`.
pub fn cuebench(args: &[&str]) -> Output {
    command()
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

/// The `response` lines of a predictions JSONL (lmms-eval logs raw
/// responses only) and the same responses as an lmms-eval sample log, one
/// line per response made by `sample(doc_id, record)`.
pub fn as_lmms_log(
    jsonl: &str,
    sample: impl Fn(usize, &serde_json::Value) -> serde_json::Value,
) -> (String, String) {
    let mut ours = String::new();
    let mut lmms = String::new();
    for (doc_id, line) in jsonl
        .lines()
        .filter(|l| l.contains("\"response\""))
        .enumerate()
    {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        ours.push_str(line);
        ours.push('\n');
        lmms.push_str(&sample(doc_id, &record).to_string());
        lmms.push('\n');
    }
    (ours, lmms)
}
