//! Scoring a task: match predictions to samples, extract answers, score each
//! sample (in parallel, order-preserving) and aggregate (docs/scoring.md §4, docs/scoring.md §8).

pub mod confidence;
pub mod context;
pub mod cue_r1;
pub mod groups;
pub mod session;

pub use session::{Completion, Session, SessionOptions, TaskPredictions};

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::Value;

use crate::extraction::{Answer, answer_of, content_failure_reason, content_format_ok};
use crate::formats::predictions::{Prediction, PredictionContent};
use crate::intervals::{Interval, parse_interval};
use crate::metrics::assignment::max_weight_assignment;
use crate::metrics::empty_answer_rule;
use crate::metrics::hierarchy::{distance_matrix, hierarchy_reward, hierarchy_score};
use crate::metrics::semantic::{cosine_matrix, semantic_score};
use crate::metrics::structure::struct_f1;
use crate::metrics::temporal::{iou_figures, iou_matrix, matched_tiou, mean, union_tiou};
use crate::model::names::{HIER, IOU, SEM, STRUCT, TIOU};
use crate::model::{
    BenchmarkId, Counts, Evaluation, MatchedPair, Metric, SampleDetail, SampleRecord, SampleStatus,
    Settings, TaskResult, TiouMode,
};
use crate::tasks::derive::Sample;
use crate::tasks::{OPTIONAL_KEYS, Task};
use crate::taxonomy::anchor_nodes;
use context::{TextContext, candidate_set};

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
    /// The raw response, when the prediction had one.
    pub response: Option<&'a str>,
    /// Why the answer could not be read (`ParseFailed` only).
    pub parse_error: Option<String>,
}

/// Pairs each sample with its prediction and extracts the answer.
/// Returns the prepared samples and the number of unknown prediction ids.
pub fn prepare<'a>(
    samples: &'a [Sample],
    by_id: &HashMap<&str, &'a Prediction>,
) -> (Vec<Prepared<'a>>, usize) {
    let prepared: Vec<Prepared> = samples
        .par_iter()
        .map(|sample| prepare_one(sample, by_id.get(sample.id.as_str()).map(|p| &p.content)))
        .collect();
    let known: std::collections::HashSet<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    let unknown = by_id.keys().filter(|id| !known.contains(**id)).count();
    (prepared, unknown)
}

/// One sample with what its prediction said (`None`: no prediction).
pub fn prepare_one<'a>(sample: &'a Sample, content: Option<&'a PredictionContent>) -> Prepared<'a> {
    let Some(content) = content else {
        return Prepared {
            sample,
            status: SampleStatus::Missing,
            elements: Vec::new(),
            format_ok: false,
            response: None,
            parse_error: None,
        };
    };
    let (status, elements) = match answer_of(content) {
        Answer::Elements(e) => (SampleStatus::Scored, e),
        Answer::Empty => (SampleStatus::Scored, Vec::new()),
        Answer::ParseFailed => (SampleStatus::ParseFailed, Vec::new()),
    };
    Prepared {
        sample,
        status,
        elements,
        format_ok: content_format_ok(content),
        response: match content {
            PredictionContent::Response(text) => Some(text),
            _ => None,
        },
        parse_error: (status == SampleStatus::ParseFailed).then(|| content_failure_reason(content)),
    }
}

/// One sample's scores, each in [0, 1]; `None` where the task lacks the metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleScores {
    /// S^K.
    pub structure: f64,
    /// S^U (semantic tasks).
    pub semantic: Option<f64>,
    /// S^H (hierarchy tasks).
    pub hierarchy: Option<f64>,
    /// R^H of Eq. 6 (hierarchy tasks): S^H without the cut-off, may be negative.
    pub hierarchy_reward: Option<f64>,
    /// TIoU under the chosen `--tiou` mode.
    pub tiou: Option<f64>,
    /// Union IoU, behind mIoU and R@k.
    pub iou: Option<f64>,
    /// Answer elements whose interval was unreadable.
    pub dropped: usize,
    /// The matched element pairs and their figures (for `eval --output`).
    pub pairs: Vec<MatchedPair>,
}

impl SampleScores {
    /// All zeros for a task (a missing or unparseable prediction).
    pub fn zero(task: Task) -> Self {
        let temporal = task.is_temporal().then_some(0.0);
        let hierarchy = task.has_hierarchy().then_some(0.0);
        SampleScores {
            structure: 0.0,
            semantic: task.has_semantic().then_some(0.0),
            hierarchy,
            hierarchy_reward: hierarchy,
            tiou: temporal,
            iou: temporal,
            dropped: 0,
            pairs: Vec::new(),
        }
    }

