//! `cuebench reward --bench`: the sibling benchmarks' training rewards end
//! to end, each worked out by hand from the papers' formulas
//! (docs/vau-bench.md and docs/vad-reasoning.md, "Training rewards").

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

mod common;
use common::{command, root};

/// Runs `cuebench reward --bench BENCH --task TASK` on `lines` (stdin).
fn reward(bench: &str, task: &str, gt: &str, lines: &[&str]) -> (Vec<Value>, i32) {
    let mut child = command()
        .args(["reward", "--bench", bench, "--task", task, "--gt"])
        .arg(root().join(gt))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (records, out.status.code().unwrap_or(-1))
}

fn rewards(records: &[Value]) -> Vec<f64> {
    records
        .iter()
        .map(|r| r["reward"].as_f64().unwrap())
        .collect()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} != {want:?}");
    }
}

#[test]
fn vau_r1_qa_rewards_format_and_the_option_letter() {
    // val.csv: ecva_01 -> A, ecva_02 -> B.
    let (records, code) = reward(
        "vau-bench",
        "qa",
        "examples/vau-bench/val.csv",
        &[
            // format 1 + letter A right = 2.
            r#"{"id": "ecva_01", "response": "<think>t</think>\n<answer>The answer is A</answer>"}"#,
            // format 1, "b" is no capital letter -> 0: 1.
            r#"{"id": "ecva_02.mp4", "response": "<think>t</think><answer>b</answer>"}"#,
            // no think: format 0; letter B right: 1.
            r#"{"id": "ecva_02", "response": "<answer>B</answer>"}"#,
            // text after the answer breaks the fullmatch: 0 + 1.
            r#"{"id": "ecva_01", "response": "<think>t</think><answer>A</answer> done"}"#,
        ],
    );
    assert_eq!(code, 0);
    assert_close(&rewards(&records), &[2.0, 1.0, 1.0, 1.0]);
    assert_eq!(records[0]["parts"]["accuracy"], 1.0);
}

#[test]
fn vau_r1_grounding_adds_the_glue_iou() {
    // ecva_05's span is [2.0, 4.0]. Glue [3, 5]: intersection 1, union
    // 2 + 2 - 1 = 3, IoU 1/3; "Anomaly" reads as A: 1 + 1 + 1/3.
    // Glue [-1, -1] (no anomaly) on an abnormal video: IoU 0; format 1;
    // answer "Normal" reads as no letter: 1.
    let (records, _) = reward(
        "vau-bench",
        "grounding",
        "examples/vau-bench/val.csv",
        &[
            r#"{"id": "ecva_05", "response": "<think>t</think><answer>Anomaly</answer><glue>[3, 5]</glue>"}"#,
            r#"{"id": "ecva_05", "response": "<think>t</think><answer>Normal</answer><glue>[-1.0, -1.0]</glue>"}"#,
        ],
    );
    assert_close(&rewards(&records), &[2.0 + 1.0 / 3.0, 1.0]);
}

#[test]
fn vau_r1_cls_rewards_the_exact_class() {
    // ecva_01 is Traffic_accident: the answer must equal it, case aside.
    let (records, _) = reward(
        "vau-bench",
        "cls",
        "examples/vau-bench/val.csv",
        &[
            r#"{"id": "ecva_01", "response": "<think>t</think><answer> traffic_accident </answer>"}"#,
            r#"{"id": "ecva_01", "response": "<think>t</think><answer>Traffic accident</answer>"}"#,
        ],
    );
    assert_close(&rewards(&records), &[2.0, 1.0]);
}

#[test]
fn vad_r1_accuracy_format_and_length() {
    let words = |n: usize| vec!["w"; n].join(" ");
    let abnormal_300 = format!(
        r#"{{"id": "Robbery_001", "response": "<think>{}</think><answer><which>Robbery</which></answer>"}}"#,
        words(300)
    );
    let normal_150_wrong = format!(
        r#"{{"id": "Normal_004", "response": "<think>{}</think><answer><which>Fighting</which></answer>"}}"#,
        words(150)
    );
    // Abnormal, right, 300 words in [233, 456]: 1 + 1 + 0.2. Normal video
    // called abnormal, 150 words in [140, 261]: 0 + 1 + 0.2. A bare answer: 0.
    let (records, _) = reward(
        "vad-reasoning",
        "detection",
        "examples/vad-reasoning/ground_truth.jsonl",
        &[
            &abnormal_300,
            &normal_150_wrong,
            r#"{"id": "Normal_004", "response": "Normal"}"#,
        ],
    );
    assert_close(&rewards(&records), &[2.2, 1.2, 0.0]);
    assert_eq!(records[0]["parts"]["length"], 0.2);
}

#[test]
fn bench_rewards_refuse_what_they_cannot_score() {
    let (records, code) = reward(
        "vau-bench",
        "qa",
        "examples/vau-bench/val.csv",
        &[r#"{"id": "nope", "response": "x"}"#, "{not json"],
    );
    assert_eq!(code, 0, "a bad line is answered, the stream goes on");
    assert!(records.iter().all(|r| r["error"].is_string()));
    let out = command()
        .args([
            "reward",
            "--bench",
            "vad-reasoning",
            "--task",
            "reasoning",
            "--gt",
        ])
        .arg(root().join("examples/vad-reasoning/ground_truth.jsonl"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--bench vad-reasoning --task detection")
    );
}

#[test]
fn regression_judged_vau_eval_is_refused_at_open_by_reward_and_serve() {
    // It used to open, then answer every id "not a sample": VAU-Eval is
    // judged free text, VAU-R1 trains no reward on it.
    for subcommand in ["reward", "serve"] {
        let out = command()
            .args([
                subcommand,
                "--bench",
                "vau-bench",
                "--task",
                "vau-eval",
                "--gt",
            ])
            .arg(root().join("examples/vau-bench/val.csv"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{subcommand}");
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(
            message.contains("VAU-Eval is judged")
                && message.contains("--bench vau-bench --task qa|grounding|cls")
                && message.contains("--bench vad-reasoning --task detection"),
            "{subcommand}: {message}"
        );
    }
}
