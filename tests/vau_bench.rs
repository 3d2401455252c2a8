//! VAU-Bench scoring, end to end through the library entry point
//! `cuebench::benchmarks::vau_bench::evaluate`.
//!
//! Three kinds of tests: the small invented fixtures under
//! `tests/fixtures/vau-bench/` (expected numbers worked out in comments);
//! whole-split checks that generate predictions from a split's own ground
//! truth, run on `tests/fixtures/vau-bench/val-layout.csv` (hand-made, in the
//! published CSV layout) and, as an extra, on the published validation split
//! when `CUEBENCH_VAU_BENCH_VAL` names it (CONTRIBUTING.md; it is never
//! copied into the repository); and a table of grounding answers whose
//! expected IoU comes from the VAU-R1 reference formula
//! (`evaluation_tag.py`: `parse_html` + `eval_IoU`).

use std::io::Write;
use std::path::{Path, PathBuf};

use cuebench::Error;
use cuebench::benchmarks::vau_bench::{VauTask, evaluate, grounding_span, reference_iou};
use cuebench::metrics::temporal::Interval;
use cuebench::model::{Evaluation, SampleStatus};
use cuebench::tasks::TaskName;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vau-bench")
        .join(name)
}

/// A VAU-Bench split in the published CSV layout and what the whole-split
/// tests expect of it.
struct Split {
    path: PathBuf,
    /// QA samples: rows whose question and correct option are not `-1`.
    qa: usize,
    /// CLS samples: rows whose class is not `-1`.
    cls: usize,
    /// Of those, the `Normal` ones and the `Robbery` ones.
    normal: usize,
    robbery: usize,
    /// Grounding samples: spans that are neither `-1` nor `0, 0`.
    spans: usize,
    /// QA answers made wrong, then left out, in file order.
    qa_wrong_missing: (usize, usize),
    /// Grounding answers with no span, then with `[s, s]`, in file order.
    grounding_none_empty: (usize, usize),
}

/// Names the published validation split for the extra checks.
const VAL_ENV: &str = "CUEBENCH_VAU_BENCH_VAL";

/// The splits the whole-split tests run on: the hand-made fixture always;
/// the published `val.csv` too when `CUEBENCH_VAU_BENCH_VAL` names it.
fn splits() -> Vec<Split> {
    // val-layout.csv, 12 rows, CRLF line ends (also inside two quoted
    // cells), quoted commas and doubled quotes, `D. <text>` and `A. <text>`
    // correct options, a lower-case letter, an all-`-1` row (skip_08), a
    // `-1` question (ucf_09) and a `-1` class (ucf_10).
    // QA: 12 - skip_08 - ucf_09 = 10. CLS: 12 - skip_08 - ucf_10 = 10, of
    // which norm_06 and norm_07 are Normal and ucf_01 and ecva_05 Robbery.
    // Grounding: ecva_04, ecva_05, skip_08 are -1 and norm_06, norm_07 are
    // 0, 0: 12 - 5 = 7 spans.
    let mut splits = vec![Split {
        path: fixture("val-layout.csv"),
        qa: 10,
        cls: 10,
        normal: 2,
        robbery: 2,
        spans: 7,
        qa_wrong_missing: (3, 2),
        grounding_none_empty: (1, 2),
    }];
    splits.extend(published_split());
    splits
}

/// The published validation split, when `CUEBENCH_VAU_BENCH_VAL` names it.
fn published_split() -> Option<Split> {
    let path = PathBuf::from(std::env::var_os(VAL_ENV)?);
    assert!(path.is_file(), "{VAL_ENV}={} is not a file", path.display());
    // val.csv holds 734 videos: 214 Normal (0, 0), 181 abnormal without a
    // span (-1, -1) and 339 abnormal with one; 61 are Robbery. Every row has
    // a question, a correct option and a class.
    Some(Split {
        path,
        qa: 734,
        cls: 734,
        normal: 214,
        robbery: 61,
        spans: 339,
        qa_wrong_missing: (100, 34),
        grounding_none_empty: (39, 100),
    })
}

/// Writes `content` to a file named `name` in a fresh temporary directory.
fn temp_file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(name);
    let mut file = std::fs::File::create(&path).expect("temporary file");
    file.write_all(content.as_bytes()).expect("write");
    (dir, path)
}

fn metric(eval: &Evaluation, name: &str) -> f64 {
    eval.result
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
        .value
}

fn assert_close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

/// One row of a split, the columns the tests need; `-1` cells as `None`.
struct ValRow {
    name: String,
    /// The correct letter; `None` when the question or option is `-1`.
    letter: Option<String>,
    class: Option<String>,
    start: f64,
    end: f64,
}

fn val_rows(split: &Split) -> Vec<ValRow> {
    let mut reader = csv::Reader::from_path(&split.path).expect("split");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (name, question, letter, class, start, end) = (
        col("Video Name"),
        col("Question"),
        col("Correct Option"),
        col("Anomaly Class"),
        col("Start Time"),
        col("End Time"),
    );
    let annotated = |value: &str| (value != "-1").then(|| value.to_owned());
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            ValRow {
                name: r[name].to_owned(),
                // `D. <text>` answers as its letter.
                letter: annotated(&r[question])
                    .and(annotated(&r[letter]))
                    .map(|l| l[..1].to_uppercase()),
                class: annotated(&r[class]),
                start: r[start].parse().expect("start"),
                end: r[end].parse().expect("end"),
            }
        })
        .collect()
}

/// Annotated abnormal videos: the grounding samples.
fn is_grounding_sample(row: &ValRow) -> bool {
    row.start != -1.0 && !(row.start == 0.0 && row.end == 0.0)
}

