//! The Vad-Reasoning benchmark (Vad-R1 paper, section 4.1 and Table 2):
//! `reasoning` scores the response text against the annotated
//! Perception-to-Cognition chain of thought with BLEU-2, METEOR and
//! ROUGE-1/2/L; `detection` scores the abnormal/normal decision (accuracy,
//! precision, recall, F1; abnormal is the positive class) and the predicted
//! anomaly time range (mIoU, R@{0.3, 0.5, 0.7} over the abnormal videos).
//!
//! Input formats and every decision are described in `docs/vad-reasoning.md`;
//! the decisions are also spelled out in each result's signature. One file
//! per concern: `ground_truth` reads the annotations (both layouts),
//! `reasoning`, `detection` and `llm_guided` score the three tasks.

mod detection;
mod ground_truth;
mod llm_guided;
mod reasoning;
pub mod rewards;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::benchmarks::Request;
use crate::error::Result;
use crate::extraction::content_format_ok;
use crate::formats::canonical::AnnotationFormat;
use crate::formats::predictions::{
    Prediction, PredictionContent, for_task, index_by_id, read_predictions,
};
use crate::judge::{JudgeConfig, required_judge};
use crate::model::{Counts, Evaluation, Metric, SampleRecord, SampleStatus, TaskResult};
use crate::signature::Signature;
use crate::tasks::TaskName;
use crate::wordnet::{WordNet, resolve_dir};

use super::run::{EvalRun, described_run};
use super::{Benchmark, Flag};
use crate::model::BenchmarkId;
pub use detection::{Decision, classification_metrics, parse_range, read_decision, tag_content};
pub use ground_truth::{GroundTruth, TimeUnit, read_ground_truth};
pub use reasoning::{strip_tags, text_scores};

crate::task_enum! {
    /// A Vad-Reasoning task; its names come from [`TaskName`].
    pub enum VadTask {
        /// Text quality of the reasoning (BLEU-2, METEOR, ROUGE-1/2/L).
        Reasoning,
        /// Abnormal/normal decision and anomaly time range.
        Detection,
        /// Reasonability, Detail and Consistency as an LLM judge scores
        /// them (Vad-R1 Appendix D.1, Table 8; docs/judge.md).
        LlmGuided,
    }
}

impl VadTask {
    /// Whether the task reads the reference reasoning text.
    fn needs_reference(self) -> bool {
        matches!(self, VadTask::Reasoning | VadTask::LlmGuided)
    }
}

/// What a run needs besides the two files.
#[derive(Debug, Clone, Default)]
pub struct VadOptions {
    /// The `--wordnet` folder (see [`resolve_dir`]); read by `reasoning` only.
    pub wordnet: Option<PathBuf>,
    /// The unit of the published layout's `start` / `end` fields.
    pub time_unit: TimeUnit,
    /// The LLM judge (`--judge-url`, `--judge-model`, ...); read by
    /// `llm-guided` only, which needs it.
    pub judge: Option<JudgeConfig>,
}

impl VadOptions {
    /// The options a request gives: `--wordnet`, and `--frames --fps F`
    /// (F must be a positive number: a usage error otherwise).
    pub fn from_request(request: &Request) -> Result<Self> {
        let time_unit = match request.frames_fps {
            Some(fps) if fps.is_finite() && fps > 0.0 => TimeUnit::Frames { fps },
            Some(fps) => {
                return Err(crate::Error::Usage(format!(
                    "--fps must be a positive number, got {fps}"
                )));
            }
            None => TimeUnit::Seconds,
        };
        Ok(VadOptions {
            wordnet: request.wordnet.clone(),
            time_unit,
            judge: request.judge.clone(),
        })
    }
}

