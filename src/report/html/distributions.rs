//! Per-sample distributions: IoU histogram and R@k curve for When tasks,
//! the score histogram for What tasks.

use std::fmt::Write;

use super::charts::{self, LineSeries};
use super::input::Run;
use super::{
    Shown, TaskKey, chart_figure, data_table, escape, is_when, members, no_samples_note,
    sample_score, score_of, tasks,
};
use crate::model::ResultEntry;
use crate::model::names::IOU;
use crate::report::numbers::percent;

/// The IoU thresholds of the R@k curve: 0, 0.05, ..., 1.
const CURVE_STEPS: usize = 20;

/// Histogram bins over [0, 1]; a score of 1 falls in the last.
const BINS: usize = 10;

/// Per-sample `score` of each run that wrote samples for the task.
fn sample_scores<'a>(
    runs: &'a [Run],
    key: &TaskKey,
    entries: &[Option<&'a ResultEntry>],
    score: &str,
) -> Vec<(Shown<'a>, Vec<f64>)> {
    members(runs, entries)
        .into_iter()
        .filter_map(|((i, name), _)| {
            let lines = runs[i].samples.get(&key.task)?;
            let scores = lines.iter().map(|s| score_of(s, score)).collect();
            Some(((i, name), scores))
        })
        .collect()
}

/// Share of scores (percent) per bin of [0, 1], plotted at bin centres.
fn histogram(scores: &[f64]) -> Vec<(f64, f64)> {
    let mut counts = [0usize; BINS];
    for &s in scores {
        let bin = ((s.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let n = scores.len().max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| ((i as f64 + 0.5) / BINS as f64, 100.0 * c as f64 / n))
        .collect()
}

/// R@k (percent of samples with IoU >= k) for k = 0, 0.05, ..., 1.
fn recall_curve(ious: &[f64]) -> Vec<(f64, f64)> {
    let n = ious.len().max(1) as f64;
    (0..=CURVE_STEPS)
        .map(|i| {
            let k = i as f64 / CURVE_STEPS as f64;
            (
                k,
                100.0 * ious.iter().filter(|&&x| x >= k).count() as f64 / n,
            )
        })
        .collect()
}

/// A line chart over the runs that wrote samples, with its data table.
fn line_figure(
    per_run: &[(Shown<'_>, Vec<f64>)],
    curve: fn(&[f64]) -> Vec<(f64, f64)>,
    caption: &str,
    alt: &str,
    axes: (&str, &str),
) -> String {
    let shown: Vec<Shown> = per_run.iter().map(|(s, _)| *s).collect();
    let lines: Vec<LineSeries> = per_run
        .iter()
        .map(|((colour, _), scores)| LineSeries {
            colour: *colour,
            points: curve(scores),
        })
        .collect();
    let categories: Vec<String> = lines
        .first()
        .map(|l| l.points.iter().map(|(x, _)| format!("{x:.2}")).collect())
        .unwrap_or_default();
    let values: Vec<Vec<Option<String>>> = lines
        .iter()
        .map(|l| l.points.iter().map(|(_, y)| Some(percent(*y))).collect())
        .collect();
    chart_figure(
        caption,
        alt,
        charts::lines(&lines, axes.0, axes.1),
        &shown,
        &data_table(&categories, &shown, &values),
    )
}

/// A task's heading and the histogram of its per-sample `score`, one line
/// per run; a note instead when no run has samples. True when the chart was
/// drawn.
fn distribution(
    out: &mut String,
    scores: &[(Shown<'_>, Vec<f64>)],
    title: &str,
    score: &str,
) -> bool {
    let _ = write!(out, "<h3>{}</h3>", escape(title));
    if scores.is_empty() {
        out.push_str(no_samples_note());
        return false;
    }
    out.push_str(&line_figure(
        scores,
        histogram,
        &format!("{title}: distribution of per-sample {score}"),
        &format!("Line chart: share of {title} samples (percent) per {score} bin of width 0.1, one line per run."),
        (&format!("{score} (bin centre)"), "samples (%)"),
    ));
    true
}

pub(super) fn when_charts(runs: &[Run]) -> String {
    let mut out = String::from(
        "<section id=\"when\"><h2>Temporal tasks (grounding, detection): IoU per sample</h2>\n",
    );
    for (key, entries) in tasks(runs) {
        if !entries.iter().flatten().any(|e| is_when(e)) {
            continue;
        }
        let title = key.title();
        let ious = sample_scores(runs, &key, &entries, IOU);
        if !distribution(&mut out, &ious, &title, "IoU") {
            continue;
        }
        out.push_str(&line_figure(
            &ious,
            recall_curve,
            &format!("{title}: R@k, the share of samples with IoU ≥ k"),
            &format!("Line chart: R@k of {title} for k from 0 to 1, one line per run; it falls as k grows."),
            ("threshold k", "R@k (%)"),
        ));
    }
    out.push_str("</section>\n");
    out
}

pub(super) fn what_charts(runs: &[Run]) -> String {
    let mut out =
        String::from("<section id=\"what\"><h2>Recognition tasks: score per sample</h2>\n");
    for (key, entries) in tasks(runs) {
        let Some(first) = entries.iter().flatten().next() else {
            continue;
        };
        if is_when(first) {
            continue;
        }
        let score = sample_score(first);
        let title = key.title();
        let scores = sample_scores(runs, &key, &entries, &score);
        distribution(&mut out, &scores, &title, &score);
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_and_recall_by_hand() {
        // Scores 0, 0.05, 0.55, 1.0: bins 0, 0, 5, 9 -> 50% in bin 0, 25% in 5 and 9.
        let h = histogram(&[0.0, 0.05, 0.55, 1.0]);
        assert_eq!(h[0], (0.05, 50.0));
        assert_eq!(h[5].1, 25.0);
        assert_eq!(h[9].1, 25.0);
        assert_eq!(h.iter().map(|(_, y)| y).sum::<f64>(), 100.0);
        // IoUs 0.2, 0.6, 0.8: R@0 = 100, R@0.5 = 2/3, R@1 = 0.
        let c = recall_curve(&[0.2, 0.6, 0.8]);
        assert_eq!(c[0], (0.0, 100.0));
        assert!((c[10].1 - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(c[20], (1.0, 0.0));
    }
}
