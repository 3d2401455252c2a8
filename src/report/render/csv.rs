//! CSV with a header row (RFC 4180 quoting by the `csv` crate): plain
//! numbers, intervals in their own `low`/`high` columns. With `--by`, the
//! groups' long table replaces the results (one table per output).

use super::{EvalView, Renderer, metric_columns, results_grid, results_or_row};
use crate::model::{Group, ResultsDocument};
use crate::report::compare::Comparison;
use crate::report::leaderboard::Board;
use crate::report::numbers::percent;

/// One CSV table per view.
pub struct Csv;

/// CSV text from a header and rows.
fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row);
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

impl Renderer for Csv {
    /// One row per task.
    fn results(&self, document: &ResultsDocument) -> String {
        let (header, rows) = results_grid(&document.task_results(), true);
        table(&header, &rows)
    }

    /// One long table: a row per task and group, the whole task first as
    /// group `all`.
    fn groups(&self, document: &ResultsDocument) -> String {
        let entries = &document.results;
        let names = metric_columns(entries.iter().map(|e| &e.result));
        let mut header: Vec<String> = ["benchmark", "task", "by", "group", "samples", "small"]
            .map(String::from)
            .to_vec();
        header.extend(names.iter().map(|n| n.to_string()));
        let mut rows = Vec::new();
        for entry in entries {
            let result = &entry.result;
            let whole = Group {
                by: "all".into(),
                group: "all".into(),
                samples: result.counts.samples,
                small: false,
                metrics: result.metrics.clone(),
                members: Vec::new(),
            };
            for g in std::iter::once(&whole).chain(&entry.groups) {
                let mut row = vec![
                    result.benchmark.to_string(),
                    result.task.clone(),
                    g.by.clone(),
                    g.group.clone(),
                    g.samples.to_string(),
                    g.small.to_string(),
                ];
                row.extend(names.iter().map(|n| {
                    g.metrics
                        .iter()
                        .find(|m| m.name == *n)
                        .map_or_else(String::new, |m| percent(m.value))
                }));
                rows.push(row);
            }
        }
        table(&header, &rows)
    }

    /// Plain numbers (empty when not scored); with `--ci`, `low` and `high`
    /// columns after each figure that has an interval.
    fn leaderboard(&self, board: &Board) -> String {
        let columns = board.layout.columns.len();
        let with_ci: Vec<bool> = (0..columns)
            .map(|c| {
                board.ci
                    && board
                        .cells
                        .iter()
                        .any(|row| row[c].as_ref().is_some_and(|m| m.ci.is_some()))
            })
            .collect();
        let mut header = vec!["model".to_owned()];
        for (title, &w) in board.layout.titles().into_iter().zip(&with_ci) {
            if w {
                header.extend([
                    title.clone(),
                    format!("{title} low"),
                    format!("{title} high"),
                ]);
            } else {
                header.push(title);
            }
        }
        let rows: Vec<Vec<String>> = board
            .names()
            .into_iter()
            .zip(&board.cells)
            .map(|(name, row)| {
                let mut out = vec![name.to_owned()];
                for (m, &w) in row.iter().zip(&with_ci) {
                    out.push(m.as_ref().map_or_else(String::new, |m| percent(m.value)));
                    if w {
                        let i = m.as_ref().and_then(|m| m.ci);
                        out.push(i.map_or_else(String::new, |i| percent(i.low)));
                        out.push(i.map_or_else(String::new, |i| percent(i.high)));
                    }
                }
                out
            })
            .collect();
        table(&header, &rows)
    }

    /// A row per figure.
    fn comparison(&self, comparison: &Comparison) -> String {
        let (header, rows) = comparison.grid(false);
        table(&header, &rows)
    }

    /// With `--by`, the groups' long table alone (it holds each task's
    /// whole figures as group `all`).
    fn eval(&self, view: &EvalView<'_>) -> String {
        if view.by {
            self.groups(view.document)
        } else {
            results_or_row(self, view)
        }
    }
}
