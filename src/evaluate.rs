//! Scoring a task: match predictions to samples, extract answers, score each
//! sample (in parallel, order-preserving) and aggregate (SPEC 4, SPEC 8).

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::Value;

use crate::extraction::{Answer, answer_of, content_format_ok};
use crate::formats::predictions::Prediction;
use crate::metrics::empty_answer_rule;
use crate::metrics::structure::struct_f1;
use crate::metrics::temporal::{
    Interval, RECALL_THRESHOLDS, TiouMode, matched_tiou, mean, parse_interval, recall_at,
    union_tiou,
};
use crate::report::{Counts, Evaluation, Metric, SampleRecord, SampleStatus, TaskResult};
use crate::tasks::Task;
use crate::tasks::derive::Sample;

/// Scoring choices that can change a number (all are in the signature).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// `--tiou`.
    pub tiou: TiouMode,
}

/// A ground-truth sample paired with what its prediction said.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    /// The sample.
    pub sample: &'a Sample,
    /// Its status before scoring.
    pub status: SampleStatus,
    /// The answer elements (empty unless `status` is `Scored`).
    pub elements: Vec<Value>,
    /// Whether the prediction earned the format point.
    pub format_ok: bool,
}

/// Pairs each sample with its prediction and extracts the answer.
/// Returns the prepared samples and the number of unknown prediction ids.
pub fn prepare<'a>(
    samples: &'a [Sample],
    by_id: &HashMap<&str, &Prediction>,
) -> (Vec<Prepared<'a>>, usize) {
    let prepared: Vec<Prepared> = samples
        .par_iter()
        .map(|sample| match by_id.get(sample.id.as_str()) {
            None => Prepared {
                sample,
                status: SampleStatus::Missing,
                elements: Vec::new(),
                format_ok: false,
            },
            Some(p) => {
                let (status, elements) = match answer_of(&p.content) {
                    Answer::Elements(e) => (SampleStatus::Scored, e),
                    Answer::Empty => (SampleStatus::Scored, Vec::new()),
                    Answer::ParseFailed => (SampleStatus::ParseFailed, Vec::new()),
                };
                Prepared {
                    sample,
                    status,
                    elements,
                    format_ok: content_format_ok(&p.content),
                }
            }
        })
        .collect();
    let known: std::collections::HashSet<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    let unknown = by_id.keys().filter(|id| !known.contains(**id)).count();
    (prepared, unknown)
}

/// One sample's scores, each in [0, 1]; `None` where the task lacks the metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleScores {
    /// S^K.
    pub structure: f64,
    /// TIoU under the chosen `--tiou` mode.
    pub tiou: Option<f64>,
    /// Union IoU, behind mIoU and R@k.
    pub iou: Option<f64>,
    /// Answer elements whose interval was unreadable.
    pub dropped: usize,
}

impl SampleScores {
    /// All zeros for a task (a missing or unparseable prediction).
    pub fn zero(task: Task) -> Self {
        let temporal = task.is_temporal().then_some(0.0);
        SampleScores {
            structure: 0.0,
            tiou: temporal,
            iou: temporal,
            dropped: 0,
        }
    }

    /// Named scores in report order.
    pub fn named(&self) -> Vec<(String, f64)> {
        let mut out = vec![("Struct".to_owned(), self.structure)];
        if let Some(t) = self.tiou {
            out.push(("TIoU".to_owned(), t));
        }
        if let Some(i) = self.iou {
            out.push(("IoU".to_owned(), i));
        }
        out
    }
}

