//! `compare`'s view: the figures of a baseline and a candidate side by
//! side, with the verdict per figure (docs/scoring.md §11, §12). Computed by
//! `commands::compare`; every output format renders it (`report::render`).

use std::fmt::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::metrics::bootstrap::PairedTest;
use crate::model::Interval;
use crate::report::numbers::percent;

/// The paired bootstrap settings (`--paired-bs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Paired {
    /// Resamples (`--paired-bs-n`).
    pub n: usize,
    /// `--seed`.
    pub seed: u64,
    /// Significance level (`--alpha`): a drop counts only when p < alpha.
    pub alpha: f64,
}

/// One figure of one task, compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `benchmark/task`.
    pub task: String,
    /// The figure's name (`TIoU` stands for mIoU too under `--tiou union`).
    pub figure: String,
    /// Baseline value, percent.
    pub baseline: f64,
    /// Candidate value, percent (`None`: missing from the candidate).
    pub candidate: Option<f64>,
    /// The paired test in points over the shared samples (`--paired-bs`,
    /// figures that are per-sample means).
    pub test: Option<PairedTest>,
    /// Dropped by more than `max_drop` (and, with a test, p < alpha).
    pub regression: bool,
}

impl Change {
    /// Candidate minus baseline in points; a missing value loses everything.
    pub fn difference(&self) -> f64 {
        self.candidate.unwrap_or(0.0) - self.baseline
    }
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Baseline file and model name.
    pub baseline: Side,
    /// Candidate file and model name.
    pub candidate: Side,
    /// The threshold in points.
    pub max_drop: f64,
    /// The paired bootstrap settings, when used.
    pub paired: Option<Paired>,
    /// Every figure of the baseline, once.
    pub changes: Vec<Change>,
    /// Non-fatal notes (a version difference), for stderr.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The results file read.
    pub path: PathBuf,
    /// Its `name`.
    pub name: String,
}

/// Figures differing by less than this (points) count as unchanged.
pub const EPSILON: f64 = 1e-9;

impl Comparison {
    /// The figures that regressed.
    pub fn regressions(&self) -> Vec<&Change> {
        self.changes.iter().filter(|c| c.regression).collect()
    }

    /// `N figures: R regressions; L lower, H higher, U unchanged`.
    pub fn summary(&self) -> String {
        let count =
            |f: &dyn Fn(f64) -> bool| self.changes.iter().filter(|c| f(c.difference())).count();
        let rule = match self.paired {
            Some(p) => format!("drop > {} and p < {}", percent(self.max_drop), p.alpha),
            None => format!("drop > {}", percent(self.max_drop)),
        };
        format!(
            "{} figures: {} regression(s) ({rule}); {} lower, {} higher, {} unchanged",
            self.changes.len(),
            self.regressions().len(),
            count(&|d| d < -EPSILON),
            count(&|d| d > EPSILON),
            count(&|d| d.abs() <= EPSILON),
        )
    }

    /// The line above the figures: both sides, the threshold and the
    /// paired bootstrap settings.
    pub fn header(&self) -> String {
        let mut text = format!(
            "baseline `{}` ({}) vs candidate `{}` ({}); max drop {} points",
            self.baseline.name,
            self.baseline.path.display(),
            self.candidate.name,
            self.candidate.path.display(),
            percent(self.max_drop)
        );
        if let Some(p) = self.paired {
            let _ = write!(
                text,
                "; paired bootstrap n={} seed={} alpha={}",
                p.n, p.seed, p.alpha
            );
        }
        text
    }

    /// Header and rows: task, figure, baseline, candidate, difference,
    /// (interval, p,) verdict.
    pub fn grid(&self, bold: bool) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header: Vec<String> = ["task", "figure", "baseline", "candidate", "diff"]
            .map(String::from)
            .to_vec();
        if self.paired.is_some() {
            header.extend(["95% CI".into(), "p".into()]);
        }
        header.push("verdict".into());
        let rows = self
            .changes
            .iter()
            .map(|c| {
                let mut row = vec![
                    c.task.clone(),
                    c.figure.clone(),
                    percent(c.baseline),
                    c.candidate.map_or_else(|| "missing".into(), percent),
                    format!("{:+.2}", c.difference() + 0.0),
                ];
                if self.paired.is_some() {
                    row.push(c.test.map_or_else(|| "-".into(), |t| interval(&t.interval)));
                    row.push(c.test.map_or_else(|| "-".into(), |t| format!("{:.4}", t.p)));
                }
                let verdict = if c.regression { "REGRESSION" } else { "ok" };
                row.push(if bold && c.regression {
                    format!("**{verdict}**")
                } else {
                    verdict.into()
                });
                row
            })
            .collect();
        (header, rows)
    }
}

fn interval(i: &Interval) -> String {
    format!("[{:+.2}, {:+.2}]", i.low + 0.0, i.high + 0.0)
}