/// Scores one task. WordNet is loaded only for the reasoning task.
pub fn evaluate(
    task: VadTask,
    gt_path: &Path,
    preds_path: &Path,
    options: &VadOptions,
) -> Result<Evaluation> {
    let truth = read_ground_truth(gt_path, task, options.time_unit)?;
    let predictions = for_task(read_predictions(preds_path)?, task.name());
    let index = index_by_id(&predictions, preds_path)?;
    let known: HashSet<&str> = truth.iter().map(|g| g.id.as_str()).collect();
    let unknown_ids = predictions
        .iter()
        .filter(|p| !known.contains(p.id.as_str()))
        .count();
    let pairs: Vec<(&GroundTruth, Option<&Prediction>)> = truth
        .iter()
        .map(|g| (g, index.get(g.id.as_str()).copied()))
        .collect();
    let mut evaluation = match task {
        VadTask::Reasoning => {
            let wordnet = WordNet::load(&resolve_dir(options.wordnet.as_deref()))?;
            reasoning::score(&pairs, &wordnet)
        }
        VadTask::Detection => detection::score(&pairs, options.time_unit),
        VadTask::LlmGuided => llm_guided::score(&pairs, required_judge(options.judge.as_ref())?)?,
    };
    evaluation.result.counts.unknown_ids = unknown_ids;
    Ok(evaluation)
}

/// The text of a prediction line: a response, or a pre-parsed answer that is a string.
fn prediction_text(content: &PredictionContent) -> Option<&str> {
    match content {
        PredictionContent::Response(text) => Some(text),
        PredictionContent::Answer(Value::String(text)) => Some(text),
        PredictionContent::Answer(_) | PredictionContent::Unreadable => None,
    }
}

fn column(samples: &[SampleRecord], key: &str) -> Vec<f64> {
    samples
        .iter()
        .filter_map(|s| s.scores.iter().find(|(k, _)| k == key).map(|(_, v)| *v))
        .collect()
}

fn base_counts(pairs: &[(&GroundTruth, Option<&Prediction>)], samples: &[SampleRecord]) -> Counts {
    let status = |st: SampleStatus| samples.iter().filter(|s| s.status == st).count();
    Counts {
        samples: samples.len(),
        scored: status(SampleStatus::Scored),
        missing: status(SampleStatus::Missing),
        parse_failed: status(SampleStatus::ParseFailed),
        format_ok: pairs
            .iter()
            .filter(|(_, p)| p.is_some_and(|p| content_format_ok(&p.content)))
            .count(),
        ..Counts::default()
    }
}

fn format_metric(counts: &Counts) -> Metric {
    let share = if counts.samples == 0 {
        0.0
    } else {
        counts.format_ok as f64 / counts.samples as f64
    };
    Metric::from_mean("Format", share)
}

/// [`finish`] for the tasks scored here: the Format share closes the
/// figures.
fn finish_with_format(
    task: VadTask,
    decisions: Vec<(&str, String)>,
    counts: Counts,
    mut metrics: Vec<Metric>,
    samples: Vec<SampleRecord>,
) -> Evaluation {
    metrics.push(format_metric(&counts));
    finish(task, decisions, counts, metrics, samples)
}

fn finish(
    task: VadTask,
    decisions: Vec<(&str, String)>,
    counts: Counts,
    metrics: Vec<Metric>,
    samples: Vec<SampleRecord>,
) -> Evaluation {
    let result = TaskResult {
        benchmark: BenchmarkId::VadReasoning,
        task: task.name().to_owned(),
        signature: decisions
            .into_iter()
            .fold(
                Signature::new()
                    .with("bench", BenchmarkId::VadReasoning.name())
                    .with("task", task),
                |sig, (key, value)| sig.with(key, value),
            )
            .to_string(),
        counts,
        metrics,
    };
    Evaluation { result, samples }
}

/// Vad-Reasoning (docs/vad-reasoning.md).
pub struct VadReasoning;

impl Benchmark for VadReasoning {
    fn id(&self) -> BenchmarkId {
        BenchmarkId::VadReasoning
    }

    fn task_names(&self) -> &'static [&'static str] {
        VadTask::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[Flag::Wordnet, Flag::Frames, Flag::Judge]
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let options = VadOptions::from_request(request)?;
        let evaluations = request
            .tasks::<VadTask>()?
            .into_iter()
            .map(|task| evaluate(task, &request.gt, &request.predictions, &options))
            .collect::<Result<_>>()?;
        described_run(evaluations, &request.gt, AnnotationFormat::Records, |_| {
            request.predictions.clone()
        })
    }
}