    /// Named scores in report order.
    pub fn named(&self) -> Vec<(String, f64)> {
        let mut out = vec![(STRUCT.to_owned(), self.structure)];
        if let Some(s) = self.semantic {
            out.push((SEM.to_owned(), s));
        }
        if let Some(h) = self.hierarchy {
            out.push((HIER.to_owned(), h));
        }
        if let Some(t) = self.tiou {
            out.push((TIOU.to_owned(), t));
        }
        if let Some(i) = self.iou {
            out.push((IOU.to_owned(), i));
        }
        out
    }
}

/// Scores one sample's answer elements against its ground truth (docs/scoring.md §4).
/// `text` holds the vectors (and taxonomy) of the embedding-based scores;
/// without it those scores are left out.
pub fn score_sample(
    task: Task,
    elements: &[Value],
    sample: &Sample,
    settings: &Settings,
    text: Option<&TextContext>,
) -> SampleScores {
    let (r, t) = (elements.len(), sample.truth.len());
    if let Some(all) = empty_answer_rule(r, t) {
        let set = |x: Option<f64>| x.map(|_| all);
        let zero = SampleScores::zero(task);
        return SampleScores {
            structure: all,
            semantic: set(zero.semantic).filter(|_| text.is_some()),
            hierarchy: set(zero.hierarchy).filter(|_| text.is_some_and(|c| c.hierarchy.is_some())),
            hierarchy_reward: set(zero.hierarchy_reward)
                .filter(|_| text.is_some_and(|c| c.hierarchy.is_some())),
            tiou: set(zero.tiou),
            iou: set(zero.iou),
            dropped: dropped_intervals(task, elements),
            pairs: Vec::new(),
        };
    }
    let mut scores = SampleScores {
        structure: struct_f1(elements, &sample.truth, OPTIONAL_KEYS),
        semantic: None,
        hierarchy: None,
        hierarchy_reward: None,
        ..SampleScores::zero(task)
    };
    if let Some(key) = task.interval_key() {
        score_intervals(elements, sample, key, settings.tiou, &mut scores);
    }
    if let Some(context) = text.filter(|_| task.has_semantic()) {
        score_texts(task, elements, sample, settings, context, &mut scores);
    }
    scores
}

/// TIoU, union IoU and dropped intervals of a temporal task.
fn score_intervals(
    elements: &[Value],
    sample: &Sample,
    key: &str,
    mode: TiouMode,
    scores: &mut SampleScores,
) {
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
    scores.tiou = Some(match mode {
        TiouMode::Union => iou,
        TiouMode::Matched => matched_tiou(&predicted, &truth),
    });
    scores.dropped = predicted.iter().filter(|p| p.is_none()).count();
    let ious = iou_matrix(&predicted, &truth);
    scores.pairs = max_weight_assignment(&ious, predicted.len(), truth.len())
        .into_iter()
        .map(|(i, j)| MatchedPair {
            output: i,
            truth: j,
            cosine: None,
            distance: None,
            iou: Some(ious[i * truth.len() + j]),
        })
        .collect();
}

