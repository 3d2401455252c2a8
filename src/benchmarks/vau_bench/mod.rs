//! VAU-Bench (from the VAU-R1 paper): multiple-choice QA,
//! temporal anomaly grounding and anomaly classification, scored like the
//! GVCLab/VAU-R1 reference scripts but with CueBench's file handling,
//! counts, per-sample records and signature (docs/scoring.md §3.3, 8). Every
//! difference from the reference scripts is listed in `docs/vau-bench.md`.

mod annotations;
mod classes;
mod csv_table;
mod parse;
mod predictions;
pub mod rewards;
mod vau_eval;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::run::{EvalRun, described_run};
use super::{Benchmark, Flag, Request};
use crate::Result;
use crate::extraction::format_ok;
use crate::formats::canonical::AnnotationFormat;
use crate::judge::{JudgeConfig, required_judge};
use crate::metrics::temporal::{Interval, interval_iou, iou_figures, mean};
use crate::model::BenchmarkId;
use crate::model::names::IOU;
use crate::model::{Counts, Evaluation, Metric, SampleRecord, SampleStatus, TaskResult};
use crate::signature::Signature;
use crate::tasks::TaskName;
use annotations::{GtVideo, Target, read_ground_truth};
pub use parse::{cls_class, grounding_span, qa_letter};
use predictions::{PredictedAnswer, read_answers};

crate::task_enum! {
    /// A VAU-Bench task; its names come from [`TaskName`].
    pub enum VauTask {
        /// Multiple-choice question answering: accuracy of the option letter.
        Qa,
        /// Temporal anomaly grounding: IoU of the answer's span, abnormal videos only.
        Grounding,
        /// Anomaly classification over the 20 classes: binary and class accuracy.
        Cls,
        /// VAU-Eval: an LLM judge scores the description and analysis on
        /// five criteria (docs/judge.md).
        VauEval,
    }
}

impl VauTask {
    /// The annotation columns the task reads besides `Video Name`.
    fn gt_columns(self) -> &'static [&'static str] {
        match self {
            VauTask::Qa => &["Question", "Correct Option"],
            VauTask::Grounding => &["Start Time", "End Time"],
            VauTask::Cls => &["Anomaly Class"],
            VauTask::VauEval => &["Description", "Reasoning"],
        }
    }

    /// The answer column of the reference inference scripts' CSV output.
    fn csv_answer_column(self) -> &'static str {
        match self {
            VauTask::Qa => "QA answer",
            VauTask::Grounding => "Temporal Grounding",
            VauTask::Cls => "CLS answer",
            VauTask::VauEval => predictions::DESCRIPTION,
        }
    }

    /// The per-sample score names, in output order.
    fn score_names(self) -> &'static [&'static str] {
        match self {
            VauTask::Qa => &["Acc"],
            VauTask::Grounding => &[IOU],
            VauTask::Cls => &["BinAcc", "ClsAcc"],
            VauTask::VauEval => &[],
        }
    }

    /// The scoring choices that could change a number (docs/scoring.md §8 signature).
    fn decisions(self) -> &'static [(&'static str, &'static str)] {
        match self {
            VauTask::Qa => &[
                ("letter", "vau-r1"),
                ("gt-option", "letter-or-labelled"),
                ("unannotated", "skip"),
            ],
            VauTask::Grounding => &[
                ("span", "glue-or-bracket"),
                ("iou", "vau-r1-no-detection"),
                ("normal", "skip"),
                ("unannotated", "skip"),
            ],
            VauTask::Cls => &[("class", "first-of-20"), ("unannotated", "skip")],
            VauTask::VauEval => &[("text", "description+analysis"), ("unannotated", "skip")],
        }
    }

    /// The reproducibility signature (docs/scoring.md §8), e.g.
    /// `cuebench:2|bench:vau-bench|task:qa|letter:vau-r1|gt-option:letter-or-labelled|unannotated:skip|missing:0|ids:mp4|version:0.2.0`
    /// (`eval` adds the annotation file's `gt:sha256:…` after `task`).
    pub fn signature(self) -> Signature {
        let signature = Signature::new()
            .with("bench", BenchmarkId::VauBench.name())
            .with("task", self.name());
        self.decisions()
            .iter()
            .chain(&[("missing", "0"), ("ids", "mp4")])
            .fold(signature, |sig, (key, value)| sig.with(key, value))
    }
}

/// The name a video is matched by: trimmed, with `.mp4` appended when it
/// does not already end so, on both sides in every task (the reference
/// scripts differ per task: `docs/vau-bench.md`, difference 12).
pub fn video_key(name: &str) -> String {
    let name = name.trim();
    if name.ends_with(".mp4") {
        name.to_owned()
    } else {
        format!("{name}.mp4")
    }
}

/// The per-sample IoU of VAU-R1's grounding evaluator (`eval_IoU`): 0 when
/// the predicted start equals its end (the "no detection" rule) or comes
/// after it, else the intervals' IoU.
pub fn reference_iou(pred: (f64, f64), gt: Interval) -> f64 {
    let (start, end) = pred;
    // The reference clips a negative intersection to 0, so a reversed span
    // scores 0 as well.
    if start >= end {
        return 0.0;
    }
    interval_iou(Interval { start, end }, gt)
}

/// [`evaluate_task`] without a judge: every task but `vau-eval`.
pub fn evaluate(task: VauTask, gt_path: &Path, preds_path: &Path) -> Result<Evaluation> {
    evaluate_task(task, gt_path, preds_path, None)
}

