//! The Vad-Reasoning benchmark (Vad-R1 paper, section 4.1 and Table 2):
//! `reasoning` scores the response text against the annotated
//! Perception-to-Cognition chain of thought with BLEU-2, METEOR and
//! ROUGE-1/2/L; `detection` scores the abnormal/normal decision (accuracy,
//! precision, recall, F1; abnormal is the positive class) and the predicted
//! anomaly time range (mIoU, R@{0.3, 0.5, 0.7} over the abnormal videos).
//!
//! Input formats and every decision are described in `docs/vad-reasoning.md`;
//! the decisions are also spelled out in each result's signature.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rayon::prelude::*;
use serde_json::Value;

use crate::error::Result;
use crate::extraction::{answer_text, content_format_ok};
use crate::formats::predictions::{
    Prediction, PredictionContent, for_task, index_by_id, read_predictions,
};
use crate::formats::records::{Fields, parse_records, read_text, reject_duplicate_ids};
use crate::intervals::{parse_interval, parse_timestamp};
use crate::metrics::temporal::{Interval, RECALL_THRESHOLDS, interval_iou, mean, recall_at};
use crate::metrics::text::bleu::{BleuSmoothing, sentence_bleu};
use crate::metrics::text::meteor::meteor;
use crate::metrics::text::rouge::rouge;
use crate::metrics::text::tokenize::whitespace_tokens;
use crate::report::{Counts, Evaluation, Metric, SampleRecord, SampleStatus, TaskResult};
use crate::signature::Signature;
use crate::wordnet::{WordNet, resolve_dir};

/// The benchmark's name in results and on the command line.
pub const BENCHMARK: &str = "vad-reasoning";

/// BLEU smoothing used for BLEU-2 (nltk `SmoothingFunction().method1`).
const SMOOTHING: BleuSmoothing = BleuSmoothing::METHOD1;

/// ROUGE uses rouge-score's Porter stemmer (`use_stemmer=True`).
const ROUGE_STEMMER: bool = true;

/// Signature fields of the reasoning task: every choice that moves a number.
fn reasoning_fields() -> Vec<(&'static str, String)> {
    let stemmer = if ROUGE_STEMMER { "porter" } else { "none" };
    vec![
        ("text", "response-vs-reference,tags-stripped".to_owned()),
        ("tok", "str.split".to_owned()),
        (
            "bleu",
            format!("nltk-3.10.4-sentence,n=2,smooth={},cased", SMOOTHING.name()),
        ),
        (
            "meteor",
            "nltk-3.10.4,exact+porter+wordnet-3.0,alpha=0.9,beta=3,gamma=0.5,lowercased".to_owned(),
        ),
        (
            "rouge",
            format!("rouge-score-0.1.2,f1,stemmer={stemmer},rougeL=lcs"),
        ),
        ("agg", "sample-mean".to_owned()),
    ]
}

/// Signature fields of the detection task.
fn detection_fields() -> Vec<(&'static str, String)> {
    [
        ("decision", "which-tag,normal=normal/none/no-anomaly"),
        ("positive", "abnormal"),
        ("no-decision", "wrong"),
        ("range", "when-tag"),
        ("iou-over", "abnormal-gt"),
        ("recall-at", "0.3,0.5,0.7"),
    ]
    .map(|(k, v)| (k, v.to_owned()))
    .to_vec()
}

/// A Vad-Reasoning task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadTask {
    /// Text quality of the reasoning (BLEU-2, METEOR, ROUGE-1/2/L).
    Reasoning,
    /// Abnormal/normal decision and anomaly time range.
    Detection,
}

impl VadTask {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            VadTask::Reasoning => "reasoning",
            VadTask::Detection => "detection",
        }
    }
}

impl fmt::Display for VadTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for VadTask {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reasoning" => Ok(VadTask::Reasoning),
            "detection" => Ok(VadTask::Detection),
            _ => Err(format!(
                "unknown vad-reasoning task `{s}` (expected reasoning or detection)"
            )),
        }
    }
}

/// One ground-truth video.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundTruth {
    /// Sample id.
    pub id: String,
    /// 1-based line in the ground-truth file.
    pub line: usize,
    /// Whether the video is abnormal.
    pub abnormal: bool,
    /// The reference reasoning text (P2C-CoT annotation), if given.
    pub reference: Option<String>,
    /// The anomaly time range in seconds (abnormal videos).
    pub interval: Option<Interval>,
}

/// Scores one task. `wordnet_dir` is the `--wordnet` flag (see
/// [`resolve_dir`]); WordNet is loaded only for the reasoning task.
pub fn evaluate(
    task: VadTask,
    gt_path: &Path,
    preds_path: &Path,
    wordnet_dir: Option<&Path>,
) -> Result<Evaluation> {
    let truth = read_ground_truth(gt_path, task)?;
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
            let wordnet = WordNet::load(&resolve_dir(wordnet_dir))?;
            score_reasoning(&pairs, &wordnet)
        }
        VadTask::Detection => score_detection(&pairs),
    };
    evaluation.result.counts.unknown_ids = unknown_ids;
    Ok(evaluation)
}

