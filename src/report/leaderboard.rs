//! Many runs side by side in the layout of the paper's Table 2
//! (docs/scoring.md §8, §11): `cuebench leaderboard` and the row of
//! `eval --all`. The columns are a value ([`Layout`]), so another table
//! (e.g. the separate protocol's Table 3) plugs in as another layout.
//!
//! Best and second-best per column: values are ranked as printed (rounded
//! to two decimals), higher is better; every row sharing the best printed
//! value is best, the next lower printed value is second-best (dense
//! ranking, ties shared too); a column with one distinct value has no
//! second-best, and an empty cell is never ranked.

use std::path::PathBuf;

use serde::Serialize;

use crate::benchmarks::cuebench::TABLE2;
use crate::benchmarks::separate;
use crate::error::Result;
use crate::model::{BenchmarkId, Protocol, RowGroup};
use crate::model::{Metric, ResultsDocument};
use crate::report::html::input::{Run, read_run};
use crate::report::numbers::figure;
use crate::report::results::read_document;
use crate::signature::{Signature, check_comparable};

/// One column: a task's figure under a group heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The task whose result holds the figure, e.g. `anomaly-td`.
    pub task: String,
    /// The group heading, e.g. `Anomaly TD`.
    pub heading: String,
    /// The figure's name, e.g. `Sem`.
    pub metric: String,
}

/// The columns of a leaderboard, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Every column.
    pub columns: Vec<Column>,
}

impl Layout {
    /// The paper's Table 2.
    pub fn table2() -> Self {
        Self::of_groups(&TABLE2)
    }

    /// The columns of `groups`: each task's heading over its figures (a
    /// paper table such as [`TABLE2`], or the separate protocol's Table 3).
    pub fn of_groups(groups: &[RowGroup]) -> Self {
        Layout {
            columns: groups
                .iter()
                .flat_map(|&(task, heading, metrics)| {
                    metrics.iter().map(move |&metric| Column {
                        task: task.into(),
                        heading: heading.into(),
                        metric: metric.into(),
                    })
                })
                .collect(),
        }
    }

    /// Every (task, figure) of the documents in first-seen order, headed by
    /// the task name: the layout of a benchmark without a paper table.
    pub fn of_results(documents: &[ResultsDocument]) -> Self {
        let mut columns: Vec<Column> = Vec::new();
        for r in documents.iter().flat_map(|d| &d.results).map(|e| &e.result) {
            for m in &r.metrics {
                let column = Column {
                    task: r.task.clone(),
                    heading: r.task.clone(),
                    metric: m.name.clone(),
                };
                if !columns.contains(&column) {
                    columns.push(column);
                }
            }
        }
        Layout { columns }
    }

    /// The layout for these documents: Table 2 for CueBench's unified
    /// protocol, Table 3 for its separate one, else their own figures.
    pub fn for_documents(documents: &[ResultsDocument]) -> Self {
        match documents.first() {
            Some(d)
                if d.run.benchmark == BenchmarkId::CueBench
                    && d.run.protocol == Protocol::Unified =>
            {
                Self::table2()
            }
            Some(d)
                if d.run.benchmark == BenchmarkId::CueBench
                    && d.run.protocol == Protocol::Separate =>
            {
                Self::of_groups(&separate::TABLE3)
            }
            _ => Self::of_results(documents),
        }
    }

    /// `Heading Metric` per column.
    pub fn titles(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| format!("{} {}", c.heading, c.metric))
            .collect()
    }
}

/// A cell's place in its column: 1 best, 2 second-best.
pub type Rank = Option<u8>;

/// The figure of `column` in `document`, if scored.
fn cell<'a>(document: &'a ResultsDocument, column: &Column) -> Option<&'a Metric> {
    document
        .results
        .iter()
        .find(|e| e.result.task == column.task)
        .and_then(|e| e.result.metrics.iter().find(|m| m.name == column.metric))
}

/// Dense ranks of printed values (see the module documentation).
pub fn ranks(values: &[Option<f64>]) -> Vec<Rank> {
    let printed = |v: f64| (v * 100.0).round() as i64;
    let mut distinct: Vec<i64> = values.iter().flatten().map(|&v| printed(v)).collect();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    values
        .iter()
        .map(|v| {
            let p = printed((*v)?);
            match distinct.iter().position(|&d| d == p) {
                Some(0) => Some(1),
                Some(1) => Some(2),
                _ => None,
            }
        })
        .collect()
}