/// Scores one sample's answer elements against its ground truth (SPEC 4).
pub fn score_sample(
    task: Task,
    elements: &[Value],
    sample: &Sample,
    settings: &Settings,
) -> SampleScores {
    let (r, t) = (elements.len(), sample.truth.len());
    if let Some(all) = empty_answer_rule(r, t) {
        let mut scores = SampleScores::zero(task);
        scores.structure = all;
        scores.tiou = scores.tiou.map(|_| all);
        scores.iou = scores.iou.map(|_| all);
        scores.dropped = dropped_intervals(task, elements);
        return scores;
    }
    let mut scores = SampleScores {
        structure: struct_f1(elements, &sample.truth),
        ..SampleScores::zero(task)
    };
    if let Some(key) = task.interval_key() {
        let predicted: Vec<Option<Interval>> =
            elements.iter().map(|e| element_interval(e, key)).collect();
        let truth: Vec<Interval> = sample
            .truth
            .iter()
            .filter_map(|e| element_interval(e, key))
            .collect();
        let valid: Vec<Interval> = predicted.iter().flatten().copied().collect();
        let iou = union_tiou(&valid, &truth);
        scores.iou = Some(iou);
        scores.tiou = Some(match settings.tiou {
            TiouMode::Union => iou,
            TiouMode::Matched => matched_tiou(&predicted, &truth),
        });
        scores.dropped = predicted.iter().filter(|p| p.is_none()).count();
    }
    scores
}

fn element_interval(element: &Value, key: &str) -> Option<Interval> {
    element.get(key).and_then(parse_interval)
}

fn dropped_intervals(task: Task, elements: &[Value]) -> usize {
    task.interval_key().map_or(0, |key| {
        elements
            .iter()
            .filter(|e| element_interval(e, key).is_none())
            .count()
    })
}

/// Scores every prepared sample and aggregates into an [`Evaluation`].
pub fn score_task(
    task: Task,
    prepared: &[Prepared<'_>],
    unknown_ids: usize,
    settings: &Settings,
    signature: String,
) -> Evaluation {
    let scores: Vec<SampleScores> = prepared
        .par_iter()
        .map(|p| match p.status {
            SampleStatus::Scored => score_sample(task, &p.elements, p.sample, settings),
            _ => SampleScores::zero(task),
        })
        .collect();
    let counts = count(prepared, &scores, unknown_ids);
    let metrics = aggregate(task, &scores);
    let mut samples: Vec<SampleRecord> = prepared
        .iter()
        .zip(&scores)
        .map(|(p, s)| SampleRecord {
            id: p.sample.id.clone(),
            status: p.status,
            scores: s.named(),
        })
        .collect();
    samples.sort_by(|a, b| a.id.cmp(&b.id));
    Evaluation {
        result: TaskResult {
            benchmark: "cuebench".into(),
            task: task.name().into(),
            signature,
            counts,
            metrics,
        },
        samples,
    }
}

fn count(prepared: &[Prepared<'_>], scores: &[SampleScores], unknown_ids: usize) -> Counts {
    let with = |status| prepared.iter().filter(|p| p.status == status).count();
    Counts {
        samples: prepared.len(),
        scored: with(SampleStatus::Scored),
        missing: with(SampleStatus::Missing),
        parse_failed: with(SampleStatus::ParseFailed),
        dropped_intervals: scores.iter().map(|s| s.dropped).sum(),
        unknown_ids,
        format_ok: prepared.iter().filter(|p| p.format_ok).count(),
    }
}

/// Means over all samples (missing and unparseable count as 0), in percent.
/// Which columns appear depends on the task alone, never on the data. Sums
/// run in sample order, so results do not depend on the thread count.
fn aggregate(task: Task, scores: &[SampleScores]) -> Vec<Metric> {
    let column = |f: fn(&SampleScores) -> f64| -> Vec<f64> { scores.iter().map(f).collect() };
    let mut metrics = vec![Metric::from_mean("Struct", mean(&column(|s| s.structure)))];
    if task.is_temporal() {
        metrics.push(Metric::from_mean(
            "TIoU",
            mean(&column(|s| s.tiou.unwrap_or(0.0))),
        ));
        let ious = column(|s| s.iou.unwrap_or(0.0));
        metrics.push(Metric::from_mean("mIoU", mean(&ious)));
        for k in RECALL_THRESHOLDS {
            metrics.push(Metric::from_mean(&format!("R@{k}"), recall_at(&ious, k)));
        }
    }
    metrics
}
