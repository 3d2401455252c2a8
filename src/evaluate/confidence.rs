//! Which per-sample score stands behind each reported figure, so figures can
//! be resampled (docs/scoring.md §12): a figure is bootstrapped only when it
//! is the mean of a per-sample column, checked against its reported value.

use crate::metrics::bootstrap::confidence_intervals;
use crate::model::names::{IOU, MIOU, RECALL_PREFIX};
use crate::model::{Confidence, Evaluation, Interval, Metric, SampleRecord};

/// The per-sample column (in [0, 1]) whose mean x 100 is `metric`, or `None`
/// when the figure is not a per-sample mean (e.g. a precision or an AUC).
/// `mIoU` is the mean of the samples' `IoU` and `R@k` the share with IoU >= k
/// (docs/scoring.md §4); every other figure has a score of its own name.
pub fn figure_column(metric: &Metric, samples: &[SampleRecord]) -> Option<Vec<f64>> {
    let score =
        |s: &SampleRecord, name: &str| s.scores.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let column: Vec<f64> = if let Some(k) = metric.name.strip_prefix(RECALL_PREFIX) {
        let k: f64 = k.parse().ok()?;
        samples
            .iter()
            .map(|s| score(s, IOU).map(|iou| if iou >= k { 1.0 } else { 0.0 }))
            .collect::<Option<_>>()?
    } else {
        let name = if metric.name == MIOU {
            IOU
        } else {
            &metric.name
        };
        samples
            .iter()
            .map(|s| score(s, name))
            .collect::<Option<_>>()?
    };
    let mean = if column.is_empty() {
        0.0
    } else {
        column.iter().sum::<f64>() / column.len() as f64
    };
    ((mean * 100.0 - metric.value).abs() <= 1e-9 * (1.0 + metric.value.abs())).then_some(column)
}

/// Sets `ci` (in percent) on every figure of `evaluation` that is a
/// per-sample mean, all from one set of resamples of the task's samples.
pub fn add_confidence(evaluation: &mut Evaluation, confidence: Confidence) {
    let found: Vec<(usize, Vec<f64>)> = evaluation
        .result
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(i, m)| figure_column(m, &evaluation.samples).map(|c| (i, c)))
        .collect();
    let columns: Vec<&[f64]> = found.iter().map(|(_, c)| c.as_slice()).collect();
    let intervals: Vec<Interval> =
        confidence_intervals(&columns, confidence.n, confidence.seed, confidence.level);
    for ((i, _), interval) in found.iter().zip(intervals) {
        evaluation.result.metrics[*i].ci = Some(interval.scaled(100.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BenchmarkId, Counts, SampleStatus, TaskResult};

    fn record(id: &str, scores: &[(&str, f64)]) -> SampleRecord {
        SampleRecord {
            id: id.into(),
            status: SampleStatus::Scored,
            scores: scores.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
            detail: None,
        }
    }

    fn metric(name: &str, value: f64) -> Metric {
        Metric {
            name: name.into(),
            value,
            ci: None,
        }
    }

    #[test]
    fn columns_behind_the_temporal_figures() {
        // IoUs 0.2, 0.6, 0.8: mIoU = 1.6/3 = 53.33..%; R@0.5 = 2/3; R@0.7 = 1/3.
        let samples = [
            record("a", &[("Struct", 1.0), ("IoU", 0.2)]),
            record("b", &[("Struct", 0.0), ("IoU", 0.6)]),
            record("c", &[("Struct", 1.0), ("IoU", 0.8)]),
        ];
        assert_eq!(
            figure_column(&metric("mIoU", 160.0 / 3.0), &samples),
            Some(vec![0.2, 0.6, 0.8])
        );
        assert_eq!(
            figure_column(&metric("R@0.5", 200.0 / 3.0), &samples),
            Some(vec![0.0, 1.0, 1.0])
        );
        assert_eq!(
            figure_column(&metric("Struct", 200.0 / 3.0), &samples),
            Some(vec![1.0, 0.0, 1.0])
        );
        // Not a mean of its column (e.g. a precision), or no such column: no CI.
        assert_eq!(figure_column(&metric("Struct", 50.0), &samples), None);
        assert_eq!(figure_column(&metric("F1", 50.0), &samples), None);
    }

    #[test]
    fn confidence_lands_in_percent_on_mean_figures_only() {
        let mut e = Evaluation {
            result: TaskResult {
                benchmark: BenchmarkId::CueBench,
                task: "event".into(),
                signature: String::new(),
                counts: Counts::default(),
                metrics: vec![metric("Struct", 50.0), metric("Precision", 10.0)],
            },
            samples: vec![
                record("a", &[("Struct", 0.5)]),
                record("b", &[("Struct", 0.5)]),
            ],
        };
        add_confidence(
            &mut e,
            Confidence {
                n: 50,
                seed: 1,
                level: 0.95,
            },
        );
        let ci = e.result.metrics[0].ci.unwrap();
        assert_eq!((ci.mean, ci.low, ci.high), (50.0, 50.0, 50.0));
        assert_eq!(e.result.metrics[1].ci, None);
    }
}
