//! Which per-sample score stands behind each reported figure, so figures can
//! be resampled (docs/scoring.md §12): a figure is bootstrapped only when it
//! is the mean of a per-sample column, checked against its reported value.

use std::path::Path;

use crate::console;
use crate::error::{Error, Result};
use crate::metrics::bootstrap::confidence_intervals;
use crate::model::names::{IOU, MIOU, RECALL_PREFIX};
use crate::model::{Confidence, Evaluation, Interval, Metric, SampleRecord};

/// What stands behind a figure among the per-sample scores.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// The per-sample column (in [0, 1]) whose mean x 100 is the figure.
    Mean(Vec<f64>),
    /// No column: the figure is not a per-sample mean (e.g. a precision or
    /// an AUC).
    None,
    /// The figure's column exists but its mean x 100 is not the figure (to
    /// 1e-9 relative): the figure and the samples disagree (an edited file,
    /// or samples from another run).
    Disagrees {
        /// The column's mean x 100.
        mean: f64,
    },
}

impl Column {
    /// The values when the figure is their mean.
    pub fn values(self) -> Option<Vec<f64>> {
        match self {
            Column::Mean(values) => Some(values),
            Column::None | Column::Disagrees { .. } => None,
        }
    }

    /// For a reader of the results document at `path`: the values when the
    /// figure is their mean, `None` when it is no per-sample mean, and an
    /// input error naming the figure when the two disagree.
    pub fn checked(self, path: &Path, task: &str, metric: &Metric) -> Result<Option<Vec<f64>>> {
        match self {
            Column::Mean(values) => Ok(Some(values)),
            Column::None => Ok(None),
            Column::Disagrees { mean } => Err(Error::Field {
                path: path.to_owned(),
                line: 1,
                field: format!("results.{task}.metrics.{}", metric.name),
                message: format!(
                    "{} is not the mean of its per-sample scores ({mean}): the figure and the \
                     per-sample file disagree (an edited figure, or samples of another run)",
                    metric.value
                ),
            }),
        }
    }
}

/// The per-sample column behind `metric`. `mIoU` is the mean of the
/// samples' `IoU` and `R@k` the share with IoU >= k (docs/scoring.md §4);
/// every other figure has a score of its own name.
pub fn figure_column(metric: &Metric, samples: &[SampleRecord]) -> Column {
    let score =
        |s: &SampleRecord, name: &str| s.scores.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let column: Option<Vec<f64>> = if let Some(k) = metric.name.strip_prefix(RECALL_PREFIX) {
        k.parse::<f64>().ok().and_then(|k| {
            samples
                .iter()
                .map(|s| score(s, IOU).map(|iou| if iou >= k { 1.0 } else { 0.0 }))
                .collect()
        })
    } else {
        let name = if metric.name == MIOU {
            IOU
        } else {
            &metric.name
        };
        samples.iter().map(|s| score(s, name)).collect()
    };
    let Some(column) = column else {
        return Column::None;
    };
    let mean = if column.is_empty() {
        0.0
    } else {
        column.iter().sum::<f64>() / column.len() as f64
    } * 100.0;
    if (mean - metric.value).abs() <= 1e-9 * (1.0 + metric.value.abs()) {
        Column::Mean(column)
    } else {
        Column::Disagrees { mean }
    }
}

/// Sets `ci` (in percent) on every figure of `evaluation` that is a
/// per-sample mean, all from one set of resamples of the task's samples.
pub fn add_confidence(evaluation: &mut Evaluation, confidence: Confidence) {
    let found: Vec<(usize, Vec<f64>)> = evaluation
        .result
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match figure_column(m, &evaluation.samples) {
            Column::Mean(c) => Some((i, c)),
            Column::None => None,
            Column::Disagrees { mean } => {
                console::warning(&format!(
                    "{}/{}: {} is {} but its per-sample scores average {mean}; no interval for it",
                    evaluation.result.benchmark, evaluation.result.task, m.name, m.value
                ));
                None
            }
        })
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
    use crate::model::result::record_for_tests as record;
    use crate::model::{BenchmarkId, Counts, TaskResult};

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
            Column::Mean(vec![0.2, 0.6, 0.8])
        );
        assert_eq!(
            figure_column(&metric("R@0.5", 200.0 / 3.0), &samples),
            Column::Mean(vec![0.0, 1.0, 1.0])
        );
        assert_eq!(
            figure_column(&metric("Struct", 200.0 / 3.0), &samples),
            Column::Mean(vec![1.0, 0.0, 1.0])
        );
        // A column whose mean is not the figure disagrees; no such column: none.
        let disagrees = figure_column(&metric("Struct", 50.0), &samples);
        assert!(
            matches!(disagrees, Column::Disagrees { mean } if (mean - 200.0 / 3.0).abs() < 1e-9),
            "{disagrees:?}"
        );
        let err = disagrees
            .checked(Path::new("r.json"), "event", &metric("Struct", 50.0))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("r.json:1: field `results.event.metrics.Struct`: 50 is not the mean"),
            "{err}"
        );
        assert_eq!(figure_column(&metric("F1", 50.0), &samples), Column::None);
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
