//! The result of scoring (docs/scoring.md §8): every benchmark and task
//! produces the same [`TaskResult`] shape (counts, a list of named metrics in
//! percent, a signature) and one [`SampleRecord`] per ground-truth sample.
//! Plain data: the output formats only ever see these types.

use serde::{Deserialize, Serialize};

use super::benchmark::BenchmarkId;
use super::confidence::Interval;

/// One aggregated metric, in percent (0..=100), e.g. `Struct` or `R@0.5`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Short column name, e.g. `Struct`, `Sem`, `Hier`, `TIoU`, `mIoU`, `R@0.3`.
    pub name: String,
    /// Value in percent, at full precision.
    pub value: f64,
    /// The bootstrap interval in percent (`eval --confidence`, docs/scoring.md §12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
}

impl Metric {
    /// A metric from a mean score in [0, 1], scaled to percent.
    pub fn from_mean(name: &str, mean: f64) -> Self {
        Metric {
            name: name.to_owned(),
            value: mean * 100.0,
            ci: None,
        }
    }
}

/// The bookkeeping counts of docs/scoring.md §8.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Ground-truth samples of the task (the denominator of every mean).
    pub samples: usize,
    /// Samples that had a prediction whose answer could be read.
    pub scored: usize,
    /// Samples without a prediction (they score 0).
    pub missing: usize,
    /// Samples whose answer could not be parsed (they score 0).
    pub parse_failed: usize,
    /// Answer intervals dropped as unreadable (temporal tasks).
    pub dropped_intervals: usize,
    /// Prediction ids that are not in the ground truth (never scored).
    pub unknown_ids: usize,
    /// Samples whose response has both `<think>` and `<answer>` tags.
    pub format_ok: usize,
    /// Predicted labels outside the label space (separate protocol,
    /// docs/scoring.md §10); left out of JSON when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unknown_labels: usize,
    /// Frame labels naming a conditional event, under both branches
    /// (separate protocol, detection); left out of JSON when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ambiguous_labels: usize,
    /// Samples the LLM judge gave no readable reply for (judged tasks,
    /// docs/judge.md); left out of JSON when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub judge_failed: usize,
}

impl Counts {
    /// Counts one sample under its status.
    pub fn add_status(&mut self, status: SampleStatus) {
        match status {
            SampleStatus::Scored => self.scored += 1,
            SampleStatus::Missing => self.missing += 1,
            SampleStatus::ParseFailed => self.parse_failed += 1,
            SampleStatus::JudgeFailed => self.judge_failed += 1,
        }
    }
}

impl Counts {
    /// Every count with its JSON name, in the document's order.
    pub fn named(&self) -> [(&'static str, usize); 9] {
        [
            ("samples", self.samples),
            ("scored", self.scored),
            ("missing", self.missing),
            ("parse_failed", self.parse_failed),
            ("dropped_intervals", self.dropped_intervals),
            ("unknown_ids", self.unknown_ids),
            ("format_ok", self.format_ok),
            ("unknown_labels", self.unknown_labels),
            ("ambiguous_labels", self.ambiguous_labels),
        ]
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The result of scoring one task of one benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// The benchmark.
    pub benchmark: BenchmarkId,
    /// The task name, e.g. `anomaly-bu`.
    pub task: String,
    /// The reproducibility signature of docs/scoring.md §8.
    pub signature: String,
    /// Bookkeeping counts.
    pub counts: Counts,
    /// Aggregated metrics in percent, in display order.
    pub metrics: Vec<Metric>,
}

/// One sample's outcome, one line of `--per-sample` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleRecord {
    /// The sample id (docs/scoring.md §3.2).
    pub id: String,
    /// `scored`, `missing` or `parse_failed`.
    pub status: SampleStatus,
    /// Per-sample scores in [0, 1] (not percent), keyed like the metrics.
    pub scores: Vec<(String, f64)>,
    /// What was compared, for `eval --output` (CueBench; `None` elsewhere).
    #[serde(skip)]
    pub detail: Option<Box<SampleDetail>>,
}

/// A scored sample with `scores`, for unit tests.
#[cfg(test)]
pub(crate) fn record_for_tests(id: &str, scores: &[(&str, f64)]) -> SampleRecord {
    SampleRecord {
        id: id.into(),
        status: SampleStatus::Scored,
        scores: scores.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        detail: None,
    }
}

/// What one sample's score was computed from (docs/results.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleDetail {
    /// Whether the response earned the format point.
    pub format_ok: bool,
    /// The raw response, when the prediction line had one.
    pub response: Option<String>,
    /// The extracted answer elements; `None` when missing or unparseable.
    pub answer: Option<Vec<serde_json::Value>>,
    /// The ground-truth elements.
    pub truth: Vec<serde_json::Value>,
    /// The matched (answer, truth) element pairs.
    pub pairs: Vec<MatchedPair>,
    /// Answer intervals dropped as unreadable.
    pub dropped_intervals: usize,
    /// What an LLM judge said (judged tasks, docs/judge.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeReply>,
    /// Why the answer could not be read (`parse_failed` samples only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// What an LLM judge said of one sample (docs/judge.md): its scores on
/// their own scale and its comment, or why no reply could be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeReply {
    /// The judge's scores by criterion, as it gave them (e.g. 0-10).
    pub scores: serde_json::Map<String, serde_json::Value>,
    /// The judge's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Why the sample is `judge_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One matched pair of answer and ground-truth elements, with the figures
/// the task computes for it (`None` where it has no such figure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchedPair {
    /// Index into the answer elements.
    pub output: usize,
    /// Index into the ground-truth elements.
    pub truth: usize,
    /// Cosine of the two value texts (What tasks).
    pub cosine: Option<f64>,
    /// Taxonomy distance (hierarchy tasks; `None` also when unreachable).
    pub distance: Option<u32>,
    /// Interval IoU (When tasks).
    pub iou: Option<f64>,
}

/// What happened to one ground-truth sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleStatus {
    /// A prediction was found and its answer read.
    Scored,
    /// No prediction had this id.
    Missing,
    /// The prediction's answer could not be parsed.
    ParseFailed,
    /// No readable reply from the LLM judge after every ask (docs/judge.md).
    JudgeFailed,
}

/// A scored task: the aggregate and every sample's record, in id order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The aggregate.
    pub result: TaskResult,
    /// One record per ground-truth sample, sorted by id.
    pub samples: Vec<SampleRecord>,
}

impl Evaluation {
    /// The ids of the samples that had no prediction, in id order.
    pub fn missing_ids(&self) -> Vec<String> {
        self.samples
            .iter()
            .filter(|s| s.status == SampleStatus::Missing)
            .map(|s| s.id.clone())
            .collect()
    }
}