/// Reads the ground truth (JSONL or a JSON array): `id`, `label`
/// (`abnormal`/`normal`), `reference` (required for reasoning) and
/// `interval` (`[start, end]`, required for abnormal videos in detection).
/// Records are returned sorted by id; a repeated id is an error.
pub fn read_ground_truth(path: &Path, task: VadTask) -> Result<Vec<GroundTruth>> {
    let records = parse_records(&read_text(path)?, path)?;
    let mut truth = records
        .iter()
        .map(|r| parse_ground_truth(&Fields::of(path, r.line, &r.value, "")?, task))
        .collect::<Result<Vec<_>>>()?;
    reject_duplicate_ids(path, truth.iter().map(|g| (g.id.as_str(), g.line)))?;
    truth.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(truth)
}

fn parse_ground_truth(f: &Fields<'_>, task: VadTask) -> Result<GroundTruth> {
    let id = f.string("id")?;
    if id.is_empty() {
        return Err(f.error("id", "must not be empty"));
    }
    let abnormal = match f.string("label")?.trim().to_lowercase().as_str() {
        "abnormal" | "anomaly" => true,
        "normal" => false,
        other => {
            return Err(f.error(
                "label",
                format!("expected `abnormal` or `normal`, found `{other}`"),
            ));
        }
    };
    let reference = f.optional_string("reference")?.map(str::to_owned);
    if task == VadTask::Reasoning && reference.is_none() {
        return Err(f.error(
            "reference",
            "missing (the reasoning task needs the reference text)",
        ));
    }
    let interval = match f.get("interval") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_interval(v).ok_or_else(|| {
            f.error(
                "interval",
                "expected [start, end] with readable timestamps and start <= end",
            )
        })?),
    };
    if task == VadTask::Detection && abnormal && interval.is_none() {
        return Err(f.error(
            "interval",
            "missing (an abnormal video needs its anomaly time range)",
        ));
    }
    Ok(GroundTruth {
        id: id.to_owned(),
        line: f.line,
        abnormal,
        reference,
        interval,
    })
}

/// The text of a prediction line: a response, or a pre-parsed answer that is a string.
fn prediction_text(content: &PredictionContent) -> Option<&str> {
    match content {
        PredictionContent::Response(text) => Some(text),
        PredictionContent::Answer(Value::String(text)) => Some(text),
        PredictionContent::Answer(_) => None,
    }
}

