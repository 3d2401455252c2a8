//! The detection task: the abnormal/normal decision (accuracy, precision,
//! recall, F1; abnormal is the positive class) and the predicted anomaly
//! time range (mIoU, R@{0.3, 0.5, 0.7} over the abnormal videos).

use serde_json::Value;

use super::{GroundTruth, TimeUnit, VadTask, base_counts, finish_with_format, prediction_text};
use crate::extraction::answer_text;
use crate::formats::predictions::Prediction;
use crate::intervals::{Interval, parse_interval, parse_timestamp};
use crate::metrics::temporal::{interval_iou, iou_figures};
use crate::model::names::IOU;
use crate::model::{Evaluation, Metric, SampleRecord, SampleStatus};

/// Signature fields of the detection task; `unit` is that of the
/// published layout's `start` / `end`.
fn detection_fields(unit: TimeUnit) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = [
        ("decision", "which-tag,normal=normal/none/no-anomaly"),
        ("positive", "abnormal"),
        ("no-decision", "wrong"),
        ("range", "when-tag"),
        ("iou-over", "abnormal-gt"),
        ("recall-at", "0.3,0.5,0.7"),
    ]
    .map(|(k, v)| (k, v.to_owned()))
    .to_vec();
    fields.push(("time", unit.label()));
    fields
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
    scores.extend(iou.map(|v| (IOU.to_owned(), v)));
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

/// Scores every sample of the detection task.
pub(super) fn score(pairs: &[(&GroundTruth, Option<&Prediction>)], unit: TimeUnit) -> Evaluation {
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
    ];
    metrics.extend(iou_figures(&ious));
    let dropped = outcomes.iter().filter(|o| o.dropped_interval).count();
    let samples: Vec<SampleRecord> = outcomes.into_iter().map(|o| o.record).collect();
    let mut counts = base_counts(pairs, &samples);
    counts.dropped_intervals = dropped;
    let fields = detection_fields(unit);
    finish_with_format(VadTask::Detection, fields, counts, metrics, samples)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
