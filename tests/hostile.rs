//! Regression tests for issue 21 ("hold under hostile clients and
//! half-written folders"), one per defect, named after it, on the binary.
//! The server's (items 1, 2 and the server half of 7) are in `serve.rs`;
//! the Python session's (item 7) in `python/tests`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cuebench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
    command.env_remove("CUEBENCH_GT");
    command
}

#[test]
fn reward_records_escape_u2028_and_u2029_so_every_reader_counts_one_line_each() {
    // Item 8: an error record repeated the input's U+2028 raw, and a reader
    // splitting on Unicode line breaks saw two lines.
    let cache = tempfile::tempdir().unwrap();
    let mut child = cuebench()
        .args(["reward", "--quiet", "--task", "event", "--gt"])
        .arg(root().join("examples/annotations.json"))
        .arg("--cache-dir")
        .arg(cache.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input =
        "{\"id\": \"vid\u{2028}0001\", \"response\": \"a\u{2029}b\"}\nnot json \u{2028} at all\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(['\u{2028}', '\u{2029}']), "{text}");
    let records: Vec<serde_json::Value> = text
        .split([
            '\n', '\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}', '\u{c}',
        ])
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{text}");
    assert!(
        records[0]["error"]
            .as_str()
            .unwrap()
            .contains("vid\u{2028}0001"),
        "the escape reads back as the character: {}",
        records[0]
    );
}