/// A JSONL predictions file with one `response` per (id, response) pair.
fn jsonl(lines: impl IntoIterator<Item = (String, String)>) -> (tempfile::TempDir, PathBuf) {
    let text: String = lines
        .into_iter()
        .map(|(id, response)| {
            serde_json::json!({"id": id, "response": response}).to_string() + "\n"
        })
        .collect();
    temp_file("preds.jsonl", &text)
}

fn think(answer: &str) -> String {
    format!("<think>watching the video</think><answer>{answer}</answer>")
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixture_qa_counts_missing_unparseable_and_unknown() {
    // Samples: abn_1 (B), abn_2 (A), norm_1 (C), abn_3 (D); skip_1 is all -1.
    // abn_1 "B" right; abn_2 "C" wrong; norm_1 empty cell -> parse_failed;
    // abn_3 missing; skip_1's answer is ignored; other_9 is unknown.
    // Acc = 1/4 = 25%.
    let eval = evaluate(
        VauTask::Qa,
        &fixture("annotations.csv"),
        &fixture("preds_qa.csv"),
    )
    .unwrap();
    let c = &eval.result.counts;
    assert_eq!(
        (
            c.samples,
            c.scored,
            c.missing,
            c.parse_failed,
            c.unknown_ids
        ),
        (4, 2, 1, 1, 1)
    );
    assert_close(metric(&eval, "Acc"), 25.0);
    let ids: Vec<&str> = eval.samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["abn_1.mp4", "abn_2.mp4", "abn_3", "norm_1.mp4"]);
    assert_eq!(eval.samples[2].status, SampleStatus::Missing);
    assert_eq!(eval.samples[3].status, SampleStatus::ParseFailed);
}

#[test]
fn fixture_grounding_skips_normal_and_unannotated_videos() {
    // Samples: abn_1 [10, 20] and abn_3 [65.5, 90]; abn_2 (-1, -1) and
    // norm_1 (0, 0) are not samples, and their answers are not unknown.
    // abn_1 answers [15, 25]: IoU = 5 / 15 = 1/3; abn_3 answers
    // [01:05.5, 01:30] = [65.5, 90]: IoU = 1. mIoU = (1/3 + 1) / 2 = 66.67%;
    // R@0.3 = 2/2, R@0.5 = R@0.7 = 1/2.
    let eval = evaluate(
        VauTask::Grounding,
        &fixture("annotations.csv"),
        &fixture("preds_grounding.csv"),
    )
    .unwrap();
    let c = &eval.result.counts;
    assert_eq!(
        (
            c.samples,
            c.scored,
            c.missing,
            c.parse_failed,
            c.unknown_ids
        ),
        (2, 2, 0, 0, 0)
    );
    assert_close(metric(&eval, "mIoU"), 200.0 / 3.0);
    assert_close(metric(&eval, "R@0.3"), 100.0);
    assert_close(metric(&eval, "R@0.5"), 50.0);
    assert_close(metric(&eval, "R@0.7"), 50.0);
    assert_close(eval.samples[0].scores[0].1, 1.0 / 3.0);
    assert_eq!(eval.samples[0].scores[0].0, "IoU");
}

#[test]
fn fixture_cls_scores_binary_and_class_accuracy() {
    // Samples: abn_1 Robbery, abn_2 Fire, norm_1 Normal, abn_3 Traffic_accident.
    // abn_1 "Fighting": binary right, class wrong; abn_2 "fire": both right;
    // norm_1 "Normal": both right; abn_3 "Absence_of_anomaly" names no class:
    // parse_failed, both wrong. BinAcc = 3/4, ClsAcc = 2/4.
    let eval = evaluate(
        VauTask::Cls,
        &fixture("annotations.csv"),
        &fixture("preds_cls.csv"),
    )
    .unwrap();
    let c = &eval.result.counts;
    assert_eq!((c.samples, c.scored, c.parse_failed), (4, 3, 1));
    assert_close(metric(&eval, "BinAcc"), 75.0);
    assert_close(metric(&eval, "ClsAcc"), 50.0);
}