/// The `--ci` warning for the documents that hold no interval (scored
/// without `--confidence`): their cells can show only the figure. `None`
/// when every document has intervals.
pub fn missing_intervals(documents: &[(String, &ResultsDocument)]) -> Option<String> {
    let bare: Vec<&str> = documents
        .iter()
        .filter(|(_, d)| {
            !d.results
                .iter()
                .any(|e| e.result.metrics.iter().any(|m| m.ci.is_some()))
        })
        .map(|(label, _)| label.as_str())
        .collect();
    (!bare.is_empty()).then(|| {
        format!(
            "--ci: no intervals in {} (scored without --confidence), so their cells show the \
             figure alone; score with `eval --confidence --output DIR` for intervals",
            bare.join(", ")
        )
    })
}

/// Refuses documents whose signatures are not comparable (anything but
/// `task` and `version` differs; docs/scoring.md §11) with an error showing
/// both; returns a warning per version difference.
pub fn check_signatures(documents: &[(String, &ResultsDocument)]) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let mut first: Option<(String, Signature)> = None;
    for (label, document) in documents {
        for entry in &document.results {
            let Some(signature) = Signature::parse(&entry.result.signature) else {
                return Err(crate::Error::Usage(format!(
                    "{label}: {}: unreadable signature `{}`",
                    entry.result.task, entry.result.signature
                )));
            };
            match &first {
                None => first = Some((format!("{label} ({})", entry.result.task), signature)),
                Some((first_label, first_sig)) => {
                    let here = format!("{label} ({})", entry.result.task);
                    if let Some(w) =
                        check_comparable((first_label, first_sig), (&here, &signature))?
                    {
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                }
            }
        }
    }
    Ok(warnings)
}

/// A leaderboard ready to render: the runs (one row each, labelled by its
/// `name`), the columns, and per cell its figure and rank, computed once so
/// every format shows the same cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// The runs, one row each (their sample records only where the format
    /// shows them).
    pub runs: Vec<Run>,
    /// The columns.
    pub layout: Layout,
    /// Show the intervals the documents hold (`--ci`).
    pub ci: bool,
    /// Per row, per column: the figure, if scored.
    pub cells: Vec<Vec<Option<Metric>>>,
    /// Per row, per column: 1 best, 2 second-best (none for a single row).
    pub ranks: Vec<Vec<Rank>>,
    /// The first result's signature with `task:all`: what every row shares.
    pub signature: String,
}

