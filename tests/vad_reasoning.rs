//! The Vad-Reasoning benchmark end to end on the hand-made sample in
//! `examples/vad-reasoning/` and on small temporary files.
//!
//! The reasoning tests need WordNet (`scripts/setup-wordnet.sh`).

use std::io::Write;
use std::path::{Path, PathBuf};

use cuebench::Error;
use cuebench::benchmarks::vad_reasoning::{TimeUnit, VadOptions, VadTask, evaluate};
use cuebench::model::{Evaluation, SampleStatus};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/vad-reasoning")
        .join(name)
}

fn metric(e: &Evaluation, name: &str) -> f64 {
    e.result
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
        .value
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

fn temp(lines: &[&str]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    for line in lines {
        writeln!(f, "{line}").expect("write");
    }
    f
}

#[test]
fn detection_on_the_sample() {
    // Sorted by id, truth / decision:
    //   Explosion_006    abnormal / missing (counted wrong: FN), IoU 0
    //   Fighting_003     abnormal / normal  (FN), IoU 0
    //   Normal_004       normal   / normal  (TN)
    //   Normal_005       normal   / Shoplifting (FP)
    //   RoadAccident_002 abnormal / abnormal (TP), [7, 11] vs [5, 9]: IoU 2/6
    //   Robbery_001      abnormal / abnormal (TP), [10, 30] vs [12, 30]: IoU 18/20
    // TP 2, FP 1, FN 2, TN 1: Acc 3/6, P 2/3, R 2/4, F1 = 2PR/(P+R) = 4/7.
    // IoUs over the 4 abnormal videos: mIoU (0.9 + 1/3) / 4; R@0.3 2/4,
    // R@0.5 and R@0.7 1/4. Format: 5 of 6 responses have both tag pairs.
    let e = evaluate(
        VadTask::Detection,
        &example("ground_truth.jsonl"),
        &example("predictions.jsonl"),
        &VadOptions::default(),
    )
    .expect("evaluates");
    close(metric(&e, "Acc"), 50.0);
    close(metric(&e, "Precision"), 200.0 / 3.0);
    close(metric(&e, "Recall"), 50.0);
    close(metric(&e, "F1"), 400.0 / 7.0);
    close(metric(&e, "mIoU"), (0.9 + 1.0 / 3.0) / 4.0 * 100.0);
    close(metric(&e, "R@0.3"), 50.0);
    close(metric(&e, "R@0.5"), 25.0);
    close(metric(&e, "R@0.7"), 25.0);
    close(metric(&e, "Format"), 500.0 / 6.0);
    let c = &e.result.counts;
    assert_eq!(
        (c.samples, c.scored, c.missing, c.parse_failed),
        (6, 5, 1, 0)
    );
    assert_eq!((c.unknown_ids, c.format_ok, c.dropped_intervals), (1, 5, 0));
    let ids: Vec<&str> = e.samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids[0], "Explosion_006");
    assert_eq!(e.samples[0].status, SampleStatus::Missing);
    assert!(
        e.result
            .signature
            .starts_with("cuebench:2|bench:vad-reasoning|task:detection|")
    );
}

#[test]
fn detection_parse_failures_and_dropped_ranges() {
    // a: no <which> -> parse_failed, counted wrong (FN), IoU 0.
    // b: abnormal without a readable <when> -> scored, TP, range dropped, IoU 0.
    let gt = temp(&[
        r#"{"id": "a", "label": "abnormal", "interval": [0, 10]}"#,
        r#"{"id": "b", "label": "Abnormal", "interval": [0, 10]}"#,
    ]);
    let preds = temp(&[
        r#"{"id": "a", "response": "<answer>something bad</answer>"}"#,
        r#"{"id": "b", "response": "<answer><which>Theft</which><when>later</when></answer>"}"#,
    ]);
    let e = evaluate(
        VadTask::Detection,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    )
    .expect("evaluates");
    let c = &e.result.counts;
    assert_eq!((c.scored, c.parse_failed, c.dropped_intervals), (1, 1, 1));
    close(metric(&e, "Acc"), 50.0);
    close(metric(&e, "mIoU"), 0.0);
}