#[test]
fn signatures_name_benchmark_task_and_decisions() {
    let eval = evaluate(
        VauTask::Cls,
        &fixture("annotations.csv"),
        &fixture("preds_cls.csv"),
    )
    .unwrap();
    assert_eq!(eval.result.benchmark, "vau-bench");
    assert_eq!(eval.result.task, "cls");
    assert!(
        eval.result
            .signature
            .starts_with("cuebench:2|bench:vau-bench|task:cls|")
    );
    assert_eq!(
        VauTask::Grounding.signature().to_string(),
        format!(
            "cuebench:2|bench:vau-bench|task:grounding|span:glue-or-bracket|iou:vau-r1-no-detection|normal:skip|unannotated:skip|missing:0|ids:mp4|version:{}",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(VauTask::parse_name("grounding"), Ok(VauTask::Grounding));
    assert!(VauTask::parse_name("tag").is_err());
}

#[test]
fn jsonl_answers_and_task_field_are_honoured() {
    // abn_1 via a pre-parsed answer [10, 20] (IoU 1); abn_3 via a response
    // tagged for another task, so it is skipped and abn_3 is missing.
    let (_dir, preds) = temp_file(
        "p.jsonl",
        "{\"id\": \"abn_1.mp4\", \"answer\": [10, 20]}\n\n\
         {\"id\": \"abn_3\", \"task\": \"cls\", \"response\": \"<glue>[65.5, 90]</glue>\"}\n",
    );
    let eval = evaluate(VauTask::Grounding, &fixture("annotations.csv"), &preds).unwrap();
    assert_eq!(eval.result.counts.missing, 1);
    assert_close(metric(&eval, "mIoU"), 50.0);
    assert_eq!(eval.result.counts.format_ok, 0);
}

// ---------------------------------------------------------------- errors

fn field_error(result: cuebench::Result<Evaluation>) -> (usize, String) {
    match result {
        Err(Error::Field { line, field, .. }) => (line, field),
        other => panic!("expected a field error, got {other:?}"),
    }
}

const HEADER: &str = "Video Name,Question,Option 1,Option 2,Option 3,Option 4,Correct Option,Key Object,Description,Reasoning,Anomaly Class,Start Time,End Time\n";

fn gt_with(rows: &str) -> (tempfile::TempDir, PathBuf) {
    temp_file("gt.csv", &format!("{HEADER}{rows}"))
}

#[test]
fn malformed_annotation_rows_name_line_and_field() {
    let good = "a.mp4,q,1,2,3,4,A,k,d,r,Robbery,1.0,2.0\n";
    let preds = fixture("preds_qa.csv");
    let (_d, gt) = gt_with(&format!("{good}b.mp4,q,1,2,3,4,A\n"));
    assert_eq!(
        field_error(evaluate(VauTask::Qa, &gt, &preds)),
        (3, "row".to_owned())
    );
    let (_d, gt) = gt_with(&format!("{good}b.mp4,q,1,2,3,4,E,k,d,r,Robbery,1.0,2.0\n"));
    assert_eq!(
        field_error(evaluate(VauTask::Qa, &gt, &preds)),
        (3, "Correct Option".to_owned())
    );
    let (_d, gt) = gt_with("b.mp4,q,1,2,3,4,A,k,d,r,Burglary,1.0,2.0\n");
    assert_eq!(
        field_error(evaluate(VauTask::Cls, &gt, &preds)),
        (2, "Anomaly Class".to_owned())
    );
    let (_d, gt) = gt_with("b.mp4,q,1,2,3,4,A,k,d,r,Robbery,5.0,2.0\n");
    assert_eq!(
        field_error(evaluate(VauTask::Grounding, &gt, &preds)),
        (2, "End Time".to_owned())
    );
    let (_d, gt) = gt_with("b.mp4,q,1,2,3,4,A,k,d,r,Robbery,soon,2.0\n");
    assert_eq!(
        field_error(evaluate(VauTask::Grounding, &gt, &preds)),
        (2, "Start Time".to_owned())
    );
    let (_d, gt) = gt_with(",q,1,2,3,4,A,k,d,r,Robbery,1.0,2.0\n");
    assert_eq!(
        field_error(evaluate(VauTask::Qa, &gt, &preds)),
        (2, "Video Name".to_owned())
    );
    // A bad value in a column the task does not read is no error.
    let (_d, gt) = gt_with("b.mp4,q,1,2,3,4,A,k,d,r,Burglary,soon,2.0\n");
    assert!(evaluate(VauTask::Qa, &gt, &preds).is_ok());
}

#[test]
fn a_byte_order_mark_before_the_header_is_ignored() {
    // Spreadsheets often save CSV with a UTF-8 BOM; `Video Name` must still match.
    let (_d, gt) = temp_file(
        "gt.csv",
        "\u{feff}Video Name,Question,Correct Option\nabn_1.mp4,q,B\n",
    );
    let eval = evaluate(VauTask::Qa, &gt, &fixture("preds_qa.csv")).unwrap();
    assert_close(metric(&eval, "Acc"), 100.0);
}

#[test]
fn missing_columns_are_named() {
    let (_d, gt) = temp_file("gt.csv", "Video Name,Anomaly Class\na.mp4,Fire\n");
    let preds = fixture("preds_qa.csv");
    assert_eq!(
        field_error(evaluate(VauTask::Qa, &gt, &preds)),
        (1, "Question".to_owned())
    );
    assert!(evaluate(VauTask::Cls, &gt, &fixture("preds_cls.csv")).is_ok());
    // The QA predictions file has no `CLS answer` column.
    assert_eq!(
        field_error(evaluate(VauTask::Cls, &gt, &preds)),
        (1, "CLS answer".to_owned())
    );
}

#[test]
fn duplicate_videos_are_errors_after_mp4_normalisation() {
    let (_d, gt) = gt_with("a.mp4,q,1,2,3,4,A,k,d,r,Fire,1,2\na,q,1,2,3,4,A,k,d,r,Fire,1,2\n");
    match evaluate(VauTask::Qa, &gt, &fixture("preds_qa.csv")) {
        Err(Error::DuplicateIds { ids, .. }) => assert_eq!(ids, "a.mp4 (lines 2, 3)"),
        other => panic!("expected duplicate ids, got {other:?}"),
    }
    let (_d, preds) = temp_file(
        "p.csv",
        "Video Name,QA answer\nabn_1,B\nabn_2,A\nabn_1.mp4,C\n",
    );
    match evaluate(VauTask::Qa, &fixture("annotations.csv"), &preds) {
        Err(Error::DuplicateIds { ids, .. }) => assert_eq!(ids, "abn_1.mp4 (lines 2, 4)"),
        other => panic!("expected duplicate ids, got {other:?}"),
    }
    let (_d, preds) = jsonl([
        ("x".to_owned(), "A".to_owned()),
        ("x.mp4".to_owned(), "B".to_owned()),
    ]);
    assert!(matches!(
        evaluate(VauTask::Qa, &fixture("annotations.csv"), &preds),
        Err(Error::DuplicateIds { .. })
    ));
}

#[test]
fn invalid_jsonl_and_malformed_prediction_csv_are_errors() {
    let (_d, preds) = temp_file(
        "p.jsonl",
        "{\"id\": \"abn_1\", \"response\": \"B\"}\n{oops\n",
    );
    assert!(matches!(
        evaluate(VauTask::Qa, &fixture("annotations.csv"), &preds),
        Err(Error::Json { line: 2, .. })
    ));
    let (_d, preds) = temp_file("p.csv", "Video Name,QA answer\nabn_1,B,extra\n");
    assert_eq!(
        field_error(evaluate(VauTask::Qa, &fixture("annotations.csv"), &preds)),
        (2, "row".to_owned())
    );
}

#[test]
fn missing_files_are_io_errors() {
    let missing = fixture("does-not-exist.csv");
    assert!(matches!(
        evaluate(VauTask::Qa, &missing, &fixture("preds_qa.csv")),
        Err(Error::Io { .. })
    ));
}

// ------------------------------------------------------------ whole splits

#[test]
fn split_answers_from_its_own_ground_truth_score_100() {
    for split in splits() {
        let rows = val_rows(&split);
        let gt = &split.path;
        // Every row gets an answer, also those that are not samples of the
        // task (their answers are ignored, not unknown ids).
        let own = |value: &Option<String>| think(value.as_deref().unwrap_or("-1"));
        let (_d, qa) = jsonl(rows.iter().map(|r| (r.name.clone(), own(&r.letter))));
        let (_d, cls) = jsonl(rows.iter().map(|r| (r.name.clone(), own(&r.class))));
        let (_d, tag) = jsonl(rows.iter().map(|r| {
            let glue = format!(
                "<think>t</think><answer>Anomaly</answer><glue>[{}, {}]</glue>",
                r.start, r.end
            );
            (r.name.clone(), glue)
        }));
        for (task, preds, samples) in [
            (VauTask::Qa, qa, split.qa),
            (VauTask::Grounding, tag, split.spans),
            (VauTask::Cls, cls, split.cls),
        ] {
            let eval = evaluate(task, gt, &preds).unwrap();
            let c = &eval.result.counts;
            assert_eq!(
                (
                    c.samples,
                    c.scored,
                    c.missing,
                    c.parse_failed,
                    c.unknown_ids
                ),
                (samples, samples, 0, 0, 0),
                "{task} on {}",
                gt.display()
            );
            assert_eq!(c.format_ok, samples, "{task}");
            assert_eq!(eval.samples.len(), samples);
            assert!(
                eval.samples.windows(2).all(|w| w[0].id < w[1].id),
                "sorted by id"
            );
            for m in &eval.result.metrics {
                assert_close(m.value, 100.0);
            }
        }
    }
}

#[test]
fn split_reference_csv_outputs_score_100() {
    // The reference inference scripts' CSV layout; names without `.mp4`
    // still match, and the CLS answer is written in lower case with spaces.
    for split in splits() {
        let rows = val_rows(&split);
        let mut qa = String::from("Video Name,QA answer\n");
        let mut tag = String::from("Video Name,Temporal Grounding\n");
        let mut cls = String::from("Video Name,CLS answer\n");
        for r in &rows {
            let stem = r.name.trim_end_matches(".mp4");
            qa += &format!("{stem},{}\n", r.letter.as_deref().unwrap_or("-1"));
            tag += &format!("{},\"<glue>[{}, {}]</glue>\"\n", r.name, r.start, r.end);
            let class = r.class.as_deref().unwrap_or("-1");
            cls += &format!(
                "{},<answer> {} </answer>\n",
                r.name,
                class.to_lowercase().replace('_', " ")
            );
        }
        for (task, text) in [
            (VauTask::Qa, qa),
            (VauTask::Grounding, tag),
            (VauTask::Cls, cls),
        ] {
            let (_d, preds) = temp_file("out.csv", &text);
            let eval = evaluate(task, &split.path, &preds).unwrap();
            assert_eq!(eval.result.counts.unknown_ids, 0);
            for m in &eval.result.metrics {
                assert_close(m.value, 100.0);
            }
        }
    }
}

fn next_letter(letter: &str) -> String {
    match letter {
        "A" => "B",
        "B" => "C",
        "C" => "D",
        _ => "A",
    }
    .to_owned()
}

#[test]
fn split_qa_with_wrong_and_missing_answers() {
    // Of the QA samples in file order: the first `wrong` answers name the
    // next letter, the next `missing` are left out, the others are right;
    // two answers name videos that do not exist. val.csv: 100 wrong, 34
    // missing, Acc = 600 / 734 = 81.7439%; the fixture: 3 wrong, 2 missing,
    // Acc = 5 / 10 = 50%.
    for split in splits() {
        let (wrong, missing) = split.qa_wrong_missing;
        let rows = val_rows(&split);
        let samples = rows
            .iter()
            .filter_map(|r| Some((&r.name, r.letter.as_ref()?)));
        let mut answers: Vec<(String, String)> = samples
            .enumerate()
            .filter(|(i, _)| !(wrong..wrong + missing).contains(i))
            .map(|(i, (name, letter))| {
                let letter = if i < wrong {
                    next_letter(letter)
                } else {
                    letter.clone()
                };
                (name.clone(), format!("The answer is {letter}."))
            })
            .collect();
        answers.push(("nope_1.mp4".to_owned(), "A".to_owned()));
        answers.push(("nope_2".to_owned(), "A".to_owned()));
        let (_d, preds) = jsonl(answers);
        let eval = evaluate(VauTask::Qa, &split.path, &preds).unwrap();
        let c = &eval.result.counts;
        assert_eq!(
            (c.samples, c.scored, c.missing, c.unknown_ids, c.format_ok),
            (split.qa, split.qa - missing, missing, 2, 0)
        );
        let right = split.qa - wrong - missing;
        assert_close(metric(&eval, "Acc"), right as f64 / split.qa as f64 * 100.0);
    }
}

#[test]
fn split_grounding_spans_shifted_by_half_their_length() {
    // Each span [s, e] of length L answered as [s + L/2, e + L/2]: overlap
    // L/2, union 3L/2, IoU = 1/3 for every sample. mIoU = 33.33%,
    // R@0.3 = 100%, R@0.5 = R@0.7 = 0.
    for split in splits() {
        let rows = val_rows(&split);
        let (_d, preds) = jsonl(rows.iter().filter(|r| is_grounding_sample(r)).map(|r| {
            let half = (r.end - r.start) / 2.0;
            (
                r.name.clone(),
                format!("<glue>[{}, {}]</glue>", r.start + half, r.end + half),
            )
        }));
        let eval = evaluate(VauTask::Grounding, &split.path, &preds).unwrap();
        assert_eq!(eval.result.counts.scored, split.spans);
        assert_close(metric(&eval, "mIoU"), 100.0 / 3.0);
        assert_close(metric(&eval, "R@0.3"), 100.0);
        assert_close(metric(&eval, "R@0.5"), 0.0);
        assert_close(metric(&eval, "R@0.7"), 0.0);
    }
}

#[test]
fn split_grounding_with_unparseable_and_empty_spans() {
    // Of the spans in file order: the first `none` answer no span
    // (parse_failed, 0), the next `empty` answer [s, s] ("no detection",
    // scored 0), the others the exact span in mm:ss.ff (IoU 1). val.csv:
    // 39, 100, 200 of 339, every metric 200 / 339 = 58.9971%; the fixture:
    // 1, 2, 4 of 7, every metric 4 / 7 = 57.1429%.
    for split in splits() {
        let (none, empty) = split.grounding_none_empty;
        let rows: Vec<ValRow> = val_rows(&split)
            .into_iter()
            .filter(is_grounding_sample)
            .collect();
        let (_d, preds) = jsonl(rows.iter().enumerate().map(|(i, r)| {
            let clock = |t: f64| format!("{:02}:{:05.2}", (t / 60.0).floor(), t % 60.0);
            let answer = if i < none {
                "I cannot tell when it happens.".to_owned()
            } else if i < none + empty {
                format!("<glue>[{}, {}]</glue>", r.start, r.start)
            } else {
                format!("<glue>[{}, {}]</glue>", clock(r.start), clock(r.end))
            };
            (r.name.clone(), answer)
        }));
        let eval = evaluate(VauTask::Grounding, &split.path, &preds).unwrap();
        let c = &eval.result.counts;
        assert_eq!((c.scored, c.parse_failed), (split.spans - none, none));
        let exact = (split.spans - none - empty) as f64;
        for m in &eval.result.metrics {
            assert_close(m.value, exact / split.spans as f64 * 100.0);
        }
    }
}

#[test]
fn split_cls_with_constant_answers() {
    // "Normal" everywhere: right on the normal videos only, in both
    // accuracies. "Robbery" everywhere: binary right on the abnormal
    // videos, class right on the robberies. val.csv: 214 / 734 = 29.1553%,
    // then 520 / 734 = 70.8447% and 61 / 734 = 8.3106%; the fixture: 2/10,
    // then 8/10 and 2/10.
    for split in splits() {
        let rows = val_rows(&split);
        let (cls, normal) = (split.cls as f64, split.normal as f64);
        let abnormal = cls - normal;
        let robbery = split.robbery as f64;
        for (answer, binary, class) in [("Normal", normal, normal), ("Robbery", abnormal, robbery)]
        {
            let (_d, preds) = jsonl(rows.iter().map(|r| (r.name.clone(), think(answer))));
            let eval = evaluate(VauTask::Cls, &split.path, &preds).unwrap();
            assert_close(metric(&eval, "BinAcc"), binary / cls * 100.0);
            assert_close(metric(&eval, "ClsAcc"), class / cls * 100.0);
        }
    }
}

// ------------------------------------------------- reference IoU agreement

/// (answer, gt start, gt end, IoU of VAU-R1's `parse_html` + `eval_IoU`, or
/// `None` where the reference finds no span or raises). Generated once with
/// a Python transcription of the reference functions; mm:ss, "no detection"
/// ([s, s]), reversed spans and unreadable answers included.
const REFERENCE_IOUS: &[(&str, f64, f64, Option<f64>)] = &[
    ("<glue>[10, 20]</glue>", 10.0, 20.0, Some(1.0)),
    (
        "<glue>[15, 25]</glue>",
        10.0,
        20.0,
        Some(0.3333333333333333),
    ),
    (
        "<answer>Anomaly</answer><glue>[0.0, 10.4]</glue>",
        3.0,
        12.5,
        Some(0.5920000000000001),
    ),
    ("<glue>[5, 5]</glue>", 0.0, 10.0, Some(0.0)),
    ("<glue>[0, 0]</glue>", 0.0, 10.0, Some(0.0)),
    ("<glue>[20, 10]</glue>", 5.0, 25.0, Some(0.0)),
    ("<glue>[30, 40]</glue>", 10.0, 20.0, Some(0.0)),
    ("<glue>[0:10, 0:20]</glue>", 10.0, 20.0, Some(1.0)),
    (
        "<glue>[01:00, 02:30]</glue>",
        80.0,
        100.0,
        Some(0.2222222222222222),
    ),
    (
        "<glue>[00:01:00.5, 00:02:00]</glue>",
        60.0,
        120.0,
        Some(0.9916666666666667),
    ),
    ("<glue>[1:30, 95]</glue>", 90.0, 95.0, None),
    ("<glue>[0:60, 1:10]</glue>", 50.0, 70.0, None),
    ("<glue>[1:2:3:4, 2:00]</glue>", 0.0, 200.0, None),
    ("<glue>[0:05.25.9, 0:06]</glue>", 5.0, 6.0, Some(0.75)),
    ("<glue>[0:1.1234567, 0:2]</glue>", 0.0, 2.0, None),
    ("no span at all", 0.0, 10.0, None),
    ("", 0.0, 10.0, None),
    ("<glue>[1, 2, 3]</glue>", 0.0, 10.0, None),
    ("<glue>[12]</glue>", 0.0, 10.0, None),
    ("<glue>[, 12]</glue>", 0.0, 10.0, None),
    ("<glue>[a, b]</glue>", 0.0, 10.0, None),
    ("<glue>[1.2.3, 4]</glue>", 0.0, 10.0, None),
    ("<glue>[--1, 4]</glue>", 0.0, 10.0, None),
    ("<glue>[-3, 4]</glue>", 0.0, 10.0, Some(0.3076923076923077)),
    (
        "The anomaly is from [3s, 7s].",
        2.0,
        8.0,
        Some(0.6666666666666666),
    ),
    ("start 3 s, end 7 s", 2.0, 8.0, None),
    ("<glue>\n[3, 7]</glue>", 2.0, 8.0, Some(0.6666666666666666)),
    (
        "<glue>[3, 7]\n</glue> and [1, 9]",
        2.0,
        8.0,
        Some(0.6666666666666666),
    ),
    (
        "<glue>[3,7]</glue><glue>[2,8]</glue>",
        2.0,
        8.0,
        Some(0.6666666666666666),
    ),
    ("[1, 4] then <glue>[2, 8]</glue>", 2.0, 8.0, Some(1.0)),
    (
        "<glue>[2.5 seconds, 7.75 seconds]</glue>",
        2.0,
        8.0,
        Some(0.875),
    ),
    ("<glue>[.5, 1.]</glue>", 0.0, 1.0, Some(0.5)),
    ("<glue>[0:00, 0:00]</glue>", 0.0, 10.0, Some(0.0)),
    ("<glue>(3, 7)</glue>", 2.0, 8.0, Some(0.6666666666666666)),
    ("<glue>3 - 7</glue>", 2.0, 8.0, None),
    ("<GLUE>[3, 7]</GLUE>", 2.0, 8.0, Some(0.6666666666666666)),
    ("<glue>[1,000, 2,000]</glue>", 0.0, 3000.0, None),
    (
        "<glue>[23:59:59.999999, 24:00:00]</glue>",
        0.0,
        100000.0,
        None,
    ),
    ("<glue>[00:00:10, 00:00:20]</glue>", 15.0, 30.0, Some(0.25)),
    ("<glue>[0:10, 00:00:20]</glue>", 15.0, 30.0, Some(0.25)),
    ("<glue>[100, 200]</glue>", 4336.0, 5633.0, Some(0.0)),
    ("<glue>[4000, 6000]</glue>", 4336.0, 5633.0, Some(0.6485)),
    ("<glue>[113.09, 150.47]</glue>", 62.29, 84.12, Some(0.0)),
    (
        "<think>x</think><answer>Anomaly</answer><glue>[13.6,65.0]</glue>",
        84.0,
        123.0,
        Some(0.0),
    ),
    ("<glue>[49.0, 103.6]</glue>", 10.0, 11.0, Some(0.0)),
    ("<glue>[53.0, 48.0]</glue>", 76.0, 84.76, Some(0.0)),
    (
        "<think>x</think><answer>Anomaly</answer><glue>[38.0,68.05]</glue>",
        77.0,
        129.4,
        Some(0.0),
    ),
    ("[35.9, 58.0]", 20.48, 32.7, Some(0.0)),
    ("[0.41, 41.0]", 6.5, 55.64, Some(0.6246605105920695)),
    ("[22.2, 63.0]", 35.5, 64.6, Some(0.6485849056603775)),
    ("[101.0, 131.7]", 98.0, 155.0, Some(0.53859649122807)),
    ("[22.0, 25.0]", 38.0, 65.44, Some(0.0)),
    ("[93.0, 126.3]", 34.4, 88.0, Some(0.0)),
    (
        "<think>x</think><answer>Anomaly</answer><glue>[73.0,90.1]</glue>",
        4.0,
        16.9,
        Some(0.0),
    ),
    ("[95.85, 100.53]", 9.21, 29.0, Some(0.0)),
    (
        "<glue>[118.4, 173.0]</glue>",
        100.0,
        143.0,
        Some(0.33698630136986296),
    ),
    ("<glue>[78.0, 76.62]</glue>", 74.1, 123.8, Some(0.0)),
    ("[117.76, 174.5]", 80.2, 131.0, Some(0.14040296924708373)),
    ("<glue>[101.4, 105.58]</glue>", 10.7, 33.0, Some(0.0)),
    ("[87.5, 100.3]", 97.6, 155.23, Some(0.03986416654362916)),
    ("<glue>[115.18, 171.1]</glue>", 90.0, 112.93, Some(0.0)),
    (
        "<think>x</think><answer>Anomaly</answer><glue>[104.1,103.2]</glue>",
        8.9,
        40.05,
        Some(0.0),
    ),
    ("[67.12, 80.4]", 59.0, 104.7, Some(0.29059080962800876)),
    (
        "<think>x</think><answer>Anomaly</answer><glue>[77.96,128.3]</glue>",
        76.97,
        120.1,
        Some(0.8209624001558541),
    ),
    ("[34.66, 71.7]", 77.4, 117.9, Some(0.0)),
    ("[42.0, 93.54]", 27.4, 71.8, Some(0.45055941941336547)),
    ("[118.0, 167.4]", 97.6, 128.93, Some(0.15659025787965622)),
    ("[20.62, 49.2]", 69.14, 109.6, Some(0.0)),
    ("<glue>[23.47, 47.14]</glue>", 62.37, 79.0, Some(0.0)),
    (
        "<glue>[5.0, 64.0]</glue>",
        21.9,
        33.14,
        Some(0.1905084745762712),
    ),
    ("[57.92, 55.2]", 89.0, 108.0, Some(0.0)),
    ("[28.5, 23.5]", 38.03, 43.0, Some(0.0)),
    ("<glue>[01:55, 01:44]</glue>", 140.0, 164.0, Some(0.0)),
    ("<glue>[00:35, 01:06]</glue>", 75.0, 110.0, Some(0.0)),
    ("<glue>[02:21, 03:22]</glue>", 33.0, 60.0, Some(0.0)),
    ("<glue>[01:52, 02:29]</glue>", 36.0, 47.0, Some(0.0)),
    ("<glue>[02:24, 03:12]</glue>", 34.0, 73.0, Some(0.0)),
    ("<glue>[00:22, 00:24]</glue>", 27.0, 48.0, Some(0.0)),
    ("<glue>[02:58, 02:20]</glue>", 144.0, 169.0, Some(0.0)),
    (
        "<glue>[01:27, 01:31]</glue>",
        74.0,
        105.0,
        Some(0.12903225806451613),
    ),
];

#[test]
fn per_sample_iou_matches_the_reference_formula() {
    assert!(REFERENCE_IOUS.len() >= 50);
    for &(answer, start, end, expected) in REFERENCE_IOUS {
        let iou = grounding_span(answer).map(|span| reference_iou(span, Interval { start, end }));
        match (iou, expected) {
            (Some(got), Some(want)) => {
                assert!((got - want).abs() < 1e-12, "{answer:?}: {got} != {want}")
            }
            (None, None) => {}
            _ => panic!("{answer:?}: got {iou:?}, the reference gives {expected:?}"),
        }
    }
}

// ---------------------------------------------------------------- invariants

mod invariants {
    use super::*;
    use cuebench::benchmarks::vau_bench::{cls_class, qa_letter};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsers_accept_any_text(text in "\\PC*") {
            if let Some(letter) = qa_letter(&text) {
                prop_assert!(('A'..='D').contains(&letter));
            }
            let _ = cls_class(&text);
            let _ = grounding_span(&text);
        }

        #[test]
        fn span_texts_round_trip(start in 0.0f64..1e5, len in 0.0f64..1e4) {
            let end = start + len;
            let parsed = grounding_span(&format!("<glue>[{start}, {end}]</glue>"));
            prop_assert_eq!(parsed, Some((start, end)));
        }

        #[test]
        fn reference_iou_is_a_share(ps in -10.0f64..100.0, pe in -10.0f64..100.0,
                                    gs in 0.0f64..100.0, len in 0.0f64..50.0) {
            let gt = Interval { start: gs, end: gs + len };
            let iou = reference_iou((ps, pe), gt);
            prop_assert!((0.0..=1.0).contains(&iou));
            if ps >= pe {
                prop_assert_eq!(iou, 0.0);
            }
            if len > 0.0 {
                prop_assert!((reference_iou((gs, gs + len), gt) - 1.0).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn results_render_in_every_format() {
    use cuebench::report::render::Format;
    // The fixture grounding result (mIoU 66.67, see above) in each exporter.
    let eval = evaluate(
        VauTask::Grounding,
        &fixture("annotations.csv"),
        &fixture("preds_grounding.csv"),
    )
    .unwrap();
    let (gt, preds) = (fixture("annotations.csv"), fixture("preds_grounding.csv"));
    let csv = cuebench::formats::canonical::AnnotationFormat::Csv;
    let run = cuebench::benchmarks::run::sibling_run(eval, &gt, csv, &preds).unwrap();
    let header = cuebench::benchmarks::run::RunHeader {
        command: vec!["cuebench".into()],
        name: "fixture".into(),
        benchmark: cuebench::model::BenchmarkId::VauBench,
        protocol: cuebench::model::Protocol::Unified,
    };
    let document = run.into_document(header, None).unwrap().document;
    for format in [Format::Table, Format::Json, Format::Markdown, Format::Csv] {
        let text = format.renderer().results(&document);
        assert!(text.contains("R@0.5"), "{format:?}: {text}");
        // Tables round to two decimals; JSON keeps full precision.
        let shown = if format == Format::Json {
            "66.666666"
        } else {
            "66.67"
        };
        assert!(text.contains(shown), "{format:?}: {text}");
    }
}

// ------------------------------------------- published test files' cells

#[test]
fn qa_correct_option_written_as_letter_and_text() {
    // test_msad.csv writes `D. <text of option D>`: the letter is read when
    // the text is that option's. abn_1 answered D (right), abn_2 answered A
    // against `B. b2` (wrong): Acc = 1/2. The reference compares the whole
    // cell with the letter and never counts such a row right.
    let (_d, gt) = gt_with(
        "abn_1.mp4,q,a1,b1,c1,Green trash bin tipping over,\"D. Green trash bin tipping over\",k,d,r,Fire,1,2\n\
         abn_2.mp4,q,a2,b2,c2,d2,B.  b2 ,k,d,r,Fire,1,2\n",
    );
    let (_d, preds) = jsonl([
        ("abn_1".to_owned(), "D".to_owned()),
        ("abn_2".to_owned(), "A".to_owned()),
    ]);
    let eval = evaluate(VauTask::Qa, &gt, &preds).unwrap();
    assert_eq!(eval.result.counts.scored, 2);
    assert_close(metric(&eval, "Acc"), 50.0);
    assert!(
        eval.result
            .signature
            .contains("gt-option:letter-or-labelled")
    );
    // A text that is not the named option's, or no `.` after the letter:
    // still an input error on that line and column.
    for cell in ["D. Red trash bin", "D Green trash bin tipping over", "E. x"] {
        let (_d, gt) = gt_with(&format!(
            "abn_1.mp4,q,a,b,c,Green trash bin tipping over,{cell},k,d,r,Fire,1,2\n"
        ));
        assert_eq!(
            field_error(evaluate(VauTask::Qa, &gt, &preds)),
            (2, "Correct Option".to_owned()),
            "{cell}"
        );
    }
}

#[test]
fn grounding_recall_thresholds_hold_at_equality() {
    // val.csv's ecva_1700.mp4 is [0, 26]; the answer [0, 18.2] has IoU
    // 18.2 / 26 = 0.7 exactly, so it counts at R@0.7 (the subtraction
    // |P| + |G| - |P ∩ G| gave 0.6999999999999998 and missed it). Answers
    // of IoU exactly 0.3 ([0, 7.8]) and 0.5 ([0, 13]) on the same video
    // count at their thresholds too.
    for (end, recalls) in [
        (18.2, [100.0, 100.0, 100.0]),
        (13.0, [100.0, 100.0, 0.0]),
        (7.8, [100.0, 0.0, 0.0]),
    ] {
        let (_d, gt) = gt_with("ecva_1700.mp4,q,1,2,3,4,A,k,d,r,Traffic_accident,0.0,26.0\n");
        let (_d, preds) = jsonl([(
            "ecva_1700.mp4".to_owned(),
            format!("<glue>[0, {end}]</glue>"),
        )]);
        let eval = evaluate(VauTask::Grounding, &gt, &preds).unwrap();
        for (name, want) in ["R@0.3", "R@0.5", "R@0.7"].into_iter().zip(recalls) {
            assert_eq!(metric(&eval, name), want, "[0, {end}] {name}");
        }
    }
}

#[test]
fn val_grounding_recall_at_07_on_the_published_span() {
    // The same case read from val.csv itself (only when
    // CUEBENCH_VAU_BENCH_VAL names it): its three [0, 26] videos answered
    // [0, 18.2], every other grounding sample missing. R@0.7 = 3 / 339.
    let Some(split) = published_split() else {
        eprintln!("not run: {VAL_ENV} names no published val.csv");
        return;
    };
    let rows = val_rows(&split);
    let hits: Vec<_> = rows
        .iter()
        .filter(|r| is_grounding_sample(r) && r.start == 0.0 && r.end == 26.0)
        .map(|r| (r.name.clone(), "<glue>[0, 18.2]</glue>".to_owned()))
        .collect();
    assert_eq!(hits.len(), 3, "val.csv has three [0, 26] spans");
    let (_d, preds) = jsonl(hits);
    let eval = evaluate(VauTask::Grounding, &split.path, &preds).unwrap();
    assert_eq!(metric(&eval, "R@0.7"), 3.0 / split.spans as f64 * 100.0);
}

#[test]
fn cls_answer_element_follows_html_parsing() {
    // Each answer is for a Normal video; `Normal` read = right on both.
    // fire: `<Answer>` is the first element (any case) -> Fire (wrong);
    // empty: `<answer/>` is an empty element -> nothing read (parse_failed);
    // comment: the commented-out element does not count -> Normal (right).
    let (_d, gt) = gt_with(
        "fire.mp4,q,1,2,3,4,A,k,d,r,Normal,0,0\n\
         empty.mp4,q,1,2,3,4,A,k,d,r,Normal,0,0\n\
         comment.mp4,q,1,2,3,4,A,k,d,r,Normal,0,0\n",
    );
    let (_d, preds) = jsonl([
        (
            "fire".to_owned(),
            "<Answer>Fire</Answer> then <answer>Normal</answer>".to_owned(),
        ),
        (
            "empty".to_owned(),
            "<answer/>Robbery. <answer>Normal</answer>".to_owned(),
        ),
        (
            "comment".to_owned(),
            "<!-- <answer>Fire</answer> --><answer>Normal</answer>".to_owned(),
        ),
    ]);
    let eval = evaluate(VauTask::Cls, &gt, &preds).unwrap();
    let scores: Vec<(&str, SampleStatus, f64)> = eval
        .samples
        .iter()
        .map(|s| (s.id.as_str(), s.status, s.scores[1].1))
        .collect();
    assert_eq!(
        scores,
        [
            ("comment.mp4", SampleStatus::Scored, 1.0),
            ("empty.mp4", SampleStatus::ParseFailed, 0.0),
            ("fire.mp4", SampleStatus::Scored, 0.0),
        ]
    );
}

#[test]
fn crlf_csv_errors_name_the_right_line() {
    // The reference inference scripts write CRLF line ends; the bad option
    // is on line 3 of both files, and a short row on line 4.
    let body = "Video Name,Question,Correct Option\na.mp4,q,A\nb.mp4,q,Z\n";
    for text in [body.to_owned(), body.replace('\n', "\r\n")] {
        let (_d, gt) = temp_file("gt.csv", &text);
        assert_eq!(
            field_error(evaluate(VauTask::Qa, &gt, &fixture("preds_qa.csv"))),
            (3, "Correct Option".to_owned())
        );
    }
    let (_d, preds) = temp_file("p.csv", "Video Name,QA answer\r\n\r\nabn_1,B\r\nabn_2\r\n");
    match evaluate(VauTask::Qa, &fixture("annotations.csv"), &preds) {
        Err(Error::Field {
            line,
            field,
            message,
            ..
        }) => {
            assert_eq!((line, field.as_str()), (4, "row"));
            assert!(!message.contains("line"), "{message}");
        }
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_byte_order_mark_before_jsonl_predictions_is_ignored() {
    let (_d, preds) = temp_file(
        "p.jsonl",
        "\u{feff}{\"id\": \"abn_1\", \"response\": \"B\"}\n",
    );
    let eval = evaluate(VauTask::Qa, &fixture("annotations.csv"), &preds).unwrap();
    assert_eq!(eval.result.counts.scored, 1);
}