impl Board {
    /// The board of `runs` under `layout`; `ci` shows their intervals.
    pub fn new(runs: Vec<Run>, layout: Layout, ci: bool) -> Board {
        let cells: Vec<Vec<Option<Metric>>> = runs
            .iter()
            .map(|r| {
                layout
                    .columns
                    .iter()
                    .map(|c| cell(&r.document, c).cloned())
                    .collect()
            })
            .collect();
        // One row has nothing to be best against: no marks.
        let ranked = runs.len() > 1;
        let by_column: Vec<Vec<Rank>> = (0..layout.columns.len())
            .map(|c| {
                ranks(
                    &cells
                        .iter()
                        .map(|row| row[c].as_ref().map(|m| m.value).filter(|_| ranked))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let ranks = (0..runs.len())
            .map(|r| by_column.iter().map(|col| col[r]).collect())
            .collect();
        let signature = combined_signature(&runs);
        Board {
            runs,
            layout,
            ci,
            cells,
            ranks,
            signature,
        }
    }

    /// The row labels: each run's `name`.
    pub fn names(&self) -> Vec<&str> {
        self.runs
            .iter()
            .map(|r| r.document.run.name.as_str())
            .collect()
    }

    /// Whether cells are ranked (more than one row).
    pub fn ranked(&self) -> bool {
        self.runs.len() > 1
    }

    /// A cell as text, with its interval under `--ci`: `61.28 [59.90, 62.60]`;
    /// `-` when not scored.
    pub fn text(&self, row: usize, column: usize) -> String {
        match &self.cells[row][column] {
            None => "-".into(),
            Some(m) => figure(m.value, m.ci.as_ref().filter(|_| self.ci)),
        }
    }
}

/// Reads the results at `paths` (one row each) for a leaderboard, with
/// their sample records when `samples` (the format shows them:
/// `Format::needs_samples`). Refuses
/// runs whose signatures are not comparable; returns the board and the
/// warnings for stderr (a version difference; with `ci`, runs without
/// intervals; for the HTML page, runs without per-sample files).
pub fn read_board(paths: &[PathBuf], samples: bool, ci: bool) -> Result<(Board, Vec<String>)> {
    let runs: Vec<Run> = paths
        .iter()
        .map(|p| {
            if samples {
                read_run(p)
            } else {
                read_document(p).map(Run::unsampled)
            }
        })
        .collect::<Result<_>>()?;
    let labelled: Vec<(String, &ResultsDocument)> = paths
        .iter()
        .zip(&runs)
        .map(|(p, r)| (p.display().to_string(), &r.document))
        .collect();
    let mut warnings = check_signatures(&labelled)?;
    warnings.extend(missing_intervals(&labelled).filter(|_| ci));
    if samples {
        warnings.extend(missing_samples(&runs, paths));
    }
    let documents: Vec<ResultsDocument> = runs.iter().map(|r| r.document.clone()).collect();
    let layout = Layout::for_documents(&documents);
    Ok((Board::new(runs, layout, ci), warnings))
}

/// A warning per run without per-sample files: the HTML page shows no
/// distributions or worst samples for it.
pub fn missing_samples(runs: &[Run], paths: &[PathBuf]) -> Vec<String> {
    runs.iter()
        .zip(paths)
        .filter(|(run, _)| run.samples.is_empty())
        .map(|(run, path)| {
            format!(
                "{}: no per-sample files, so the report shows no distributions or worst samples for `{}` \
                 (write results with `cuebench eval --output DIR`)",
                path.display(),
                run.name
            )
        })
        .collect()
}

/// The first result's signature with `task:all`: what every row shares.
fn combined_signature(runs: &[Run]) -> String {
    runs.first()
        .and_then(|r| r.document.results.first())
        .map(|e| {
            let r = &e.result;
            r.signature
                .replace(&format!("task:{}|", r.task), "task:all|")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskResult;
    use crate::model::document::{for_tests, result_for_tests};

    fn result(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
        let signature = format!("cuebench:2|task:{task}|tiou:union|version:0.2.0");
        result_for_tests(task, &signature, metrics)
    }

    fn doc(name: &str, results: Vec<TaskResult>) -> ResultsDocument {
        let mut d = for_tests(results);
        d.run.name = name.into();
        d
    }

    #[test]
    fn table2_has_twenty_columns_in_paper_order() {
        let l = Layout::table2();
        assert_eq!(l.columns.len(), 20);
        assert_eq!(l.titles()[0], "Event Struct");
        assert_eq!(l.titles()[3], "Scene Struct");
        assert_eq!(l.titles()[19], "Anticipation Hier");
    }

    #[test]
    fn ranks_are_dense_on_printed_values_with_shared_ties() {
        // 80.004 and 80.001 both print 80.00: both best; 70 is second; 60 unranked.
        assert_eq!(
            ranks(&[Some(80.004), Some(70.0), None, Some(80.001), Some(60.0)]),
            vec![Some(1), Some(2), None, Some(1), None]
        );
        // One distinct value: all best, no second.
        assert_eq!(ranks(&[Some(5.0), Some(5.0)]), vec![Some(1), Some(1)]);
        assert_eq!(ranks(&[None]), vec![None]);
    }

    #[test]
    fn differing_signatures_are_refused_and_versions_warned() {
        let a = doc("a", vec![result("event", &[("Struct", 1.0)])]);
        let mut b = doc("b", vec![result("scene", &[("Struct", 1.0)])]);
        assert!(
            check_signatures(&[("a".into(), &a), ("b".into(), &b)])
                .unwrap()
                .is_empty()
        );
        b.results[0].result.signature = "cuebench:2|task:scene|tiou:union|version:0.3.0".into();
        let w = check_signatures(&[("a".into(), &a), ("b".into(), &b)]).unwrap();
        assert_eq!(w.len(), 1);
        b.results[0].result.signature = "cuebench:2|task:scene|tiou:matched|version:0.2.0".into();
        let err = check_signatures(&[("a".into(), &a), ("b".into(), &b)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("tiou: a (event) union, b (scene) matched"),
            "{err}"
        );
    }
}