/// Scores one VAU-Bench task: `gt_path` is the annotation CSV, `preds_path`
/// the predictions (JSONL, or the reference scripts' CSV when it ends in
/// `.csv`).
///
/// The samples are the annotated videos of the task (grounding: abnormal
/// ones only); a missing or unparseable prediction scores 0 and is counted;
/// predictions for videos not in the CSV are counted as unknown, never
/// scored. `vau-eval` asks the `judge` (a usage error without one).
/// Errors: unreadable or malformed input, duplicate ids, a judge that
/// cannot go on.
pub fn evaluate_task(
    task: VauTask,
    gt_path: &Path,
    preds_path: &Path,
    judge: Option<&JudgeConfig>,
) -> Result<Evaluation> {
    if task == VauTask::VauEval {
        return vau_eval::evaluate(gt_path, preds_path, required_judge(judge)?);
    }
    let videos = read_ground_truth(gt_path, task)?;
    let answers = read_answers(preds_path, task)?;
    let known: HashSet<&str> = videos.iter().map(|v| v.key.as_str()).collect();
    let by_key: HashMap<&str, &PredictedAnswer> =
        answers.iter().map(|a| (a.key.as_str(), a)).collect();
    let mut counts = Counts {
        unknown_ids: by_key.keys().filter(|k| !known.contains(*k)).count(),
        ..Counts::default()
    };
    let mut samples: Vec<SampleRecord> = videos
        .iter()
        .filter_map(|video| {
            let target = video.target.as_ref()?;
            Some(score_video(
                task,
                video,
                target,
                by_key.get(video.key.as_str()).copied(),
                &mut counts,
            ))
        })
        .collect();
    samples.sort_by(|a, b| a.id.cmp(&b.id));
    let metrics = aggregate(task, &samples);
    Ok(Evaluation {
        result: TaskResult {
            benchmark: BenchmarkId::VauBench,
            task: task.name().to_owned(),
            signature: task.signature().to_string(),
            counts,
            metrics,
        },
        samples,
    })
}

fn score_video(
    task: VauTask,
    video: &GtVideo,
    target: &Target,
    answer: Option<&PredictedAnswer>,
    counts: &mut Counts,
) -> SampleRecord {
    counts.samples += 1;
    let zeros = || {
        task.score_names()
            .iter()
            .map(|n| ((*n).to_owned(), 0.0))
            .collect()
    };
    let record = |status, scores| SampleRecord {
        id: video.name.clone(),
        status,
        scores,
        detail: None,
    };
    let Some(answer) = answer else {
        counts.missing += 1;
        return record(SampleStatus::Missing, zeros());
    };
    if answer.is_response && format_ok(&answer.text) {
        counts.format_ok += 1;
    }
    match score_answer(target, &answer.text) {
        Some(scores) => {
            counts.scored += 1;
            record(SampleStatus::Scored, named(task, &scores))
        }
        None => {
            counts.parse_failed += 1;
            record(SampleStatus::ParseFailed, zeros())
        }
    }
}

fn named(task: VauTask, scores: &[f64]) -> Vec<(String, f64)> {
    task.score_names()
        .iter()
        .zip(scores)
        .map(|(n, s)| ((*n).to_owned(), *s))
        .collect()
}

/// The per-sample scores of one readable answer, `None` when unparseable.
fn score_answer(target: &Target, text: &str) -> Option<Vec<f64>> {
    let hit = |b: bool| if b { 1.0 } else { 0.0 };
    match target {
        Target::Letter(correct) => qa_letter(text).map(|l| vec![hit(l == *correct)]),
        Target::Span(gt) => grounding_span(text).map(|span| vec![reference_iou(span, *gt)]),
        Target::Class(gt) => cls_class(text).map(|pred| {
            let binary = (pred == classes::NORMAL) == (*gt == classes::NORMAL);
            vec![hit(binary), hit(pred == *gt)]
        }),
        // Judged all at once by `vau_eval`, never one by one here.
        Target::Text(_) => None,
    }
}

/// The task's metrics in percent over all samples (missing and unparseable
/// ones count as 0).
fn aggregate(task: VauTask, samples: &[SampleRecord]) -> Vec<Metric> {
    let column = |i: usize| -> Vec<f64> {
        samples
            .iter()
            .map(|s| s.scores.get(i).map_or(0.0, |x| x.1))
            .collect()
    };
    match task {
        // `vau_eval` aggregates its own figures.
        VauTask::VauEval => Vec::new(),
        VauTask::Qa => vec![Metric::from_mean("Acc", mean(&column(0)))],
        VauTask::Cls => vec![
            Metric::from_mean("BinAcc", mean(&column(0))),
            Metric::from_mean("ClsAcc", mean(&column(1))),
        ],
        VauTask::Grounding => iou_figures(&column(0)),
    }
}

/// VAU-Bench (docs/vau-bench.md).
pub struct VauBench;

impl Benchmark for VauBench {
    fn id(&self) -> BenchmarkId {
        BenchmarkId::VauBench
    }

    fn task_names(&self) -> &'static [&'static str] {
        VauTask::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[Flag::Judge]
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let evaluations = request
            .tasks::<VauTask>()?
            .into_iter()
            .map(|task| {
                evaluate_task(
                    task,
                    &request.gt,
                    &request.predictions,
                    request.judge.as_ref(),
                )
            })
            .collect::<Result<_>>()?;
        described_run(evaluations, &request.gt, AnnotationFormat::Csv, |_| {
            request.predictions.clone()
        })
    }
}