#[test]
fn reasoning_on_the_sample() {
    let e = evaluate(
        VadTask::Reasoning,
        &example("ground_truth.jsonl"),
        &example("predictions.jsonl"),
        &VadOptions::default(),
    )
    .expect("evaluates (run scripts/setup-wordnet.sh first)");
    for name in ["BLEU-2", "METEOR", "ROUGE-1", "ROUGE-2", "ROUGE-L"] {
        let v = metric(&e, name);
        // Five partial paraphrases and one missing answer: every score is
        // well above 0 and well below 100.
        assert!(v > 5.0 && v < 80.0, "{name} = {v}");
    }
    assert_eq!(e.result.counts.missing, 1);
    let missing = &e.samples[0];
    assert_eq!(missing.status, SampleStatus::Missing);
    assert!(missing.scores.iter().all(|(_, v)| *v == 0.0));
}

#[test]
fn reasoning_identical_text_is_perfect() {
    // Response == reference (5 tokens once tags are stripped: People walk in
    // a park.): BLEU-2 and ROUGE are 1; METEOR = 1 - 0.5 * (1 chunk / 5
    // matches)^3 = 1 - 1/250.
    let gt = temp(&[
        r#"{"id": "v", "label": "normal", "reference": "<think>People walk in a park.</think>"}"#,
    ]);
    let preds = temp(&[r#"{"id": "v", "response": "<think>People walk in a park.</think>"}"#]);
    let e = evaluate(
        VadTask::Reasoning,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    )
    .expect("evaluates");
    for name in ["BLEU-2", "ROUGE-1", "ROUGE-2", "ROUGE-L"] {
        close(metric(&e, name), 100.0);
    }
    close(metric(&e, "METEOR"), (1.0 - 1.0 / 250.0) * 100.0);
    let signature = &e.result.signature;
    assert!(signature.starts_with("cuebench:2|bench:vad-reasoning|task:reasoning|"));
    assert!(signature.contains("smooth=method1") && signature.contains("stemmer=porter"));
}

#[test]
fn bad_ground_truth_names_file_line_and_field() {
    let gt = temp(&[
        r#"{"id": "a", "label": "abnormal", "interval": [0, 10]}"#,
        r#"{"id": "b", "label": "weird"}"#,
    ]);
    let preds = temp(&[]);
    match evaluate(
        VadTask::Detection,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    ) {
        Err(Error::Field { line, field, .. }) => assert_eq!((line, field.as_str()), (2, "label")),
        other => panic!("expected a field error, got {other:?}"),
    }
    let gt = temp(&[r#"{"id": "a", "label": "abnormal"}"#]);
    match evaluate(
        VadTask::Detection,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    ) {
        Err(Error::Field { line, field, .. }) => {
            assert_eq!((line, field.as_str()), (1, "interval"))
        }
        other => panic!("expected a field error, got {other:?}"),
    }
    let gt = temp(&[
        r#"{"id": "a", "label": "normal", "reference": "x"}"#,
        r#"{"id": "a", "label": "normal", "reference": "y"}"#,
    ]);
    assert!(matches!(
        evaluate(
            VadTask::Reasoning,
            gt.path(),
            preds.path(),
            &VadOptions::default()
        ),
        Err(Error::DuplicateIds { .. })
    ));
}

#[test]
fn missing_wordnet_is_a_model_error_naming_the_setup_script() {
    let gt = temp(&[r#"{"id": "a", "label": "normal", "reference": "x"}"#]);
    let preds = temp(&[]);
    let dir = Path::new("/nonexistent/wordnet");
    match evaluate(
        VadTask::Reasoning,
        gt.path(),
        preds.path(),
        &VadOptions {
            wordnet: Some(dir.to_owned()),
            ..VadOptions::default()
        },
    ) {
        Err(Error::Model(message)) => assert!(message.contains("scripts/setup-wordnet.sh")),
        other => panic!("expected a model error, got {other:?}"),
    }
}

/// Published `Vad-Reasoning-SFT-test.jsonl` rows (fields as in the Vad-R1
/// README), one abnormal and one normal video.
const PUBLISHED: [&str; 2] = [
    r#"{"source": "UCF", "video": "Robbery_101.mp4", "anomaly_type": "Robbery", "path": "v/Robbery_101.mp4", "total_frames": 900, "think": "A man points a gun at the cashier.", "answer": "<which>Robbery</which>", "start": 10, "end": 20}"#,
    r#"{"source": "UCF", "video": "Normal_7.mp4", "anomaly_type": "Normal", "path": "v/Normal_7.mp4", "total_frames": 300, "think": "People walk.", "answer": "<which>Normal</which>", "start": -1, "end": -1}"#,
];

#[test]
fn published_rows_are_read_directly_in_seconds() {
    // Robbery_101: truth [10, 20] s, answer [15, 20]: IoU 5/10 = 0.5 (TP).
    // Normal_7: answered normal (TN); its start/end (-1) are not read.
    // Acc 100, mIoU 50, R@0.5 100, R@0.7 0.
    let gt = temp(&PUBLISHED);
    let preds = temp(&[
        r#"{"id": "Robbery_101.mp4", "response": "<answer><which>Robbery</which><when>[15, 20]</when></answer>"}"#,
        r#"{"id": "Normal_7.mp4", "response": "<answer><which>Normal</which></answer>"}"#,
    ]);
    let e = evaluate(
        VadTask::Detection,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    )
    .expect("evaluates");
    close(metric(&e, "Acc"), 100.0);
    close(metric(&e, "mIoU"), 50.0);
    close(metric(&e, "R@0.5"), 100.0);
    close(metric(&e, "R@0.7"), 0.0);
    assert!(e.result.signature.contains("|time:seconds"));
}

#[test]
fn published_rows_in_frames_need_the_fps() {
    // With --time-unit frames --fps 2: [10, 20] frames = [5, 10] s; the
    // answer [5, 10] s has IoU 1.
    let gt = temp(&PUBLISHED);
    let preds = temp(&[
        r#"{"id": "Robbery_101.mp4", "response": "<which>Robbery</which><when>[5, 10]</when>"}"#,
    ]);
    let options = VadOptions {
        time_unit: TimeUnit::Frames { fps: 2.0 },
        ..VadOptions::default()
    };
    let e = evaluate(VadTask::Detection, gt.path(), preds.path(), &options).expect("evaluates");
    close(metric(&e, "mIoU"), 100.0);
    assert!(e.result.signature.contains("|time:frames@2"));
}

#[test]
fn published_reference_is_think_then_answer() {
    // The response repeats think and answer: BLEU-2 and ROUGE are 1.
    let gt = temp(&PUBLISHED[..1]);
    let preds = temp(&[
        r#"{"id": "Robbery_101.mp4", "response": "<think>A man points a gun at the cashier.</think><answer><which>Robbery</which></answer>"}"#,
    ]);
    let e = evaluate(
        VadTask::Reasoning,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    )
    .expect("evaluates (run scripts/setup-wordnet.sh first)");
    for name in ["BLEU-2", "ROUGE-1", "ROUGE-2", "ROUGE-L"] {
        close(metric(&e, name), 100.0);
    }
}

#[test]
fn published_rows_name_the_bad_field() {
    let preds = temp(&[]);
    let cases = [
        (PUBLISHED[0].replace(r#", "start": 10"#, ""), "start"),
        (PUBLISHED[0].replace(r#""end": 20"#, r#""end": 5"#), "end"),
        (
            PUBLISHED[0].replace(r#""start": 10"#, r#""start": "soon""#),
            "start",
        ),
    ];
    for (line, field) in cases {
        let gt = temp(&[&line]);
        match evaluate(
            VadTask::Detection,
            gt.path(),
            preds.path(),
            &VadOptions::default(),
        ) {
            Err(Error::Field { line, field: f, .. }) => assert_eq!((line, f.as_str()), (1, field)),
            other => panic!("expected a field error on {field}, got {other:?}"),
        }
    }
    let gt =
        temp(&[&PUBLISHED[0].replace(r#""think": "A man points a gun at the cashier.", "#, "")]);
    match evaluate(
        VadTask::Reasoning,
        gt.path(),
        preds.path(),
        &VadOptions::default(),
    ) {
        Err(Error::Field { field, .. }) => assert_eq!(field, "think"),
        other => panic!("expected a field error, got {other:?}"),
    }
}