/// S^U and, for hierarchy tasks, S^H and R^H over the same assignment.
fn score_texts(
    task: Task,
    elements: &[Value],
    sample: &Sample,
    settings: &Settings,
    context: &TextContext,
    scores: &mut SampleScores,
) {
    let (r, t) = (elements.len(), sample.truth.len());
    let out_texts: Vec<String> = elements.iter().map(|e| task.value_text(e)).collect();
    let truth_texts: Vec<String> = sample.truth.iter().map(|e| task.value_text(e)).collect();
    let vector = |text: &String| context.vectors.get(text);
    let cosines = cosine_matrix(
        &out_texts.iter().map(vector).collect::<Vec<_>>(),
        &truth_texts.iter().map(vector).collect::<Vec<_>>(),
    );
    let pairs = max_weight_assignment(&cosines, r, t);
    scores.semantic = Some(semantic_score(&cosines, &pairs, r, t, settings.sem_norm));
    scores.pairs = pairs
        .iter()
        .map(|&(i, j)| MatchedPair {
            output: i,
            truth: j,
            cosine: Some(cosines[i * t + j]),
            distance: None,
            iou: None,
        })
        .collect();
    let Some(h) = context.hierarchy.as_ref().filter(|_| task.has_hierarchy()) else {
        return;
    };
    let proxies: Vec<Option<&[_]>> = elements
        .iter()
        .zip(&out_texts)
        .map(|(e, text)| h.proxy(candidate_set(task, e), text))
        .collect();
    // One node set per truth element: a record read back without its
    // anchors (or with too few) places the missing ones nowhere, at the
    // largest distance, rather than indexing past them.
    let truths: Vec<_> = (0..t)
        .map(|j| {
            sample
                .anchors
                .get(j)
                .map_or_else(Vec::new, |a| anchor_nodes(&h.taxonomy, a))
        })
        .collect();
    let distances = distance_matrix(&h.taxonomy, &proxies, &truths);
    let d_max = h.taxonomy.d_max();
    scores.hierarchy = Some(hierarchy_score(&distances, &pairs, r, t, d_max, h.tau));
    scores.hierarchy_reward = Some(hierarchy_reward(&distances, &pairs, r, t, d_max));
    for pair in &mut scores.pairs {
        pair.distance = distances[pair.output * t + pair.truth];
    }
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

/// Scores a prepared sample: missing and unparseable predictions score 0.
pub fn score_prepared(
    task: Task,
    p: &Prepared<'_>,
    settings: &Settings,
    text: Option<&TextContext>,
) -> SampleScores {
    match p.status {
        SampleStatus::Scored => score_sample(task, &p.elements, p.sample, settings, text),
        _ => SampleScores::zero(task),
    }
}

/// Scores every prepared sample and aggregates into an [`Evaluation`].
pub fn score_task(
    task: Task,
    prepared: &[Prepared<'_>],
    unknown_ids: usize,
    settings: &Settings,
    text: Option<&TextContext>,
    signature: String,
) -> Evaluation {
    let scores: Vec<SampleScores> = prepared
        .par_iter()
        .map(|p| score_prepared(task, p, settings, text))
        .collect();
    let counts = count(prepared, &scores, unknown_ids);
    let mut samples: Vec<SampleRecord> = prepared
        .iter()
        .zip(&scores)
        .map(|(p, s)| SampleRecord {
            id: p.sample.id.clone(),
            status: p.status,
            scores: s.named(),
            detail: Some(Box::new(SampleDetail {
                format_ok: p.format_ok,
                response: p.response.map(str::to_owned),
                answer: (p.status == SampleStatus::Scored).then(|| p.elements.clone()),
                truth: p.sample.truth.clone(),
                pairs: s.pairs.clone(),
                dropped_intervals: s.dropped,
                judge: None,
                parse_error: p.parse_error.clone(),
            })),
        })
        .collect();
    let metrics = aggregate(task, &samples.iter().collect::<Vec<_>>());
    samples.sort_by(|a, b| a.id.cmp(&b.id));
    Evaluation {
        result: TaskResult {
            benchmark: BenchmarkId::CueBench,
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
        ..Counts::default()
    }
}

/// Means over `samples` (missing and unparseable count as 0), in percent.
/// Which columns appear depends on the task alone, never on the data; a
/// score a record lacks (no vectors) counts 0. Sums run in the given order,
/// so results do not depend on the thread count.
pub fn aggregate(task: Task, samples: &[&SampleRecord]) -> Vec<Metric> {
    let column = |name: &str| -> Vec<f64> {
        samples
            .iter()
            .map(|s| {
                s.scores
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(0.0, |(_, v)| *v)
            })
            .collect()
    };
    let mut metrics = vec![Metric::from_mean(STRUCT, mean(&column(STRUCT)))];
    if task.has_semantic() {
        metrics.push(Metric::from_mean(SEM, mean(&column(SEM))));
    }
    if task.has_hierarchy() {
        metrics.push(Metric::from_mean(HIER, mean(&column(HIER))));
    }
    if task.is_temporal() {
        metrics.push(Metric::from_mean(TIOU, mean(&column(TIOU))));
        metrics.extend(iou_figures(&column(IOU)));
    }
    metrics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedding::{EmbedOptions, Embedder, HashEmbedder, embed_texts};
    use crate::model::SemNorm;
    use serde_json::json;

    fn sample(task: Task, truth: Vec<Value>) -> Sample {
        Sample {
            id: "v".into(),
            video_id: "v".into(),
            task,
            subject: None,
            truth,
            anchors: Vec::new(),
        }
    }

    /// Vectors from the deterministic stand-in embedder, no taxonomy.
    fn context(texts: &[&str]) -> TextContext {
        let mut embedder = HashEmbedder::new();
        let texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        let options = EmbedOptions {
            no_cache: true,
            quiet: true,
            ..EmbedOptions::default()
        };
        let vectors = embed_texts(&mut embedder as &mut dyn Embedder, &texts, &options).unwrap();
        TextContext {
            vectors,
            hierarchy: None,
        }
    }

    #[test]
    fn none_truth_and_none_answer_score_one_everywhere() {
        let s = sample(Task::Detection, vec![]);
        let scores = score_sample(Task::Detection, &[], &s, &Settings::default(), None);
        assert_eq!(
            (scores.structure, scores.tiou, scores.iou),
            (1.0, Some(1.0), Some(1.0))
        );
        let s = sample(Task::AnomalyTd, vec![]);
        let ctx = context(&[]);
        let scores = score_sample(Task::AnomalyTd, &[], &s, &Settings::default(), Some(&ctx));
        assert_eq!((scores.structure, scores.semantic), (1.0, Some(1.0)));
    }

    #[test]
    fn an_answer_to_a_none_truth_scores_zero_and_still_counts_dropped_intervals() {
        let s = sample(Task::Detection, vec![]);
        let answer = [json!({"anomaly_duration": ["00:05", "00:01"]})];
        let scores = score_sample(Task::Detection, &answer, &s, &Settings::default(), None);
        assert_eq!(
            (scores.structure, scores.tiou, scores.dropped),
            (0.0, Some(0.0), 1)
        );
    }

    #[test]
    fn an_empty_answer_to_a_real_truth_scores_zero() {
        let s = sample(Task::Event, vec![json!({"event": "theft"})]);
        let ctx = context(&["theft"]);
        let scores = score_sample(Task::Event, &[], &s, &Settings::default(), Some(&ctx));
        assert_eq!((scores.structure, scores.semantic), (0.0, Some(0.0)));
    }

    #[test]
    fn temporal_scores_by_hand() {
        // Truth [0, 10] and [20, 30]; answer [5, 10] (mm:ss), [20, 30], and an unreadable one.
        let s = sample(
            Task::Grounding,
            vec![
                json!({"duration": [0.0, 10.0]}),
                json!({"duration": [20.0, 30.0]}),
            ],
        );
        let answer = [
            json!({"duration": ["00:05", "00:10"], "caption": "x"}),
            json!({"duration": [20, 30]}),
            json!({"duration": ["soon", 3]}),
        ];
        let union = score_sample(Task::Grounding, &answer, &s, &Settings::default(), None);
        // Union: ∩ = 5 + 10 = 15, ∪ = 20 -> 0.75. Struct: O = 3 x duration, G = 2: 4/5.
        assert_eq!(
            (union.structure, union.tiou, union.dropped),
            (0.8, Some(0.75), 1)
        );
        let matched = Settings {
            tiou: TiouMode::Matched,
            ..Settings::default()
        };
        // Matched: 0.5 ([5,10] vs [0,10]) + 1.0 = 1.5 over r*t = 6 -> 0.25; mIoU stays the union IoU.
        let m = score_sample(Task::Grounding, &answer, &s, &matched, None);
        assert_eq!((m.tiou, m.iou), (Some(0.25), Some(0.75)));
    }

    #[test]
    fn semantic_score_with_the_stand_in_embedder() {
        // Identical texts have cosine 1: two exact answers over r*t = 4 give 0.5.
        let s = sample(
            Task::Scene,
            vec![json!({"scene": "cliff"}), json!({"scene": "shop"})],
        );
        let ctx = context(&["cliff", "shop"]);
        let answer = [json!({"scene": "shop"}), json!({"scene": "cliff"})];
        let scores = score_sample(Task::Scene, &answer, &s, &Settings::default(), Some(&ctx));
        assert!((scores.semantic.unwrap() - 0.5).abs() < 1e-9);
        let max = Settings {
            sem_norm: SemNorm::Max,
            ..Settings::default()
        };
        let scores = score_sample(Task::Scene, &answer, &s, &max, Some(&ctx));
        assert!((scores.semantic.unwrap() - 1.0).abs() < 1e-9);
    }
}