/// Removes `<tag>` / `</tag>` markers (letters, digits, `_`, `-`), leaving a
/// space, so tags never glue onto words.
pub fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.strip_prefix('/').unwrap_or(after);
        let len = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        match len {
            Some(n) if n > 0 && name[n..].starts_with('>') => {
                out.push(' ');
                rest = &name[n + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Per-sample text scores, keyed like the metrics.
const TEXT_KEYS: [&str; 5] = ["BLEU-2", "METEOR", "ROUGE-1", "ROUGE-2", "ROUGE-L"];

/// BLEU-2, METEOR, ROUGE-1, ROUGE-2, ROUGE-L of one response against its reference.
pub fn text_scores(response: &str, reference: &str, wordnet: &WordNet) -> [f64; 5] {
    let (hyp, reference) = (strip_tags(response), strip_tags(reference));
    let (h, r) = (whitespace_tokens(&hyp), whitespace_tokens(&reference));
    let rouge = rouge(&hyp, &reference, ROUGE_STEMMER);
    [
        sentence_bleu(&h, &r, 2, SMOOTHING),
        meteor(&h, &r, wordnet),
        rouge.rouge1,
        rouge.rouge2,
        rouge.rouge_l,
    ]
}

fn score_reasoning(pairs: &[(&GroundTruth, Option<&Prediction>)], wordnet: &WordNet) -> Evaluation {
    let samples: Vec<SampleRecord> = pairs
        .par_iter()
        .map(|(g, p)| {
            let reference = g.reference.as_deref().unwrap_or_default();
            let text = p.map(|p| prediction_text(&p.content));
            let (status, scores) = match text {
                None => (SampleStatus::Missing, [0.0; 5]),
                Some(None) => (SampleStatus::ParseFailed, [0.0; 5]),
                Some(Some(t)) => (SampleStatus::Scored, text_scores(t, reference, wordnet)),
            };
            let scores = TEXT_KEYS
                .iter()
                .map(|k| (*k).to_owned())
                .zip(scores)
                .collect();
            SampleRecord {
                id: g.id.clone(),
                status,
                scores,
                detail: None,
            }
        })
        .collect();
    let mut metrics: Vec<Metric> = TEXT_KEYS
        .iter()
        .map(|key| Metric::from_mean(key, mean(&column(&samples, key))))
        .collect();
    let counts = base_counts(pairs, &samples);
    metrics.push(format_metric(&counts));
    finish(
        VadTask::Reasoning,
        reasoning_fields(),
        counts,
        metrics,
        samples,
    )
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

fn finish(
    task: VadTask,
    decisions: Vec<(&str, String)>,
    counts: Counts,
    metrics: Vec<Metric>,
    samples: Vec<SampleRecord>,
) -> Evaluation {
    let result = TaskResult {
        benchmark: BENCHMARK.to_owned(),
        task: task.name().to_owned(),
        signature: decisions
            .into_iter()
            .fold(
                Signature::new().with("bench", BENCHMARK).with("task", task),
                |sig, (key, value)| sig.with(key, value),
            )
            .to_string(),
        counts,
        metrics,
    };
    Evaluation { result, samples }
}

/// What a detection answer says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// The video was judged abnormal.
    pub abnormal: bool,
    /// The predicted anomaly range, when the answer gives a readable one.
    pub interval: Option<Interval>,
}

/// Reads a detection answer: the `<which>` tag inside the answer decides
/// (`normal`, `none` or `no anomaly`, any case, means normal; any other
/// non-empty text names an anomaly category); the `<when>` tag gives the
/// range. `None` when there is no readable `<which>`.
pub fn read_decision(answer: &str) -> Option<Decision> {
    let which = tag_content(answer, "which")?;
    let category = which
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation())
        .trim()
        .to_lowercase();
    if category.is_empty() {
        return None;
    }
    let abnormal = !matches!(category.as_str(), "normal" | "none" | "no anomaly");
    let interval = tag_content(answer, "when").and_then(parse_range);
    Some(Decision { abnormal, interval })
}

/// The content of the first `<tag>...</tag>` in `text`.
pub fn tag_content<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = text.find(&open)? + open.len();
    let len = text[start..].find(&close)?;
    Some(&text[start..start + len])
}

/// A time range: a JSON `[start, end]`, or two timestamps separated by `-`,
/// `~`, `,` or `to` (an `s` unit after a number is allowed, brackets and
/// "from" are ignored). Timestamps are seconds or `MM:SS` / `HH:MM:SS`.
pub fn parse_range(text: &str) -> Option<Interval> {
    if let Ok(value) = serde_json::from_str::<Value>(text.trim()) {
        return parse_interval(&value);
    }
    let cleaned = text
        .to_lowercase()
        .replace(" to ", " - ")
        .replace(['~', ','], " - ");
    let cleaned = cleaned
        .trim()
        .trim_start_matches(['[', '('])
        .trim_end_matches([']', ')', '.']);
    let cleaned = cleaned
        .trim()
        .strip_prefix("from ")
        .unwrap_or(cleaned.trim());
    let (start, end) = cleaned.split_once('-')?;
    let stamp = |s: &str| {
        let s = s.trim();
        let s = s
            .strip_suffix("seconds")
            .or_else(|| s.strip_suffix('s'))
            .unwrap_or(s);
        parse_timestamp(&Value::String(s.trim().to_owned()))
    };
    let (start, end) = (stamp(start)?, stamp(end)?);
    (start <= end).then_some(Interval { start, end })
}

/// The outcome of one detection sample.
struct DetectionOutcome {
    record: SampleRecord,
    /// Predicted label when a decision was read.
    predicted: Option<bool>,
    /// IoU with the ground-truth range (abnormal videos only).
    iou: Option<f64>,
    dropped_interval: bool,
}

fn detect_one(g: &GroundTruth, p: Option<&Prediction>) -> DetectionOutcome {
    let text = p.map(|p| prediction_text(&p.content));
    let decision = match text {
        Some(Some(t)) => read_decision(answer_text(t)),
        _ => None,
    };
    let status = match (text, decision) {
        (None, _) => SampleStatus::Missing,
        (_, None) => SampleStatus::ParseFailed,
        _ => SampleStatus::Scored,
    };
    let predicted = decision.map(|d| d.abnormal);
    let correct = predicted == Some(g.abnormal);
    let dropped_interval = decision.is_some_and(|d| d.abnormal && d.interval.is_none());
    let iou = g.interval.filter(|_| g.abnormal).map(|truth| {
        decision
            .filter(|d| d.abnormal)
            .and_then(|d| d.interval)
            .map_or(0.0, |predicted| interval_iou(predicted, truth))
    });
    let mut scores = vec![("correct".to_owned(), if correct { 1.0 } else { 0.0 })];
    scores.extend(iou.map(|v| ("IoU".to_owned(), v)));
    DetectionOutcome {
        record: SampleRecord {
            id: g.id.clone(),
            status,
            scores,
            detail: None,
        },
        predicted,
        iou,
        dropped_interval,
    }
}

/// Accuracy, precision, recall and F1 with abnormal as the positive class.
/// A sample without a decision counts as the wrong label (a false negative
/// on an abnormal video, a false positive on a normal one).
pub fn classification_metrics(outcomes: &[(bool, Option<bool>)]) -> [f64; 4] {
    let (mut tp, mut fp, mut fn_, mut correct) = (0usize, 0usize, 0usize, 0usize);
    for &(truth, predicted) in outcomes {
        let predicted = predicted.unwrap_or(!truth);
        match (truth, predicted) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
        correct += usize::from(truth == predicted);
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    [ratio(correct, outcomes.len()), precision, recall, f1]
}

fn score_detection(pairs: &[(&GroundTruth, Option<&Prediction>)]) -> Evaluation {
    let outcomes: Vec<DetectionOutcome> = pairs.iter().map(|(g, p)| detect_one(g, *p)).collect();
    let labels: Vec<(bool, Option<bool>)> = pairs
        .iter()
        .zip(&outcomes)
        .map(|((g, _), o)| (g.abnormal, o.predicted))
        .collect();
    let ious: Vec<f64> = outcomes.iter().filter_map(|o| o.iou).collect();
    let [accuracy, precision, recall, f1] = classification_metrics(&labels);
    let mut metrics = vec![
        Metric::from_mean("Acc", accuracy),
        Metric::from_mean("Precision", precision),
        Metric::from_mean("Recall", recall),
        Metric::from_mean("F1", f1),
        Metric::from_mean("mIoU", mean(&ious)),
    ];
    metrics.extend(
        RECALL_THRESHOLDS
            .iter()
            .map(|&t| Metric::from_mean(&format!("R@{t}"), recall_at(&ious, t))),
    );
    let dropped = outcomes.iter().filter(|o| o.dropped_interval).count();
    let samples: Vec<SampleRecord> = outcomes.into_iter().map(|o| o.record).collect();
    let mut counts = base_counts(pairs, &samples);
    counts.dropped_intervals = dropped;
    metrics.push(format_metric(&counts));
    finish(
        VadTask::Detection,
        detection_fields(),
        counts,
        metrics,
        samples,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_replaced_by_spaces() {
        assert_eq!(
            strip_tags("<think>A man</think><answer><which>Theft</which></answer>"),
            " A man   Theft  "
        );
        // Not tags: a lone "<", "a < b", "<>" and "<1.5>" stay as written.
        assert_eq!(strip_tags("a < b <> <1.5> <"), "a < b <> <1.5> <");
    }

    #[test]
    fn decisions_from_which_and_when() {
        let d = read_decision("<which>Robbery</which> <when>[2, 10.5]</when>");
        assert_eq!(
            d,
            Some(Decision {
                abnormal: true,
                interval: Some(Interval {
                    start: 2.0,
                    end: 10.5
                })
            })
        );
        let normal = read_decision("<which> Normal. </which>");
        assert_eq!(
            normal,
            Some(Decision {
                abnormal: false,
                interval: None
            })
        );
        assert_eq!(read_decision("no tags here"), None);
        assert_eq!(read_decision("<which> </which>"), None);
    }

    #[test]
    fn ranges_in_several_spellings() {
        let r = |start, end| Some(Interval { start, end });
        assert_eq!(parse_range("[3, 7]"), r(3.0, 7.0));
        assert_eq!(parse_range("from 3s to 7.5s"), r(3.0, 7.5));
        assert_eq!(parse_range("00:03 - 01:00"), r(3.0, 60.0));
        assert_eq!(parse_range("3 ~ 7 seconds"), r(3.0, 7.0));
        assert_eq!(parse_range("7 - 3"), None);
        assert_eq!(parse_range("soon"), None);
    }

    #[test]
    fn hand_computed_classification() {
        // truth/predicted: (A,A) tp, (A,N) fn, (N,A) fp, (N,N) tn, (A,none) fn.
        // Acc = 2/5; P = 1/2; R = 1/3; F1 = 2*(1/2)(1/3)/(5/6) = 0.4.
        let m = classification_metrics(&[
            (true, Some(true)),
            (true, Some(false)),
            (false, Some(true)),
            (false, Some(false)),
            (true, None),
        ]);
        let want = [0.4, 0.5, 1.0 / 3.0, 0.4];
        for (got, want) in m.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{m:?}");
        }
        assert_eq!(classification_metrics(&[]), [0.0; 4]);
    }

    #[test]
    fn task_names_round_trip() {
        for t in [VadTask::Reasoning, VadTask::Detection] {
            assert_eq!(t.name().parse::<VadTask>(), Ok(t));
        }
        assert!("grounding".parse::<VadTask>().is_err());
    }
}
