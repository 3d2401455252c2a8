//! Helpers every end-to-end test file shares: where the repository is and
//! what a run printed. Each test file compiles this module on its own and
//! uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;

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
