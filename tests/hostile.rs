//! Regression tests for issue 21 ("hold under hostile clients and
//! half-written folders"), one per defect, named after it, on the binary.
//! The server's (items 1, 2 and the server half of 7) are in `serve.rs`;
//! the Python session's (item 7) in `python/tests`.

use std::io::Write;
use std::process::Stdio;

mod common;
use common::{command, root};

#[test]
fn reward_records_escape_u2028_and_u2029_so_every_reader_counts_one_line_each() {
    // Item 8: an error record repeated the input's U+2028 raw, and a reader
    // splitting on Unicode line breaks saw two lines.
    let cache = tempfile::tempdir().unwrap();
    let mut child = command()
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

#[test]
fn a_name_longer_than_65535_chars_does_not_crash_the_table() {
    // Item 3: a `--by` group or a `--name` over 65,535 characters panicked
    // the table printers ("Formatting argument out of range", exit 101)
    // before `--output` was written. Tables now elide long names.
    let dir = tempfile::tempdir().unwrap();
    let long = |c: &str| c.repeat(70_000);
    let mut videos: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(root().join("examples/annotations.json")).unwrap())
            .unwrap();
    videos[0]["genre"] = long("g").into();
    let gt = dir.path().join("annotations.json");
    std::fs::write(&gt, serde_json::to_vec(&videos).unwrap()).unwrap();
    let cache = dir.path().join("cache");
    let run = |args: &[&str], predictions: &str, output: &str| {
        let out = command()
            .args(["eval", "--quiet", "--name", &long("m"), "--gt"])
            .arg(&gt)
            .args(args)
            .arg(root().join(predictions))
            .arg("--output")
            .arg(dir.path().join(output))
            .arg("--cache-dir")
            .arg(&cache)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.path().join(output).join("results.json").is_file());
        assert!(text.lines().all(|l| l.chars().count() < 1000), "{text}");
        text
    };
    // The group table: the long genre elided, its figures still shown.
    let groups = run(
        &["--task", "event", "--by", "genre"],
        "examples/predictions/event.jsonl",
        "event",
    );
    assert!(groups.contains("genre: ggg"), "{groups}");
    assert!(groups.contains("g…g"), "{groups}");
    // The `--all` row and the leaderboard: the long model name elided.
    let row = run(&["--all"], "examples/predictions", "all");
    assert!(row.contains("mmm…mmm"), "{row}");
    let board = command()
        .arg("leaderboard")
        .arg(dir.path().join("all"))
        .arg(dir.path().join("event"))
        .output()
        .unwrap();
    assert_eq!(board.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&board.stdout).contains("mmm…mmm"));
}
