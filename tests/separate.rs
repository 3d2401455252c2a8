//! The separate protocol (docs/scoring.md §10, paper Table 3) and the
//! benchmark dispatch, end to end through the binary on
//! `examples/separate/`. Every expected number is worked out by hand in
//! `examples/separate/README.md`; the golden files
//! `tests/expected/separate-<task>.json` pin the whole JSON output.
//! Regenerate them after an intended change with
//! `CUEBENCH_BLESS=1 cargo test --test separate` and say why in the commit.

use std::process::{Command, Output};

mod common;
use common::{root, stderr, stdout};

const TASKS: [&str; 4] = ["event", "grounding", "anomaly", "detection"];

fn example(name: &str) -> String {
    root()
        .join("examples/separate")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(args)
        .env_remove("CUEBENCH_GT")
        .output()
        .expect("runs")
}

fn separate(task: &str, extra: &[&str]) -> Output {
    let (gt, preds) = (
        example("annotations.json"),
        example(&format!("predictions/{task}.jsonl")),
    );
    let mut args = vec![
        "eval",
        "--protocol",
        "separate",
        "--task",
        task,
        "--gt",
        &gt,
        &preds,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The first result of a `--format json` results document.
fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    let document: serde_json::Value = serde_json::from_str(&stdout(out)).expect("JSON");
    document["results"][0].clone()
}

/// A figure of a result, rounded to the printed two decimals.
fn figure(result: &serde_json::Value, name: &str) -> f64 {
    let value = result["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))["value"]
        .as_f64()
        .expect("number");
    (value * 100.0).round() / 100.0
}

#[test]
fn every_task_matches_its_golden_json() {
    for task in TASKS {
        let out = separate(task, &["--format", "json"]);
        let got = format!(
            "{}\n",
            serde_json::to_string_pretty(&json(&out)).expect("JSON")
        );
        let path = root().join(format!("tests/expected/separate-{task}.json"));
        if std::env::var_os("CUEBENCH_BLESS").is_some() {
            std::fs::write(&path, &got).expect("bless");
        }
        let expected = std::fs::read_to_string(&path).expect("golden file");
        assert_eq!(got, expected, "{task}");
    }
}

#[test]
fn the_hand_tables_hold() {
    // examples/separate/README.md, one table per task.
    let m = |task: &str| json(&separate(task, &["--format", "json"]));
    let event = m("event");
    assert_eq!(figure(&event, "Top-1"), 44.0);
    assert_eq!(figure(&event, "Top-5"), 80.0);
    assert_eq!(figure(&event, "Acc@1"), 20.0);
    assert_eq!(figure(&event, "Acc@5"), 80.0);
    assert_eq!(event["counts"]["unknown_ids"], 1);
    assert_eq!(event["counts"]["unknown_labels"], 1);
    let anomaly = m("anomaly");
    assert_eq!(figure(&anomaly, "Top-1"), 36.0);
    assert_eq!(figure(&anomaly, "Top-5"), 64.0);
    assert_eq!(anomaly["counts"]["parse_failed"], 1);
    let grounding = m("grounding");
    // (0.8 + 0.7 + 3/7 + 0 + 0) / 5 = 13.5 / 35 = 38.57%.
    assert_eq!(figure(&grounding, "TIoU"), 38.57);
    assert_eq!(figure(&grounding, "R@0.7"), 40.0);
    assert_eq!(grounding["counts"]["dropped_intervals"], 2);
    let detection = m("detection");
    // (0.7 + 2/3 + 1) / 3 = 78.89%; AUC 289/308; AP 11/14 + 12/182 + 2/31.
    assert_eq!(figure(&detection, "TIoU"), 78.89);
    assert_eq!(figure(&detection, "R@0.7"), 66.67);
    assert_eq!(figure(&detection, "AUC"), 93.83);
    assert_eq!(figure(&detection, "AP"), 91.62);
    let signature = detection["signature"].as_str().expect("signature");
    assert!(signature.contains("|protocol:separate|task:detection|"));
    assert!(signature.contains("|top-k:5|threshold:0.5|"));
}

/// `eval --protocol separate --all` on the example folder, in `format`.
fn all(format: &str) -> Output {
    let (gt, dir) = (example("annotations.json"), example("predictions"));
    let out = run(&[
        "eval",
        "--protocol",
        "separate",
        "--all",
        "--gt",
        &gt,
        &dir,
        "--format",
        format,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

#[test]
fn all_prints_the_table3_row() {
    assert_eq!(
        stdout(&all("csv")),
        "model,Event Recognition Top-1,Event Recognition Top-5,Temporal Grounding TIoU,\
         Anomaly Recognition Top-1,Anomaly Recognition Top-5,Anomaly Detection TIoU\n\
         predictions,44.00,80.00,38.57,36.00,64.00,78.89\n"
    );
    // The JSON document holds each task's result, the same as alone.
    let document: serde_json::Value = serde_json::from_str(&stdout(&all("json"))).expect("JSON");
    assert_eq!(document["protocol"], "separate");
    for (i, task) in TASKS.iter().enumerate() {
        let one = json(&separate(task, &["--format", "json"]));
        assert_eq!(document["results"][i], one, "{task}");
    }
}

#[test]
fn every_exporter_and_the_per_sample_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let per_sample = dir.path().join("samples.jsonl");
    let per_sample = per_sample.to_string_lossy();
    let out = separate(
        "grounding",
        &["--format", "csv", "--per-sample", &per_sample],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("38.57"), "{}", stdout(&out));
    for format in ["markdown", "table"] {
        let out = separate("event", &["--format", format]);
        assert!(
            out.status.success() && stdout(&out).contains("44.00"),
            "{format}"
        );
    }
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("samples.jsonl"))
        .expect("per-sample file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["id"], "vid_a|t1");
    assert_eq!(lines[0]["scores"]["TIoU"], 0.8);
    assert_eq!(lines[4]["status"], "missing");
}

#[test]
fn top_k_and_threshold_change_the_numbers_and_the_signature() {
    // --top-k 1: Top-1 = Top-k = 44%. --threshold 0.85: vid_a's 0.9 frames
    // stay anomalous (TIoU 0.7), vid_b's 0.8 frames do not (an abnormal
    // video with no anomalous frame: 0), vid_c stays 1 -> (0.7 + 0 + 1) / 3.
    let v = json(&separate("event", &["--format", "json", "--top-k", "1"]));
    assert_eq!(figure(&v, "Top-1"), 44.0);
    assert!(v["signature"].as_str().unwrap().contains("|top-k:1|"));
    let v = json(&separate(
        "detection",
        &["--format", "json", "--threshold", "0.85"],
    ));
    assert_eq!(figure(&v, "TIoU"), 56.67);
    assert!(
        v["signature"]
            .as_str()
            .unwrap()
            .contains("|threshold:0.85|")
    );
}

/// Exit code 2 and `needle` on stderr.
fn refused(args: &[&str], needle: &str) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(needle), "{}", stderr(&out));
}

#[test]
fn flags_that_do_not_apply_are_usage_errors() {
    let gt = example("annotations.json");
    let preds = example("predictions/event.jsonl");
    refused(
        &[
            "eval",
            "--bench",
            "vau-bench",
            "--task",
            "qa",
            "--taxonomy",
            "t.json",
            "--gt",
            &gt,
            &preds,
        ],
        "--taxonomy does not apply to --bench vau-bench",
    );
    refused(
        &[
            "eval",
            "--bench",
            "vau-bench",
            "--protocol",
            "separate",
            "--task",
            "qa",
            "--gt",
            &gt,
            &preds,
        ],
        "--protocol separate does not apply to --bench vau-bench",
    );
    refused(
        &[
            "eval",
            "--protocol",
            "separate",
            "--task",
            "event",
            "--sem-norm",
            "max",
            "--gt",
            &gt,
            &preds,
        ],
        "--sem-norm does not apply to --bench cuebench --protocol separate",
    );
    refused(
        &[
            "eval", "--task", "event", "--top-k", "3", "--gt", &gt, &preds,
        ],
        "--top-k does not apply to --bench cuebench --protocol unified",
    );
    refused(
        &[
            "eval",
            "--protocol",
            "separate",
            "--task",
            "event",
            "--top-k",
            "0",
            "--gt",
            &gt,
            &preds,
        ],
        "--top-k must be at least 1",
    );
}

#[test]
fn a_near_miss_task_name_gets_a_suggestion_and_help_lists_them() {
    let out = run(&["eval", "--task", "anomaly_bu", "--gt", "x", "p"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a similar value exists: 'anomaly-bu'"),
        "{}",
        stderr(&out)
    );
    let help = stdout(&run(&["eval", "--help"]));
    for name in [
        "anomaly-td",
        "qa",
        "cls",
        "reasoning",
        "anomaly",
        "separate",
    ] {
        assert!(help.contains(name), "{name} in --help");
    }
}

#[test]
fn malformed_lines_name_file_line_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let preds = dir.path().join("p.jsonl");
    std::fs::write(
        &preds,
        "{\"id\": \"vid_a|t1\", \"ranked\": []}\n{\"ranked\": [\"x\"]}\n",
    )
    .expect("write");
    let gt = example("annotations.json");
    let out = run(&[
        "eval",
        "--protocol",
        "separate",
        "--task",
        "event",
        "--gt",
        &gt,
        &preds.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("p.jsonl:2: field `id`: missing"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn predictions_from_stdin_or_a_json_array() {
    use std::io::Write;
    let gt = example("annotations.json");
    let lines = std::fs::read_to_string(example("predictions/grounding.jsonl")).expect("read");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args([
            "eval",
            "--protocol",
            "separate",
            "--task",
            "grounding",
            "--gt",
            &gt,
        ])
        .args(["-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("runs");
    assert_eq!(figure(&json(&out), "TIoU"), 38.57);
    let dir = tempfile::tempdir().expect("temp dir");
    let array = dir.path().join("g.json");
    let items: Vec<&str> = lines.lines().collect();
    std::fs::write(&array, format!("[\n{}\n]\n", items.join(",\n"))).expect("write");
    let out = run(&[
        "eval",
        "--protocol",
        "separate",
        "--task",
        "grounding",
        "--gt",
        &gt,
        &array.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(figure(&json(&out), "TIoU"), 38.57);
}

#[test]
fn the_siblings_run_through_the_same_dispatch() {
    // Vad-Reasoning's published layout in frames: [10, 20] frames at 2 fps
    // = [5, 10] s, answered [5, 10]: mIoU 100. Without --fps, clap refuses.
    let dir = tempfile::tempdir().expect("temp dir");
    let gt = dir.path().join("test.jsonl");
    std::fs::write(
        &gt,
        r#"{"source": "UCF", "video": "Robbery_101.mp4", "anomaly_type": "Robbery", "path": "p", "total_frames": 90, "think": "t", "answer": "a", "start": 10, "end": 20}"#,
    )
    .expect("write");
    let preds = dir.path().join("p.jsonl");
    std::fs::write(
        &preds,
        r#"{"id": "Robbery_101.mp4", "response": "<which>Robbery</which><when>[5, 10]</when>"}"#,
    )
    .expect("write");
    let (gt, preds) = (gt.to_string_lossy(), preds.to_string_lossy());
    let base = [
        "eval",
        "--bench",
        "vad-reasoning",
        "--task",
        "detection",
        "--gt",
        &gt,
        &preds,
    ];
    let out = run(&[&base[..], &["--frames", "--fps", "2", "--format", "json"]].concat());
    let v = json(&out);
    assert_eq!(figure(&v, "mIoU"), 100.0);
    assert!(v["signature"].as_str().unwrap().contains("|time:frames@2"));
    let out = run(&[&base[..], &["--frames"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fps"), "{}", stderr(&out));
    // VAU-Bench through the same dispatch; --top-k is not one of its flags.
    let vau = root().join("tests/fixtures/vau-bench");
    let (vgt, vpreds) = (
        vau.join("annotations.csv").to_string_lossy().into_owned(),
        vau.join("preds_qa.csv").to_string_lossy().into_owned(),
    );
    let out = run(&[
        "eval",
        "--bench",
        "vau-bench",
        "--task",
        "qa",
        "--gt",
        &vgt,
        &vpreds,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    refused(
        &[
            "eval",
            "--bench",
            "vau-bench",
            "--task",
            "qa",
            "--top-k",
            "3",
            "--gt",
            &vgt,
            &vpreds,
        ],
        "--top-k does not apply to --bench vau-bench",
    );
}

/// Issue 17's reproduction: one anomalous triplet "smoking, bus, teenager"
/// (anomaly/safety/personal/smoking) in a 3-second video at 10 fps.
fn long_s_case(dir: &std::path::Path) -> String {
    let gt = dir.join("annotations.json");
    std::fs::write(
        &gt,
        r#"[{"video_id": "v1", "fps": 10, "triplets": [{"id": "t1", "event": "smoking",
 "scene": "bus", "attributes": ["teenager"], "anomaly": 1, "frames": [[0, 20]],
 "taxonomy": ["anomaly", "safety", "personal", "smoking"]}]}]"#,
    )
    .expect("writes");
    gt.to_string_lossy().into_owned()
}

#[test]
fn a_long_s_label_is_case_folded_to_its_match_issue_17() {
    // `ſ` (U+017F) folds to `s` (Python's str.casefold(), CaseFolding.txt
    // C+F) but is already lower case: plain lower-casing left "ſmoking" an
    // unknown label, Top-1 0. Full folding gives Top-1 = Acc@1 = 100 and no
    // unknown label.
    let dir = tempfile::tempdir().expect("temp dir");
    let gt = long_s_case(dir.path());
    let preds = dir.path().join("event.jsonl");
    std::fs::write(&preds, "{\"id\":\"v1|t1\",\"ranked\":[\"ſmoking\"]}\n").expect("writes");
    let preds = preds.to_string_lossy().into_owned();
    let args = ["eval", "--protocol", "separate", "--task", "event", "--gt"];
    let v = json(&run(
        &[&args[..], &[&gt, &preds, "--format", "json"]].concat()
    ));
    assert_eq!(figure(&v, "Top-1"), 100.0);
    assert_eq!(figure(&v, "Acc@1"), 100.0);
    assert_eq!(v["counts"].get("unknown_labels"), None, "none counted");
    // The detection line whose 21 frames (0..=20 at 10 fps: [0 s, 2 s]) say
    // "ſmoking, bus, teenager" with NBSP and tab between the parts keeps
    // its anomalous run: TIoU 100 against the triplet's [0 s, 2 s].
    let frame = "\"ſmoking,\u{a0}BUS,\\tteenager\"";
    let frames = vec![frame; 21].join(",");
    let preds = dir.path().join("detection.jsonl");
    std::fs::write(
        &preds,
        format!("{{\"id\":\"v1\",\"fps\":10,\"labels\":[{frames}]}}\n"),
    )
    .expect("writes");
    let preds = preds.to_string_lossy().into_owned();
    let args = ["eval", "--protocol", "separate", "--task", "detection"];
    let v = json(&run(&[
        &args[..],
        &["--gt", &gt, &preds, "--format", "json"],
    ]
    .concat()));
    assert_eq!(figure(&v, "TIoU"), 100.0);
    assert_eq!(v["counts"].get("unknown_labels"), None, "none counted");
}

#[test]
fn unknown_labels_are_counted_at_every_rank_whatever_the_top_k() {
    // Unknown labels at ranks 1, 3 and 8: `--top-k 1` scores only rank 1
    // and `--top-k 5` the first five, but both count all three.
    let dir = tempfile::tempdir().expect("temp dir");
    let gt = long_s_case(dir.path());
    let preds = dir.path().join("event.jsonl");
    let ranked =
        r#"["nope", "smoking", "??", "smoking", "Smoking", "SMOKING", "smoking", "not a label"]"#;
    std::fs::write(
        &preds,
        format!("{{\"id\":\"v1|t1\",\"ranked\":{ranked}}}\n"),
    )
    .expect("writes");
    let preds = preds.to_string_lossy().into_owned();
    for k in ["1", "5"] {
        let args = ["eval", "--protocol", "separate", "--task", "event", "--gt"];
        let tail = [gt.as_str(), &preds, "--format", "json", "--top-k", k];
        let v = json(&run(&[&args[..], &tail[..]].concat()));
        assert_eq!(v["counts"]["unknown_labels"], 3, "--top-k {k}");
        let top_k = if k == "1" { 0.0 } else { 100.0 };
        assert_eq!(figure(&v, &format!("Top-{k}")), top_k, "--top-k {k}");
    }
}
